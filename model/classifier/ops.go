package classifier

import (
	"fmt"
	"math"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/ganstudio/ganstudio/model/graphop"
)

// The two ops the classifier needs and the project did not have: 2×2 max
// pooling and softmax cross-entropy on logits. gorgonia has MaxPool2D and
// SoftMax, but MaxPool2D allocates on every run and gorgonia's softmax
// cross-entropy would be built from SoftMax, Log and Mul, which loses the
// loss to rounding when a logit is large; these are single fused ops that
// own their buffers, like those of model/linear and model/nn.

// MaxPool2 returns the 2×2 max pooling with stride 2 of x [N, C, H, W]
// (H and W even), shaped [N, C, H/2, W/2]. The gradient goes to the first
// maximum of each window.
func MaxPool2(x *gorgonia.Node) (*gorgonia.Node, error) {
	if err := graphop.CheckNode("MaxPool2 input", x, 4); err != nil {
		return nil, fmt.Errorf("classifier.MaxPool2: %w", err)
	}
	s := x.Shape()
	if s[2]%2 != 0 || s[3]%2 != 0 {
		return nil, fmt.Errorf("classifier.MaxPool2: input %v must have an even height and width", s)
	}
	op := &poolOp{Base: graphop.NewBase("MaxPool2", tensor.Shape{s[0], s[1], s[2] / 2, s[3] / 2}, 4, 4), in: s.Clone()}
	return graphop.Apply(op, x)
}

type poolOp struct {
	graphop.Base
	in     tensor.Shape
	buf    graphop.Output
	argmax []int32 // index into the input of each output's maximum, from the last run
}

// UseRegion places the output in the graph's region (argmax, read by the
// backward op, stays the op's own: inference graphs alone use regions).
func (o *poolOp) UseRegion(r *graphop.Region) { o.buf.Reserve(r, o.OutShape().TotalSize()) }

func (o *poolOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := o.Inputs(vs, []string{"input"}, []int{o.in.TotalSize()})
	if err != nil {
		return nil, err
	}
	x := in[0]
	t, y := o.buf.Get(o.OutShape())
	if len(o.argmax) != len(y) {
		o.argmax = make([]int32, len(y))
	}
	h, w := o.in[2], o.in[3]
	oh, ow := h/2, w/2
	planes := o.in[0] * o.in[1]
	for p := 0; p < planes; p++ {
		src := p * h * w
		dst := p * oh * ow
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				a := src + 2*i*w + 2*j
				best, bi := x[a], a
				for _, k := range [3]int{a + 1, a + w, a + w + 1} {
					if x[k] > best {
						best, bi = x[k], k
					}
				}
				y[dst+i*ow+j] = best
				o.argmax[dst+i*ow+j] = int32(bi)
			}
		}
	}
	return t, nil
}

func (o *poolOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff feeds x to the backward op so that it runs after this op's
// forward run, whose argmax it reads.
func (o *poolOp) SymDiff(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	b := &poolGradOp{Base: graphop.NewBase("MaxPool2Grad", o.in, 4, 4, 4), fwd: o}
	return graphop.Grad(o, inputs, grad, b, 1)
}

// poolGradOp routes each output gradient to its window's maximum; its
// inputs are x (for the order of the runs only) and the output gradient.
type poolGradOp struct {
	graphop.Base
	graphop.NonDiff
	fwd *poolOp
	buf graphop.Output
}

func (o *poolGradOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := o.Inputs(vs, []string{"input", "output gradient"}, []int{o.fwd.in.TotalSize(), o.fwd.OutShape().TotalSize()})
	if err != nil {
		return nil, err
	}
	if len(o.fwd.argmax) != len(in[1]) {
		return nil, fmt.Errorf("%v: the forward op has not run", o)
	}
	t, dx := o.buf.Get(o.OutShape())
	clear(dx)
	for i, v := range in[1] {
		dx[o.fwd.argmax[i]] += v
	}
	return t, nil
}

// SoftmaxCrossEntropy returns the mean over the batch of the cross-entropy
// between softmax(logits) and targets, both [N, K]: −Σₖ tₖ·log softmax(x)ₖ,
// with the log-softmax computed stably as x − max − log Σ exp(x − max) and
// accumulated in float64. Targets are rows of class probabilities (one-hot
// labels) and get no gradient; the logits' gradient is (softmax − t)/N.
func SoftmaxCrossEntropy(logits, targets *gorgonia.Node) (*gorgonia.Node, error) {
	if err := graphop.CheckNode("SoftmaxCrossEntropy logits", logits, 2); err != nil {
		return nil, fmt.Errorf("classifier.SoftmaxCrossEntropy: %w", err)
	}
	if err := graphop.CheckNode("SoftmaxCrossEntropy targets", targets, 2); err != nil {
		return nil, fmt.Errorf("classifier.SoftmaxCrossEntropy: %w", err)
	}
	if !logits.Shape().Eq(targets.Shape()) {
		return nil, fmt.Errorf("classifier.SoftmaxCrossEntropy: logits %v and targets %v differ in shape", logits.Shape(), targets.Shape())
	}
	s := logits.Shape()
	op := &xentOp{Base: graphop.NewBase("SoftmaxCrossEntropy", tensor.ScalarShape(), 2, 2, 0), n: s[0], k: s[1]}
	return graphop.Apply(op, logits, targets)
}

type xentOp struct {
	graphop.Base
	n, k int
	out  gorgonia.F32
}

func (o *xentOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := o.Inputs(vs, []string{"logits", "targets"}, []int{o.n * o.k, o.n * o.k})
	if err != nil {
		return nil, err
	}
	x, t := in[0], in[1]
	var sum float64
	for i := 0; i < o.n; i++ {
		row, trow := x[i*o.k:(i+1)*o.k], t[i*o.k:(i+1)*o.k]
		lse := logSumExp(row)
		for j, v := range row {
			if trow[j] != 0 {
				sum -= float64(trow[j]) * (float64(v) - lse)
			}
		}
	}
	o.out = gorgonia.F32(sum / float64(o.n))
	return &o.out, nil
}

// logSumExp returns log Σ exp(row) without overflow.
func logSumExp(row []float32) float64 {
	m := math.Inf(-1)
	for _, v := range row {
		m = max(m, float64(v))
	}
	if math.IsInf(m, 0) || math.IsNaN(m) {
		return m
	}
	var s float64
	for _, v := range row {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s)
}

func (o *xentOp) DiffWRT(int) []bool { return []bool{true, false} }

func (o *xentOp) SymDiff(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	b := &xentGradOp{Base: graphop.NewBase("SoftmaxCrossEntropyGrad", tensor.Shape{o.n, o.k}, 2, 2, 0, 2), fwd: o}
	return graphop.Grad(o, inputs, grad, b, 2)
}

// xentGradOp's inputs are the logits, the targets and the scalar output
// gradient.
type xentGradOp struct {
	graphop.Base
	graphop.NonDiff
	fwd *xentOp
	buf graphop.Output
}

func (o *xentGradOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	n, k := o.fwd.n, o.fwd.k
	in, err := o.Inputs(vs, []string{"logits", "targets"}, []int{n * k, n * k})
	if err != nil {
		return nil, err
	}
	x, t := in[0], in[1]
	g, err := graphop.Scalar32(o, "output gradient", vs[2])
	if err != nil {
		return nil, err
	}
	out, dx := o.buf.Get(o.OutShape())
	scale := float64(g) / float64(n)
	for i := 0; i < n; i++ {
		row, trow := x[i*k:(i+1)*k], t[i*k:(i+1)*k]
		lse := logSumExp(row)
		// Σ t may differ from 1 (soft or partial targets): d/dx of
		// −Σ t·(x − lse) is softmax·Σt − t.
		var tsum float64
		for _, v := range trow {
			tsum += float64(v)
		}
		for j, v := range row {
			p := math.Exp(float64(v) - lse)
			dx[i*k+j] = float32((p*tsum - float64(trow[j])) * scale)
		}
	}
	return out, nil
}
