package graphop

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Float32s returns the float32 data of a value given to Do, checking that
// it holds the size values the op was built for: gorgonia does not check
// shapes at run time. A view or a lazily transposed tensor is materialized,
// which costs a copy but keeps the kernels simple. op and what name the
// value in errors; they are formatted only then, so that a run allocates
// nothing.
func Float32s(op fmt.Stringer, what string, v gorgonia.Value, size int) ([]float32, error) {
	d, ok := v.(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("%v %s: want a *tensor.Dense, got %T", op, what, v)
	}
	if d.Dtype() != tensor.Float32 {
		return nil, fmt.Errorf("%v %s: want float32, got %v", op, what, d.Dtype())
	}
	if d.Shape().TotalSize() != size {
		return nil, fmt.Errorf("%v %s: shape %v does not have the %d values the op was built for", op, what, d.Shape(), size)
	}
	if d.IsMaterializable() {
		d = d.Materialize().(*tensor.Dense)
	}
	return d.Float32s()[:size], nil
}

// Scalar32 reads a float32 scalar given to Do, which gorgonia passes either
// as *gorgonia.F32 (constants such as Grad's seed) or as a one-element
// tensor.
func Scalar32(op fmt.Stringer, what string, v gorgonia.Value) (float32, error) {
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

// CheckNode validates a node given to a layer constructor, so that misuse
// is an error when the graph is built rather than a panic or a wrong result
// when it runs: present, in a graph, float32, and a non-empty tensor with
// dims dimensions (any number but 0 when dims is 0). what names the node in
// errors.
func CheckNode(what string, n *gorgonia.Node, dims int) error {
	if n == nil {
		return fmt.Errorf("%s is nil", what)
	}
	if n.Graph() == nil {
		return fmt.Errorf("%s %q is not in a graph", what, n.Name())
	}
	if dt, ok := dtype(n); !ok || dt != tensor.Float32 {
		return fmt.Errorf("%s %q has type %v; only float32 is supported", what, n.Name(), n.Type())
	}
	s := n.Shape()
	switch {
	case dims == 0 && (n.IsScalar() || s.TotalSize() < 1):
		return fmt.Errorf("%s %q must be a non-empty tensor, got shape %v", what, n.Name(), s)
	case dims > 0 && (s.Dims() != dims || s.TotalSize() < 1):
		return fmt.Errorf("%s %q has shape %v, want %d non-empty dimensions", what, n.Name(), s, dims)
	}
	return nil
}

// dtype reads a node's element type without gorgonia's Node.Dtype, which
// panics on type variables.
func dtype(n *gorgonia.Node) (tensor.Dtype, bool) {
	switch t := n.Type().(type) {
	case tensor.Dtype:
		return t, true
	case gorgonia.TensorType:
		dt, ok := t.Of.(tensor.Dtype)
		return dt, ok
	case *gorgonia.TensorType:
		dt, ok := t.Of.(tensor.Dtype)
		return dt, ok
	}
	return tensor.Dtype{}, false
}
