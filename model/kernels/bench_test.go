package kernels

import (
	"fmt"
	"math/rand"
	"testing"
	"time"
)

// BenchmarkSgemm runs the products of the seed discriminator's second layer
// at batch 64 (forward, input gradient, weight gradient) and a square one
// for the machine's peak.
func BenchmarkSgemm(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	for _, c := range []struct {
		name           string
		transA, transB bool
		m, n, k        int
	}{
		{"square 1024", false, false, 1024, 1024, 1024},
		{"conv fwd 256x3136x1152", false, false, 256, 3136, 1152},
		{"conv dx 1152x3136x256", true, false, 1152, 3136, 256},
		{"conv dw 256x1152x3136", false, true, 256, 1152, 3136},
		// D's first layer and G's last: k or m is tiny.
		{"conv1 fwd 128x12544x9", false, false, 128, 12544, 9},
		{"to image fwd 9x12544x128", true, false, 9, 12544, 128},
	} {
		b.Run(c.name, func(b *testing.B) {
			a, bb, out := randSlice(rng, c.m*c.k), randSlice(rng, c.k*c.n), make([]float32, c.m*c.n)
			lda, ldb := c.k, c.n
			if c.transA {
				lda = c.m
			}
			if c.transB {
				ldb = c.k
			}
			for b.Loop() {
				Sgemm(c.transA, c.transB, c.m, c.n, c.k, 1, a, lda, bb, ldb, 0, out, c.n)
			}
			b.ReportMetric(float64(2*c.m*c.n*c.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkIm2ColCol2Im times the unrolling of the seed layers' batch-64
// inputs and its adjoint.
func BenchmarkIm2ColCol2Im(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	for _, c := range []struct{ c, h, k, s int }{{1, 28, 3, 2}, {128, 14, 3, 2}, {256, 7, 3, 2}, {256, 7, 4, 1}, {128, 14, 3, 2}} {
		g, err := NewGeom(c.c, c.h, c.h, c.k, c.k, c.s, c.s, c.s == 2)
		if err != nil {
			b.Fatal(err)
		}
		const n = 64
		img, cols := randSlice(rng, n*g.ImageLen()), randSlice(rng, g.Rows()*g.Cols(n))
		name := fmt.Sprintf("%dx%dx%d k%d s%d", c.c, c.h, c.h, c.k, c.s)
		b.Run("im2col "+name, func(b *testing.B) {
			for b.Loop() {
				Im2Col(g, n, img, cols)
			}
			b.SetBytes(int64(4 * len(cols)))
		})
		b.Run("col2im "+name, func(b *testing.B) {
			for b.Loop() {
				Col2Im(g, n, cols, nil, img)
			}
			b.SetBytes(int64(4 * len(cols)))
		})
	}
}

// BenchmarkSgemmAB alternates the BLAS's own threads (blas2) with one
// BLAS thread per call split over the Go pool (split), so that both see the
// same machine load.
func BenchmarkSgemmAB(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	for _, c := range []struct {
		name           string
		transA, transB bool
		m, n, k        int
	}{
		{"conv fwd 256x3136x1152", false, false, 256, 3136, 1152},
		{"conv dx 1152x3136x256", true, false, 1152, 3136, 256},
		{"conv dw 256x1152x3136", false, true, 256, 1152, 3136},
		{"lite dw 128x576x3136", false, true, 128, 576, 3136},
	} {
		a, bb, out := randSlice(rng, c.m*c.k), randSlice(rng, c.k*c.n), make([]float32, c.m*c.n)
		lda, ldb := c.k, c.n
		if c.transA {
			lda = c.m
		}
		if c.transB {
			ldb = c.k
		}
		b.Run(c.name, func(b *testing.B) {
			var t [2]time.Duration
			for i := 0; b.Loop(); i++ {
				t0 := time.Now()
				gemm(1+i%2, c.transA, c.transB, c.m, c.n, c.k, 1, a, lda, bb, ldb, 0, out, c.n)
				t[i%2] += time.Since(t0)
			}
			f := float64(2*c.m*c.n*c.k) * float64(b.N/2) / 1e9
			b.ReportMetric(f/t[0].Seconds(), "split-GFLOP/s")
			b.ReportMetric(f/t[1].Seconds(), "blas2-GFLOP/s")
		})
	}
}
