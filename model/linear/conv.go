package linear

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/ganstudio/ganstudio/model/graphop"
	"github.com/ganstudio/ganstudio/model/kernels"
)

// convShape is what Conv2D and ConvTranspose2D share: the convolution g over
// a batch of n, from g.C×g.H×g.W images (its image side) to c×g.OutH×g.OutW
// (its channel side). Conv2D maps the image side to the channel side and
// ConvTranspose2D, its adjoint, maps back. Either is one GEMM over the
// whole batch between the channel side, channel-major [c, g.Cols(n)], and
// the image side unrolled by im2col, [g.Rows(), g.Cols(n)], with weights
// [c, g.Rows()] both ways; the input gradient of each is the other's pass.
type convShape struct {
	g    kernels.Geom
	n, c int
}

func (s convShape) imageShape() tensor.Shape  { return tensor.Shape{s.n, s.g.C, s.g.H, s.g.W} }
func (s convShape) chanShape() tensor.Shape   { return tensor.Shape{s.n, s.c, s.g.OutH, s.g.OutW} }
func (s convShape) kernelShape() tensor.Shape { return tensor.Shape{s.c, s.g.C, s.g.KH, s.g.KW} }
func (s convShape) chanLen() int              { return s.c * s.g.Cols(s.n) }
func (s convShape) colsLen() int              { return s.g.Rows() * s.g.Cols(s.n) }
func (s convShape) kernelLen() int            { return s.c * s.g.Rows() }

// pass writes into out the convolution of in by w plus bias (nil: none),
// or when adjoint the transposed convolution. Convolution: in is the
// image side im2col'd, one GEMM w × in into the channel-major tmp, then
// back to NCHW adding the bias. Adjoint: in is the channel side
// channel-major, one GEMM wᵀ × in into the columns tmp, then col2im onto
// the bias. tmp holds the GEMM's result (tmpLen(adjoint) values).
func (s convShape) pass(adjoint bool, w, in, bias []float32, tmp *graphop.Buffer, out []float32) {
	ld, rows := s.g.Cols(s.n), s.g.Rows()
	t := tmp.Floats(s.tmpLen(adjoint))
	if adjoint {
		kernels.Sgemm(true, false, rows, ld, s.c, 1, w, rows, in, ld, 0, t, ld)
		kernels.Col2Im(s.g, s.n, t, bias, out)
		return
	}
	kernels.Sgemm(false, false, s.c, ld, rows, 1, w, rows, in, ld, 0, t, ld)
	kernels.FromCN(s.n, s.c, s.g.OutH*s.g.OutW, t, bias, out)
}

// tmpLen is the length of pass's GEMM result: the columns when adjoint,
// the channel side otherwise.
func (s convShape) tmpLen(adjoint bool) int {
	if adjoint {
		return s.colsLen()
	}
	return s.chanLen()
}

// kernelGrad writes the weight gradient into out [c, g.Rows()]: the
// channel-major cn times the columns cols transposed. For Conv2D cn is the
// output gradient and cols the input's im2col; for ConvTranspose2D cn is
// the input and cols the output gradient's im2col.
func (s convShape) kernelGrad(cn, cols, out []float32) {
	ld, rows := s.g.Cols(s.n), s.g.Rows()
	kernels.Sgemm(false, true, s.c, rows, ld, 1, cn, ld, cols, ld, 0, out, rows)
}

// convOp is Conv2D's forward op or, when transposed, ConvTranspose2D's.
type convOp struct {
	layer
	convShape
	transposed bool

	in    []float32      // the last input as the GEMM reads it; the weight gradient reads it too
	inOf  *float32       // address of the input that in was built from
	inBuf graphop.Buffer // in's memory
	tmp   graphop.Buffer // the GEMM's result
}

// UseRegion places the output, the GEMM's input and its result in the
// graph's region.
func (o *convOp) UseRegion(r *graphop.Region) {
	o.base.UseRegion(r)
	o.inBuf.Reserve(r, o.gemmInputLen())
	o.tmp.ReserveScratch(r, o.tmpLen(o.transposed))
}

// gemmInputLen is the length of the input as the GEMM reads it.
func (o *convOp) gemmInputLen() int {
	if o.transposed {
		return o.chanLen()
	}
	return o.colsLen()
}

func newConvOp(name string, s convShape, hasBias, transposed bool) *convOp {
	shape := s.chanShape()
	if transposed {
		shape = s.imageShape()
	}
	return &convOp{layer: newLayer(name, shape, 4, hasBias), convShape: s, transposed: transposed}
}

// inLen and gradLen are the sizes of the input and of the output gradient
// as SymDiff prepares it: the image and the channel side, or the other way
// round when transposed.
func (o *convOp) inLen() int {
	if o.transposed {
		return o.chanLen()
	}
	return o.n * o.g.ImageLen()
}

func (o *convOp) gradLen() int {
	if o.transposed {
		return o.colsLen()
	}
	return o.chanLen()
}

func (o *convOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	biasLen := o.c
	if o.transposed {
		biasLen = o.g.C
	}
	x, w, bias, err := o.inputs(vals, o.inLen(), o.kernelLen(), biasLen)
	if err != nil {
		return nil, err
	}
	// Always rebuild: the input may hold new values at the same address.
	o.inOf = nil
	t, out := o.output()
	o.pass(o.transposed, w, o.gemmInput(x), bias, &o.tmp, out)
	return t, nil
}

// gemmInput returns x as the GEMM reads it, im2col'd or, when transposed,
// channel-major. The forward pass's is reused when it was built from the
// same input, so that the weight gradient costs one GEMM only.
func (o *convOp) gemmInput(x []float32) []float32 {
	if o.inOf == &x[0] {
		return o.in
	}
	o.in = o.inBuf.Floats(o.gemmInputLen())
	if o.transposed {
		kernels.ToCN(o.n, o.c, o.g.OutH*o.g.OutW, x, o.in)
	} else {
		kernels.Im2Col(o.g, o.n, x, o.in)
	}
	o.inOf = &x[0]
	return o.in
}

// SymDiff returns the gradients of input, weights and bias. The output
// gradient is brought once into the form the two GEMMs read (channel-major
// for Conv2D, im2col'd for ConvTranspose2D) by a node both share.
func (o *convOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if err := o.checkInputs(inputs); err != nil {
		return nil, err
	}
	var prep gorgonia.Op = newToCNOp(o.n, o.c, o.g.OutH*o.g.OutW)
	if o.transposed {
		prep = newIm2colOp(o.g, o.n)
	}
	g, err := graphop.Apply(prep, grad)
	if err != nil {
		return nil, err
	}
	dx, err := graphop.Apply(newConvGradXOp(o), inputs[1], g)
	if err != nil {
		return nil, err
	}
	dw, err := graphop.Apply(newConvGradWOp(o), inputs[0], g)
	if err != nil {
		return nil, err
	}
	return o.grads(dx, dw, grad)
}

// convGradXOp is the input gradient of a convolution op: the pass of the
// other direction on the prepared output gradient.
type convGradXOp struct {
	base
	fwd *convOp
	tmp graphop.Buffer
}

// UseRegion places the output and the GEMM's result in the graph's region.
func (o *convGradXOp) UseRegion(r *graphop.Region) {
	o.base.UseRegion(r)
	o.tmp.ReserveScratch(r, o.fwd.tmpLen(!o.fwd.transposed))
}

func newConvGradXOp(f *convOp) *convGradXOp {
	name, shape := "Conv2DGradInput{%v}", f.imageShape()
	if f.transposed {
		name, shape = "ConvTranspose2DGradInput{%v}", f.chanShape()
	}
	return &convGradXOp{base: newBase(fmt.Sprintf(name, f), shape, 4, 2, 4), fwd: f}
}

func (o *convGradXOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	f := o.fwd
	in, err := o.Inputs(vals, []string{"weights", "gradient"}, []int{f.kernelLen(), f.gradLen()})
	if err != nil {
		return nil, err
	}
	t, out := o.output()
	f.pass(!f.transposed, in[0], in[1], nil, &o.tmp, out)
	return t, nil
}

// convGradWOp is the weight gradient of a convolution op, reading the
// forward op's GEMM input.
type convGradWOp struct {
	base
	fwd *convOp
}

func newConvGradWOp(f *convOp) *convGradWOp {
	name := "Conv2DGradWeights{%v}"
	if f.transposed {
		name = "ConvTranspose2DGradWeights{%v}"
	}
	return &convGradWOp{base: newBase(fmt.Sprintf(name, f), f.kernelShape(), 4, 2, 4), fwd: f}
}

// Follows returns the forward op, whose GEMM input the gradient reads.
func (o *convGradWOp) Follows() graphop.InRegion { return o.fwd }

func (o *convGradWOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	f := o.fwd
	in, err := o.Inputs(vals, []string{"input", "gradient"}, []int{f.inLen(), f.gradLen()})
	if err != nil {
		return nil, err
	}
	x, g := f.gemmInput(in[0]), in[1]
	t, out := o.output()
	if f.transposed {
		f.kernelGrad(x, g, out)
	} else {
		f.kernelGrad(g, x, out)
	}
	return t, nil
}
