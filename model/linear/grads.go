package linear

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/ganstudio/ganstudio/model/kernels"
)

// nchwOp applies a kernel to an NCHW gradient [n, c, hw…]: ToCN, which
// turns it into the channel-major [c, n·hw] matrix that the batch GEMMs of
// a convolution's backward pass read (a node of its own because both the
// input and the weight gradient need it), or ChannelSums, which sums it
// over all but its channel axis into the bias gradient of any layer here.
type nchwOp struct {
	base
	n, c, hw int
	kernel   func(n, c, hw int, src, dst []float32)
}

func newToCNOp(n, c, hw int) *nchwOp {
	name := fmt.Sprintf("ToCN{%d,%d,%d}", n, c, hw)
	return &nchwOp{base: newBase(name, tensor.Shape{c, n * hw}, 4, 2), n: n, c: c, hw: hw, kernel: kernels.ToCN}
}

// newBiasGradOp returns the op that sums a gradient of the given shape.
func newBiasGradOp(shape tensor.Shape) *nchwOp {
	n, c := shape[0], shape[1]
	hw := shape.TotalSize() / (n * c)
	name := fmt.Sprintf("BiasGrad{%d,%d,%d}", n, c, hw)
	return &nchwOp{base: newBase(name, tensor.Shape{c}, shape.Dims(), 1), n: n, c: c, hw: hw, kernel: kernels.ChannelSums}
}

func (o *nchwOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := o.Inputs(vals, []string{"gradient"}, []int{o.n * o.c * o.hw})
	if err != nil {
		return nil, err
	}
	t, out := o.output()
	o.kernel(o.n, o.c, o.hw, in[0], out)
	return t, nil
}

// im2colOp unrolls an NCHW gradient into a column matrix: the first step of
// a transposed convolution's backward pass, shared by its input and weight
// gradients.
type im2colOp struct {
	base
	g kernels.Geom
	n int
}

func newIm2colOp(g kernels.Geom, n int) *im2colOp {
	name := fmt.Sprintf("Im2Col{%d %+v}", n, g)
	return &im2colOp{base: newBase(name, tensor.Shape{g.Rows(), g.Cols(n)}, 4, 2), g: g, n: n}
}

func (o *im2colOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := o.Inputs(vals, []string{"gradient"}, []int{o.n * o.g.ImageLen()})
	if err != nil {
		return nil, err
	}
	t, out := o.output()
	kernels.Im2Col(o.g, o.n, in[0], out)
	return t, nil
}

// gemmOp is a plain matrix product op(A)·op(B) of two 2-D inputs, used for
// the dense layer's gradients where the transposes cost nothing: sgemm reads
// either layout.
type gemmOp struct {
	base
	transA, transB bool
	m, n, k        int
}

func newGemmOp(transA, transB bool, m, n, k int) *gemmOp {
	name := fmt.Sprintf("Gemm{%t,%t,%d,%d,%d}", transA, transB, m, n, k)
	return &gemmOp{base: newBase(name, tensor.Shape{m, n}, 2, 2, 2), transA: transA, transB: transB, m: m, n: n, k: k}
}

func (o *gemmOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := o.Inputs(vals, []string{"a", "b"}, []int{o.m * o.k, o.k * o.n})
	if err != nil {
		return nil, err
	}
	lda, ldb := o.k, o.n
	if o.transA {
		lda = o.m
	}
	if o.transB {
		ldb = o.k
	}
	t, out := o.output()
	kernels.Sgemm(o.transA, o.transB, o.m, o.n, o.k, 1, in[0], lda, in[1], ldb, 0, out, o.n)
	return t, nil
}
