package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/chewxy/math32"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestTanhMatchesGorgonia checks that the op computes exactly what
// gorgonia's Tanh does, forward and backward, bit for bit.
func TestTanhMatchesGorgonia(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	shape := tensor.Shape{5, 1, 28, 28}
	xs := randSlice(r, shape.TotalSize(), -4, 4)
	ws := randSlice(r, shape.TotalSize(), -1, 1)
	run := func(ours bool) (y, dx []float32) {
		g := gorgonia.NewGraph()
		x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(shape...), gorgonia.WithName("x"),
			gorgonia.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float32(nil), xs...)))))
		w := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(shape...), gorgonia.WithName("w"),
			gorgonia.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float32(nil), ws...)))))
		var th *gorgonia.Node
		var err error
		if ours {
			th, err = Tanh(x)
		} else {
			th, err = gorgonia.Tanh(x)
		}
		if err != nil {
			t.Fatal(err)
		}
		cost := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.HadamardProd(th, w))))
		grads, err := gorgonia.Grad(cost, x)
		if err != nil {
			t.Fatal(err)
		}
		m := gorgonia.NewTapeMachine(g)
		defer m.Close()
		for range 2 { // the second run reuses the op's buffers
			if err := m.RunAll(); err != nil {
				t.Fatal(err)
			}
			y = append(y[:0], th.Value().Data().([]float32)...)
			dx = append(dx[:0], grads[0].Value().Data().([]float32)...)
			m.Reset()
		}
		return y, dx
	}
	// gorgonia's own tanh output register is overwritten by its backward
	// pass, so the forward values are checked against math32 directly.
	_, d0 := run(false)
	y1, d1 := run(true)
	for i := range y1 {
		if y1[i] != math32.Tanh(xs[i]) || d0[i] != d1[i] {
			t.Fatalf("element %d: y %v vs %v, dx %v vs gorgonia %v", i, y1[i], math32.Tanh(xs[i]), d1[i], d0[i])
		}
	}
}
