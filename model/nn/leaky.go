package nn

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// LeakyReLU returns x where x > 0 and alpha·x elsewhere, as one element-wise
// op instead of the six gorgonia builds it from. The gradient uses slope
// alpha at x == 0, as TensorFlow does.
func LeakyReLU(x *gorgonia.Node, alpha float32) (*gorgonia.Node, error) {
	if err := checkTensorF32("LeakyReLU input", x); err != nil {
		return nil, fmt.Errorf("nn.LeakyReLU: %w", err)
	}
	if math.IsNaN(float64(alpha)) || math.IsInf(float64(alpha), 0) {
		return nil, fmt.Errorf("nn.LeakyReLU: alpha must be finite, got %v", alpha)
	}
	op := &leakyOp{base: newBase(fmt.Sprintf("LeakyReLU{%v}", alpha)), alpha: alpha, shape: x.Shape()}
	op.fwd = op.forwardRange
	n, err := gorgonia.ApplyOp(op, x)
	if err != nil {
		return nil, fmt.Errorf("nn.LeakyReLU: %w", err)
	}
	return n, nil
}

const elemGrain = 32 << 10

// slopes returns {1, alpha}; leakyIdx picks the entry without a branch,
// since the sign of activations is unpredictable and mispredictions would
// dominate such a cheap loop.
func slopes(alpha float32) [2]float32 { return [2]float32{1, alpha} }

// leakyIdx is 1 for x <= +0 (and negative numbers), 0 for x > 0 and -0.
// -0 gets slope 1, which changes nothing since 1·-0 == alpha·-0 == 0.
func leakyIdx(x float32) uint32 { return (math.Float32bits(x) - 1) >> 31 }

type leakyOp struct {
	base
	alpha float32
	shape tensor.Shape

	out  *tensor.Dense
	x, y []float32
	fwd  func(lo, hi int)
}

func (op *leakyOp) Arity() int { return 1 }

func (op *leakyOp) Type() hm.Type { a := hm.TypeVariable('a'); return hm.NewFnType(a, a) }

func (op *leakyOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return op.shape.Clone(), nil
}

func (op *leakyOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vs) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", op, len(vs))
	}
	x, err := f32Data(op, "input", vs[0], op.shape)
	if err != nil {
		return nil, err
	}
	out, y, err := ownedBuffer(&op.out, op.shape)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", op, err)
	}
	op.x, op.y = x, y
	parallelFor(len(x), elemGrain, op.fwd)
	op.x, op.y = nil, nil
	return out, nil
}

func (op *leakyOp) forwardRange(lo, hi int) {
	s := slopes(op.alpha)
	x, y := op.x[lo:hi], op.y[lo:hi]
	for i, v := range x {
		y[i] = v * s[leakyIdx(v)&1]
	}
}

func (op *leakyOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff feeds x (not the output) to the backward op: x is kept alive by
// the register allocator because the backward op reads it, whereas our
// output buffer may be recycled by later nodes.
func (op *leakyOp) SymDiff(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%v: SymDiff wants 1 input, got %d", op, len(inputs))
	}
	b := &leakyGradOp{base: newBase(fmt.Sprintf("LeakyReLUGrad{%v}", op.alpha)), alpha: op.alpha, shape: op.shape}
	b.bwd = b.backwardRange
	dx, err := gorgonia.ApplyOp(b, inputs[0], grad)
	if err != nil {
		return nil, fmt.Errorf("%v: building gradient: %w", op, err)
	}
	return gorgonia.Nodes{dx}, nil
}

type leakyGradOp struct {
	base
	nonDiff
	alpha float32
	shape tensor.Shape

	out      *tensor.Dense
	x, g, dx []float32
	bwd      func(lo, hi int)
}

func (op *leakyGradOp) Arity() int { return 2 }

func (op *leakyGradOp) Type() hm.Type { a := hm.TypeVariable('a'); return hm.NewFnType(a, a, a) }

func (op *leakyGradOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return op.shape.Clone(), nil
}

func (op *leakyGradOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vs) != 2 {
		return nil, fmt.Errorf("%v: want 2 inputs, got %d", op, len(vs))
	}
	x, err := f32Data(op, "x", vs[0], op.shape)
	if err != nil {
		return nil, err
	}
	g, err := f32Data(op, "output gradient", vs[1], op.shape)
	if err != nil {
		return nil, err
	}
	out, dx, err := ownedBuffer(&op.out, op.shape)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", op, err)
	}
	op.x, op.g, op.dx = x, g, dx
	parallelFor(len(x), elemGrain, op.bwd)
	op.x, op.g, op.dx = nil, nil, nil
	return out, nil
}

func (op *leakyGradOp) backwardRange(lo, hi int) {
	s := slopes(op.alpha)
	x, g, dx := op.x[lo:hi], op.g[lo:hi], op.dx[lo:hi]
	for i, v := range x {
		dx[i] = g[i] * s[leakyIdx(v)&1]
	}
}
