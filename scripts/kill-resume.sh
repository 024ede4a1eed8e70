#!/usr/bin/env bash
# Crash drill with the default cadences: trains a preset headless, SIGKILLs
# it at a random moment between MIN and MAX seconds, resumes, and repeats
# until the run finishes; then trains the same run uninterrupted and checks
# that both losses.csv are equal. For every kill it prints how old the
# checkpoint the resume starts from was (the autosave promise: about a
# minute).
#
#   scripts/kill-resume.sh OUT KILLS [ganstudio train flags…]
#   e.g. scripts/kill-resume.sh /tmp/drill 3 --preset lite-mnist --steps 900
#
# Environment: MIN and MAX (default 70 and 200 s), GANSTUDIO (binary).
set -euo pipefail
out=$1 kills=$2
shift 2
MIN=${MIN:-70} MAX=${MAX:-200}
bin=${GANSTUDIO:-./ganstudio}
[ -x "$bin" ] || go build -tags ci -o "$bin" ./app
rm -rf "$out" "$out-straight"
mkdir -p "$(dirname "$out")"

"$bin" train --out "$out" "$@" >"$out.log" 2>&1 &
pid=$!
for i in $(seq "$kills"); do
	wait_s=$((MIN + RANDOM % (MAX - MIN + 1)))
	sleep "$wait_s"
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "kill $i: the run had already finished"
		break
	fi
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	killed_at=$(date +%s)
	newest=$(ls -t "$out"/checkpoints/*.ckpt 2>/dev/null | head -1 || true)
	if [ -n "$newest" ]; then
		age=$((killed_at - $(stat -c %Y "$newest")))
		echo "kill $i after ${wait_s}s: resumes from $(basename "$newest"), written ${age}s before the kill"
	else
		echo "kill $i after ${wait_s}s: no checkpoint yet"
	fi
	"$bin" train --resume "$out" >>"$out.log" 2>&1 &
	pid=$!
done
wait "$pid"

"$bin" train --out "$out-straight" "$@" >"$out-straight.log" 2>&1
if cmp -s <(cut -d, -f1-6 "$out/losses.csv") <(cut -d, -f1-6 "$out-straight/losses.csv"); then
	echo "losses.csv equal to the uninterrupted run's ($(($(wc -l <"$out/losses.csv") - 1)) steps)"
else
	echo "losses.csv DIFFERS from the uninterrupted run's"
	exit 1
fi
