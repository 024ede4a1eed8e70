package linear

import (
	"fmt"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/ganstudio/ganstudio/model/kernels"
)

// convTOp is ConvTranspose2D's forward op: the input turned channel-major,
// one GEMM Wᵀ[Cout·K·K, Cin] × x[Cin, N·H·W] giving a column matrix, then
// col2im straight into the NCHW output, starting from the bias.
type convTOp struct {
	base
	g        kernels.Geom // the convolution this is the adjoint of: Cout×Ho×Wo down to H×W
	n, cin   int
	hasBias  bool
	outShape tensor.Shape

	xCN   []float32 // the last input, channel-major [Cin, N·H·W]; the weight gradient reads it
	xCNOf *float32  // address of the input xCN was built from
	cols  []float32 // [g.Rows(), g.Cols(n)]
	out   outBuf
}

func (o *convTOp) Arity() int {
	if o.hasBias {
		return 3
	}
	return 2
}

func (o *convTOp) Type() hm.Type {
	if o.hasBias {
		return fnType(4, 4, 1, 4)
	}
	return fnType(4, 4, 4)
}

func (o *convTOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return o.outShape.Clone(), nil
}

func (o *convTOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	ld, rows := o.g.Cols(o.n), o.g.Rows()
	sizes, names := []int{o.cin * ld, o.cin * rows}, []string{"input", "weights"}
	if o.hasBias {
		sizes, names = append(sizes, o.g.C), append(names, "bias")
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
	o.xCNOf = nil
	xCN := o.xCNFor(in[0])
	o.cols = scratch(o.cols, rows*ld)
	kernels.Sgemm(true, false, rows, ld, o.cin, 1, in[1], rows, xCN, ld, 0, o.cols, ld)
	t, out := o.out.get(o.outShape)
	kernels.Col2Im(o.g, o.n, o.cols, bias, out)
	return t, nil
}

// xCNFor returns x channel-major, reusing the forward pass's copy when it
// was made from the same input.
func (o *convTOp) xCNFor(x []float32) []float32 {
	if o.xCNOf == &x[0] {
		return o.xCN
	}
	o.xCN = scratch(o.xCN, o.cin*o.g.Cols(o.n))
	kernels.ToCN(o.n, o.cin, o.g.OutH*o.g.OutW, x, o.xCN)
	o.xCNOf = &x[0]
	return o.xCN
}

// DiffWRT says the op is differentiable with respect to all its inputs.
func (o *convTOp) DiffWRT(inputs int) []bool { return allTrue(inputs) }

// SymDiff returns the gradients of input, weights and bias. The incoming
// gradient is unrolled by im2col once and shared by the two GEMMs.
func (o *convTOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != o.Arity() {
		return nil, fmt.Errorf("%v: %d inputs, want %d", o, len(inputs), o.Arity())
	}
	gCols, err := apply(newIm2colOp(o.g, o.n), grad)
	if err != nil {
		return nil, err
	}
	dx, err := apply(&convTGradXOp{base: newBase("ConvTranspose2DGradInput{%v}", o), fwd: o}, inputs[1], gCols)
	if err != nil {
		return nil, err
	}
	dw, err := apply(&convTGradWOp{base: newBase("ConvTranspose2DGradWeights{%v}", o), fwd: o}, inputs[0], gCols)
	if err != nil {
		return nil, err
	}
	grads := gorgonia.Nodes{dx, dw}
	if o.hasBias {
		db, err := apply(newBiasGradOp(4, o.n, o.g.C, o.g.H*o.g.W), grad)
		if err != nil {
			return nil, err
		}
		grads = append(grads, db)
	}
	return grads, nil
}

// convTGradXOp is the input gradient of ConvTranspose2D, a plain convolution
// of the gradient: W[Cin, Cout·K·K] × im2col(dY), back to NCHW.
type convTGradXOp struct {
	base
	fwd *convTOp
	dCN []float32
	out outBuf
}

func (o *convTGradXOp) Arity() int    { return 2 }
func (o *convTGradXOp) Type() hm.Type { return fnType(4, 2, 4) }
func (o *convTGradXOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return o.shape(), nil
}

func (o *convTGradXOp) shape() tensor.Shape {
	f := o.fwd
	return tensor.Shape{f.n, f.cin, f.g.OutH, f.g.OutW}
}

func (o *convTGradXOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	f := o.fwd
	ld, rows := f.g.Cols(f.n), f.g.Rows()
	in, err := inputs(vals, []int{f.cin * rows, rows * ld}, []string{"weights", "gradient columns"})
	if err != nil {
		return nil, fmt.Errorf("%v: %w", o, err)
	}
	o.dCN = scratch(o.dCN, f.cin*ld)
	kernels.Sgemm(false, false, f.cin, ld, rows, 1, in[0], rows, in[1], ld, 0, o.dCN, ld)
	t, out := o.out.get(o.shape())
	kernels.FromCN(f.n, f.cin, f.g.OutH*f.g.OutW, o.dCN, nil, out)
	return t, nil
}

// convTGradWOp is the weight gradient of ConvTranspose2D:
// x[Cin, N·H·W] × im2col(dY)ᵀ, with x channel-major taken from the forward op.
type convTGradWOp struct {
	base
	fwd *convTOp
	out outBuf
}

func (o *convTGradWOp) Arity() int    { return 2 }
func (o *convTGradWOp) Type() hm.Type { return fnType(4, 2, 4) }
func (o *convTGradWOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return o.shape(), nil
}

func (o *convTGradWOp) shape() tensor.Shape {
	f := o.fwd
	return tensor.Shape{f.cin, f.g.C, f.g.KH, f.g.KW}
}

func (o *convTGradWOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	f := o.fwd
	ld, rows := f.g.Cols(f.n), f.g.Rows()
	in, err := inputs(vals, []int{f.cin * ld, rows * ld}, []string{"input", "gradient columns"})
	if err != nil {
		return nil, fmt.Errorf("%v: %w", o, err)
	}
	xCN := f.xCNFor(in[0])
	t, out := o.out.get(o.shape())
	kernels.Sgemm(false, true, f.cin, rows, ld, 1, xCN, ld, in[1], ld, 0, out, rows)
	return t, nil
}
