package nn

import (
	"errors"
	"fmt"
	"hash"
	"hash/fnv"
	"sync/atomic"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// opIDs makes every op instance hash differently: gorgonia deduplicates
// nodes with equal op hashes and children, which would silently merge two
// dropouts of the same input into one shared mask.
var opIDs atomic.Uint64

// base carries the bookkeeping every op here shares.
type base struct {
	name string
	id   uint64
}

func newBase(name string) base { return base{name: name, id: opIDs.Add(1)} }

func (b *base) WriteHash(h hash.Hash) { fmt.Fprintf(h, "nn.%s#%d", b.name, b.id) }

func (b *base) Hashcode() uint32 {
	h := fnv.New32a()
	b.WriteHash(h)
	return h.Sum32()
}

func (b *base) String() string { return b.name }

// ReturnsPtr is false so that gorgonia's register allocator gives each of
// our outputs a fresh register instead of trying to write into an input.
func (b *base) ReturnsPtr() bool { return false }

func (b *base) CallsExtern() bool { return false }

func (b *base) OverwritesInput() int { return -1 }

// nonDiff is embedded by backward ops: second derivatives are not needed
// by a GAN trained with first-order optimisers.
type nonDiff struct{}

func (nonDiff) DiffWRT(n int) []bool { return make([]bool, n) }

func (nonDiff) SymDiff(gorgonia.Nodes, *gorgonia.Node, *gorgonia.Node) (gorgonia.Nodes, error) {
	return nil, errors.New("nn: backward ops are not differentiable (no second derivatives)")
}

// nodeDtype reads the element type without gorgonia's Node.Dtype, which
// panics on type variables.
func nodeDtype(n *gorgonia.Node) (tensor.Dtype, bool) {
	switch t := n.Type().(type) {
	case tensor.Dtype:
		return t, true
	case gorgonia.TensorType:
		dt, ok := t.Of.(tensor.Dtype)
		return dt, ok
	}
	return tensor.Dtype{}, false
}

// checkTensorF32 validates a graph-build-time input so that misuse is an
// error at construction rather than a panic or a wrong result at run time.
func checkTensorF32(what string, n *gorgonia.Node) error {
	if n == nil {
		return fmt.Errorf("%s is nil", what)
	}
	if n.Graph() == nil {
		return fmt.Errorf("%s %q is not in a graph", what, n.Name())
	}
	dt, ok := nodeDtype(n)
	if !ok || dt != tensor.Float32 {
		return fmt.Errorf("%s %q has type %v; only float32 is supported", what, n.Name(), n.Type())
	}
	if n.IsScalar() || n.Shape().TotalSize() < 1 {
		return fmt.Errorf("%s %q must be a non-empty tensor, got shape %v", what, n.Name(), n.Shape())
	}
	return nil
}

// f32Data returns the backing slice of a run-time value after checking it
// has the shape fixed at build time (gorgonia does not re-check shapes).
// The op and what are formatted only on error: building the message up
// front would allocate on every run.
func f32Data(op fmt.Stringer, what string, v gorgonia.Value, want tensor.Shape) ([]float32, error) {
	d, ok := v.(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("%v %s: expected *tensor.Dense, got %T", op, what, v)
	}
	if d.Dtype() != tensor.Float32 {
		return nil, fmt.Errorf("%v %s: expected float32, got %v", op, what, d.Dtype())
	}
	if d.RequiresIterator() {
		return nil, fmt.Errorf("%v %s: non-contiguous tensors are not supported", op, what)
	}
	data := d.Float32s()
	if len(data) != want.TotalSize() {
		return nil, fmt.Errorf("%v %s: got shape %v, built for %v", op, what, d.Shape(), want)
	}
	return data, nil
}

// scalarF32 reads a scalar value, which gorgonia passes either as *F32
// (constants such as Grad's seed) or as a one-element tensor.
func scalarF32(op fmt.Stringer, what string, v gorgonia.Value) (float32, error) {
	switch s := v.(type) {
	case *gorgonia.F32:
		return float32(*s), nil
	case *tensor.Dense:
		if s.Dtype() == tensor.Float32 && s.Size() == 1 {
			return s.Float32s()[0], nil
		}
	}
	return 0, fmt.Errorf("%v %s: expected a float32 scalar, got %T %v", op, what, v, v)
}

// ownedBuffer returns the op's reusable output tensor, allocating it only on
// the first run. Registers are recycled by the tape machine, so a later
// gorgonia op may have reshaped our tensor in place: restore the shape
// rather than allocate.
func ownedBuffer(buf **tensor.Dense, shape tensor.Shape) (*tensor.Dense, []float32, error) {
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
