package linear

import (
	"fmt"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/ganstudio/ganstudio/model/kernels"
)

// convOp is Conv2D's forward op: im2col of the whole batch, one GEMM
// W[Cout, Cin·K·K] × cols[Cin·K·K, N·Ho·Wo], then a copy back to NCHW that
// adds the bias.
type convOp struct {
	base
	g        kernels.Geom
	n, cout  int
	hasBias  bool
	outShape tensor.Shape

	cols   []float32 // im2col of the last input, [g.Rows(), g.Cols(n)]; the weight gradient reads it
	colsOf *float32  // address of the input cols was built from
	yCN    []float32 // GEMM result, channel-major [Cout, N·Ho·Wo]
	out    outBuf
}

func (o *convOp) Arity() int {
	if o.hasBias {
		return 3
	}
	return 2
}

func (o *convOp) Type() hm.Type {
	if o.hasBias {
		return fnType(4, 4, 1, 4)
	}
	return fnType(4, 4, 4)
}

func (o *convOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return o.outShape.Clone(), nil
}

func (o *convOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	sizes, names := []int{o.n * o.g.ImageLen(), o.cout * o.g.Rows()}, []string{"input", "weights"}
	if o.hasBias {
		sizes, names = append(sizes, o.cout), append(names, "bias")
	}
	in, err := inputs(vals, sizes, names)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", o, err)
	}
	var bias []float32
	if o.hasBias {
		bias = in[2]
	}
	// Always rebuild: the input may hold new values at the same address.
	o.colsOf = nil
	cols := o.colsFor(in[0])
	ld, rows := o.g.Cols(o.n), o.g.Rows()
	o.yCN = scratch(o.yCN, o.cout*ld)
	kernels.Sgemm(false, false, o.cout, ld, rows, 1, in[1], rows, cols, ld, 0, o.yCN, ld)
	t, out := o.out.get(o.outShape)
	kernels.FromCN(o.n, o.cout, o.g.OutH*o.g.OutW, o.yCN, bias, out)
	return t, nil
}

// colsFor returns the im2col of x, reusing the forward pass's when it was
// built from the same input so the weight gradient costs one GEMM only.
func (o *convOp) colsFor(x []float32) []float32 {
	if o.colsOf == &x[0] {
		return o.cols
	}
	o.cols = scratch(o.cols, o.g.Rows()*o.g.Cols(o.n))
	kernels.Im2Col(o.g, o.n, x, o.cols)
	o.colsOf = &x[0]
	return o.cols
}

// DiffWRT says the op is differentiable with respect to all its inputs.
func (o *convOp) DiffWRT(inputs int) []bool { return allTrue(inputs) }

// SymDiff returns the gradients of input, weights and bias. The incoming
// gradient is turned channel-major once and shared by the two GEMMs.
func (o *convOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != o.Arity() {
		return nil, fmt.Errorf("%v: %d inputs, want %d", o, len(inputs), o.Arity())
	}
	hw := o.g.OutH * o.g.OutW
	gCN, err := apply(newToCNOp(o.n, o.cout, hw), grad)
	if err != nil {
		return nil, err
	}
	dx, err := apply(&convGradXOp{base: newBase("Conv2DGradInput{%v}", o), fwd: o}, inputs[1], gCN)
	if err != nil {
		return nil, err
	}
	dw, err := apply(&convGradWOp{base: newBase("Conv2DGradWeights{%v}", o), fwd: o}, inputs[0], gCN)
	if err != nil {
		return nil, err
	}
	grads := gorgonia.Nodes{dx, dw}
	if o.hasBias {
		db, err := apply(newBiasGradOp(4, o.n, o.cout, hw), grad)
		if err != nil {
			return nil, err
		}
		grads = append(grads, db)
	}
	return grads, nil
}

func allTrue(n int) []bool {
	b := make([]bool, n)
	for i := range b {
		b[i] = true
	}
	return b
}

// convGradXOp is the input gradient of Conv2D: dcols = Wᵀ × dY (one GEMM
// over the batch) then col2im.
type convGradXOp struct {
	base
	fwd   *convOp
	dcols []float32
	out   outBuf
}

func (o *convGradXOp) Arity() int    { return 2 }
func (o *convGradXOp) Type() hm.Type { return fnType(4, 2, 4) }
func (o *convGradXOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return o.shape(), nil
}

func (o *convGradXOp) shape() tensor.Shape {
	f := o.fwd
	return tensor.Shape{f.n, f.g.C, f.g.H, f.g.W}
}

func (o *convGradXOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	f := o.fwd
	ld, rows := f.g.Cols(f.n), f.g.Rows()
	in, err := inputs(vals, []int{f.cout * rows, f.cout * ld}, []string{"weights", "gradient"})
	if err != nil {
		return nil, fmt.Errorf("%v: %w", o, err)
	}
	o.dcols = scratch(o.dcols, rows*ld)
	kernels.Sgemm(true, false, rows, ld, f.cout, 1, in[0], rows, in[1], ld, 0, o.dcols, ld)
	t, out := o.out.get(o.shape())
	kernels.Col2Im(f.g, f.n, o.dcols, nil, out)
	return t, nil
}

// convGradWOp is the weight gradient of Conv2D: dY[Cout, N·Ho·Wo] × colsᵀ,
// with cols taken from the forward op.
type convGradWOp struct {
	base
	fwd *convOp
	out outBuf
}

func (o *convGradWOp) Arity() int    { return 2 }
func (o *convGradWOp) Type() hm.Type { return fnType(4, 2, 4) }
func (o *convGradWOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return o.shape(), nil
}

func (o *convGradWOp) shape() tensor.Shape {
	f := o.fwd
	return tensor.Shape{f.cout, f.g.C, f.g.KH, f.g.KW}
}

func (o *convGradWOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	f := o.fwd
	ld, rows := f.g.Cols(f.n), f.g.Rows()
	in, err := inputs(vals, []int{f.n * f.g.ImageLen(), f.cout * ld}, []string{"input", "gradient"})
	if err != nil {
		return nil, fmt.Errorf("%v: %w", o, err)
	}
	cols := f.colsFor(in[0])
	t, out := o.out.get(o.shape())
	kernels.Sgemm(false, true, f.cout, rows, ld, 1, in[1], ld, cols, ld, 0, out, rows)
	return t, nil
}
