package classifier

import (
	"errors"
	"fmt"
	"hash"
	"hash/fnv"
	"math"
	"sync/atomic"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The two ops the classifier needs and the project did not have: 2×2 max
// pooling and softmax cross-entropy on logits. gorgonia has MaxPool2D and
// SoftMax, but MaxPool2D allocates on every run and gorgonia's softmax
// cross-entropy would be built from SoftMax, Log and Mul, which loses the
// loss to rounding when a logit is large; these are single fused ops that
// own their buffers, like those of model/linear and model/nn.

var opIDs atomic.Uint64

// base carries the Op methods that every op here shares. Every instance
// hashes differently so that gorgonia never merges two of them.
type base struct {
	id   uint64
	name string
}

func newBase(format string, args ...any) base {
	return base{id: opIDs.Add(1), name: fmt.Sprintf(format, args...)}
}

func (o *base) ReturnsPtr() bool      { return false }
func (o *base) CallsExtern() bool     { return false }
func (o *base) OverwritesInput() int  { return -1 }
func (o *base) WriteHash(h hash.Hash) { fmt.Fprintf(h, "classifier.%s#%d", o.name, o.id) }
func (o *base) String() string        { return o.name }

func (o *base) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}

// nonDiff is embedded by backward ops (no second derivatives).
type nonDiff struct{}

func (nonDiff) DiffWRT(n int) []bool { return make([]bool, n) }

func (nonDiff) SymDiff(gorgonia.Nodes, *gorgonia.Node, *gorgonia.Node) (gorgonia.Nodes, error) {
	return nil, errors.New("classifier: backward ops are not differentiable")
}

func tensorType(dims int) hm.Type {
	return &gorgonia.TensorType{Dims: dims, Of: hm.TypeVariable('a')}
}

// f32s returns a run-time value's data after checking that it holds the
// number of values the op was built for.
func f32s(op fmt.Stringer, what string, v gorgonia.Value, size int) ([]float32, error) {
	d, ok := v.(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("%v %s: want *tensor.Dense, got %T", op, what, v)
	}
	if d.Dtype() != tensor.Float32 {
		return nil, fmt.Errorf("%v %s: want float32, got %v", op, what, d.Dtype())
	}
	if d.IsView() {
		d = d.Materialize().(*tensor.Dense)
	}
	data := d.Float32s()
	if len(data) != size {
		return nil, fmt.Errorf("%v %s: %d values, built for %d", op, what, len(data), size)
	}
	return data, nil
}

func scalarF32(op fmt.Stringer, what string, v gorgonia.Value) (float32, error) {
	switch s := v.(type) {
	case *gorgonia.F32:
		return float32(*s), nil
	case *tensor.Dense:
		if s.Dtype() == tensor.Float32 && s.Size() == 1 {
			return s.Float32s()[0], nil
		}
	}
	return 0, fmt.Errorf("%v %s: want a float32 scalar, got %T", op, what, v)
}

// owned returns an op's reusable output tensor, allocated on the first run.
// A later gorgonia op (Reshape) may have reshaped it in place: restore it.
func owned(buf **tensor.Dense, shape tensor.Shape) (*tensor.Dense, []float32, error) {
	d := *buf
	if d == nil || len(d.Float32s()) != shape.TotalSize() {
		d = tensor.New(tensor.WithShape(shape.Clone()...), tensor.Of(tensor.Float32))
		*buf = d
	} else if !d.Shape().Eq(shape) {
		if err := d.Reshape(shape...); err != nil {
			return nil, nil, fmt.Errorf("restoring output shape %v: %w", shape, err)
		}
	}
	return d, d.Float32s(), nil
}

func checkF32Node(what string, n *gorgonia.Node, dims int) error {
	if n == nil {
		return fmt.Errorf("%s is nil", what)
	}
	if n.Graph() == nil {
		return fmt.Errorf("%s %q is not in a graph", what, n.Name())
	}
	var dt tensor.Dtype
	switch t := n.Type().(type) {
	case tensor.Dtype:
		dt = t
	case gorgonia.TensorType:
		dt, _ = t.Of.(tensor.Dtype)
	}
	if dt != tensor.Float32 {
		return fmt.Errorf("%s %q has type %v; only float32 is supported", what, n.Name(), n.Type())
	}
	if s := n.Shape(); s.Dims() != dims || s.TotalSize() < 1 {
		return fmt.Errorf("%s %q has shape %v, want %d non-empty dimensions", what, n.Name(), s, dims)
	}
	return nil
}

// MaxPool2 returns the 2×2 max pooling with stride 2 of x [N, C, H, W]
// (H and W even), shaped [N, C, H/2, W/2]. The gradient goes to the first
// maximum of each window.
func MaxPool2(x *gorgonia.Node) (*gorgonia.Node, error) {
	if err := checkF32Node("MaxPool2 input", x, 4); err != nil {
		return nil, fmt.Errorf("classifier.MaxPool2: %w", err)
	}
	s := x.Shape()
	if s[2]%2 != 0 || s[3]%2 != 0 {
		return nil, fmt.Errorf("classifier.MaxPool2: input %v must have an even height and width", s)
	}
	op := &poolOp{base: newBase("MaxPool2"), in: s.Clone(), out: tensor.Shape{s[0], s[1], s[2] / 2, s[3] / 2}}
	n, err := gorgonia.ApplyOp(op, x)
	if err != nil {
		return nil, fmt.Errorf("classifier.MaxPool2: %w", err)
	}
	return n, nil
}

type poolOp struct {
	base
	in, out tensor.Shape
	buf     *tensor.Dense
	argmax  []int32 // index into the input of each output's maximum, from the last run
}

func (o *poolOp) Arity() int    { return 1 }
func (o *poolOp) Type() hm.Type { return hm.NewFnType(tensorType(4), tensorType(4)) }

func (o *poolOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) { return o.out.Clone(), nil }

func (o *poolOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vs) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", o, len(vs))
	}
	x, err := f32s(o, "input", vs[0], o.in.TotalSize())
	if err != nil {
		return nil, err
	}
	t, y, err := owned(&o.buf, o.out)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", o, err)
	}
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
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%v: SymDiff wants 1 input, got %d", o, len(inputs))
	}
	dx, err := gorgonia.ApplyOp(&poolGradOp{base: newBase("MaxPool2Grad"), fwd: o}, inputs[0], grad)
	if err != nil {
		return nil, fmt.Errorf("%v: building gradient: %w", o, err)
	}
	return gorgonia.Nodes{dx}, nil
}

type poolGradOp struct {
	base
	nonDiff
	fwd *poolOp
	buf *tensor.Dense
}

func (o *poolGradOp) Arity() int { return 2 }
func (o *poolGradOp) Type() hm.Type {
	return hm.NewFnType(tensorType(4), tensorType(4), tensorType(4))
}
func (o *poolGradOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return o.fwd.in.Clone(), nil
}

func (o *poolGradOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vs) != 2 {
		return nil, fmt.Errorf("%v: want 2 inputs, got %d", o, len(vs))
	}
	g, err := f32s(o, "output gradient", vs[1], o.fwd.out.TotalSize())
	if err != nil {
		return nil, err
	}
	if len(o.fwd.argmax) != len(g) {
		return nil, fmt.Errorf("%v: the forward op has not run", o)
	}
	t, dx, err := owned(&o.buf, o.fwd.in)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", o, err)
	}
	clear(dx)
	for i, v := range g {
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
	if err := checkF32Node("SoftmaxCrossEntropy logits", logits, 2); err != nil {
		return nil, fmt.Errorf("classifier.SoftmaxCrossEntropy: %w", err)
	}
	if err := checkF32Node("SoftmaxCrossEntropy targets", targets, 2); err != nil {
		return nil, fmt.Errorf("classifier.SoftmaxCrossEntropy: %w", err)
	}
	if !logits.Shape().Eq(targets.Shape()) {
		return nil, fmt.Errorf("classifier.SoftmaxCrossEntropy: logits %v and targets %v differ in shape", logits.Shape(), targets.Shape())
	}
	s := logits.Shape()
	op := &xentOp{base: newBase("SoftmaxCrossEntropy"), n: s[0], k: s[1]}
	n, err := gorgonia.ApplyOp(op, logits, targets)
	if err != nil {
		return nil, fmt.Errorf("classifier.SoftmaxCrossEntropy: %w", err)
	}
	return n, nil
}

type xentOp struct {
	base
	n, k int
	out  gorgonia.F32
}

func (o *xentOp) Arity() int { return 2 }
func (o *xentOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := &gorgonia.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(t, t, a)
}
func (o *xentOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}

func (o *xentOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vs) != 2 {
		return nil, fmt.Errorf("%v: want 2 inputs, got %d", o, len(vs))
	}
	x, err := f32s(o, "logits", vs[0], o.n*o.k)
	if err != nil {
		return nil, err
	}
	t, err := f32s(o, "targets", vs[1], o.n*o.k)
	if err != nil {
		return nil, err
	}
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
	if len(inputs) != 2 {
		return nil, fmt.Errorf("%v: SymDiff wants 2 inputs, got %d", o, len(inputs))
	}
	dx, err := gorgonia.ApplyOp(&xentGradOp{base: newBase("SoftmaxCrossEntropyGrad"), fwd: o}, inputs[0], inputs[1], grad)
	if err != nil {
		return nil, fmt.Errorf("%v: building gradient: %w", o, err)
	}
	return gorgonia.Nodes{dx, nil}, nil
}

type xentGradOp struct {
	base
	nonDiff
	fwd *xentOp
	buf *tensor.Dense
}

func (o *xentGradOp) Arity() int { return 3 }
func (o *xentGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := &gorgonia.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(t, t, a, t)
}
func (o *xentGradOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{o.fwd.n, o.fwd.k}, nil
}

func (o *xentGradOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vs) != 3 {
		return nil, fmt.Errorf("%v: want 3 inputs, got %d", o, len(vs))
	}
	n, k := o.fwd.n, o.fwd.k
	x, err := f32s(o, "logits", vs[0], n*k)
	if err != nil {
		return nil, err
	}
	t, err := f32s(o, "targets", vs[1], n*k)
	if err != nil {
		return nil, err
	}
	g, err := scalarF32(o, "output gradient", vs[2])
	if err != nil {
		return nil, err
	}
	out, dx, err := owned(&o.buf, tensor.Shape{n, k})
	if err != nil {
		return nil, fmt.Errorf("%v: %w", o, err)
	}
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
