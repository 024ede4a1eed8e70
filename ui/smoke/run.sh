#!/bin/sh
# Smoke test of the real window under Xvfb (make test-smoke): builds
# ganstudio, runs `ganstudio --preset lite-mnist --autostart --metrics-every 20`
# on a virtual display for a minute and checks two screenshots (the grid
# changed, curves and sample-quality plots are drawn). Screenshots and the app's log go to $SMOKE_OUT (default
# a new temporary folder, printed).
set -eu
cd "$(dirname "$0")/../.."
SMOKE_OUT=${SMOKE_OUT:-$(mktemp -d -t ganstudio-smoke.XXXXXX)}
export SMOKE_OUT
mkdir -p "$SMOKE_OUT"
echo "smoke: screenshots in $SMOKE_OUT"
exec go test -tags xvfb -count=1 -v -timeout 5m ./ui/smoke/
