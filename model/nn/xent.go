package nn

import (
	"fmt"
	"math"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/ganstudio/ganstudio/model/graphop"
)

// SigmoidCrossEntropy returns the mean over the batch of the sigmoid
// cross-entropy of logits ([N] or [N,1]) against the constant target (0.9
// for one-sided label smoothing). It is computed as
// max(x,0) − x·t + log(1+exp(−|x|)), which neither overflows nor loses the
// loss to rounding at large |x| the way log(sigmoid(x)) does, and is
// accumulated in float64. The gradient is (sigmoid(x) − t)/N.
func SigmoidCrossEntropy(logits *gorgonia.Node, target float32) (*gorgonia.Node, error) {
	if err := graphop.CheckNode("SigmoidCrossEntropy logits", logits, 0); err != nil {
		return nil, fmt.Errorf("nn.SigmoidCrossEntropy: %w", err)
	}
	s := logits.Shape()
	if !(s.Dims() == 1 || (s.Dims() == 2 && s[1] == 1)) {
		return nil, fmt.Errorf("nn.SigmoidCrossEntropy: logits must be [N] or [N,1], got %v", s)
	}
	if math.IsNaN(float64(target)) || math.IsInf(float64(target), 0) {
		return nil, fmt.Errorf("nn.SigmoidCrossEntropy: target must be finite, got %v", target)
	}
	name := fmt.Sprintf("SigmoidCrossEntropy{t=%v}", target)
	op := &xentOp{Base: graphop.NewBase(name, tensor.ScalarShape(), s.Dims(), 0), target: target, shape: s}
	return graphop.Apply(op, logits)
}

type xentOp struct {
	graphop.Base
	target float32
	out    gorgonia.F32 // returned by pointer each run; gorgonia expects *F32 for scalar nodes
	shape  tensor.Shape // of the logits
}

func (op *xentOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := op.Inputs(vs, []string{"logits"}, []int{op.shape.TotalSize()})
	if err != nil {
		return nil, err
	}
	t := float64(op.target)
	var sum float64
	for _, v := range in[0] {
		f := float64(v)
		sum += max(f, 0) - f*t + math.Log1p(math.Exp(-math.Abs(f)))
	}
	op.out = gorgonia.F32(sum / float64(len(in[0])))
	return &op.out, nil
}

func (op *xentOp) DiffWRT(int) []bool { return []bool{true} }

func (op *xentOp) SymDiff(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	return graphop.Grad(op, inputs, grad, newXentGradOp(op), 1)
}

// xentGradOp's inputs are the logits and the scalar output gradient.
type xentGradOp struct {
	graphop.Base
	graphop.NonDiff
	fwd *xentOp
	out *tensor.Dense
}

func newXentGradOp(fwd *xentOp) *xentGradOp {
	name, s := fmt.Sprintf("SigmoidCrossEntropyGrad{t=%v}", fwd.target), fwd.shape
	return &xentGradOp{Base: graphop.NewBase(name, s, s.Dims(), 0, s.Dims()), fwd: fwd}
}

func (op *xentGradOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := op.Inputs(vs, []string{"logits"}, []int{op.fwd.shape.TotalSize()})
	if err != nil {
		return nil, err
	}
	g, err := graphop.Scalar32(op, "output gradient", vs[1])
	if err != nil {
		return nil, err
	}
	out, dx, err := graphop.OwnedBuffer(&op.out, op.OutShape())
	if err != nil {
		return nil, fmt.Errorf("%v: %w", op, err)
	}
	x := in[0]
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
