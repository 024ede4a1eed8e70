package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/ganstudio/ganstudio/model/nn"
)

// Power iteration from the stored u and v converges to the largest
// singular value, whichever way the weight is laid out.
func TestSpectralNormFindsLargestSingularValue(t *testing.T) {
	for _, tc := range []struct {
		name       string
		shape      []int
		transposed bool
	}{
		{"convolution [out, in, k, k]", []int{6, 2, 3, 3}, false},
		{"linear [in, out]", []int{12, 5}, true},
		{"embedding [classes, features]", []int{3, 40}, false},
		{"one output", []int{40, 1}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, 4))
			w := &Param{Name: "w", T: tensor.New(tensor.WithShape(tc.shape...), tensor.Of(tensor.Float32))}
			for i := range w.Data() {
				w.Data()[i] = float32(r.NormFloat64())
			}
			sn := newSpectralNorm(w, tc.transposed, r)
			for range 200 {
				sn.Iterate()
			}
			rows, cols := sn.dims()
			m := mat.NewDense(rows, cols, nil)
			for i := range rows {
				for j := range cols {
					m.Set(i, j, float64(w.Data()[sn.at(i, j, rows, cols)]))
				}
			}
			var svd mat.SVD
			if !svd.Factorize(m, mat.SVDNone) {
				t.Fatal("SVD failed")
			}
			want := svd.Values(nil)[0]
			if got := float64(sn.Sigma()); math.Abs(got-want) > 1e-4*want {
				t.Fatalf("σ %v, largest singular value %v", got, want)
			}
			for i, x := range sn.Bar.Data() {
				if x != w.Data()[i]/sn.Sigma() {
					t.Fatalf("Bar[%d] = %v, W/σ = %v", i, x, w.Data()[i]/sn.Sigma())
				}
			}
		})
	}
}

// The gradient D's update applies to a spectrally normalised weight is the
// derivative of the loss through W/σ(W), σ = uᵀWv with u and v fixed (the
// paper's reference code), checked against finite differences on every
// normalised layer of a conditional D at 32×32 and at 64×64.
func TestSpectralNormGradient(t *testing.T) {
	for _, size := range []int{32, 64} {
		cfg := Seed(32, 3)
		if size == 64 {
			cfg = DCGAN64(3)
		}
		cfg.Width, cfg.Classes, cfg.KeepProb, cfg.SpectralNorm = 16, 3, 1, true
		gan, err := New(cfg, 5)
		if err != nil {
			t.Fatal(err)
		}
		gan.D.Normalize()
		r := rand.New(rand.NewPCG(1, 2))
		const n = 4
		images := tensor.New(tensor.WithShape(n, 3, size, size), tensor.Of(tensor.Float32))
		for i := range images.Float32s() {
			images.Float32s()[i] = float32(r.Float64()*2 - 1)
		}
		classes := tensor.New(tensor.WithShape(n, 3), tensor.Of(tensor.Float32))
		if err := OneHot(classes.Float32s(), []int{0, 2, 1, 2}, 3); err != nil {
			t.Fatal(err)
		}
		b := gan.newGraph(false, nil)
		logits := gan.D.build(b, b.Input("x", images), b.classesInput(classes))
		loss := b.loss(logits, term{kind: nn.Squared, target: 0.5})
		grads := b.Grads(loss, gan.D.trained())
		m := b.Machine(append(G.Nodes{loss}, grads...)...)
		if err := b.Err(); err != nil {
			t.Fatal(err)
		}
		eval := func() float64 {
			if err := run(m); err != nil {
				t.Fatal(err)
			}
			return float64(Scalar(loss))
		}
		eval()
		analytic := make([][]float32, len(grads))
		for i, g := range grads {
			analytic[i] = append([]float32(nil), g.Value().Data().([]float32)...)
		}
		gan.D.backward(analytic)
		checked := 0
		for k, p := range gan.D.Params() {
			var sn *SpectralNorm
			for _, s := range gan.D.Spectral() {
				if s.W == p {
					sn = s
				}
			}
			if sn == nil {
				continue
			}
			checked++
			d := p.Data()
			for _, i := range []int{0, len(d) / 3, len(d) / 2, len(d) - 1} {
				const h = 5e-4 // small enough to cross few of LeakyReLU's kinks
				old := d[i]
				d[i] = old + h
				sn.Refresh()
				up := eval()
				d[i] = old - h
				sn.Refresh()
				down := eval()
				d[i] = old
				sn.Refresh()
				numeric := (up - down) / (2 * h)
				if math.Abs(numeric-float64(analytic[k][i])) > 1e-4+1e-2*math.Abs(numeric) {
					t.Errorf("%d×%d %s[%d]: gradient %v, finite differences %v", size, size, p.Name, i, analytic[k][i], numeric)
				}
			}
		}
		if want := map[int]int{32: 5, 64: 6}[size]; checked != want {
			t.Fatalf("%d×%d: %d normalised weights, want %d", size, size, checked, want)
		}
	}
}
