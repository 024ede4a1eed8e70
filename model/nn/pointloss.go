package nn

import (
	"fmt"
	"math"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/ganstudio/ganstudio/model/graphop"
)

// PointLoss is a loss on each of D's raw outputs (logits); the batch's
// loss is its mean. They make the GAN objectives of the model package.
type PointLoss int

const (
	// CrossEntropy is the sigmoid cross-entropy against target, t:
	// −t·log σ(x) − (1−t)·log(1−σ(x)).
	CrossEntropy PointLoss = iota
	// HingeReal is max(0, 1 − x): D's hinge loss on real images.
	HingeReal
	// HingeFake is max(0, 1 + x): D's hinge loss on fakes.
	HingeFake
	// Negated is −x: G's loss under the hinge objective.
	Negated
	// Squared is ½(x − target)²: the least-squares objective's loss.
	Squared
)

func (k PointLoss) String() string {
	switch k {
	case CrossEntropy:
		return "CrossEntropy"
	case HingeReal:
		return "HingeReal"
	case HingeFake:
		return "HingeFake"
	case Negated:
		return "Negated"
	case Squared:
		return "Squared"
	}
	return fmt.Sprintf("PointLoss(%d)", int(k))
}

// value and slope are the loss of one logit and its derivative.
func (k PointLoss) value(x, target float64) float64 {
	switch k {
	case CrossEntropy:
		return max(x, 0) - x*target + math.Log1p(math.Exp(-math.Abs(x)))
	case HingeReal:
		return max(0, 1-x)
	case HingeFake:
		return max(0, 1+x)
	case Negated:
		return -x
	}
	return (x - target) * (x - target) / 2
}

func (k PointLoss) slope(x, target float64) float64 {
	switch k {
	case CrossEntropy:
		// sigmoid via exp(−|x|), so that neither branch overflows.
		e := math.Exp(-math.Abs(x))
		if x < 0 {
			return e/(1+e) - target
		}
		return 1/(1+e) - target
	case HingeReal:
		if x < 1 {
			return -1
		}
		return 0
	case HingeFake:
		if x > -1 {
			return 1
		}
		return 0
	case Negated:
		return -1
	}
	return x - target
}

// MeanLoss returns the mean over the batch of kind's loss on logits ([N]
// or [N,1]), accumulated in float64; target is used by CrossEntropy and
// Squared.
func MeanLoss(logits *gorgonia.Node, kind PointLoss, target float32) (*gorgonia.Node, error) {
	if err := graphop.CheckNode("MeanLoss logits", logits, 0); err != nil {
		return nil, fmt.Errorf("nn.MeanLoss: %w", err)
	}
	s := logits.Shape()
	if !(s.Dims() == 1 || (s.Dims() == 2 && s[1] == 1)) {
		return nil, fmt.Errorf("nn.MeanLoss: logits must be [N] or [N,1], got %v", s)
	}
	if kind < CrossEntropy || kind > Squared {
		return nil, fmt.Errorf("nn.MeanLoss: unknown loss %v", kind)
	}
	if math.IsNaN(float64(target)) || math.IsInf(float64(target), 0) {
		return nil, fmt.Errorf("nn.MeanLoss: target must be finite, got %v", target)
	}
	name := fmt.Sprintf("MeanLoss{%v,t=%v}", kind, target)
	op := &pointLossOp{Base: graphop.NewBase(name, tensor.ScalarShape(), s.Dims(), 0), kind: kind, target: target, shape: s}
	return graphop.Apply(op, logits)
}

type pointLossOp struct {
	graphop.Base
	kind   PointLoss
	target float32
	out    gorgonia.F32 // returned by pointer each run; gorgonia expects *F32 for scalar nodes
	shape  tensor.Shape
}

func (op *pointLossOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := op.Inputs(vs, []string{"logits"}, []int{op.shape.TotalSize()})
	if err != nil {
		return nil, err
	}
	var sum float64
	for _, v := range in[0] {
		sum += op.kind.value(float64(v), float64(op.target))
	}
	op.out = gorgonia.F32(sum / float64(len(in[0])))
	return &op.out, nil
}

func (op *pointLossOp) DiffWRT(int) []bool { return []bool{true} }

func (op *pointLossOp) SymDiff(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	return graphop.Grad(op, inputs, grad, newPointLossGradOp(op), 1)
}

// pointLossGradOp's inputs are the logits and the scalar output gradient.
type pointLossGradOp struct {
	graphop.Base
	graphop.NonDiff
	fwd *pointLossOp
	out graphop.Output
}

func newPointLossGradOp(fwd *pointLossOp) *pointLossGradOp {
	s := fwd.shape
	return &pointLossGradOp{Base: graphop.NewBase(fwd.String()+"Grad", s, s.Dims(), 0, s.Dims()), fwd: fwd}
}

func (op *pointLossGradOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := op.Inputs(vs, []string{"logits"}, []int{op.fwd.shape.TotalSize()})
	if err != nil {
		return nil, err
	}
	g, err := graphop.Scalar32(op, "output gradient", vs[1])
	if err != nil {
		return nil, err
	}
	out, dx := op.out.Get(op.OutShape())
	k := float64(g) / float64(len(in[0]))
	for i, v := range in[0] {
		dx[i] = float32(op.fwd.kind.slope(float64(v), float64(op.fwd.target)) * k)
	}
	return out, nil
}
