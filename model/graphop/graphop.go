// Package graphop is the scaffolding shared by GAN Studio's custom gorgonia
// ops (model/linear, model/nn, model/classifier), so that each op's own code
// is only what it computes: Do, and SymDiff for a differentiable one.
//
// An op embeds Base, which fixes its name, arity, type and output shape when
// it is built and answers the questions gorgonia's compiler asks of every
// op; backward ops also embed NonDiff. Base.Inputs checks and unpacks the
// values a run is given, Output reuses an output tensor from run to run
// (in an Arena's Region, shared with other graphs), CheckNode validates the nodes given to a layer constructor, and Grad
// is the SymDiff of an op whose first input alone is differentiable.
package graphop

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

// ids numbers op instances for Base.WriteHash. It only ever counts up, so
// no caller can observe it except through a hash being unique.
var ids atomic.Uint64

// Base is embedded by every custom op: it provides all of gorgonia.Op
// except Do.
type Base struct {
	name  string
	id    uint64
	ranks []int        // of the inputs, then of the output; see NewBase
	shape tensor.Shape // of the output
	in    [][]float32  // Inputs' result, reused from run to run
}

// NewBase returns the Base of an op called name (its String) whose output
// has the given shape, and whose type is a → … → a over the ranks of its
// inputs and then of its output: rank r > 0 is a float tensor of r
// dimensions, rank 0 the element type a itself. Rank 0 serves scalars and
// also element-wise ops, typed a → a so that a unifies with the whole
// tensor type of their input.
func NewBase(name string, shape tensor.Shape, ranks ...int) Base {
	return Base{name: name, id: ids.Add(1), ranks: ranks, shape: shape.Clone()}
}

// Arity is the number of inputs, one fewer than the ranks the op was built
// with.
func (b *Base) Arity() int { return len(b.ranks) - 1 }

// Type builds the op's type afresh on every call, as gorgonia's own ops do:
// type inference may substitute into what it is given.
func (b *Base) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, len(b.ranks))
	for i, r := range b.ranks {
		if r == 0 {
			ts[i] = a
		} else {
			ts[i] = gorgonia.TensorType{Dims: r, Of: a}
		}
	}
	return hm.NewFnType(ts...)
}

// InferShape returns the output shape fixed when the op was built: the ops
// are built for inputs of one shape each.
func (b *Base) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return b.shape.Clone(), nil
}

// OutShape returns the output shape without copying it; callers must not
// modify it.
func (b *Base) OutShape() tensor.Shape { return b.shape }

// ReturnsPtr is false so that gorgonia's register allocator gives the node a
// register of its own rather than expecting it to write into an input.
func (b *Base) ReturnsPtr() bool { return false }

// CallsExtern is false although some ops call OpenBLAS: true would make the
// tape machine allocate a fresh output before every run, which the ops
// ignore since they own their outputs.
func (b *Base) CallsExtern() bool { return false }

// OverwritesInput is -1: inputs are never written.
func (b *Base) OverwritesInput() int { return -1 }

// WriteHash writes the op's name and instance number. Ops own buffers, so
// gorgonia's hash-consing must never merge two nodes because their ops and
// inputs look alike (two dropouts of one input would share one mask): the
// number makes every op's hash unique.
func (b *Base) WriteHash(h hash.Hash) { fmt.Fprintf(h, "%s#%d", b.name, b.id) }

// Hashcode is the FNV-1a hash of what WriteHash writes.
func (b *Base) Hashcode() uint32 {
	h := fnv.New32a()
	b.WriteHash(h)
	return h.Sum32()
}

// String returns the op's name.
func (b *Base) String() string { return b.name }

// Inputs checks the values given to Do, as many as the op's arity, and
// returns the data of the first len(names) of them (see Float32s): value i
// is called names[i] in errors and must hold sizes[i] values. Trailing
// values, such as a scalar output gradient, are left to the caller. The
// result is reused by the next call, so that a run allocates nothing.
func (b *Base) Inputs(vs []gorgonia.Value, names []string, sizes []int) ([][]float32, error) {
	if len(vs) != b.Arity() {
		return nil, fmt.Errorf("%v: got %d inputs, want %d", b, len(vs), b.Arity())
	}
	b.in = b.in[:0]
	for i, name := range names {
		d, err := Float32s(b, name, vs[i], sizes[i])
		if err != nil {
			return nil, err
		}
		b.in = append(b.in, d)
	}
	return b.in, nil
}

// NonDiff is embedded by backward ops: a GAN trained with first-order
// optimisers never needs second derivatives.
type NonDiff struct{}

// DiffWRT says no input is differentiable.
func (NonDiff) DiffWRT(n int) []bool { return make([]bool, n) }

// SymDiff always fails.
func (NonDiff) SymDiff(gorgonia.Nodes, *gorgonia.Node, *gorgonia.Node) (gorgonia.Nodes, error) {
	return nil, errors.New("backward ops are not differentiable (no second derivatives)")
}

// Grad is the SymDiff of an op fwd whose first input alone is
// differentiable: it applies the backward op bwd to the first k of fwd's
// inputs followed by the output gradient grad, and returns that node as the
// first input's gradient and nil for the others.
func Grad(fwd gorgonia.Op, inputs gorgonia.Nodes, grad *gorgonia.Node, bwd gorgonia.Op, k int) (gorgonia.Nodes, error) {
	if len(inputs) != fwd.Arity() || k > len(inputs) {
		return nil, fmt.Errorf("%v: SymDiff got %d inputs, want %d", fwd, len(inputs), fwd.Arity())
	}
	dx, err := Apply(bwd, append(inputs[:k:k], grad)...)
	if err != nil {
		return nil, fmt.Errorf("%v: building gradient: %w", fwd, err)
	}
	grads := make(gorgonia.Nodes, len(inputs))
	grads[0] = dx
	return grads, nil
}

// Apply is gorgonia.ApplyOp with the op named in its error.
func Apply(op gorgonia.Op, children ...*gorgonia.Node) (*gorgonia.Node, error) {
	n, err := gorgonia.ApplyOp(op, children...)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", op, err)
	}
	return n, nil
}
