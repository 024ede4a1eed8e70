package nn

import (
	"fmt"

	"github.com/chewxy/hm"
	"github.com/chewxy/math32"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Tanh is gorgonia's Tanh computed the same way (math32.Tanh forward,
// (1 − y·y)·dy backward, rounded as gorgonia's three ops round), as one op
// each way that writes into buffers kept from run to run and splits the
// work across cores. gorgonia's allocates its output and three temporaries
// on every run.
func Tanh(x *gorgonia.Node) (*gorgonia.Node, error) {
	if err := checkTensorF32("Tanh input", x); err != nil {
		return nil, fmt.Errorf("nn.Tanh: %w", err)
	}
	op := &tanhOp{base: newBase("Tanh"), shape: x.Shape()}
	op.fwd = op.forwardRange
	n, err := gorgonia.ApplyOp(op, x)
	if err != nil {
		return nil, fmt.Errorf("nn.Tanh: %w", err)
	}
	return n, nil
}

type tanhOp struct {
	base
	shape tensor.Shape

	out  *tensor.Dense
	last []float32 // the output of the last run, read by the backward op
	x, y []float32
	fwd  func(lo, hi int)
}

func (op *tanhOp) Arity() int { return 1 }

func (op *tanhOp) Type() hm.Type { a := hm.TypeVariable('a'); return hm.NewFnType(a, a) }

func (op *tanhOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return op.shape.Clone(), nil
}

func (op *tanhOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
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
	parallelFor(len(x), elemGrain/4, op.fwd)
	op.x, op.y = nil, nil
	op.last = y
	return out, nil
}

func (op *tanhOp) forwardRange(lo, hi int) {
	x, y := op.x[lo:hi], op.y[lo:hi]
	for i, v := range x {
		y[i] = math32.Tanh(v)
	}
}

func (op *tanhOp) DiffWRT(int) []bool { return []bool{true} }

func (op *tanhOp) SymDiff(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%v: SymDiff wants 1 input, got %d", op, len(inputs))
	}
	b := &tanhGradOp{base: newBase("TanhGrad"), fwd: op}
	b.bwd = b.backwardRange
	dx, err := gorgonia.ApplyOp(b, grad)
	if err != nil {
		return nil, fmt.Errorf("%v: building gradient: %w", op, err)
	}
	return gorgonia.Nodes{dx}, nil
}

// tanhGradOp is dx = (1 − y·y)·dy with y the forward op's last output.
type tanhGradOp struct {
	base
	nonDiff
	fwd *tanhOp

	out   *tensor.Dense
	g, dx []float32
	bwd   func(lo, hi int)
}

func (op *tanhGradOp) Arity() int { return 1 }

func (op *tanhGradOp) Type() hm.Type { a := hm.TypeVariable('a'); return hm.NewFnType(a, a) }

func (op *tanhGradOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return op.fwd.shape.Clone(), nil
}

func (op *tanhGradOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vs) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", op, len(vs))
	}
	g, err := f32Data(op, "gradient", vs[0], op.fwd.shape)
	if err != nil {
		return nil, err
	}
	if len(op.fwd.last) != len(g) {
		return nil, fmt.Errorf("%v: the forward op has not run", op)
	}
	out, dx, err := ownedBuffer(&op.out, op.fwd.shape)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", op, err)
	}
	op.g, op.dx = g, dx
	parallelFor(len(g), elemGrain, op.bwd)
	op.g, op.dx = nil, nil
	return out, nil
}

func (op *tanhGradOp) backwardRange(lo, hi int) {
	y, g, dx := op.fwd.last[lo:hi], op.g[lo:hi], op.dx[lo:hi]
	_, _ = g[len(y)-1], dx[len(y)-1]
	for i, v := range y {
		sq := float32(v * v)      // gorgonia: Square(y)
		d := float32(1 - sq)      // then 1 − ·
		dx[i] = float32(d * g[i]) // then · × dy
	}
}
