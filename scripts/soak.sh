#!/bin/sh
# Soak test: trains headless and samples the process's resident memory
# every EVERY steps, so that a leak shows as a rising column.
# usage: scripts/soak.sh OUT_DIR EVERY [ganstudio train flags…]
set -eu
out=$1 every=$2
shift 2
bin=${GANSTUDIO:-./ganstudio}
[ -x "$bin" ] || go build -o "$bin" ./app
"$bin" train --out "$out" "$@" >"$out.log" 2>&1 &
pid=$!
echo "step,rss_mib,time"
next=$every
while kill -0 "$pid" 2>/dev/null; do
	rows=$(($( { wc -l <"$out/losses.csv"; } 2>/dev/null || echo 1) - 1))
	if [ "$rows" -ge "$next" ]; then
		rss=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$pid/status 2>/dev/null || echo "?")
		echo "$rows,$rss,$(date +%T)"
		next=$((next + every))
	fi
	sleep 1
done
wait "$pid"
