package linear

import (
	"errors"
	"fmt"
	"hash"
	"hash/fnv"
	"sync/atomic"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// opIDs numbers op instances. Each op owns buffers, so two nodes must never
// be merged by gorgonia's hash-consing just because their parameters and
// inputs look alike: the id makes every hash unique.
var opIDs atomic.Uint64

// base carries the Op methods that are the same for every op here.
type base struct {
	id   uint64
	name string
}

func newBase(format string, args ...any) base {
	return base{id: opIDs.Add(1), name: fmt.Sprintf(format, args...)}
}

// ReturnsPtr is false so that gorgonia's register allocator gives the node a
// register of its own rather than expecting it to write into an input.
func (o *base) ReturnsPtr() bool { return false }

// CallsExtern is false although the ops call OpenBLAS: true would make the
// tape machine allocate a fresh output before every run, which the ops ignore
// since they own their outputs.
func (o *base) CallsExtern() bool { return false }

// OverwritesInput is -1: inputs are never written.
func (o *base) OverwritesInput() int { return -1 }

func (o *base) WriteHash(h hash.Hash) { fmt.Fprintf(h, "%s#%d", o.name, o.id) }

func (o *base) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}

func (o *base) String() string { return o.name }

// fnType returns the type a → … → a of an op whose inputs and output are
// float tensors of the given ranks, the output's last.
func fnType(dims ...int) hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, len(dims))
	for i, d := range dims {
		ts[i] = &gorgonia.TensorType{Dims: d, Of: a}
	}
	return hm.NewFnType(ts...)
}

// float32s returns the contiguous float32 data of an input value, checking
// that it has the size the op was built for. Views (a transposed or sliced
// input) are materialized, which costs a copy but keeps the kernels simple.
func float32s(v gorgonia.Value, size int, what string) ([]float32, error) {
	t, ok := v.(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("%s: want a *tensor.Dense, got %T", what, v)
	}
	if t.Dtype() != tensor.Float32 {
		return nil, fmt.Errorf("%s: want float32, got %v", what, t.Dtype())
	}
	if t.Shape().TotalSize() != size {
		return nil, fmt.Errorf("%s: shape %v does not have the %d values the op was built for", what, t.Shape(), size)
	}
	if t.IsView() {
		t = t.Materialize().(*tensor.Dense)
	}
	return t.Float32s()[:size], nil
}

// inputs unpacks the values given to Do, checking their count and sizes.
func inputs(vals []gorgonia.Value, sizes []int, names []string) ([][]float32, error) {
	if len(vals) != len(sizes) {
		return nil, fmt.Errorf("got %d inputs, want %d", len(vals), len(sizes))
	}
	out := make([][]float32, len(vals))
	for i, v := range vals {
		d, err := float32s(v, sizes[i], names[i])
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

// outBuf is an op's output tensor, allocated on first use and returned from
// every later run.
type outBuf struct {
	t    *tensor.Dense
	data []float32
}

// get returns the output tensor with the given shape. Downstream ops may
// reshape or transpose a value in place (gorgonia's Reshape does when it is
// the last reader), so a tampered header is replaced; the data is kept.
func (b *outBuf) get(shape tensor.Shape) (*tensor.Dense, []float32) {
	if b.data == nil {
		b.data = make([]float32, shape.TotalSize())
	}
	if b.t == nil || b.t.IsView() || !b.t.Shape().Eq(shape) {
		b.t = tensor.New(tensor.WithShape(shape.Clone()...), tensor.WithBacking(b.data))
	}
	return b.t, b.data
}

// scratch returns buf if it is already allocated, or a new slice of n values.
func scratch(buf []float32, n int) []float32 {
	if buf == nil {
		return make([]float32, n)
	}
	return buf
}

// checkNode validates a node given to a layer constructor: present, float32
// and of the given rank.
func checkNode(n *gorgonia.Node, name string, dims int) error {
	if n == nil {
		return fmt.Errorf("%s is nil", name)
	}
	if n.Dtype() != tensor.Float32 {
		return fmt.Errorf("%s has dtype %v, want float32", name, n.Dtype())
	}
	if s := n.Shape(); len(s) != dims {
		return fmt.Errorf("%s has shape %v, want %d dimensions", name, s, dims)
	}
	return nil
}

// checkBias validates an optional bias of the given length against the graph
// of x.
func checkBias(b, x *gorgonia.Node, length int) error {
	if b == nil {
		return nil
	}
	if err := checkNode(b, "bias", 1); err != nil {
		return err
	}
	if b.Shape()[0] != length {
		return fmt.Errorf("bias has shape %v, want (%d)", b.Shape(), length)
	}
	if b.Graph() != x.Graph() {
		return errors.New("bias is in another graph")
	}
	return nil
}

// withBias appends b to the children when present, so that ops without a
// bias have arity 2.
func withBias(children gorgonia.Nodes, b *gorgonia.Node) gorgonia.Nodes {
	if b != nil {
		children = append(children, b)
	}
	return children
}

// apply builds a node for op, for use inside SymDiff where every failure is
// a bug in this package rather than in the caller's graph.
func apply(op gorgonia.Op, children ...*gorgonia.Node) (*gorgonia.Node, error) {
	n, err := gorgonia.ApplyOp(op, children...)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", op, err)
	}
	return n, nil
}

// The forward ops must be differentiable by gorgonia.Grad.
var (
	_ gorgonia.SDOp = (*convOp)(nil)
	_ gorgonia.SDOp = (*convTOp)(nil)
	_ gorgonia.SDOp = (*denseOp)(nil)
)
