#!/usr/bin/env bash
# Runs the tests that promise bit-exact runs (same seed, same losses;
# resume is exact; a SIGKILLed run resumes to the same losses; a split
# product does not depend on the pool) once more under every OpenBLAS
# kernel family this CPU can execute, and once under the pure-Go BLAS.
# OpenBLAS picks other kernels on other CPUs, and each family rounds in its
# own way: a contributor's laptop (AVX2, "Haswell" or "Zen") must be as
# exact as the machine the tests were written on.
#
#   scripts/test-kernels.sh            (make test runs it)
#
# These are extra runs: the normal test runs leave the environment's
# OPENBLAS_CORETYPE as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
TESTS='SameSeed|ResumeIsExact|GenerateShapes|SameBits|SIGKILL'
PKGS="./model/ ./model/kernels/ ./training/ ./app/"

flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
has() { for f in "$@"; do [[ " $flags " == *" $f "* ]] || return 1; done; }

# family: the cpuinfo flags its kernels need (OpenBLAS 0.3.21's
# DYNAMIC_ARCH names; Prescott is its generic SSE3 x86-64 family).
families=(
	"Prescott:pni"
	"Sandybridge:avx"
	"Haswell:avx2 fma"
	"Zen:avx2 fma"
	"SkylakeX:avx512f avx512cd avx512bw avx512dq avx512vl"
	"Cooperlake:avx512f avx512cd avx512bw avx512dq avx512vl avx512_bf16"
)
ran=0
for entry in "${families[@]}"; do
	family=${entry%%:*}
	# shellcheck disable=SC2086
	if ! has ${entry#*:}; then
		echo "kernels $family: skipped, this CPU lacks ${entry#*:}"
		continue
	fi
	# OpenBLAS falls back silently on a name it does not know: check what
	# it runs before trusting the result.
	got=$(OPENBLAS_CORETYPE=$family "$GO" test -count=1 -v -run '^TestCoreType$' ./model/kernels/ | sed -n 's/.*openblas \([A-Za-z0-9]*\).*/\1/p' | head -1)
	if [ "$got" != "$family" ]; then
		echo "kernels $family: skipped, OpenBLAS runs ${got:-unknown} kernels when asked for it"
		continue
	fi
	echo "kernels $family:"
	# shellcheck disable=SC2086
	OPENBLAS_CORETYPE=$family "$GO" test -count=1 -timeout 10m -run "$TESTS" $PKGS
	ran=$((ran + 1))
done
echo "kernels pure-Go BLAS (purego):"
# shellcheck disable=SC2086
"$GO" test -tags purego -count=1 -timeout 10m -run "$TESTS" $PKGS
echo "kernel families tested: $ran OpenBLAS and pure Go"
