#!/bin/sh
# Smoke tests of the real window under Xvfb (make test-smoke): build
# ganstudio, run `ganstudio --preset lite-mnist --autostart --metrics-every 20`
# on a virtual display for a minute and check two screenshots (the grid
# changed, curves and sample-quality plots are drawn); open the window on
# screens from 1280×720 to 4K at scale 2, on MNIST and on a folder of
# pictures, and check that it fits with the whole grid in view (the log
# gives the grid's share of the window); then train 10,000 quick steps in
# the window with its UI report on and check that memory stays flat and
# the UI thread never freezes. Screenshots, the UI report and the app's
# logs go to $SMOKE_OUT (default a new temporary folder, printed).
set -eu
cd "$(dirname "$0")/../.."
SMOKE_OUT=${SMOKE_OUT:-$(mktemp -d -t ganstudio-smoke.XXXXXX)}
export SMOKE_OUT
mkdir -p "$SMOKE_OUT"
echo "smoke: screenshots in $SMOKE_OUT"
exec go test -tags xvfb -count=1 -v -timeout 20m ./ui/smoke/
