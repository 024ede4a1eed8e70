#!/bin/sh
# How often a class-conditional generator draws the class asked for
# (issue 13): train PRESET with --conditional for EPOCHS epochs (or use
# CHECKPOINT), draw N samples of every class with `ganstudio sample
# --class K`, and let the project's MNIST, Fashion-MNIST or CIFAR-10
# classifier (`ganstudio eval --images`) say which class each is. Prints one row per
# class and the mean agreement. The samples stay in $OUT for an
# independent classifier.
#
#   scripts/conditional-accuracy.sh lite-mnist 5
#   CHECKPOINT=runs/x/checkpoints/step-0004295.ckpt scripts/conditional-accuracy.sh
#   CHECKPOINT=runs/y/checkpoints/step-0003000.ckpt scripts/conditional-accuracy.sh cifar10-conditional-stable
set -eu
cd "$(dirname "$0")/.."
PRESET=${1:-lite-mnist}
EPOCHS=${2:-5}
N=${N:-1000}
case "$PRESET" in *fashion*) DATASET=fashion-mnist ;; *cifar*) DATASET=cifar10 ;; *) DATASET=mnist ;; esac
OUT=${OUT:-$(mktemp -d -t ganstudio-conditional.XXXXXX)}
BIN=$OUT/ganstudio
go build -o "$BIN" ./app
if [ -z "${CHECKPOINT:-}" ]; then
	"$BIN" train --preset "$PRESET" --epochs "$EPOCHS" --conditional --metrics-every 0 --out "$OUT/run" >"$OUT/train.log" 2>&1
	CHECKPOINT=$(ls "$OUT"/run/checkpoints/*.ckpt | tail -1)
fi
echo "checkpoint $CHECKPOINT; $N samples per class in $OUT/class-K"
echo
echo "| class asked | classifier agrees |"
echo "|---|---|"
total=0
for k in 0 1 2 3 4 5 6 7 8 9; do
	"$BIN" sample --checkpoint "$CHECKPOINT" --class "$k" --n "$N" --seed "$((k + 1))" --out "$OUT/class-$k" >/dev/null
	"$BIN" eval --images "$OUT/class-$k" --dataset "$DATASET" --json >"$OUT/class-$k.json"
	share=$(python3 -c "import json; m=json.load(open('$OUT/class-$k.json')); print('%.3f' % (m['histogram'][$k] / m['n']))")
	echo "| $k | $share |"
	total=$(python3 -c "print($total + $share)")
done
python3 -c "print('\nmean agreement: %.3f' % ($total / 10))"
