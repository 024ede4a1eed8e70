//go:build !cgo || purego

package kernels

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// splitGemm is false: gonum's Sgemm runs its own goroutines.
const splitGemm = false

// sgemm uses gonum's pure-Go blas32 so that the package builds without cgo
// or OpenBLAS; it is an order of magnitude slower.
func sgemm(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	blas32.Implementation().Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// BF16Products is false: the pure-Go build has no bfloat16 products.
func BF16Products() (ok bool, why string) { return false, "the pure-Go build has no bf16 products" }

// Backend names the BLAS behind Sgemm, for logs.
func Backend() string { return "gonum (pure Go)" }
