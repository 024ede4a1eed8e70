#!/usr/bin/env bash
# Runs the tests that promise bit-exact runs (same seed, same losses;
# resume is exact; a SIGKILLed run resumes to the same losses; a split
# product does not depend on the pool) once more under every oneDNN
# instruction-set family this CPU can execute, once with the openblas build
# tag (OpenBLAS, with whatever OPENBLAS_CORETYPE the environment sets), and
# once under the pure-Go BLAS. Each family rounds in its own way: a
# contributor's AVX2 laptop must be as exact as an AVX-512 server.
#
#   scripts/test-kernels.sh            (make test runs it)
#
# These are extra runs: the normal test runs leave ONEDNN_MAX_CPU_ISA and
# OPENBLAS_CORETYPE as the environment has them.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
TESTS='SameSeed|ResumeIsExact|GenerateShapes|SameBits|SIGKILL'
PKGS="./model/ ./model/kernels/ ./training/ ./app/"

flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
has() { for f in "$@"; do [[ " $flags " == *" $f "* ]] || return 1; done; }

# family: the cpuinfo flags its kernels need (oneDNN's ONEDNN_MAX_CPU_ISA
# names; its f32 products use the same kernels above AVX512_CORE).
families=(
	"SSE41:sse4_1"
	"AVX:avx"
	"AVX2:avx2 fma"
	"AVX512_CORE:avx512f avx512bw avx512vl avx512dq"
)
ran=0
for entry in "${families[@]}"; do
	family=${entry%%:*}
	# shellcheck disable=SC2086
	if ! has ${entry#*:}; then
		echo "kernels $family: skipped, this CPU lacks ${entry#*:}"
		continue
	fi
	# Check what oneDNN runs before trusting the result (TestBackend fails
	# when it ignores the cap).
	ONEDNN_MAX_CPU_ISA=$family "$GO" test -count=1 -run '^TestBackend$' ./model/kernels/
	echo "kernels oneDNN $family:"
	# shellcheck disable=SC2086
	ONEDNN_MAX_CPU_ISA=$family "$GO" test -count=1 -timeout 10m -run "$TESTS" $PKGS
	ran=$((ran + 1))
done
echo "kernels OpenBLAS (openblas tag, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}):"
# shellcheck disable=SC2086
"$GO" test -tags openblas -count=1 -timeout 10m -run "$TESTS|CoreType" $PKGS
echo "kernels pure-Go BLAS (purego):"
# shellcheck disable=SC2086
"$GO" test -tags purego -count=1 -timeout 10m -run "$TESTS" $PKGS
echo "kernel families tested: $ran oneDNN, OpenBLAS and pure Go"
