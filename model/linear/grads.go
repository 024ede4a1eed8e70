package linear

import (
	"fmt"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/ganstudio/ganstudio/model/kernels"
)

// toCNOp turns an NCHW gradient into the channel-major [C, N·H·W] matrix
// that the batch GEMMs of a convolution's backward pass read. It is a node
// of its own because both the input and the weight gradient need it.
type toCNOp struct {
	base
	n, c, hw int
	out      outBuf
}

func newToCNOp(n, c, hw int) *toCNOp {
	return &toCNOp{base: newBase("ToCN{%d,%d,%d}", n, c, hw), n: n, c: c, hw: hw}
}

func (o *toCNOp) Arity() int    { return 1 }
func (o *toCNOp) Type() hm.Type { return fnType(4, 2) }
func (o *toCNOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{o.c, o.n * o.hw}, nil
}

func (o *toCNOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := inputs(vals, []int{o.n * o.c * o.hw}, []string{"gradient"})
	if err != nil {
		return nil, fmt.Errorf("%v: %w", o, err)
	}
	t, out := o.out.get(tensor.Shape{o.c, o.n * o.hw})
	kernels.ToCN(o.n, o.c, o.hw, in[0], out)
	return t, nil
}

// im2colOp unrolls an NCHW gradient into a column matrix: the first step of
// a transposed convolution's backward pass, shared by its input and weight
// gradients.
type im2colOp struct {
	base
	g   kernels.Geom
	n   int
	out outBuf
}

func newIm2colOp(g kernels.Geom, n int) *im2colOp {
	return &im2colOp{base: newBase("Im2Col{%d %+v}", n, g), g: g, n: n}
}

func (o *im2colOp) Arity() int    { return 1 }
func (o *im2colOp) Type() hm.Type { return fnType(4, 2) }
func (o *im2colOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{o.g.Rows(), o.g.Cols(o.n)}, nil
}

func (o *im2colOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := inputs(vals, []int{o.n * o.g.ImageLen()}, []string{"gradient"})
	if err != nil {
		return nil, fmt.Errorf("%v: %w", o, err)
	}
	t, out := o.out.get(tensor.Shape{o.g.Rows(), o.g.Cols(o.n)})
	kernels.Im2Col(o.g, o.n, in[0], out)
	return t, nil
}

// biasGradOp sums a gradient over everything but its channel axis: the bias
// gradient of every layer here ([N, C, H, W] for convolutions, [N, C] with
// hw = 1 for dense).
type biasGradOp struct {
	base
	dims     int
	n, c, hw int
	out      outBuf
}

func newBiasGradOp(dims, n, c, hw int) *biasGradOp {
	return &biasGradOp{base: newBase("BiasGrad{%d,%d,%d}", n, c, hw), dims: dims, n: n, c: c, hw: hw}
}

func (o *biasGradOp) Arity() int    { return 1 }
func (o *biasGradOp) Type() hm.Type { return fnType(o.dims, 1) }
func (o *biasGradOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{o.c}, nil
}

func (o *biasGradOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := inputs(vals, []int{o.n * o.c * o.hw}, []string{"gradient"})
	if err != nil {
		return nil, fmt.Errorf("%v: %w", o, err)
	}
	t, out := o.out.get(tensor.Shape{o.c})
	kernels.ChannelSums(o.n, o.c, o.hw, in[0], out)
	return t, nil
}

// gemmOp is a plain matrix product op(A)·op(B) of two 2-D inputs, used for
// the dense layer's gradients where the transposes cost nothing: sgemm reads
// either layout.
type gemmOp struct {
	base
	transA, transB bool
	m, n, k        int
	out            outBuf
}

func newGemmOp(transA, transB bool, m, n, k int) *gemmOp {
	return &gemmOp{base: newBase("Gemm{%t,%t,%d,%d,%d}", transA, transB, m, n, k), transA: transA, transB: transB, m: m, n: n, k: k}
}

func (o *gemmOp) Arity() int    { return 2 }
func (o *gemmOp) Type() hm.Type { return fnType(2, 2, 2) }
func (o *gemmOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{o.m, o.n}, nil
}

func (o *gemmOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := inputs(vals, []int{o.m * o.k, o.k * o.n}, []string{"a", "b"})
	if err != nil {
		return nil, fmt.Errorf("%v: %w", o, err)
	}
	lda, ldb := o.k, o.n
	if o.transA {
		lda = o.m
	}
	if o.transB {
		ldb = o.k
	}
	t, out := o.out.get(tensor.Shape{o.m, o.n})
	kernels.Sgemm(o.transA, o.transB, o.m, o.n, o.k, 1, in[0], lda, in[1], ldb, 0, out, o.n)
	return t, nil
}
