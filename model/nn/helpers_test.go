package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func randSlice(r *rand.Rand, n int, lo, hi float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = lo + (hi-lo)*r.Float32()
	}
	return s
}

func dense(shape tensor.Shape, data []float32) *tensor.Dense {
	return tensor.New(tensor.WithShape(shape.Clone()...), tensor.WithBacking(append([]float32(nil), data...)))
}

func inputNode(g *gorgonia.ExprGraph, name string, shape tensor.Shape, data []float32) *gorgonia.Node {
	return gorgonia.NewTensor(g, tensor.Float32, shape.Dims(), gorgonia.WithShape(shape.Clone()...),
		gorgonia.WithName(name), gorgonia.WithValue(dense(shape, data)))
}

// valueData copies a read-back value into a float64 slice.
func valueData(t *testing.T, v gorgonia.Value) []float64 {
	t.Helper()
	switch x := v.(type) {
	case *gorgonia.F32:
		return []float64{float64(*x)}
	case *tensor.Dense:
		d := x.Float32s()
		out := make([]float64, len(d))
		for i, f := range d {
			out[i] = float64(f)
		}
		return out
	}
	t.Fatalf("unexpected value type %T", v)
	return nil
}

func assertClose(t *testing.T, what string, got, want []float64, abs, rel float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: len %d, want %d", what, len(got), len(want))
	}
	bad := 0
	for i := range got {
		d := math.Abs(got[i] - want[i])
		if math.IsNaN(got[i]) || d > abs+rel*math.Abs(want[i]) {
			if bad < 5 {
				t.Errorf("%s[%d] = %.7g, want %.7g (diff %.3g)", what, i, got[i], want[i], d)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d elements differ", what, bad, len(got))
	}
}

func f64s(s []float32) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}

// gradSpec describes one numerical gradient check: loss = Σ op(inputs)·R.
type gradSpec struct {
	name   string
	shapes []tensor.Shape
	data   [][]float32
	build  func(in []*gorgonia.Node) (*gorgonia.Node, error)
	// before runs ahead of every forward run; dropout tests reseed their rng
	// here so that every perturbed run sees the same mask.
	before func()
	h      float64
	abs    float64
	rel    float64
}

// checkGradient compares gorgonia.Grad through a TapeMachine with central
// differences of the loss, accumulated in float64 outside the graph to keep
// float32 rounding of the sum out of the difference.
func checkGradient(t *testing.T, s gradSpec) {
	t.Helper()
	g := gorgonia.NewGraph()
	var in gorgonia.Nodes
	for i, sh := range s.shapes {
		in = append(in, inputNode(g, "in"+string(rune('a'+i)), sh, s.data[i]))
	}
	out, err := s.build(in)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	r := rand.New(rand.NewPCG(7, 7))
	var loss *gorgonia.Node
	var weights []float64
	if out.IsScalar() {
		loss, weights = out, []float64{1}
	} else {
		w := randSlice(r, out.Shape().TotalSize(), -1, 1)
		weights = f64s(w)
		wn := gorgonia.NewConstant(dense(out.Shape(), w), gorgonia.WithName("R"))
		prod, err := gorgonia.HadamardProd(out, wn)
		if err != nil {
			t.Fatal(err)
		}
		if loss, err = gorgonia.Sum(prod); err != nil {
			t.Fatal(err)
		}
	}
	grads, err := gorgonia.Grad(loss, in...)
	if err != nil {
		t.Fatalf("Grad: %v", err)
	}
	var outV gorgonia.Value
	gorgonia.Read(out, &outV)
	gradV := make([]gorgonia.Value, len(grads))
	for i := range grads {
		gorgonia.Read(grads[i], &gradV[i])
	}
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	run := func() float64 {
		if s.before != nil {
			s.before()
		}
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			t.Fatalf("RunAll: %v", err)
		}
		o := valueData(t, outV)
		var l float64
		for i := range o {
			l += o[i] * weights[i]
		}
		return l
	}
	run()
	analytic := make([][]float64, len(grads))
	for i := range grads {
		analytic[i] = valueData(t, gradV[i])
	}
	for i, n := range in {
		data := n.Value().(*tensor.Dense).Float32s()
		numeric := make([]float64, len(data))
		for j := range data {
			orig := data[j]
			data[j] = orig + float32(s.h)
			lp := run()
			data[j] = orig - float32(s.h)
			lm := run()
			data[j] = orig
			// The actual step after float32 rounding of orig±h.
			step := float64(orig+float32(s.h)) - float64(orig-float32(s.h))
			numeric[j] = (lp - lm) / step
		}
		assertClose(t, s.name+" d/d"+n.Name(), analytic[i], numeric, s.abs, s.rel)
	}
}
