package kernels

import "fmt"

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
