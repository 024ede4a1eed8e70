package kernels

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"
	"time"
)

// BenchmarkSgemm runs the products of the seed discriminator's second layer
// at batch 64 (forward, input gradient, weight gradient) and a square one
// for the machine's peak.
func BenchmarkSgemm(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	// D's first layer and G's last beside the peak's shapes: k or m is tiny.
	shapes := append(slices.Clone(peakShapes),
		gemmShape{"conv1 fwd 128x12544x9", false, false, 128, 12544, 9},
		gemmShape{"to image fwd 9x12544x128", true, false, 9, 12544, 128})
	for _, c := range shapes {
		b.Run(c.name, func(b *testing.B) {
			a, bb, out := randSlice(rng, c.m*c.k), randSlice(rng, c.k*c.n), make([]float32, c.m*c.n)
			lda, ldb := c.lds()
			for b.Loop() {
				Sgemm(c.transA, c.transB, c.m, c.n, c.k, 1, a, lda, bb, ldb, 0, out, c.n)
			}
			b.ReportMetric(c.flops()*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
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
	// The seed's convolution products (the peak's, less the square) and
	// a lite one.
	shapes := append(slices.Clone(peakShapes[1:]), gemmShape{"lite dw 128x576x3136", false, true, 128, 576, 3136})
	for _, c := range shapes {
		a, bb, out := randSlice(rng, c.m*c.k), randSlice(rng, c.k*c.n), make([]float32, c.m*c.n)
		lda, ldb := c.lds()
		b.Run(c.name, func(b *testing.B) {
			var t [2]time.Duration
			for i := 0; b.Loop(); i++ {
				t0 := time.Now()
				gemm(1+i%2, c.transA, c.transB, c.m, c.n, c.k, 1, a, lda, bb, ldb, 0, out, c.n)
				t[i%2] += time.Since(t0)
			}
			f := c.flops() * float64(b.N/2) / 1e9
			b.ReportMetric(f/t[0].Seconds(), "split-GFLOP/s")
			b.ReportMetric(f/t[1].Seconds(), "blas2-GFLOP/s")
		})
	}
}
