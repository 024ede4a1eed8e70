package nn

import (
	"fmt"
	"math"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/ganstudio/ganstudio/model/graphop"
)

// LeakyReLU returns x where x > 0 and alpha·x elsewhere, as one element-wise
// op instead of the six gorgonia builds it from. The gradient uses slope
// alpha at x == 0, as TensorFlow does.
func LeakyReLU(x *gorgonia.Node, alpha float32) (*gorgonia.Node, error) {
	if err := graphop.CheckNode("LeakyReLU input", x, 0); err != nil {
		return nil, fmt.Errorf("nn.LeakyReLU: %w", err)
	}
	if math.IsNaN(float64(alpha)) || math.IsInf(float64(alpha), 0) {
		return nil, fmt.Errorf("nn.LeakyReLU: alpha must be finite, got %v", alpha)
	}
	op := &leakyOp{elementwise: newElementwise(fmt.Sprintf("LeakyReLU{%v}", alpha), x.Shape(), elemGrain, "input"), alpha: alpha}
	op.kernel = op.forwardRange
	return graphop.Apply(op, x)
}

// slopes returns {1, alpha}; leakyIdx picks the entry without a branch,
// since the sign of activations is unpredictable and mispredictions would
// dominate such a cheap loop.
func slopes(alpha float32) [2]float32 { return [2]float32{1, alpha} }

// leakyIdx is 1 for x <= +0 (and negative numbers), 0 for x > 0 and -0.
// -0 gets slope 1, which changes nothing since 1·-0 == alpha·-0 == 0.
func leakyIdx(x float32) uint32 { return (math.Float32bits(x) - 1) >> 31 }

type leakyOp struct {
	elementwise
	alpha float32
}

func (op *leakyOp) forwardRange(lo, hi int) {
	s := slopes(op.alpha)
	x, y := op.in[0][lo:hi], op.out[lo:hi]
	for i, v := range x {
		y[i] = v * s[leakyIdx(v)&1]
	}
}

func (op *leakyOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff feeds x (not the output) to the backward op: x is kept alive by
// the register allocator because the backward op reads it, whereas our
// output buffer may be recycled by later nodes.
func (op *leakyOp) SymDiff(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	return graphop.Grad(op, inputs, grad, newLeakyGradOp(op.alpha, op.OutShape()), 1)
}

// newLeakyGradOp returns LeakyReLU's backward op, dx = slope(x)·dy, whose
// inputs are x and dy.
func newLeakyGradOp(alpha float32, shape tensor.Shape) *gradOp {
	op := &gradOp{elementwise: newElementwise(fmt.Sprintf("LeakyReLUGrad{%v}", alpha), shape, elemGrain, "x", "output gradient")}
	op.kernel = func(lo, hi int) {
		s := slopes(alpha)
		x, g, dx := op.in[0][lo:hi], op.in[1][lo:hi], op.out[lo:hi]
		for i, v := range x {
			dx[i] = g[i] * s[leakyIdx(v)&1]
		}
	}
	return op
}
