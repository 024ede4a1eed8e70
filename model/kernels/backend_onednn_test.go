//go:build cgo && !purego && !openblas

package kernels

import (
	"os"
	"strings"
	"testing"
)

// TestBackend checks that oneDNN honours ONEDNN_MAX_CPU_ISA, which
// scripts/test-kernels.sh uses to run the exactness tests under each
// instruction set's kernels: a cap it ignored would test one family several
// times over. The script reads the family from the log.
func TestBackend(t *testing.T) {
	t.Log(Backend())
	rank := map[string]int{"sse41": 1, "avx": 2, "avx2": 3, "avx512_core": 4}
	want := strings.ToLower(os.Getenv("ONEDNN_MAX_CPU_ISA"))
	if rank[want] == 0 {
		t.Skipf("ONEDNN_MAX_CPU_ISA is %q, not one of the families the script tests", want)
	}
	got := strings.TrimPrefix(Backend(), "onednn ")
	if rank[got] == 0 || rank[got] > rank[want] {
		t.Fatalf("oneDNN runs %s kernels with ONEDNN_MAX_CPU_ISA=%s", got, want)
	}
	if got != want {
		t.Skipf("oneDNN runs %s kernels when asked for %s: this CPU lacks %s", got, want, want)
	}
}

// TestBF16Products: oneDNN offers bf16 products exactly where the CPU has
// the instructions (AVX512_BF16 or AMX-BF16, in /proc/cpuinfo's flags) and
// the instruction-set cap lets oneDNN use them.
func TestBF16Products(t *testing.T) {
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skipf("no /proc/cpuinfo: %v", err)
	}
	_, flags, _ := strings.Cut(string(info), "\nflags")
	flags, _, _ = strings.Cut(flags, "\n")
	hasBF16 := strings.Contains(flags, " avx512_bf16") || strings.Contains(flags, " amx_bf16")
	isa := strings.TrimPrefix(Backend(), "onednn ")
	capped := isa != "avx512_core_bf16" && isa != "avx512_core_amx"
	ok, why := BF16Products()
	t.Logf("CPU flags name bf16: %v; oneDNN runs %s; bf16 products: %v %s", hasBF16, isa, ok, why)
	switch {
	case ok && !hasBF16:
		t.Fatal("oneDNN offers bf16 products on a CPU without AVX512_BF16 or AMX-BF16")
	case !ok && hasBF16 && !capped:
		t.Fatalf("the CPU has bf16 instructions and oneDNN runs %s, yet: %s", isa, why)
	case !ok && !strings.Contains(why, isa):
		t.Errorf("the reason %q does not name the instruction set %s", why, isa)
	}
}
