//go:build cgo && !purego && openblas

package kernels

/*
#cgo LDFLAGS: -lopenblas
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

// Present only in DYNAMIC_ARCH builds of OpenBLAS (Debian's is one); weak so
// that a library built for one CPU still links.
extern void gotoblas_dynamic_init(void) __attribute__((weak));
extern void gotoblas_dynamic_quit(void) __attribute__((weak));

// fix_coretype re-runs OpenBLAS's kernel selection with OPENBLAS_CORETYPE
// set when the library fell back to its generic SSE3 kernels ("Prescott")
// on a CPU it does not recognize but that has AVX-512 or AVX2. It leaves an
// explicit OPENBLAS_CORETYPE alone.
static void fix_coretype(void) {
	const char *core = NULL;
	if (getenv("OPENBLAS_CORETYPE") != NULL || !gotoblas_dynamic_init || !gotoblas_dynamic_quit) {
		return;
	}
	if (strcmp(openblas_get_corename(), "Prescott") != 0) {
		return;
	}
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) {
		core = "SkylakeX";
	} else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
		core = "Haswell";
	} else {
		return;
	}
	setenv("OPENBLAS_CORETYPE", core, 1);
	gotoblas_dynamic_quit();
	gotoblas_dynamic_init();
}
*/
import "C"

import "unsafe"

// OpenBLAS 0.3.21 (Debian 12) does not know the CPU models of these
// machines (Xeon family 6 model 207) and runs its generic SSE3 kernels at
// about a tenth of the speed. The library has already picked its kernels
// when the process starts, before any Go code, so the choice is redone here,
// once, before the first sgemm.
func init() {
	C.fix_coretype()
	// One thread per call: Sgemm splits large products over the pool.
	C.openblas_set_num_threads(1)
}

// BF16Products is false: the OpenBLAS build multiplies in f32 only.
func BF16Products() (ok bool, why string) { return false, "the OpenBLAS build has no bf16 products" }

// Backend names the BLAS behind Sgemm and the kernels it chose, for logs.
func Backend() string { return "openblas " + C.GoString(C.openblas_get_corename()) }

// splitGemm: OpenBLAS runs on one thread per call (init), so Sgemm splits
// large products itself.
const splitGemm = true

// sgemm calls OpenBLAS's cblas_sgemm, which is 10–20× faster than gonum's
// pure-Go kernel on these machines; build with the purego tag (or without
// cgo) to use gonum instead.
func sgemm(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if threads > 1 {
		// OpenBLAS's thread count is the process's: more than one only
		// for this product (measurements; Sgemm asks for one).
		C.openblas_set_num_threads(C.int(threads))
		defer C.openblas_set_num_threads(1)
	}
	// cgo passes the C enums as their underlying uint32.
	var ta, tb uint32 = C.CblasNoTrans, C.CblasNoTrans
	if transA {
		ta = C.CblasTrans
	}
	if transB {
		tb = C.CblasTrans
	}
	// k == 0 leaves a and b possibly empty; OpenBLAS then only scales C, but
	// it still wants valid pointers, so hand it C's.
	pa, pb := unsafe.Pointer(&c[0]), unsafe.Pointer(&c[0])
	if k > 0 {
		pa, pb = unsafe.Pointer(&a[0]), unsafe.Pointer(&b[0])
	}
	C.cblas_sgemm(C.CblasRowMajor, ta, tb, C.blasint(m), C.blasint(n), C.blasint(k),
		C.float(alpha), (*C.float)(pa), C.blasint(lda), (*C.float)(pb), C.blasint(ldb),
		C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.blasint(ldc))
}
