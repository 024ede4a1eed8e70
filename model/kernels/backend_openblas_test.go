//go:build cgo && !purego && openblas

package kernels

import (
	"os"
	"strings"
	"testing"
)

// TestCoreType checks that OpenBLAS does not run its generic kernels on a
// CPU with AVX2, which it does by default on these machines.
func TestCoreType(t *testing.T) {
	t.Log(Backend())
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil || os.Getenv("OPENBLAS_CORETYPE") != "" {
		t.Skip("no /proc/cpuinfo or an explicit OPENBLAS_CORETYPE")
	}
	if strings.Contains(string(info), " avx2 ") && Backend() == "openblas Prescott" {
		t.Fatal("OpenBLAS uses its generic SSE3 kernels on an AVX2 CPU")
	}
}
