package model

import (
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// SpectralNorm divides one of D's weights by an estimate of its largest
// singular value σ (Miyato et al., ICLR 2018), so that the layer stays
// about 1-Lipschitz whatever Adam does to the weight. Adam trains W; the
// graphs read Bar = W/σ.
//
// σ comes from one power iteration per training iteration on the weight
// seen as a matrix the way PyTorch's torch.nn.utils.spectral_norm sees it:
// dim 0 of PyTorch's layout by the rest (a convolution's [out, in·k·k], a
// linear layer's [out, in], which is our [in, out] transposed, the
// projection's embedding [classes, features]). As in the paper's reference
// code and in PyTorch, u and v are constants of the iteration and
// σ = uᵀWv is a function of W, so the gradient flows through σ too:
//
//	∂L/∂W = (Ḡ − ⟨Ḡ, W̄⟩·u vᵀ) / σ,   Ḡ = ∂L/∂W̄.
type SpectralNorm struct {
	W   *Param // the trained weight
	Bar *Param // W/σ, what the graphs read
	// U and V are the singular vector estimates, kept in checkpoints so
	// that a resumed run iterates on from where it stopped.
	U, V       []float32
	sigma      float32
	transposed bool // W is stored [in, out] and seen as its transpose
	mv         []float64
}

// snEpsilon keeps the normalisations finite for an all-zero weight, as
// PyTorch's F.normalize does.
const snEpsilon = 1e-12

// newSpectralNorm puts w under spectral normalisation with u and v drawn
// from a standard normal by rng and normalised, as PyTorch starts them.
func newSpectralNorm(w *Param, transposed bool, rng *rand.Rand) *SpectralNorm {
	sn := &SpectralNorm{W: w, transposed: transposed}
	rows, cols := sn.dims()
	sn.U, sn.V, sn.mv = make([]float32, rows), make([]float32, cols), make([]float64, rows)
	for _, x := range [][]float32{sn.U, sn.V} {
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		normalize(x, toFloat64(x))
	}
	sn.Bar = &Param{Name: w.Name + "/sn", T: tensor.New(tensor.WithShape(w.T.Shape().Clone()...), tensor.Of(tensor.Float32))}
	sn.Refresh()
	return sn
}

// dims is the shape of the matrix W is seen as.
func (sn *SpectralNorm) dims() (rows, cols int) {
	shape, n := sn.W.T.Shape(), len(sn.W.Data())
	if sn.transposed {
		return shape[1], shape[0]
	}
	return shape[0], n / shape[0]
}

// at is the index in W's data of the matrix entry (r, c).
func (sn *SpectralNorm) at(r, c, rows, cols int) int {
	if sn.transposed {
		return c*rows + r
	}
	return r*cols + c
}

// Iterate does one power iteration, v ← Wᵀu/‖Wᵀu‖ then u ← Wv/‖Wv‖,
// and sets Bar from the new σ: the start of every training iteration.
func (sn *SpectralNorm) Iterate() {
	w, rows, cols := sn.W.Data(), len(sn.U), len(sn.V)
	wtu := make([]float64, cols)
	for r, u := range sn.U {
		for c := range cols {
			wtu[c] += float64(w[sn.at(r, c, rows, cols)]) * float64(u)
		}
	}
	normalize(sn.V, wtu)
	normalize(sn.U, sn.times(sn.V))
	sn.Refresh()
}

// Refresh sets σ = uᵀWv and Bar = W/σ for the current W, u and v: after
// an optimiser step and a restore, so that the graphs see the new weight
// at the estimate of its iteration (PyTorch's eval mode does the same).
func (sn *SpectralNorm) Refresh() {
	var s float64
	for r, x := range sn.times(sn.V) {
		s += float64(sn.U[r]) * x
	}
	sn.sigma = float32(s)
	w, bar := sn.W.Data(), sn.Bar.Data()
	for i, x := range w {
		bar[i] = x / sn.sigma
	}
}

// times returns Wv in a buffer of sn's.
func (sn *SpectralNorm) times(v []float32) []float64 {
	w, rows, cols := sn.W.Data(), len(sn.U), len(sn.V)
	for r := range rows {
		var s float64
		for c, x := range v {
			s += float64(w[sn.at(r, c, rows, cols)]) * float64(x)
		}
		sn.mv[r] = s
	}
	return sn.mv
}

// Sigma is the estimate of W's largest singular value that Bar divides by.
func (sn *SpectralNorm) Sigma() float32 { return sn.sigma }

// Backward turns g, the gradient with respect to Bar, into the gradient
// with respect to W, in place.
func (sn *SpectralNorm) Backward(g []float32) {
	var dot float64
	for i, x := range sn.Bar.Data() {
		dot += float64(g[i]) * float64(x)
	}
	rows, cols := len(sn.U), len(sn.V)
	for r, u := range sn.U {
		for c, v := range sn.V {
			i := sn.at(r, c, rows, cols)
			g[i] = float32((float64(g[i]) - dot*float64(u)*float64(v)) / float64(sn.sigma))
		}
	}
}

// normalize writes x/max(‖x‖, ε) into dst.
func normalize(dst []float32, x []float64) {
	var ss float64
	for _, v := range x {
		ss += v * v
	}
	n := max(math.Sqrt(ss), snEpsilon)
	for i, v := range x {
		dst[i] = float32(v / n)
	}
}

func toFloat64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}
