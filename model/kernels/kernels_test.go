package kernels

import (
	"fmt"
	"math"
	"math/rand"
	"sync/atomic"
	"testing"
)

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = rng.Float32()*2 - 1
	}
	return s
}

func assertClose(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: len %d, want %d", what, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); d > tol*(1+math.Abs(float64(want[i]))) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func TestSgemm(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	cases := []struct {
		transA, transB bool
		m, n, k, pad   int
		alpha, beta    float32
	}{
		{false, false, 3, 4, 5, 0, 1, 0},
		{true, false, 7, 2, 9, 1, 0.5, 1},
		{false, true, 1, 33, 4, 3, -1, 0.25},
		{true, true, 16, 16, 16, 2, 2, -1},
		{false, false, 128, 196, 9, 0, 1, 0},
		{false, false, 4, 5, 0, 0, 1, 0.5}, // k = 0 only scales C
		// Large enough to be split over the pool, by columns and by rows.
		{false, false, 70, 300, 128, 1, 1, 0},
		{true, true, 70, 300, 128, 2, 0.5, 1},
		{false, true, 300, 70, 128, 0, 1, 0.5},
		{true, false, 300, 70, 128, 3, -1, 0},
	}
	for _, tc := range cases {
		ar, ac := tc.m, tc.k
		if tc.transA {
			ar, ac = tc.k, tc.m
		}
		br, bc := tc.k, tc.n
		if tc.transB {
			br, bc = tc.n, tc.k
		}
		lda, ldb, ldc := max(ac, 1)+tc.pad, max(bc, 1)+tc.pad, tc.n+tc.pad
		a, b := randSlice(rng, ar*lda), randSlice(rng, br*ldb)
		c := randSlice(rng, tc.m*ldc)
		want := append([]float32(nil), c...)
		for i := 0; i < tc.m; i++ {
			for j := 0; j < tc.n; j++ {
				var s float64
				for p := 0; p < tc.k; p++ {
					ai, bi := i*lda+p, p*ldb+j
					if tc.transA {
						ai = p*lda + i
					}
					if tc.transB {
						bi = j*ldb + p
					}
					av, bv := a[ai], b[bi]
					s += float64(av) * float64(bv)
				}
				want[i*ldc+j] = float32(float64(tc.alpha)*s + float64(tc.beta)*float64(c[i*ldc+j]))
			}
		}
		Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
		assertClose(t, "sgemm", c, want, 1e-5)
	}
}

func TestSgemmShortSlicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a short slice")
		}
	}()
	Sgemm(false, false, 2, 2, 2, 1, make([]float32, 3), 2, make([]float32, 4), 2, 0, make([]float32, 4), 2)
}

// checkCover runs split over [0, n) and fails unless fn visits every index
// exactly once, never for an empty range, in ranges that ok accepts.
func checkCover(t *testing.T, what string, n int, split func(fn func(lo, hi int)), ok func(lo, hi int) bool) {
	t.Helper()
	hits := make([]int32, n)
	var calls atomic.Int32
	split(func(lo, hi int) {
		calls.Add(1)
		if !ok(lo, hi) {
			t.Errorf("%s: chunk [%d,%d) of the wrong length", what, lo, hi)
		}
		for i := lo; i < hi; i++ {
			atomic.AddInt32(&hits[i], 1)
		}
	})
	for i, h := range hits {
		if h != 1 {
			t.Fatalf("%s: index %d visited %d times", what, i, h)
		}
	}
	if n == 0 && calls.Load() != 0 {
		t.Fatalf("%s: empty range called fn", what)
	}
}

func TestParallelFor(t *testing.T) {
	for _, tc := range []struct{ n, grain int }{{0, 1}, {1, 1}, {2, 1}, {3, 1}, {1000, 1}, {10, 4}, {10, 100}, {9999, 17}, {100000, 32768}, {5, 0}} {
		checkCover(t, fmt.Sprintf("ParallelForGrain n=%d grain=%d", tc.n, tc.grain), tc.n,
			func(fn func(lo, hi int)) { ParallelForGrain(tc.n, tc.grain, fn) },
			func(lo, hi int) bool { return hi-lo >= min(tc.grain, tc.n) })
		checkCover(t, fmt.Sprintf("ParallelChunks n=%d chunk=%d", tc.n, tc.grain), tc.n,
			func(fn func(lo, hi int)) { ParallelChunks(tc.n, tc.grain, fn) },
			func(lo, hi int) bool { return hi-lo <= max(tc.grain, 1) })
	}
	var sum atomic.Int64
	ParallelFor(100, func(lo, hi int) { sum.Add(int64(hi - lo)) })
	if sum.Load() != 100 {
		t.Fatalf("ParallelFor covered %d of 100", sum.Load())
	}
}

func TestSamePad(t *testing.T) {
	// Expected values are what TensorFlow's conv2d 'same' does.
	for _, tc := range []struct{ in, k, s, out, before, after int }{
		{28, 3, 2, 14, 0, 1},
		{14, 3, 2, 7, 0, 1},
		{7, 3, 2, 4, 1, 1},
		{8, 4, 2, 4, 1, 1},
		{32, 3, 2, 16, 0, 1},
		{5, 3, 1, 5, 1, 1},
		{6, 1, 2, 3, 0, 0},
		{5, 4, 1, 5, 1, 2},
	} {
		out, b, a := SamePad(tc.in, tc.k, tc.s)
		if out != tc.out || b != tc.before || a != tc.after {
			t.Errorf("SamePad(%d,%d,%d) = %d,%d,%d; want %d,%d,%d", tc.in, tc.k, tc.s, out, b, a, tc.out, tc.before, tc.after)
		}
	}
	if ValidOut(7, 4, 1) != 4 || ValidOut(3, 4, 1) != 0 || ValidOut(28, 3, 2) != 13 {
		t.Error("ValidOut")
	}
	if _, err := NewGeom(1, 3, 3, 4, 4, 1, 1, false); err == nil {
		t.Error("NewGeom accepted a kernel larger than a 'valid' input")
	}
	if _, err := NewGeom(1, 3, 3, 3, 3, 0, 1, true); err == nil {
		t.Error("NewGeom accepted stride 0")
	}
}

// geomCases mixes square and rectangular images, kernels and strides, and
// both paddings; the first ones are the seed network's layers.
var geomCases = []struct {
	n, c, h, w, kh, kw, sh, sw int
	same                       bool
}{
	{2, 1, 28, 28, 3, 3, 2, 2, true},
	{2, 3, 7, 7, 3, 3, 2, 2, true},
	{2, 2, 8, 8, 4, 4, 2, 2, true},
	{3, 2, 7, 7, 4, 4, 1, 1, false},
	{1, 2, 5, 6, 3, 2, 1, 3, true},
	{2, 1, 6, 5, 1, 1, 2, 2, true},
	{1, 2, 9, 7, 5, 3, 3, 2, false},
	{2, 2, 3, 3, 5, 5, 1, 1, true},
}

func naiveIm2Col(g Geom, n int, src []float32) []float32 {
	ld := g.Cols(n)
	dst := make([]float32, g.Rows()*ld)
	for c := 0; c < g.C; c++ {
		for kh := 0; kh < g.KH; kh++ {
			for kw := 0; kw < g.KW; kw++ {
				r := (c*g.KH+kh)*g.KW + kw
				for img := 0; img < n; img++ {
					for oh := 0; oh < g.OutH; oh++ {
						for ow := 0; ow < g.OutW; ow++ {
							ih, iw := oh*g.StrideH+kh-g.PadTop, ow*g.StrideW+kw-g.PadLeft
							if ih >= 0 && ih < g.H && iw >= 0 && iw < g.W {
								dst[r*ld+(img*g.OutH+oh)*g.OutW+ow] = src[((img*g.C+c)*g.H+ih)*g.W+iw]
							}
						}
					}
				}
			}
		}
	}
	return dst
}

func naiveCol2Im(g Geom, n int, src, bias []float32) []float32 {
	ld := g.Cols(n)
	dst := make([]float32, n*g.ImageLen())
	for img := 0; img < n; img++ {
		for c := 0; c < g.C; c++ {
			for i := 0; i < g.H*g.W; i++ {
				if bias != nil {
					dst[(img*g.C+c)*g.H*g.W+i] = bias[c]
				}
			}
		}
	}
	for c := 0; c < g.C; c++ {
		for kh := 0; kh < g.KH; kh++ {
			for kw := 0; kw < g.KW; kw++ {
				r := (c*g.KH+kh)*g.KW + kw
				for img := 0; img < n; img++ {
					for oh := 0; oh < g.OutH; oh++ {
						for ow := 0; ow < g.OutW; ow++ {
							ih, iw := oh*g.StrideH+kh-g.PadTop, ow*g.StrideW+kw-g.PadLeft
							if ih >= 0 && ih < g.H && iw >= 0 && iw < g.W {
								dst[((img*g.C+c)*g.H+ih)*g.W+iw] += src[r*ld+(img*g.OutH+oh)*g.OutW+ow]
							}
						}
					}
				}
			}
		}
	}
	return dst
}

func TestIm2ColCol2Im(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for _, tc := range geomCases {
		g, err := NewGeom(tc.c, tc.h, tc.w, tc.kh, tc.kw, tc.sh, tc.sw, tc.same)
		if err != nil {
			t.Fatal(err)
		}
		img := randSlice(rng, tc.n*g.ImageLen())
		cols := randSlice(rng, g.Rows()*g.Cols(tc.n)) // garbage: Im2Col must overwrite all of it
		Im2Col(g, tc.n, img, cols)
		assertClose(t, "im2col", cols, naiveIm2Col(g, tc.n, img), 0)

		src := randSlice(rng, g.Rows()*g.Cols(tc.n))
		for _, bias := range [][]float32{nil, randSlice(rng, g.C)} {
			out := randSlice(rng, tc.n*g.ImageLen())
			Col2Im(g, tc.n, src, bias, out)
			assertClose(t, "col2im", out, naiveCol2Im(g, tc.n, src, bias), 1e-6)
		}
	}
}

func TestLayout(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, tc := range []struct{ n, c, hw int }{{1, 1, 1}, {2, 3, 4}, {64, 128, 196}, {5, 1, 7}, {64, 8192, 1}} {
		size := tc.n * tc.c * tc.hw
		src := randSlice(rng, size)
		cn := make([]float32, size)
		ToCN(tc.n, tc.c, tc.hw, src, cn)
		want := make([]float32, size)
		for img := 0; img < tc.n; img++ {
			for ch := 0; ch < tc.c; ch++ {
				for i := 0; i < tc.hw; i++ {
					want[(ch*tc.n+img)*tc.hw+i] = src[(img*tc.c+ch)*tc.hw+i]
				}
			}
		}
		assertClose(t, "ToCN", cn, want, 0)

		bias := randSlice(rng, tc.c)
		back := make([]float32, size)
		FromCN(tc.n, tc.c, tc.hw, cn, nil, back)
		assertClose(t, "FromCN", back, src, 0)
		FromCN(tc.n, tc.c, tc.hw, cn, bias, back)
		for i := range want {
			want[i] = src[i] + bias[(i/tc.hw)%tc.c]
		}
		assertClose(t, "FromCN+bias", back, want, 0)

		sums := make([]float32, tc.c)
		ChannelSums(tc.n, tc.c, tc.hw, src, sums)
		wantSums := make([]float32, tc.c)
		for i, v := range src {
			wantSums[(i/tc.hw)%tc.c] += v
		}
		assertClose(t, "ChannelSums", sums, wantSums, 1e-4)

		m := append([]float32(nil), src...)
		rowVec := randSlice(rng, tc.c*tc.hw)
		AddRowVector(tc.n, tc.c*tc.hw, rowVec, m)
		for i := range want {
			want[i] = src[i] + rowVec[i%(tc.c*tc.hw)]
		}
		assertClose(t, "AddRowVector", m, want, 0)
	}
}

// TestSgemmSameBitsWhenPoolBusy checks that a split product comes out bit
// for bit the same whether the pool's workers compute its blocks or the
// caller does, because another goroutine (the window's sampler, the
// metrics monitor) holds the pool. A tiling that followed the pool made
// same-seed training runs drift apart in the last bit.
func TestSgemmSameBitsWhenPoolBusy(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for _, tc := range []struct {
		transA, transB bool
		m, n, k        int
	}{
		{false, false, 128, 3136, 576}, // a conv forward: split by columns
		{true, false, 1000, 196, 256},  // split by rows
		{false, true, 97, 1567, 300},   // ragged edges
	} {
		t.Run(fmt.Sprintf("%dx%dx%d", tc.m, tc.n, tc.k), func(t *testing.T) {
			a, b := randSlice(rng, tc.m*tc.k), randSlice(rng, tc.k*tc.n)
			lda, ldb := tc.k, tc.n
			if tc.transA {
				lda = tc.m
			}
			if tc.transB {
				ldb = tc.k
			}
			free := make([]float32, tc.m*tc.n)
			Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, 1, a, lda, b, ldb, 0, free, tc.n)

			pool.once.Do(startPool)
			pool.mu.Lock() // what another caller's dispatch holds
			busy := make([]float32, tc.m*tc.n)
			Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, 1, a, lda, b, ldb, 0, busy, tc.n)
			pool.mu.Unlock()

			for i := range free {
				if math.Float32bits(free[i]) != math.Float32bits(busy[i]) {
					t.Fatalf("c[%d] = %v with the pool free, %v with it busy", i, free[i], busy[i])
				}
			}
		})
	}
}

// TestPeakGFLOPs: with no time budget each shape runs once, and the rate
// is a real one, positive and finite.
func TestPeakGFLOPs(t *testing.T) {
	if got := PeakGFLOPs(0); !(got > 0) || math.IsInf(got, 0) {
		t.Fatalf("PeakGFLOPs(0) = %v, want a positive finite rate", got)
	}
}
