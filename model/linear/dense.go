package linear

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/ganstudio/ganstudio/model/graphop"
	"github.com/ganstudio/ganstudio/model/kernels"
)

// denseOp is Dense's forward op: one GEMM x[N, F] × w[F, O] and the bias
// added in place.
type denseOp struct {
	layer
	n, f, o int
}

func newDenseOp(n, f, o int, hasBias bool) *denseOp {
	name := fmt.Sprintf("Dense{%d→%d}", f, o)
	return &denseOp{layer: newLayer(name, tensor.Shape{n, o}, 2, hasBias), n: n, f: f, o: o}
}

func (o *denseOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	x, w, bias, err := o.inputs(vals, o.n*o.f, o.f*o.o, o.o)
	if err != nil {
		return nil, err
	}
	t, out := o.output()
	kernels.Sgemm(false, false, o.n, o.o, o.f, 1, x, o.f, w, o.o, 0, out, o.o)
	if bias != nil {
		kernels.AddRowVector(o.n, o.o, bias, out)
	}
	return t, nil
}

// SymDiff returns dY × wᵀ, xᵀ × dY and the column sums of dY; sgemm reads
// the transposed operands in place.
func (o *denseOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if err := o.checkInputs(inputs); err != nil {
		return nil, err
	}
	dx, err := graphop.Apply(newGemmOp(false, true, o.n, o.f, o.o), grad, inputs[1])
	if err != nil {
		return nil, err
	}
	dw, err := graphop.Apply(newGemmOp(true, false, o.f, o.o, o.n), inputs[0], grad)
	if err != nil {
		return nil, err
	}
	return o.grads(dx, dw, grad)
}
