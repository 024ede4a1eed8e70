package metrics

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/mat"
)

// fcd is the Fréchet distance between the reference's Gaussian and the one
// fitted to feats: |μ₁−μ₂|² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^½ Σ₂ Σ₁^½)^½.
func (r *Reference) fcd(feats []float32, n int) (float64, error) {
	mean, cov := meanCov(feats, n)
	var d2 float64
	for i, m := range mean {
		d := m - r.mean[i]
		d2 += d * d
	}
	var tmp, prod mat.Dense
	tmp.Mul(r.sqrtCov, cov)
	prod.Mul(&tmp, r.sqrtCov)
	f := len(mean)
	sym := mat.NewSymDense(f, nil)
	for i := 0; i < f; i++ {
		for j := i; j < f; j++ {
			sym.SetSym(i, j, (prod.At(i, j)+prod.At(j, i))/2)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(sym, false) {
		return 0, errors.New("the covariance product did not factorise")
	}
	var trSqrt float64
	for _, v := range eig.Values(nil) {
		if v > 0 {
			trSqrt += math.Sqrt(v)
		}
	}
	return max(0, d2+r.traceCov+mat.Trace(cov)-2*trSqrt), nil
}

// meanCov returns the mean and the (n−1)-normalised covariance of n rows
// of features.
func meanCov(feats []float32, n int) ([]float64, *mat.SymDense) {
	f := len(feats) / n
	mean := make([]float64, f)
	for i := 0; i < n; i++ {
		for j, v := range feats[i*f : (i+1)*f] {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	centred := make([]float64, n*f)
	for i := 0; i < n; i++ {
		for j, v := range feats[i*f : (i+1)*f] {
			centred[i*f+j] = float64(v) - mean[j]
		}
	}
	cov := mat.NewSymDense(f, nil)
	cov.SymOuterK(1/float64(max(n-1, 1)), mat.NewDense(n, f, centred).T())
	return mean, cov
}

// sqrtSym returns the symmetric square root of a positive semi-definite
// matrix, clipping the small negative eigenvalues rounding makes.
func sqrtSym(a *mat.SymDense) (*mat.SymDense, error) {
	var eig mat.EigenSym
	if !eig.Factorize(a, true) {
		return nil, errors.New("the covariance did not factorise")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	f := len(vals)
	out := mat.NewSymDense(f, nil)
	for i := 0; i < f; i++ {
		for j := i; j < f; j++ {
			var s float64
			for k, l := range vals {
				if l > 0 {
					s += vecs.At(i, k) * math.Sqrt(l) * vecs.At(j, k)
				}
			}
			out.SetSym(i, j, s)
		}
	}
	return out, nil
}
