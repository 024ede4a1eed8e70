package linear

import (
	"errors"
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/ganstudio/ganstudio/model/graphop"
)

// base is what every op here has besides what it computes: graphop's
// scaffolding and an output buffer kept from run to run.
type base struct {
	graphop.Base
	out graphop.Output
}

func newBase(name string, shape tensor.Shape, ranks ...int) base {
	return base{Base: graphop.NewBase(name, shape, ranks...)}
}

// output returns the op's output tensor and its data.
func (o *base) output() (*tensor.Dense, []float32) { return o.out.Get(o.OutShape()) }

// UseRegion places the output in the graph's region.
func (o *base) UseRegion(r *graphop.Region) { o.out.Reserve(r, o.OutShape().TotalSize()) }

// layer is the common part of the forward ops: an input, weights and, when
// hasBias, a bias, all of them differentiable.
type layer struct {
	base
	hasBias bool
}

// newLayer returns the layer part of an op whose input and weights have
// rank dims and whose bias, if any, has rank 1.
func newLayer(name string, shape tensor.Shape, dims int, hasBias bool) layer {
	ranks := []int{dims, dims, dims}
	if hasBias {
		ranks = []int{dims, dims, 1, dims}
	}
	return layer{base: newBase(name, shape, ranks...), hasBias: hasBias}
}

// inputs unpacks the values given to Do: the input and weights, of the
// given sizes, and the bias (nil when the op has none).
func (o *layer) inputs(vals []gorgonia.Value, xSize, wSize, bSize int) (x, w, bias []float32, err error) {
	names, sizes := []string{"input", "weights", "bias"}, []int{xSize, wSize, bSize}
	in, err := o.Inputs(vals, names[:o.Arity()], sizes[:o.Arity()])
	if err != nil {
		return nil, nil, nil, err
	}
	if o.hasBias {
		bias = in[2]
	}
	return in[0], in[1], bias, nil
}

// DiffWRT says the op is differentiable with respect to all its inputs.
func (o *layer) DiffWRT(inputs int) []bool {
	b := make([]bool, inputs)
	for i := range b {
		b[i] = true
	}
	return b
}

// checkInputs checks the inputs SymDiff is given against the op's arity.
func (o *layer) checkInputs(inputs gorgonia.Nodes) error {
	if len(inputs) != o.Arity() {
		return fmt.Errorf("%v: %d inputs, want %d", o, len(inputs), o.Arity())
	}
	return nil
}

// grads returns SymDiff's result from the input and weight gradients dx
// and dw, adding the bias gradient, the output gradient grad summed over
// all but its channel axis, when the op has a bias.
func (o *layer) grads(dx, dw, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if !o.hasBias {
		return gorgonia.Nodes{dx, dw}, nil
	}
	db, err := graphop.Apply(newBiasGradOp(o.OutShape()), grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dx, dw, db}, nil
}

// checkLayer validates the nodes given to a layer constructor: x and w
// float32 tensors of rank dims in one graph.
func checkLayer(x, w *gorgonia.Node, dims int) error {
	if err := graphop.CheckNode("input", x, dims); err != nil {
		return err
	}
	if err := graphop.CheckNode("weights", w, dims); err != nil {
		return err
	}
	if w.Graph() != x.Graph() {
		return errors.New("weights are in another graph")
	}
	return nil
}

// checkBias validates an optional bias of the given length against the
// graph of x.
func checkBias(b, x *gorgonia.Node, length int) error {
	if b == nil {
		return nil
	}
	if err := graphop.CheckNode("bias", b, 1); err != nil {
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

// The forward ops must be differentiable by gorgonia.Grad.
var (
	_ gorgonia.SDOp = (*convOp)(nil)
	_ gorgonia.SDOp = (*denseOp)(nil)
)
