package dataset

import (
	"fmt"
	"image"

	"golang.org/x/image/draw"
)

// renderer converts images to size×size pixels with c channels, stored
// channel-major (CHW) as bytes. One renderer per goroutine.
type renderer struct {
	size, chans int
	pad         bool // fit the whole picture in the square, black around it; else crop its centre
	scratch     *image.RGBA
}

func newRenderer(size, chans int, fit string) *renderer {
	return &renderer{size: size, chans: chans, pad: fit == FitPad, scratch: image.NewRGBA(image.Rect(0, 0, size, size))}
}

// The ways a non-square picture becomes a square one (Spec.Fit).
const (
	FitCrop = "crop" // the centre square, the default
	FitPad  = "pad"  // the whole picture, with black bars
)

// CheckFit reports a Fit that is none of the ways ("" is FitCrop). It is
// refused for every data set, also one whose pictures are square already,
// so that a typo does not go unnoticed until a folder is trained on.
func CheckFit(fit string) error {
	if fit != "" && fit != FitCrop && fit != FitPad {
		return fmt.Errorf("fit %q is unknown: use crop (the centre square) or pad (the whole picture, black bars)", fit)
	}
	return nil
}

// areaAverage is a box filter: scaled down, each output pixel is the mean
// of the source pixels under it, which keeps thin lines and fine texture
// as they look at the smaller size instead of aliasing them.
var areaAverage = &draw.Kernel{Support: 0.5, At: func(float64) float64 { return 1 }}

// padded returns img centred on a black square of side max(width, height).
func padded(img image.Image) (image.Image, image.Rectangle) {
	b := img.Bounds()
	side := max(b.Dx(), b.Dy())
	sq := image.NewRGBA(image.Rect(0, 0, side, side))
	for i := 3; i < len(sq.Pix); i += 4 {
		sq.Pix[i] = 255
	}
	at := image.Pt((side-b.Dx())/2, (side-b.Dy())/2)
	draw.Draw(sq, b.Sub(b.Min).Add(at), img, b.Min, draw.Over)
	return sq, sq.Rect
}

// centreSquare returns the largest square centred in r.
func centreSquare(r image.Rectangle) image.Rectangle {
	w, h := r.Dx(), r.Dy()
	side := min(w, h)
	x0 := r.Min.X + (w-side)/2
	y0 := r.Min.Y + (h-side)/2
	return image.Rect(x0, y0, x0+side, y0+side)
}

// render crops the centre square of img (or pads img to a square), scales
// it to size×size (area-averaged when shrinking, Catmull-Rom when
// enlarging) and writes CHW bytes to dst, which must hold chans·size²
// bytes. Transparent pixels become black; grayscale is the ITU-R 601 luma
// that Go's color.GrayModel uses.
func (r *renderer) render(img image.Image, dst []byte) {
	sq := centreSquare(img.Bounds())
	if b := img.Bounds(); r.pad && b.Dx() != b.Dy() {
		img, sq = padded(img)
	}
	s := r.scratch
	switch {
	case sq.Dx() == r.size:
		draw.Draw(s, s.Rect, img, sq.Min, draw.Src)
	case sq.Dx() > r.size:
		areaAverage.Scale(s, s.Rect, img, sq, draw.Src, nil)
	default:
		draw.CatmullRom.Scale(s, s.Rect, img, sq, draw.Src, nil)
	}
	n := r.size * r.size
	pix := s.Pix
	if r.chans == 3 {
		R, G, B := dst[:n], dst[n:2*n], dst[2*n:3*n]
		for i := range n {
			p := pix[4*i : 4*i+3 : 4*i+3]
			R[i], G[i], B[i] = p[0], p[1], p[2]
		}
		return
	}
	Y := dst[:n]
	for i := range n {
		p := pix[4*i : 4*i+3 : 4*i+3]
		Y[i] = luma(p[0], p[1], p[2])
	}
}

// luma is color.GrayModel's conversion on 8-bit values; luma(v, v, v) == v.
func luma(r, g, b uint8) uint8 {
	return uint8((19595*uint32(r) + 38470*uint32(g) + 7471*uint32(b) + 1<<15) >> 16)
}

// chwImage wraps one CHW image (1 or 3 channels, h×w) as an image.Image.
func chwImage(pix []byte, h, w, chans int) image.Image {
	n := h * w
	if chans == 1 {
		g := image.NewGray(image.Rect(0, 0, w, h))
		copy(g.Pix, pix[:n])
		return g
	}
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range n {
		m.Pix[4*i] = pix[i]
		m.Pix[4*i+1] = pix[n+i]
		m.Pix[4*i+2] = pix[2*n+i]
		m.Pix[4*i+3] = 255
	}
	return m
}

// reshape converts count CHW images of h×w×c0 to size×size×chans, in
// parallel. It returns src itself when nothing changes.
func reshape(src []byte, count, h, w, c0, size, chans int) []byte {
	if h == size && w == size && c0 == chans {
		return src
	}
	in := h * w * c0
	out := size * size * chans
	dst := make([]byte, count*out)
	parallel(count, func(lo, hi int) {
		r := newRenderer(size, chans, FitCrop)
		for i := lo; i < hi; i++ {
			r.render(chwImage(src[i*in:(i+1)*in], h, w, c0), dst[i*out:(i+1)*out])
		}
	})
	return dst
}
