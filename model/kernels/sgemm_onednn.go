//go:build cgo && !purego && !openblas

package kernels

/*
#cgo LDFLAGS: -ldnnl -lgomp
#include <malloc.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

// sgemm_threads runs one product on the calling thread and threads-1
// OpenMP threads. OpenMP's thread count is a per-thread setting, and the Go
// pool calls in from several OS threads, so it is set on every call.
static int sgemm_threads(int threads, char ta, char tb, dnnl_dim_t m, dnnl_dim_t n, dnnl_dim_t k,
		float alpha, const float *a, dnnl_dim_t lda, const float *b, dnnl_dim_t ldb,
		float beta, float *c, dnnl_dim_t ldc) {
	omp_set_num_threads(threads);
	return dnnl_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// bf16_matmul_status asks oneDNN for a matmul of bf16 operands into f32,
// the product of mixed precision, and returns dnnl_success where this CPU
// has one (dnnl_unimplemented where it lacks AVX512_BF16 and AMX).
static dnnl_status_t bf16_matmul_status(void) {
	dnnl_engine_t eng;
	dnnl_status_t s = dnnl_engine_create(&eng, dnnl_cpu, 0);
	if (s != dnnl_success) return s;
	dnnl_memory_desc_t a, b, c;
	dnnl_dims_t da = {64, 256}, db = {256, 128}, dc = {64, 128};
	dnnl_memory_desc_init_by_tag(&a, 2, da, dnnl_bf16, dnnl_ab);
	dnnl_memory_desc_init_by_tag(&b, 2, db, dnnl_bf16, dnnl_ab);
	dnnl_memory_desc_init_by_tag(&c, 2, dc, dnnl_f32, dnnl_ab);
	dnnl_matmul_desc_t md;
	s = dnnl_matmul_desc_init(&md, &a, &b, NULL, &c);
	if (s == dnnl_success) {
		dnnl_primitive_desc_t pd;
		s = dnnl_primitive_desc_create(&pd, &md, NULL, eng, NULL);
		if (s == dnnl_success) dnnl_primitive_desc_destroy(pd);
	}
	dnnl_engine_destroy(eng);
	return s;
}
*/
import "C"

import (
	"fmt"
	"strings"
	"sync/atomic"
	"unsafe"
)

// Backend names the BLAS behind Sgemm and the instruction set its kernels
// use, for logs: oneDNN picks them from the CPU's feature flags (capped by
// ONEDNN_MAX_CPU_ISA), so it needs no table of CPU models, and it is not
// bound by OPENBLAS_CORETYPE, which an environment may set to an older
// family than the CPU runs (AVX2 kernels on an AVX-512 machine run at half
// speed).
func Backend() string {
	isa := C.dnnl_get_effective_cpu_isa()
	names := map[C.dnnl_cpu_isa_t]string{
		C.dnnl_cpu_isa_sse41:            "sse41",
		C.dnnl_cpu_isa_avx:              "avx",
		C.dnnl_cpu_isa_avx2:             "avx2",
		C.dnnl_cpu_isa_avx2_vnni:        "avx2_vnni",
		C.dnnl_cpu_isa_avx512_core:      "avx512_core",
		C.dnnl_cpu_isa_avx512_core_vnni: "avx512_core_vnni",
		C.dnnl_cpu_isa_avx512_core_bf16: "avx512_core_bf16",
		C.dnnl_cpu_isa_avx512_core_amx:  "avx512_core_amx",
		C.dnnl_cpu_isa_avx512_mic:       "avx512_mic",
		C.dnnl_cpu_isa_avx512_mic_4ops:  "avx512_mic_4ops",
	}
	name, ok := names[isa]
	if !ok {
		name = fmt.Sprintf("isa %#x", int(isa))
	}
	return "onednn " + name
}

// BF16Products says whether oneDNN has bfloat16 products on this CPU
// (bf16 operands, f32 accumulation: AVX512_BF16 or AMX) and, where it has
// none, why, in words for a log line.
func BF16Products() (ok bool, why string) {
	switch s := C.bf16_matmul_status(); s {
	case C.dnnl_success:
		return true, ""
	case C.dnnl_unimplemented:
		return false, fmt.Sprintf("oneDNN has no bf16 products for %s (they need AVX512_BF16 or AMX)", strings.TrimPrefix(Backend(), "onednn "))
	default:
		return false, fmt.Sprintf("oneDNN refused a bf16 product with status %d", int(s))
	}
}

// dnnl_sgemm allocates its packing buffers (1 to 1.5 MB) with
// posix_memalign on every call, and glibc 2.36 (Debian 12) does not reuse
// the holes that aligned allocations leave: its arenas grew by about 0.4 MB
// per seed iteration while under 3 MB was ever in use, 50 to 60 MB of
// resident memory within a few hundred iterations. Every trimEvery products
// (about two seed iterations) malloc_trim hands the free pages back; the
// pages the next products use fault in again, which cost no measurable time
// (docs/PERFORMANCE.md).
const trimEvery = 512

// sgemmCalls counts products process-wide, as the arenas it trims are
// process-wide.
var sgemmCalls atomic.Uint32

// splitGemm: oneDNN runs a product on as many threads as sgemm is told
// (one, for Sgemm), so Sgemm splits large products itself.
const splitGemm = true

// sgemm calls oneDNN's dnnl_sgemm (row-major, like the rest of this
// package). On this project's machines it runs twice as fast as OpenBLAS
// with the AVX2 kernels an environment's OPENBLAS_CORETYPE=Haswell forces
// on an AVX-512 CPU, and as fast as OpenBLAS's own AVX-512 kernels; build
// with the openblas tag to use OpenBLAS, or purego for gonum.
func sgemm(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := C.char('N'), C.char('N')
	if transA {
		ta = 'T'
	}
	if transB {
		tb = 'T'
	}
	if k == 0 {
		// oneDNN leaves C alone then; BLAS scales it by beta.
		for i := range m {
			row := c[i*ldc : i*ldc+n]
			for j := range row {
				if beta == 0 {
					row[j] = 0 // as BLAS: 0·NaN is 0 here
				} else {
					row[j] *= beta
				}
			}
		}
		return
	}
	pa, pb := unsafe.Pointer(&a[0]), unsafe.Pointer(&b[0])
	status := C.sgemm_threads(C.int(max(threads, 1)), ta, tb, C.dnnl_dim_t(m), C.dnnl_dim_t(n), C.dnnl_dim_t(k),
		C.float(alpha), (*C.float)(pa), C.dnnl_dim_t(lda), (*C.float)(pb), C.dnnl_dim_t(ldb),
		C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.dnnl_dim_t(ldc))
	if sgemmCalls.Add(1)%trimEvery == 0 {
		C.malloc_trim(0)
	}
	if status != C.dnnl_success {
		// checkGemm has vetted the sizes, so this is a bug or a broken
		// library, not bad input.
		panic(fmt.Sprintf("kernels: dnnl_sgemm(%c, %c, %d, %d, %d, lda=%d, ldb=%d, ldc=%d) failed with status %d", ta, tb, m, n, k, lda, ldb, ldc, int(status)))
	}
}
