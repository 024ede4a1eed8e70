package linear

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// layerCase is one layer configuration: a convolution, a transposed
// convolution or a dense layer (which uses n, cin as F and cout as O only).
type layerCase struct {
	name                       string
	kind                       string // "conv", "convt" or "dense"
	n, cin, cout, h, w, kh, kw int
	stride                     int
	pad                        Padding
	bias                       bool
}

func (c layerCase) shapes() (xs, ws tensor.Shape) {
	switch c.kind {
	case "conv":
		return tensor.Shape{c.n, c.cin, c.h, c.w}, tensor.Shape{c.cout, c.cin, c.kh, c.kw}
	case "convt":
		return tensor.Shape{c.n, c.cin, c.h, c.w}, tensor.Shape{c.cin, c.cout, c.kh, c.kw}
	}
	return tensor.Shape{c.n, c.cin}, tensor.Shape{c.cin, c.cout}
}

func (c layerCase) apply(x, w, b *gorgonia.Node) (*gorgonia.Node, error) {
	switch c.kind {
	case "conv":
		return Conv2D(x, w, b, c.stride, c.pad)
	case "convt":
		return ConvTranspose2D(x, w, b, c.stride, c.pad)
	}
	return Dense(x, w, b)
}

// tfPad is TensorFlow's rule for one dimension of a convolution from in to
// out, written out independently of the package's own.
func tfPad(in, k, s int, pad Padding) (out, before int) {
	if pad == Valid {
		return (in-k)/s + 1, 0
	}
	out = (in + s - 1) / s
	return out, max((out-1)*s+k-in, 0) / 2
}

// naive computes the layer with direct loops in float64.
func (c layerCase) naive(x, w, b []float32) []float32 {
	bias := func(co int) float64 {
		if b == nil {
			return 0
		}
		return float64(b[co])
	}
	switch c.kind {
	case "conv":
		ho, pt := tfPad(c.h, c.kh, c.stride, c.pad)
		wo, pl := tfPad(c.w, c.kw, c.stride, c.pad)
		y := make([]float32, c.n*c.cout*ho*wo)
		for n := 0; n < c.n; n++ {
			for co := 0; co < c.cout; co++ {
				for oh := 0; oh < ho; oh++ {
					for ow := 0; ow < wo; ow++ {
						s := bias(co)
						for ci := 0; ci < c.cin; ci++ {
							for kh := 0; kh < c.kh; kh++ {
								for kw := 0; kw < c.kw; kw++ {
									ih, iw := oh*c.stride+kh-pt, ow*c.stride+kw-pl
									if ih < 0 || ih >= c.h || iw < 0 || iw >= c.w {
										continue
									}
									s += float64(x[((n*c.cin+ci)*c.h+ih)*c.w+iw]) * float64(w[((co*c.cin+ci)*c.kh+kh)*c.kw+kw])
								}
							}
						}
						y[((n*c.cout+co)*ho+oh)*wo+ow] = float32(s)
					}
				}
			}
		}
		return y
	case "convt":
		ho, wo := ConvTransposeOutputSize(c.h, c.kh, c.stride, c.pad), ConvTransposeOutputSize(c.w, c.kw, c.stride, c.pad)
		_, pt := tfPad(ho, c.kh, c.stride, c.pad)
		_, pl := tfPad(wo, c.kw, c.stride, c.pad)
		acc := make([]float64, c.n*c.cout*ho*wo)
		for n := 0; n < c.n; n++ {
			for co := 0; co < c.cout; co++ {
				for i := 0; i < ho*wo; i++ {
					acc[(n*c.cout+co)*ho*wo+i] = bias(co)
				}
			}
			for ci := 0; ci < c.cin; ci++ {
				for ih := 0; ih < c.h; ih++ {
					for iw := 0; iw < c.w; iw++ {
						xv := float64(x[((n*c.cin+ci)*c.h+ih)*c.w+iw])
						for co := 0; co < c.cout; co++ {
							for kh := 0; kh < c.kh; kh++ {
								for kw := 0; kw < c.kw; kw++ {
									oh, ow := ih*c.stride+kh-pt, iw*c.stride+kw-pl
									if oh < 0 || oh >= ho || ow < 0 || ow >= wo {
										continue
									}
									acc[((n*c.cout+co)*ho+oh)*wo+ow] += xv * float64(w[((ci*c.cout+co)*c.kh+kh)*c.kw+kw])
								}
							}
						}
					}
				}
			}
		}
		y := make([]float32, len(acc))
		for i, v := range acc {
			y[i] = float32(v)
		}
		return y
	}
	y := make([]float32, c.n*c.cout)
	for n := 0; n < c.n; n++ {
		for o := 0; o < c.cout; o++ {
			s := bias(o)
			for f := 0; f < c.cin; f++ {
				s += float64(x[n*c.cin+f]) * float64(w[f*c.cout+o])
			}
			y[n*c.cout+o] = float32(s)
		}
	}
	return y
}

func randData(rng *rand.Rand, n int) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = rng.Float32()*2 - 1
	}
	return d
}

// graph is a layer in a graph of its own with loss = Σ y·r and the
// gradients of every input.
type graph struct {
	g        *gorgonia.ExprGraph
	inputs   gorgonia.Nodes // x, w and b when present
	data     [][]float32    // the inputs' backing slices, editable in place
	y, loss  *gorgonia.Node
	r        []float32
	grads    gorgonia.Nodes
	m        gorgonia.VM
	withGrad bool
}

func newGraph(t testing.TB, c layerCase, rng *rand.Rand, withGrad bool) *graph {
	t.Helper()
	gr := &graph{g: gorgonia.NewGraph(), withGrad: withGrad}
	xs, ws := c.shapes()
	shapes := []tensor.Shape{xs, ws}
	if c.bias {
		shapes = append(shapes, tensor.Shape{c.cout})
	}
	for i, s := range shapes {
		d := randData(rng, s.TotalSize())
		v := tensor.New(tensor.WithShape(s...), tensor.WithBacking(d))
		gr.inputs = append(gr.inputs, gorgonia.NodeFromAny(gr.g, v, gorgonia.WithName(fmt.Sprintf("in%d", i))))
		gr.data = append(gr.data, d)
	}
	var b *gorgonia.Node
	if c.bias {
		b = gr.inputs[2]
	}
	var err error
	if gr.y, err = c.apply(gr.inputs[0], gr.inputs[1], b); err != nil {
		t.Fatal(err)
	}
	gr.r = randData(rng, gr.y.Shape().TotalSize())
	r := gorgonia.NodeFromAny(gr.g, tensor.New(tensor.WithShape(gr.y.Shape()...), tensor.WithBacking(gr.r)), gorgonia.WithName("r"))
	if withGrad {
		prod, err := gorgonia.HadamardProd(gr.y, r)
		if err != nil {
			t.Fatal(err)
		}
		if gr.loss, err = gorgonia.Sum(prod); err != nil {
			t.Fatal(err)
		}
		if gr.grads, err = gorgonia.Grad(gr.loss, gr.inputs...); err != nil {
			t.Fatal(err)
		}
	}
	gr.m = gorgonia.NewTapeMachine(gr.g)
	t.Cleanup(func() { gr.m.Close() })
	return gr
}

func (gr *graph) run(t testing.TB) {
	t.Helper()
	gr.m.Reset()
	if err := gr.m.RunAll(); err != nil {
		t.Fatal(err)
	}
}

func values(t testing.TB, n *gorgonia.Node) []float32 {
	t.Helper()
	d, ok := n.Value().(*tensor.Dense)
	if !ok {
		t.Fatalf("%v has value %T", n, n.Value())
	}
	return append([]float32(nil), d.Float32s()...)
}

func assertClose(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - float64(want[i])); d > tol*(1+math.Abs(float64(want[i]))) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// forwardCases covers the seed networks' layers in space (channel counts cut
// down to keep the naive loops fast), both paddings, odd and even kernels,
// rectangular images and strides that leave pixels unused.
var forwardCases = []layerCase{
	{name: "mnist-d1 28→14", kind: "conv", n: 2, cin: 1, cout: 4, h: 28, w: 28, kh: 3, kw: 3, stride: 2, pad: Same, bias: true},
	{name: "mnist-d2 14→7", kind: "conv", n: 2, cin: 3, cout: 4, h: 14, w: 14, kh: 3, kw: 3, stride: 2, pad: Same, bias: true},
	{name: "mnist-d3 7→4", kind: "conv", n: 3, cin: 4, cout: 5, h: 7, w: 7, kh: 3, kw: 3, stride: 2, pad: Same},
	{name: "cifar-d1 32→16", kind: "conv", n: 2, cin: 3, cout: 4, h: 32, w: 32, kh: 3, kw: 3, stride: 2, pad: Same, bias: true},
	{name: "conv valid s1", kind: "conv", n: 2, cin: 2, cout: 3, h: 7, w: 7, kh: 4, kw: 4, stride: 1, pad: Valid, bias: true},
	{name: "conv rect s3 valid", kind: "conv", n: 1, cin: 2, cout: 3, h: 9, w: 11, kh: 3, kw: 2, stride: 3, pad: Valid},
	{name: "conv same s1 even k", kind: "conv", n: 2, cin: 2, cout: 2, h: 5, w: 6, kh: 4, kw: 4, stride: 1, pad: Same, bias: true},
	{name: "mnist-g1 4→7", kind: "convt", n: 2, cin: 5, cout: 4, h: 4, w: 4, kh: 4, kw: 4, stride: 1, pad: Valid, bias: true},
	{name: "mnist-g2 7→14", kind: "convt", n: 2, cin: 4, cout: 3, h: 7, w: 7, kh: 3, kw: 3, stride: 2, pad: Same, bias: true},
	{name: "mnist-g3 14→28", kind: "convt", n: 2, cin: 3, cout: 1, h: 14, w: 14, kh: 3, kw: 3, stride: 2, pad: Same, bias: true},
	{name: "cifar-g1 4→8", kind: "convt", n: 2, cin: 5, cout: 4, h: 4, w: 4, kh: 4, kw: 4, stride: 2, pad: Same, bias: true},
	{name: "cifar-g2 8→16", kind: "convt", n: 2, cin: 4, cout: 3, h: 8, w: 8, kh: 3, kw: 3, stride: 2, pad: Same},
	{name: "cifar-g3 16→32", kind: "convt", n: 2, cin: 3, cout: 3, h: 16, w: 16, kh: 3, kw: 3, stride: 2, pad: Same, bias: true},
	{name: "convt rect s3 valid", kind: "convt", n: 2, cin: 2, cout: 3, h: 3, w: 4, kh: 3, kw: 2, stride: 3, pad: Valid},
	{name: "convt k1 s2 same", kind: "convt", n: 2, cin: 2, cout: 3, h: 3, w: 3, kh: 1, kw: 1, stride: 2, pad: Same, bias: true},
	{name: "dense", kind: "dense", n: 3, cin: 7, cout: 5, bias: true},
	{name: "dense to 1", kind: "dense", n: 4, cin: 6, cout: 1, bias: true},
	{name: "dense no bias", kind: "dense", n: 1, cin: 3, cout: 2},
}

func TestForward(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, c := range forwardCases {
		t.Run(c.name, func(t *testing.T) {
			gr := newGraph(t, c, rng, false)
			gr.run(t)
			var b []float32
			if c.bias {
				b = gr.data[2]
			}
			want := c.naive(gr.data[0], gr.data[1], b)
			assertClose(t, "y", values(t, gr.y), want, 1e-5)
			if c.kind != "dense" {
				xs, _ := c.shapes()
				wantShape := tensor.Shape{c.n, c.cout, ConvOutputSize(c.h, c.kh, c.stride, c.pad), ConvOutputSize(c.w, c.kw, c.stride, c.pad)}
				if c.kind == "convt" {
					wantShape[2], wantShape[3] = ConvTransposeOutputSize(xs[2], c.kh, c.stride, c.pad), ConvTransposeOutputSize(xs[3], c.kw, c.stride, c.pad)
				}
				if !gr.y.Shape().Eq(wantShape) {
					t.Fatalf("shape %v, want %v", gr.y.Shape(), wantShape)
				}
			}
		})
	}
}

// TestAdjoint checks that ConvTranspose2D is the adjoint of Conv2D with the
// same weights, stride and padding: <conv(z), x> = <z, convT(x)>.
func TestAdjoint(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for _, c := range forwardCases {
		if c.kind != "convt" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			ct := c
			ct.bias = false
			gr := newGraph(t, ct, rng, false)
			gr.run(t)
			convT := values(t, gr.y)
			// The convolution maps the transposed convolution's output space
			// back to its input space, with the same weight tensor.
			conv := layerCase{kind: "conv", n: c.n, cin: c.cout, cout: c.cin, h: gr.y.Shape()[2], w: gr.y.Shape()[3], kh: c.kh, kw: c.kw, stride: c.stride, pad: c.pad}
			z := randData(rng, len(convT))
			g := gorgonia.NewGraph()
			zn := gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(gr.y.Shape()...), tensor.WithBacking(z)))
			wn := gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(gr.inputs[1].Shape()...), tensor.WithBacking(gr.data[1])))
			y, err := conv.apply(zn, wn, nil)
			if err != nil {
				t.Fatal(err)
			}
			m := gorgonia.NewTapeMachine(g)
			defer m.Close()
			if err := m.RunAll(); err != nil {
				t.Fatal(err)
			}
			var lhs, rhs float64
			for i, v := range values(t, y) {
				lhs += float64(v) * float64(gr.data[0][i])
			}
			for i, v := range convT {
				rhs += float64(v) * float64(z[i])
			}
			if math.Abs(lhs-rhs) > 1e-4*(1+math.Abs(lhs)) {
				t.Fatalf("<conv(z), x> = %v, <z, convT(x)> = %v", lhs, rhs)
			}
		})
	}
}

var gradCases = []layerCase{
	{name: "conv 3x3 s2 same", kind: "conv", n: 2, cin: 2, cout: 3, h: 7, w: 7, kh: 3, kw: 3, stride: 2, pad: Same, bias: true},
	{name: "conv 4x4 s2 same rect", kind: "conv", n: 2, cin: 2, cout: 2, h: 6, w: 5, kh: 4, kw: 4, stride: 2, pad: Same, bias: true},
	{name: "conv 3x3 s1 valid", kind: "conv", n: 1, cin: 2, cout: 3, h: 5, w: 5, kh: 3, kw: 3, stride: 1, pad: Valid},
	{name: "convt 3x3 s2 same", kind: "convt", n: 2, cin: 3, cout: 2, h: 3, w: 4, kh: 3, kw: 3, stride: 2, pad: Same, bias: true},
	{name: "convt 4x4 s1 valid", kind: "convt", n: 2, cin: 2, cout: 3, h: 3, w: 3, kh: 4, kw: 4, stride: 1, pad: Valid, bias: true},
	{name: "convt 4x4 s2 same", kind: "convt", n: 1, cin: 2, cout: 2, h: 2, w: 3, kh: 4, kw: 4, stride: 2, pad: Same},
	{name: "dense", kind: "dense", n: 3, cin: 4, cout: 5, bias: true},
	{name: "dense no bias", kind: "dense", n: 2, cin: 3, cout: 1},
}

// TestGradients compares gorgonia.Grad through the ops with central
// differences of the float32 ops, evaluated in float64.
func TestGradients(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, c := range gradCases {
		t.Run(c.name, func(t *testing.T) {
			gr := newGraph(t, c, rng, true)
			gr.run(t)
			analytic := make([][]float32, len(gr.grads))
			for i, g := range gr.grads {
				analytic[i] = values(t, g)
			}
			loss := func() float64 {
				gr.run(t)
				var s float64
				for i, v := range values(t, gr.y) {
					s += float64(v) * float64(gr.r[i])
				}
				return s
			}
			const eps = 1e-2
			for i, d := range gr.data {
				var num2, diff2 float64
				for j := range d {
					orig := d[j]
					d[j] = orig + eps
					lp := loss()
					d[j] = orig - eps
					lm := loss()
					d[j] = orig
					num := (lp - lm) / (2 * eps)
					num2 += num * num
					diff2 += (num - float64(analytic[i][j])) * (num - float64(analytic[i][j]))
				}
				if rel := math.Sqrt(diff2 / num2); rel > 1e-3 {
					t.Errorf("input %d: relative gradient error %.2g", i, rel)
				}
			}
		})
	}
}

// TestRerun checks that buffer reuse is safe: a second run gives identical
// values in the same tensors, and new input values at the same addresses are
// not shadowed by columns cached from the previous run.
func TestRerun(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	for _, c := range []layerCase{gradCases[0], gradCases[3], gradCases[6]} {
		t.Run(c.name, func(t *testing.T) {
			gr := newGraph(t, c, rng, true)
			gr.run(t)
			y0, yt := values(t, gr.y), gr.y.Value()
			g0 := make([][]float32, len(gr.grads))
			for i, g := range gr.grads {
				g0[i] = values(t, g)
			}
			gr.run(t)
			if gr.y.Value() != yt {
				t.Error("output tensor not reused")
			}
			assertClose(t, "y", values(t, gr.y), y0, 0)
			for i, g := range gr.grads {
				assertClose(t, fmt.Sprintf("grad %d", i), values(t, g), g0[i], 0)
			}

			// Scale x in place: y (without bias) and the weight gradient
			// scale with it; a stale im2col would leave the latter unchanged.
			for i := range gr.data[0] {
				gr.data[0][i] *= 2
			}
			gr.run(t)
			var b []float32
			if c.bias {
				b = gr.data[2]
			}
			assertClose(t, "y after edit", values(t, gr.y), c.naive(gr.data[0], gr.data[1], b), 1e-5)
			want := append([]float32(nil), g0[1]...)
			for i := range want {
				want[i] *= 2
			}
			assertClose(t, "weight grad after edit", values(t, gr.grads[1]), want, 1e-5)
		})
	}
}

// TestSumLoss checks the ops also take the gradient gorgonia hands down
// from a plain Sum.
func TestSumLoss(t *testing.T) {
	g := gorgonia.NewGraph()
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(2, 3, 5, 5), gorgonia.WithInit(gorgonia.Ones()))
	w := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(4, 3, 3, 3), gorgonia.WithInit(gorgonia.Ones()))
	b := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(4), gorgonia.WithInit(gorgonia.Zeroes()))
	y, err := Conv2D(x, w, b, 2, Same)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := gorgonia.Sum(y)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := gorgonia.Grad(loss, x, w, b)
	if err != nil {
		t.Fatal(err)
	}
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	// Each bias value feeds 2·3·3 outputs.
	if got := values(t, grads[2]); got[0] != 18 {
		t.Fatalf("bias gradient %v, want 18", got)
	}
}

func TestBuildErrors(t *testing.T) {
	g := gorgonia.NewGraph()
	other := gorgonia.NewGraph()
	t4 := func(g *gorgonia.ExprGraph, dt tensor.Dtype, s ...int) *gorgonia.Node {
		return gorgonia.NewTensor(g, dt, len(s), gorgonia.WithShape(s...))
	}
	x := t4(g, tensor.Float32, 2, 3, 8, 8)
	w := t4(g, tensor.Float32, 4, 3, 3, 3)
	b := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(4))
	cases := []struct {
		name string
		fn   func() (*gorgonia.Node, error)
	}{
		{"conv nil input", func() (*gorgonia.Node, error) { return Conv2D(nil, w, b, 1, Same) }},
		{"conv channels", func() (*gorgonia.Node, error) { return Conv2D(x, t4(g, tensor.Float32, 4, 2, 3, 3), nil, 1, Same) }},
		{"conv bias length", func() (*gorgonia.Node, error) {
			return Conv2D(x, w, gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(3)), 1, Same)
		}},
		{"conv float64", func() (*gorgonia.Node, error) { return Conv2D(t4(g, tensor.Float64, 2, 3, 8, 8), w, nil, 1, Same) }},
		{"conv rank", func() (*gorgonia.Node, error) { return Conv2D(t4(g, tensor.Float32, 3, 8, 8), w, nil, 1, Same) }},
		{"conv stride", func() (*gorgonia.Node, error) { return Conv2D(x, w, b, 0, Same) }},
		{"conv padding", func() (*gorgonia.Node, error) { return Conv2D(x, w, b, 1, Padding(7)) }},
		{"conv kernel too big", func() (*gorgonia.Node, error) { return Conv2D(x, t4(g, tensor.Float32, 4, 3, 9, 9), nil, 1, Valid) }},
		{"conv other graph", func() (*gorgonia.Node, error) { return Conv2D(x, t4(other, tensor.Float32, 4, 3, 3, 3), nil, 1, Same) }},
		{"convt channels", func() (*gorgonia.Node, error) { return ConvTranspose2D(x, w, nil, 2, Same) }},
		{"convt bias", func() (*gorgonia.Node, error) {
			return ConvTranspose2D(x, t4(g, tensor.Float32, 3, 5, 3, 3), b, 2, Same)
		}},
		{"dense features", func() (*gorgonia.Node, error) {
			return Dense(t4(g, tensor.Float32, 2, 5), t4(g, tensor.Float32, 4, 3), nil)
		}},
		{"dense rank", func() (*gorgonia.Node, error) { return Dense(x, t4(g, tensor.Float32, 4, 3), nil) }},
	}
	for _, c := range cases {
		if n, err := c.fn(); err == nil {
			t.Errorf("%s: no error, got node %v", c.name, n)
		}
	}
}

func TestOutputSizes(t *testing.T) {
	for _, c := range []struct {
		in, k, s    int
		pad         Padding
		conv, convT int
	}{
		{28, 3, 2, Same, 14, 56},
		{7, 3, 2, Same, 4, 14},
		{4, 4, 1, Valid, 1, 7},
		{4, 4, 2, Same, 2, 8},
		{7, 4, 1, Valid, 4, 10},
		{3, 4, 1, Valid, 0, 6},
	} {
		if got := ConvOutputSize(c.in, c.k, c.s, c.pad); got != c.conv {
			t.Errorf("ConvOutputSize(%d,%d,%d,%v) = %d, want %d", c.in, c.k, c.s, c.pad, got, c.conv)
		}
		if got := ConvTransposeOutputSize(c.in, c.k, c.s, c.pad); got != c.convT {
			t.Errorf("ConvTransposeOutputSize(%d,%d,%d,%v) = %d, want %d", c.in, c.k, c.s, c.pad, got, c.convT)
		}
	}
}
