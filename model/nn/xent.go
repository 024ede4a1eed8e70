package nn

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// SigmoidCrossEntropy returns the mean over the batch of the sigmoid
// cross-entropy of logits ([N] or [N,1]) against the constant target (0.9
// for one-sided label smoothing). It is computed as
// max(x,0) − x·t + log(1+exp(−|x|)), which neither overflows nor loses the
// loss to rounding at large |x| the way log(sigmoid(x)) does, and is
// accumulated in float64. The gradient is (sigmoid(x) − t)/N.
func SigmoidCrossEntropy(logits *gorgonia.Node, target float32) (*gorgonia.Node, error) {
	if err := checkTensorF32("SigmoidCrossEntropy logits", logits); err != nil {
		return nil, fmt.Errorf("nn.SigmoidCrossEntropy: %w", err)
	}
	s := logits.Shape()
	if !(s.Dims() == 1 || (s.Dims() == 2 && s[1] == 1)) {
		return nil, fmt.Errorf("nn.SigmoidCrossEntropy: logits must be [N] or [N,1], got %v", s)
	}
	if math.IsNaN(float64(target)) || math.IsInf(float64(target), 0) {
		return nil, fmt.Errorf("nn.SigmoidCrossEntropy: target must be finite, got %v", target)
	}
	op := &xentOp{base: newBase(fmt.Sprintf("SigmoidCrossEntropy{t=%v}", target)), target: target, shape: s}
	n, err := gorgonia.ApplyOp(op, logits)
	if err != nil {
		return nil, fmt.Errorf("nn.SigmoidCrossEntropy: %w", err)
	}
	return n, nil
}

type xentOp struct {
	base
	target float32
	shape  tensor.Shape
	out    gorgonia.F32 // returned by pointer each run; gorgonia expects *F32 for scalar nodes
}

func (op *xentOp) Arity() int { return 1 }

func (op *xentOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(gorgonia.TensorType{Dims: op.shape.Dims(), Of: a}, a)
}

func (op *xentOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}

func (op *xentOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vs) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", op, len(vs))
	}
	x, err := f32Data(op, "logits", vs[0], op.shape)
	if err != nil {
		return nil, err
	}
	t := float64(op.target)
	var sum float64
	for _, v := range x {
		f := float64(v)
		sum += max(f, 0) - f*t + math.Log1p(math.Exp(-math.Abs(f)))
	}
	op.out = gorgonia.F32(sum / float64(len(x)))
	return &op.out, nil
}

func (op *xentOp) DiffWRT(int) []bool { return []bool{true} }

func (op *xentOp) SymDiff(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%v: SymDiff wants 1 input, got %d", op, len(inputs))
	}
	b := &xentGradOp{base: newBase(fmt.Sprintf("SigmoidCrossEntropyGrad{t=%v}", op.target)), fwd: op}
	dx, err := gorgonia.ApplyOp(b, inputs[0], grad)
	if err != nil {
		return nil, fmt.Errorf("%v: building gradient: %w", op, err)
	}
	return gorgonia.Nodes{dx}, nil
}

type xentGradOp struct {
	base
	nonDiff
	fwd *xentOp
	out *tensor.Dense
}

func (op *xentGradOp) Arity() int { return 2 }

func (op *xentGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := gorgonia.TensorType{Dims: op.fwd.shape.Dims(), Of: a}
	return hm.NewFnType(t, a, t)
}

func (op *xentGradOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return op.fwd.shape.Clone(), nil
}

func (op *xentGradOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vs) != 2 {
		return nil, fmt.Errorf("%v: want 2 inputs, got %d", op, len(vs))
	}
	x, err := f32Data(op, "logits", vs[0], op.fwd.shape)
	if err != nil {
		return nil, err
	}
	g, err := scalarF32(op, "output gradient", vs[1])
	if err != nil {
		return nil, err
	}
	out, dx, err := ownedBuffer(&op.out, op.fwd.shape)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", op, err)
	}
	k := float64(g) / float64(len(x))
	t := float64(op.fwd.target)
	for i, v := range x {
		// sigmoid via exp(-|x|) so neither branch overflows.
		f := float64(v)
		e := math.Exp(-math.Abs(f))
		s := 1 / (1 + e)
		if f < 0 {
			s = e / (1 + e)
		}
		dx[i] = float32((s - t) * k)
	}
	return out, nil
}
