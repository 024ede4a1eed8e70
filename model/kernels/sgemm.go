package kernels

import (
	"fmt"
	"sync"
)

// checkGemm panics on slices too short for the requested product. The sgemm
// backends read raw memory (cgo) or panic deep inside gonum with a message
// that does not name the caller's mistake, so a cheap length check up front is
// worth its few nanoseconds.
func checkGemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	switch {
	case m < 0 || n < 0 || k < 0:
		panic(fmt.Sprintf("kernels: sgemm negative size m=%d n=%d k=%d", m, n, k))
	case lda < max(ac, 1) || ldb < max(bc, 1) || ldc < max(n, 1):
		panic(fmt.Sprintf("kernels: sgemm leading dimension too small lda=%d ldb=%d ldc=%d", lda, ldb, ldc))
	case ar > 0 && len(a) < (ar-1)*lda+ac:
		panic(fmt.Sprintf("kernels: sgemm len(a)=%d too short", len(a)))
	case br > 0 && len(b) < (br-1)*ldb+bc:
		panic(fmt.Sprintf("kernels: sgemm len(b)=%d too short", len(b)))
	case m > 0 && len(c) < (m-1)*ldc+n:
		panic(fmt.Sprintf("kernels: sgemm len(c)=%d too short", len(c)))
	}
}

// gemmJob is one product split into column or row blocks for the pool. The
// pool runs one job at a time, so a single package-level job serves every
// split without allocating.
type gemmJob struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	byRows         bool
}

var (
	theGemm   gemmJob
	theGemmMu sync.Mutex
)

// gemmBlock is the column (or row) granularity of a split product: a
// multiple of the AVX-512 micro-kernel's width.
const gemmBlock = 32

// run computes block columns (or rows) [lo, hi) of C, in units of gemmBlock.
func (g *gemmJob) run(lo, hi int) {
	if g.byRows {
		r0, r1 := lo*gemmBlock, min(hi*gemmBlock, g.m)
		off := r0 * g.lda
		if g.transA {
			off = r0
		}
		a := g.a[off:]
		sgemm(1, g.transA, g.transB, r1-r0, g.n, g.k, g.alpha, a, g.lda, g.b, g.ldb, g.beta, g.c[r0*g.ldc:], g.ldc)
		return
	}
	c0, c1 := lo*gemmBlock, min(hi*gemmBlock, g.n)
	off := c0
	if g.transB {
		off = c0 * g.ldb
	}
	b := g.b[off:]
	sgemm(1, g.transA, g.transB, g.m, c1-c0, g.k, g.alpha, g.a, g.lda, b, g.ldb, g.beta, g.c[c0:], g.ldc)
}

// gemmParts is how many blocks a split product is cut into, at most. The
// tiling of a product is a function of its shape alone, never of how many
// workers there are or whether they are free: OpenBLAS rounds a block of C
// differently depending on the block's width (its kernels take other paths
// for other sizes), so a tiling that followed the pool would make a run's
// numbers depend on timing. Eight blocks keep two to eight cores busy with
// room for one slowed by another process; each block packs the operand
// that is not split again, which costs well under 1% at these sizes.
const gemmParts = 8

// minSplitFlops is the size below which a product runs whole: splitting it
// would cost more in hand-off and packing than it saves.
const minSplitFlops = 4 << 20

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices, where
// op(X) is X or Xᵀ as transA/transB say, op(A) is m×k, op(B) is k×n and C is
// m×n.
//
// The BLAS runs single-threaded; a large product is cut into blocks of C's
// longer side that the calling goroutine and the pool's workers compute
// concurrently. BLAS thread pools spin after every call waiting for the
// next, which on a machine with as many cores as Go has workers takes the
// cores from the element-wise kernels that follow; the pool's goroutines
// park instead. When the pool is busy (another graph on another goroutine)
// the caller computes the same blocks itself, one after the other, so the
// result is bit for bit the same either way.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemm(1, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemm is Sgemm with the number of threads the BLAS runs one product on:
// 1 is Sgemm's way, a large product split over the Go pool; more hands
// every product whole to the BLAS's own threads, the other way, which
// BenchmarkSgemmAB measures against it. Where the BLAS cannot be split
// (gonum's, which runs its own goroutines) it picks its own threads.
func gemm(blasThreads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if blasThreads > 1 || !splitGemm || 2*m*n*k < minSplitFlops || max(m, n) < 2*gemmBlock {
		sgemm(blasThreads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	job := gemmJob{transA, transB, m, n, k, alpha, beta, a, b, c, lda, ldb, ldc, m > n}
	side := n
	if job.byRows {
		side = m
	}
	blocks := (side + gemmBlock - 1) / gemmBlock
	parts := min(blocks, gemmParts)
	if theGemmMu.TryLock() {
		theGemm = job
		ok := dispatch(poolJob{gemm: &theGemm, n: blocks, parts: parts})
		theGemm = gemmJob{}
		theGemmMu.Unlock()
		if ok {
			return
		}
	}
	for i := range parts {
		job.run(i*blocks/parts, (i+1)*blocks/parts)
	}
}
