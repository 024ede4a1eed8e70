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
