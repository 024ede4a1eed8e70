#!/bin/sh
# The colour recipes against the seed's (issue 28's tables in
# docs/METRICS.md): train each recipe on CIFAR-10 (all ten classes,
# class-conditional) for STEPS steps with the run's own metrics every 500
# steps (FCD of 1,000 samples against the CIFAR-10 test set, by the
# project's colour classifier), for each seed; print the FCD curve of
# every run, then the share of `sample --class K` samples that the
# classifier puts in class K, per class, for the last checkpoint of each.
#
#   scripts/colour-recipes.sh 3000 "1 2 3"
#   scripts/colour-recipes.sh 1000 1 'folder'    # rows whose name matches
#   scripts/colour-recipes.sh 3000 "1 2 3" '^seed-folder'
#
# Two runs train at a time, one core each (GOMAXPROCS=1). Runs go to $OUT
# (default a new temporary folder).
set -eu
cd "$(dirname "$0")/.."
STEPS=${1:-3000}
SEEDS=${2:-1}
PICK=${3:-.}
OUT=${OUT:-$(mktemp -d -t ganstudio-colour.XXXXXX)}
mkdir -p "$OUT"
BIN=${BIN:-}
HORSES=${HORSES:-../shared/datasets/cifar10-horse-jpeg}
if [ -z "$BIN" ]; then # BIN: a ganstudio already built
	BIN=$OUT/ganstudio
	go build -o "$BIN" ./app
fi
echo "runs in $OUT; $STEPS steps, seeds $SEEDS"

recipes() {
	cat <<RECIPES
stable-conditional|--preset cifar10-conditional-stable
seed-conditional|--preset seed-cifar-horses --dataset cifar10 --conditional --width 128
stable|--preset cifar10-stable
folder-sn|--preset seed-cifar-horses --dataset $HORSES --width 128 --spectral-norm
seed-folder|--preset seed-cifar-horses --dataset $HORSES --width 128
seed-folder-augment|--preset seed-cifar-horses --dataset $HORSES --width 128 --augment translation,cutout,color
seed-folder-ema|--preset seed-cifar-horses --dataset $HORSES --width 128 --ema 0.999
seed-plain|--preset seed-cifar-horses --dataset cifar10 --width 128
folder64|--preset dcgan64-folder --dataset $HORSES --width 128
folder64-augment|--preset dcgan64-folder --dataset $HORSES --width 128 --augment translation,cutout,color
folder64-sn|--preset dcgan64-folder --dataset $HORSES --width 128 --spectral-norm
RECIPES
}

# One line per run: name seed flags.
recipes | while IFS='|' read -r name flags; do
	echo "$name" | grep -Eq "$PICK" || continue
	for seed in $SEEDS; do echo "$name $seed $flags"; done
done >"$OUT/runs.txt"

train() { # name seed flags…
	name=$1 seed=$2
	shift 2
	GOMAXPROCS=1 "$BIN" train "$@" --steps "$STEPS" --seed "$seed" --metrics-every 500 --sample-every 500 \
		--checkpoint-every 1000 --autosave 0 --out "$OUT/$name-s$seed" >"$OUT/$name-s$seed.log" 2>&1
}
i=0
# shellcheck disable=SC2086
while read -r name seed flags; do
	train "$name" "$seed" $flags </dev/null &
	i=$((i + 1))
	if [ $((i % 2)) -eq 0 ]; then wait; fi
done <"$OUT/runs.txt"
wait

echo
echo "| run | FCD every 500 steps |"
echo "|---|---|"
while read -r name seed flags; do
	printf '| %s seed %s | %s |\n' "$name" "$seed" "$(tail -n +2 "$OUT/$name-s$seed/metrics.csv" | cut -d, -f3 | xargs printf '%.0f ' )"
done <"$OUT/runs.txt"

while read -r name seed flags; do
	case "$flags" in *conditional*) ;; *) continue ;; esac
	ckpt=$(ls "$OUT/$name-s$seed"/checkpoints/*.ckpt | tail -1)
	echo
	echo "$name seed $seed:"
	CHECKPOINT=$ckpt OUT=$OUT/$name-s$seed-classes scripts/conditional-accuracy.sh cifar10
done <"$OUT/runs.txt"
