package linear

import (
	"fmt"

	"gorgonia.org/gorgonia"

	"github.com/ganstudio/ganstudio/model/kernels"
)

// Padding selects how a convolution treats the image border, with
// TensorFlow's semantics.
type Padding int

const (
	// Same pads so that the output is ceil(in/stride) (and a transposed
	// convolution's output is in·stride), putting the odd padding pixel after
	// the image as TensorFlow does.
	Same Padding = iota
	// Valid does not pad: only windows that fit inside the image count.
	Valid
)

// String returns the TensorFlow name of the padding.
func (p Padding) String() string {
	switch p {
	case Same:
		return "same"
	case Valid:
		return "valid"
	}
	return fmt.Sprintf("Padding(%d)", int(p))
}

// ConvOutputSize returns the spatial output size of Conv2D for an input of
// size in, a k×k kernel and the given stride; it is ≤ 0 for a 'valid'
// convolution whose kernel does not fit.
func ConvOutputSize(in, k, stride int, pad Padding) int {
	if pad == Same {
		return (in + stride - 1) / stride
	}
	if in < k {
		return 0
	}
	return (in-k)/stride + 1
}

// ConvTransposeOutputSize returns the spatial output size of ConvTranspose2D
// for an input of size in, as TF's conv2d_transpose: in·stride for Same,
// (in−1)·stride + k for Valid.
func ConvTransposeOutputSize(in, k, stride int, pad Padding) int {
	if pad == Same {
		return in * stride
	}
	return (in-1)*stride + k
}

// convGeom checks the arguments shared by both convolutions and returns the
// geometry of the forward convolution over c×h×w images with a kh×kw kernel.
func convGeom(c, h, w, kh, kw, stride int, pad Padding) (kernels.Geom, error) {
	if pad != Same && pad != Valid {
		return kernels.Geom{}, fmt.Errorf("unknown padding %v", pad)
	}
	if stride < 1 {
		return kernels.Geom{}, fmt.Errorf("stride %d, want ≥ 1", stride)
	}
	return kernels.NewGeom(c, h, w, kh, kw, stride, stride, pad == Same)
}

// Conv2D returns the convolution of x [N, Cin, H, W] with w [Cout, Cin, K, K]
// plus b [Cout] (b may be nil), shaped [N, Cout, Ho, Wo] with Ho, Wo from
// ConvOutputSize: TensorFlow's conv2d with the given stride and padding,
// including 'same”s asymmetric padding.
func Conv2D(x, w, b *gorgonia.Node, stride int, pad Padding) (*gorgonia.Node, error) {
	y, err := conv(x, w, b, stride, pad, false)
	if err != nil {
		return nil, fmt.Errorf("conv2d: %w", err)
	}
	return y, nil
}

// ConvTranspose2D returns the transposed convolution of x [N, Cin, H, W] with
// w [Cin, Cout, K, K] plus b [Cout] (b may be nil), shaped [N, Cout, Ho, Wo]
// with Ho, Wo from ConvTransposeOutputSize. It is the exact adjoint of Conv2D
// with weights w and the same stride and padding (TF's conv2d_transpose).
func ConvTranspose2D(x, w, b *gorgonia.Node, stride int, pad Padding) (*gorgonia.Node, error) {
	y, err := conv(x, w, b, stride, pad, true)
	if err != nil {
		return nil, fmt.Errorf("conv2d transpose: %w", err)
	}
	return y, nil
}

// conv builds Conv2D or, when transposed, ConvTranspose2D. Both take
// weights [C, C', K, K] with C the channels of the convolution's output
// side and C' those of its image side (see convShape): Conv2D's input is
// the image side, ConvTranspose2D's the output side.
func conv(x, w, b *gorgonia.Node, stride int, pad Padding, transposed bool) (*gorgonia.Node, error) {
	if err := checkLayer(x, w, 4); err != nil {
		return nil, err
	}
	xs, ws := x.Shape(), w.Shape()
	kind, inC, outC, layout := "Conv2D", ws[1], ws[0], "[Cout, Cin, K, K]"
	h, wd := xs[2], xs[3]
	if transposed {
		kind, inC, outC, layout = "ConvTranspose2D", ws[0], ws[1], "[Cin, Cout, K, K]"
		// The geometry is that of the convolution this op is the adjoint
		// of: from the Cout×Ho×Wo output back down to H×W.
		h, wd = ConvTransposeOutputSize(xs[2], ws[2], stride, pad), ConvTransposeOutputSize(xs[3], ws[3], stride, pad)
	}
	if xs[1] != inC {
		return nil, fmt.Errorf("weights %v %s do not match the %d channels of input %v", ws, layout, xs[1], xs)
	}
	if err := checkBias(b, x, outC); err != nil {
		return nil, err
	}
	g, err := convGeom(ws[1], h, wd, ws[2], ws[3], stride, pad)
	if err != nil {
		return nil, err
	}
	if transposed && (g.OutH != xs[2] || g.OutW != xs[3]) {
		return nil, fmt.Errorf("no %v convolution maps %dx%d back to the %dx%d input", pad, h, wd, xs[2], xs[3])
	}
	name := fmt.Sprintf("%s{%dx%d s%d %v}", kind, ws[2], ws[3], stride, pad)
	op := newConvOp(name, convShape{g: g, n: xs[0], c: ws[0]}, b != nil, transposed)
	return gorgonia.ApplyOp(op, withBias(gorgonia.Nodes{x, w}, b)...)
}

// Dense returns x [N, F] times w [F, O] plus b [O] (b may be nil), shaped
// [N, O].
func Dense(x, w, b *gorgonia.Node) (*gorgonia.Node, error) {
	y, err := dense(x, w, b)
	if err != nil {
		return nil, fmt.Errorf("dense: %w", err)
	}
	return y, nil
}

func dense(x, w, b *gorgonia.Node) (*gorgonia.Node, error) {
	if err := checkLayer(x, w, 2); err != nil {
		return nil, err
	}
	xs, ws := x.Shape(), w.Shape()
	if ws[0] != xs[1] {
		return nil, fmt.Errorf("weights %v [F, O] do not match the %d features of input %v", ws, xs[1], xs)
	}
	if err := checkBias(b, x, ws[1]); err != nil {
		return nil, err
	}
	return gorgonia.ApplyOp(newDenseOp(xs[0], ws[0], ws[1], b != nil), withBias(gorgonia.Nodes{x, w}, b)...)
}
