package linear

import (
	"math/rand"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// benchCases are the seed networks' layers at batch 64 and full width.
var benchCases = []layerCase{
	{name: "mnist-d1 conv 1→128 28→14", kind: "conv", n: 64, cin: 1, cout: 128, h: 28, w: 28, kh: 3, kw: 3, stride: 2, pad: Same, bias: true},
	{name: "mnist-d2 conv 128→256 14→7", kind: "conv", n: 64, cin: 128, cout: 256, h: 14, w: 14, kh: 3, kw: 3, stride: 2, pad: Same, bias: true},
	{name: "mnist-d3 conv 256→512 7→4", kind: "conv", n: 64, cin: 256, cout: 512, h: 7, w: 7, kh: 3, kw: 3, stride: 2, pad: Same, bias: true},
	{name: "d-out dense 8192→1", kind: "dense", n: 64, cin: 8192, cout: 1, bias: true},
	{name: "g-in dense 100→8192", kind: "dense", n: 64, cin: 100, cout: 8192, bias: true},
	{name: "mnist-g1 convT 512→256 4→7", kind: "convt", n: 64, cin: 512, cout: 256, h: 4, w: 4, kh: 4, kw: 4, stride: 1, pad: Valid, bias: true},
	{name: "mnist-g2 convT 256→128 7→14", kind: "convt", n: 64, cin: 256, cout: 128, h: 7, w: 7, kh: 3, kw: 3, stride: 2, pad: Same, bias: true},
	{name: "mnist-g3 convT 128→1 14→28", kind: "convt", n: 64, cin: 128, cout: 1, h: 14, w: 14, kh: 3, kw: 3, stride: 2, pad: Same, bias: true},
	{name: "cifar-d1 conv 3→128 32→16", kind: "conv", n: 64, cin: 3, cout: 128, h: 32, w: 32, kh: 3, kw: 3, stride: 2, pad: Same, bias: true},
	{name: "cifar-g1 convT 512→256 4→8", kind: "convt", n: 64, cin: 512, cout: 256, h: 4, w: 4, kh: 4, kw: 4, stride: 2, pad: Same, bias: true},
	{name: "cifar-g2 convT 256→128 8→16", kind: "convt", n: 64, cin: 256, cout: 128, h: 8, w: 8, kh: 3, kw: 3, stride: 2, pad: Same, bias: true},
	{name: "cifar-g3 convT 128→3 16→32", kind: "convt", n: 64, cin: 128, cout: 3, h: 16, w: 16, kh: 3, kw: 3, stride: 2, pad: Same, bias: true},
}

// BenchmarkForwardBackward times one forward and one backward pass (input,
// weight and bias gradients) of each seed layer. The output gradient is an
// input node so that only this package's ops run.
func BenchmarkForwardBackward(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			gr := newGraph(b, c, rng, false)
			dy := gorgonia.NodeFromAny(gr.g, tensor.New(tensor.WithShape(gr.y.Shape()...), tensor.WithBacking(randData(rng, gr.y.Shape().TotalSize()))))
			if _, err := gr.y.Op().(gorgonia.SDOp).SymDiff(gr.inputs, gr.y, dy); err != nil {
				b.Fatal(err)
			}
			m := gorgonia.NewTapeMachine(gr.g)
			defer m.Close()
			var macs int
			switch c.kind {
			case "conv":
				macs = gr.y.Shape().TotalSize() * c.cin * c.kh * c.kw
			case "convt":
				macs = c.n * c.cin * c.h * c.w * c.cout * c.kh * c.kw
			default:
				macs = c.n * c.cin * c.cout
			}
			for b.Loop() {
				if err := m.RunAll(); err != nil {
					b.Fatal(err)
				}
				m.Reset()
			}
			// Forward, input and weight gradient are one product each.
			b.ReportMetric(float64(3*2*macs)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
