#!/bin/sh
# Sample quality of the training options at equal steps (issue 13's
# table): for each option set and seed, train PRESET for STEPS steps with
# the run's own metrics off, then score 1,000 samples of the final
# checkpoint with `ganstudio eval` (FCD and classes covered). Prints one
# Markdown row per run, and a median per option.
#
#   scripts/compare-options.sh lite-mnist 859 "1 2 3"
#   scripts/compare-options.sh lite-fashion-mnist 937 "1 2 3" 'plain|conditional'
#
# The fourth argument, an extended regular expression, picks the option
# rows by name (default: all).
# Runs go to $OUT (default a new temporary folder).
set -eu
cd "$(dirname "$0")/.."
PRESET=${1:-lite-mnist}
STEPS=${2:-859}
SEEDS=${3:-1}
PICK=${4:-.}
OUT=${OUT:-$(mktemp -d -t ganstudio-options.XXXXXX)}
BIN=$OUT/ganstudio
go build -o "$BIN" ./app
echo "runs in $OUT; $PRESET, $STEPS steps, seeds $SEEDS"
echo
echo "| option | seed | FCD | classes covered |"
echo "|---|---|---|---|"
while IFS='|' read -r name flags; do
	[ -z "$name" ] && continue
	echo "$name" | grep -Eq "^($PICK)\$" || [ "$PICK" = . ] || continue
	for seed in $SEEDS; do
		dir="$OUT/$(echo "$name" | tr ' +' '__')-$seed"
		# shellcheck disable=SC2086
		"$BIN" train --preset "$PRESET" --steps "$STEPS" --seed "$seed" --metrics-every 0 --autosave 0 --out "$dir" $flags >"$dir.log" 2>&1
		ckpt=$(ls "$dir"/checkpoints/*.ckpt | tail -1)
		"$BIN" eval --checkpoint "$ckpt" --n 1000 --json >"$dir.json"
		python3 -c "import json,sys; m=json.load(open('$dir.json')); print('| $name | $seed | %.1f | %d |' % (m['fcd'], m['covered']))"
	done
done <<'OPTIONS'
plain|
EMA 0.999|--ema 0.999
DiffAugment|--augment translation,cutout,color
hinge|--loss hinge
least squares|--loss ls
EMA + hinge|--ema 0.999 --loss hinge
hinge + TTUR|--loss hinge --lr-g 0.0001 --lr-d 0.0004 --beta1 0 --beta2 0.9
conditional|--conditional
conditional + hinge|--conditional --loss hinge
conditional + EMA|--conditional --ema 0.999
OPTIONS
