package kernels

import (
	"math/rand/v2"
	"time"
)

// gemmShape is one product Sgemm is timed on: op(A) m×k times op(B) k×n.
type gemmShape struct {
	name           string
	transA, transB bool
	m, n, k        int
}

// lds returns the leading dimensions of A and B stored row-major.
func (g gemmShape) lds() (lda, ldb int) {
	lda, ldb = g.k, g.n
	if g.transA {
		lda = g.m
	}
	if g.transB {
		ldb = g.k
	}
	return lda, ldb
}

func (g gemmShape) flops() float64 { return 2 * float64(g.m) * float64(g.n) * float64(g.k) }

// peakShapes are the products PeakGFLOPs times (and BenchmarkSgemm with
// them): a square one and the seed discriminator's second layer at batch
// 64 (forward, input gradient, weight gradient), where the BLAS reaches
// its best rate on the networks' own kind of work.
var peakShapes = []gemmShape{
	{"square 1024", false, false, 1024, 1024, 1024},
	{"conv fwd 256x3136x1152", false, false, 256, 3136, 1152},
	{"conv dx 1152x3136x256", true, false, 1152, 3136, 256},
	{"conv dw 256x1152x3136", false, true, 256, 1152, 3136},
}

// PeakGFLOPs measures the GEMM peak of this machine as Sgemm runs it now,
// on as many cores as the pool has: the best rate, in GFLOP/s, of a single
// Sgemm call over the peakShapes, each repeated for about
// budget/len(peakShapes). It is the yardstick of an iteration's GFLOP/s:
// a fraction of it reads the same on a slower or faster CPU, where
// absolute rates do not.
func PeakGFLOPs(budget time.Duration) float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = rng.Float32() - 0.5
		}
		return s
	}
	var best float64
	for _, sh := range peakShapes {
		a, b, c := fill(sh.m*sh.k), fill(sh.k*sh.n), make([]float32, sh.m*sh.n)
		lda, ldb := sh.lds()
		flops := sh.flops()
		start := time.Now()
		for first := true; first || time.Since(start) < budget/time.Duration(len(peakShapes)); first = false {
			t0 := time.Now()
			Sgemm(sh.transA, sh.transB, sh.m, sh.n, sh.k, 1, a, lda, b, ldb, 0, c, sh.n)
			best = max(best, flops/time.Since(t0).Seconds()/1e9)
		}
	}
	return best
}
