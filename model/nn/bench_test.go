package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The seed network's batch-64 activation shapes that go through BN,
// LeakyReLU and dropout.
var benchShapes = []tensor.Shape{{64, 512, 4, 4}, {64, 256, 7, 7}, {64, 128, 14, 14}}

type benchOps struct {
	fwd, bwd  gorgonia.Op
	fin, bin  []gorgonia.Value
	extraBwds []gorgonia.Op // chained backward ops of a composition
}

func benchInputs(shape tensor.Shape) (x, gy, gamma, beta *tensor.Dense) {
	r := rand.New(rand.NewPCG(1, 2))
	c := shape[1]
	return dense(shape, randSlice(r, shape.TotalSize(), -2, 2)), dense(shape, randSlice(r, shape.TotalSize(), -1, 1)),
		dense(tensor.Shape{c}, randSlice(r, c, 0.5, 1.5)), dense(tensor.Shape{c}, randSlice(r, c, -0.5, 0.5))
}

func benchNodes(shape tensor.Shape) (x, gamma, beta *gorgonia.Node) {
	g := gorgonia.NewGraph()
	c := shape[1]
	return gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(shape...), gorgonia.WithName("x")),
		gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(c), gorgonia.WithName("gamma")),
		gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(c), gorgonia.WithName("beta"))
}

func mustDo(b *testing.B, op gorgonia.Op, in ...gorgonia.Value) gorgonia.Value {
	v, err := op.Do(in...)
	if err != nil {
		b.Fatal(err)
	}
	return v
}

// BenchmarkOps times each op's forward and backward Do at the seed shapes,
// which is what a tape machine spends inside the op.
func BenchmarkOps(b *testing.B) {
	for _, shape := range benchShapes {
		x, gy, gamma, beta := benchInputs(shape)
		xn, gn, bn := benchNodes(shape)
		c := shape[1]
		name := fmt.Sprintf("%dx%dx%dx%d", shape[0], shape[1], shape[2], shape[3])

		bnNode, _ := BatchNorm(xn, gn, bn, NewStats(c), true, 0.99, 1e-3)
		bnOpv := bnNode.Op().(*bnOp)
		bnGrad := newBNGradOp(bnOpv)
		fusedNode, _ := BatchNormLeakyDropout(xn, gn, bn, NewStats(c), true, 0.99, 1e-3, 0.01, 0.8, rand.NewPCG(1, 1))
		fusedOp := fusedNode.Op().(*bnOp)
		fusedGrad := newBNGradOp(fusedOp)
		lrNode, _ := LeakyReLU(xn, 0.01)
		lrOp := lrNode.Op().(*leakyOp)
		lrGrad := newLeakyGradOp(0.01, shape)
		dNode, _ := Dropout(xn, 0.8, rand.NewPCG(1, 1))
		dOp := dNode.Op().(*dropoutOp)
		dGrad := newDropoutGradOp(dOp)

		cases := []struct {
			op  string
			fwd func()
			bwd func()
		}{
			{"BatchNorm", func() { mustDo(b, bnOpv, x, gamma, beta) }, func() { mustDo(b, bnGrad, x, gamma, gy) }},
			{"LeakyReLU", func() { mustDo(b, lrOp, x) }, func() { mustDo(b, lrGrad, x, gy) }},
			{"Dropout", func() { mustDo(b, dOp, x) }, func() { mustDo(b, dGrad, gy) }},
			{"Unfused_BN_LReLU_Dropout", func() {
				y := mustDo(b, bnOpv, x, gamma, beta)
				z := mustDo(b, lrOp, y)
				mustDo(b, dOp, z)
			}, func() {
				g1 := mustDo(b, dGrad, gy)
				g2 := mustDo(b, lrGrad, x, g1)
				mustDo(b, bnGrad, x, gamma, g2)
			}},
			{"BatchNormLeakyDropout", func() { mustDo(b, fusedOp, x, gamma, beta) }, func() { mustDo(b, fusedGrad, x, gamma, gy) }},
		}
		for _, tc := range cases {
			tc.fwd()
			tc.bwd()
			b.Run(tc.op+"/"+name+"/fwd", func(b *testing.B) {
				b.SetBytes(int64(shape.TotalSize() * 4))
				for b.Loop() {
					tc.fwd()
				}
			})
			b.Run(tc.op+"/"+name+"/bwd", func(b *testing.B) {
				b.SetBytes(int64(shape.TotalSize() * 4))
				for b.Loop() {
					tc.bwd()
				}
			})
			b.Run(tc.op+"/"+name+"/fwd+bwd", func(b *testing.B) {
				b.SetBytes(int64(shape.TotalSize() * 4))
				for b.Loop() {
					tc.fwd()
					tc.bwd()
				}
			})
		}
	}
}

// BenchmarkGorgoniaBaseline is gorgonia's own BatchNorm + LeakyRelu (its
// Dropout gradient is wrong, so a mask multiply stands in) in a tape
// machine, for comparison with the fused op in a tape machine.
func BenchmarkGorgoniaBaseline(b *testing.B) {
	for _, shape := range benchShapes {
		name := fmt.Sprintf("%dx%dx%dx%d", shape[0], shape[1], shape[2], shape[3])
		x, gy, gamma, beta := benchInputs(shape)
		for _, ours := range []bool{false, true} {
			g := gorgonia.NewGraph()
			c := shape[1]
			xn := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(shape...), gorgonia.WithName("x"), gorgonia.WithValue(x))
			w := gorgonia.NewConstant(gy)
			var y *gorgonia.Node
			var wrt gorgonia.Nodes
			if ours {
				gn := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(c), gorgonia.WithName("gamma"), gorgonia.WithValue(gamma))
				bn := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(c), gorgonia.WithName("beta"), gorgonia.WithValue(beta))
				y, _ = BatchNormLeakyDropout(xn, gn, bn, NewStats(c), true, 0.99, 1e-3, 0.01, 0.8, rand.NewPCG(1, 1))
				wrt = gorgonia.Nodes{xn, gn, bn}
			} else {
				sc := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(1, c, 1, 1), gorgonia.WithName("gamma"), gorgonia.WithInit(gorgonia.Ones()))
				bi := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(1, c, 1, 1), gorgonia.WithName("beta"), gorgonia.WithInit(gorgonia.Zeroes()))
				h, _, _, _, err := gorgonia.BatchNorm(xn, sc, bi, 0.01, 1e-3)
				if err != nil {
					b.Fatal(err)
				}
				h, err = gorgonia.LeakyRelu(h, 0.01)
				if err != nil {
					b.Fatal(err)
				}
				mask := gorgonia.NewConstant(dense(shape, randSlice(rand.New(rand.NewPCG(1, 1)), shape.TotalSize(), 0, 1.25)))
				y, err = gorgonia.HadamardProd(h, mask)
				if err != nil {
					b.Fatal(err)
				}
				wrt = gorgonia.Nodes{xn, sc, bi}
			}
			prod, _ := gorgonia.HadamardProd(y, w)
			loss, _ := gorgonia.Sum(prod)
			grads, err := gorgonia.Grad(loss, wrt...)
			if err != nil {
				b.Fatal(err)
			}
			prog, locMap, err := gorgonia.CompileFunction(g, gorgonia.Nodes{xn}, append(gorgonia.Nodes{loss}, grads...))
			if err != nil {
				b.Fatal(err)
			}
			vm := gorgonia.NewTapeMachine(g, gorgonia.WithPrecompiled(prog, locMap))
			label := map[bool]string{false: "gorgonia_BN_LeakyRelu_mask", true: "nn_BatchNormLeakyDropout"}[ours]
			b.Run(label+"/"+name+"/graph_fwd+bwd", func(b *testing.B) {
				for b.Loop() {
					vm.Reset()
					if err := vm.RunAll(); err != nil {
						b.Fatal(err)
					}
				}
			})
			vm.Close()
		}
	}
}
