package linear

import (
	"fmt"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/ganstudio/ganstudio/model/kernels"
)

// denseOp is Dense's forward op: one GEMM x[N, F] × w[F, O] and the bias
// added in place.
type denseOp struct {
	base
	n, f, o int
	hasBias bool
	out     outBuf
}

func (o *denseOp) Arity() int {
	if o.hasBias {
		return 3
	}
	return 2
}

func (o *denseOp) Type() hm.Type {
	if o.hasBias {
		return fnType(2, 2, 1, 2)
	}
	return fnType(2, 2, 2)
}

func (o *denseOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{o.n, o.o}, nil
}

func (o *denseOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	sizes, names := []int{o.n * o.f, o.f * o.o}, []string{"input", "weights"}
	if o.hasBias {
		sizes, names = append(sizes, o.o), append(names, "bias")
	}
	in, err := inputs(vals, sizes, names)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", o, err)
	}
	t, out := o.out.get(tensor.Shape{o.n, o.o})
	kernels.Sgemm(false, false, o.n, o.o, o.f, 1, in[0], o.f, in[1], o.o, 0, out, o.o)
	if o.hasBias {
		kernels.AddRowVector(o.n, o.o, in[2], out)
	}
	return t, nil
}

// DiffWRT says the op is differentiable with respect to all its inputs.
func (o *denseOp) DiffWRT(inputs int) []bool { return allTrue(inputs) }

// SymDiff returns dY × wᵀ, xᵀ × dY and the column sums of dY; sgemm reads
// the transposed operands in place.
func (o *denseOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != o.Arity() {
		return nil, fmt.Errorf("%v: %d inputs, want %d", o, len(inputs), o.Arity())
	}
	dx, err := apply(newGemmOp(false, true, o.n, o.f, o.o), grad, inputs[1])
	if err != nil {
		return nil, err
	}
	dw, err := apply(newGemmOp(true, false, o.f, o.o, o.n), inputs[0], grad)
	if err != nil {
		return nil, err
	}
	grads := gorgonia.Nodes{dx, dw}
	if o.hasBias {
		db, err := apply(newBiasGradOp(2, o.n, o.o, 1), grad)
		if err != nil {
			return nil, err
		}
		grads = append(grads, db)
	}
	return grads, nil
}
