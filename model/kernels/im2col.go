package kernels

import (
	"errors"
	"fmt"
	"sync"
)

// Geom is the geometry of a 2-D convolution window sliding over C-channel
// H×W image planes: kernel size, strides, padding on each side and the
// resulting output size. One Geom serves a convolution (Im2Col, image to
// columns) and its adjoint (Col2Im, columns back to image), which is what a
// transposed convolution is.
type Geom struct {
	C, H, W                              int // image channels and spatial size
	KH, KW                               int // kernel size
	StrideH, StrideW                     int
	PadTop, PadLeft, PadBottom, PadRight int // may differ: TF 'same' puts the odd pixel after
	OutH, OutW                           int
}

// SamePad returns the output size and padding before and after for one
// dimension under TensorFlow's 'same' rule: out = ceil(in/stride), the total
// padding is whatever makes the last window fit, and the odd pixel goes after.
func SamePad(in, k, stride int) (out, before, after int) {
	out = (in + stride - 1) / stride
	total := max((out-1)*stride+k-in, 0)
	return out, total / 2, total - total/2
}

// ValidOut returns the output size of one dimension under 'valid' padding
// (no padding, only windows that fit); it is ≤ 0 when the kernel is larger
// than the input.
func ValidOut(in, k, stride int) int {
	if in < k {
		return 0
	}
	return (in-k)/stride + 1
}

// NewGeom returns the geometry of a kh×kw convolution over c×h×w images with
// the given strides, using TensorFlow 'same' padding when same is true and
// 'valid' otherwise. It fails on non-positive sizes and on an empty output.
func NewGeom(c, h, w, kh, kw, strideH, strideW int, same bool) (Geom, error) {
	if c <= 0 || h <= 0 || w <= 0 || kh <= 0 || kw <= 0 || strideH <= 0 || strideW <= 0 {
		return Geom{}, fmt.Errorf("kernels: non-positive geometry c=%d h=%d w=%d k=%dx%d stride=%dx%d", c, h, w, kh, kw, strideH, strideW)
	}
	g := Geom{C: c, H: h, W: w, KH: kh, KW: kw, StrideH: strideH, StrideW: strideW}
	if same {
		g.OutH, g.PadTop, g.PadBottom = SamePad(h, kh, strideH)
		g.OutW, g.PadLeft, g.PadRight = SamePad(w, kw, strideW)
	} else {
		g.OutH, g.OutW = ValidOut(h, kh, strideH), ValidOut(w, kw, strideW)
	}
	if g.OutH <= 0 || g.OutW <= 0 {
		return Geom{}, errors.New("kernels: kernel larger than the input under 'valid' padding")
	}
	return g, nil
}

// Rows returns the number of rows of the column matrix: C·KH·KW.
func (g Geom) Rows() int { return g.C * g.KH * g.KW }

// Cols returns the number of columns of the column matrix for a batch of n
// images: n·OutH·OutW.
func (g Geom) Cols(n int) int { return n * g.OutH * g.OutW }

// ImageLen returns the number of values in one C×H×W image.
func (g Geom) ImageLen() int { return g.C * g.H * g.W }

// tap pairs a position in a column-matrix segment (oh·OutW + ow) with the
// offset (ih·W + iw) of the input pixel it reads.
type tap struct{ out, in int32 }

// taps lists, for every kernel position (kh, kw), the taps whose input pixel
// lies inside the image, and whether some outputs fall in the padding.
// Walking these lists costs a load and a store per value; looping over
// output rows instead spent most of its time on per-row bookkeeping, since
// the seed's rows are only 4–28 values long.
func (g Geom) taps() (lists [][]tap, padded []bool) {
	tapCache.Lock()
	defer tapCache.Unlock()
	for i := range tapCache.entries {
		if e := &tapCache.entries[i]; e.g == g {
			return e.lists, e.padded
		}
	}
	lists, padded = g.makeTaps()
	// A network has a handful of geometries; the cache is bounded anyway
	// so that a program trying many shapes does not grow it without end.
	if len(tapCache.entries) >= 64 {
		tapCache.entries = tapCache.entries[:0]
	}
	tapCache.entries = append(tapCache.entries, tapEntry{g, lists, padded})
	return lists, padded
}

// tapCache keeps the tap lists of the geometries seen, so that Im2Col and
// Col2Im allocate nothing after the first call. The lists are read-only.
var tapCache struct {
	sync.Mutex
	entries []tapEntry
}

type tapEntry struct {
	g      Geom
	lists  [][]tap
	padded []bool
}

func (g Geom) makeTaps() (lists [][]tap, padded []bool) {
	ohw := g.OutH * g.OutW
	all := make([]tap, 0, g.KH*g.KW*ohw)
	for kh := 0; kh < g.KH; kh++ {
		for kw := 0; kw < g.KW; kw++ {
			start := len(all)
			for oh := 0; oh < g.OutH; oh++ {
				ih := oh*g.StrideH + kh - g.PadTop
				if ih < 0 || ih >= g.H {
					continue
				}
				for ow := 0; ow < g.OutW; ow++ {
					if iw := ow*g.StrideW + kw - g.PadLeft; iw >= 0 && iw < g.W {
						all = append(all, tap{int32(oh*g.OutW + ow), int32(ih*g.W + iw)})
					}
				}
			}
			lists = append(lists, all[start:len(all):len(all)])
			padded = append(padded, len(all)-start < ohw)
		}
	}
	return lists, padded
}

// minParallel is the number of values below which a kernel stays on the
// calling goroutine: a goroutine hand-off costs about as much as copying this
// many floats.
const minParallel = 8192

func grainFor(itemLen int) int { return max(1, minParallel/max(itemLen, 1)) }

// Im2Col unrolls a batch of n NCHW images (src, n·C·H·W values) into the
// column matrix dst of Rows() rows and Cols(n) columns, row-major: row
// (c, kh, kw), column (image, oh, ow). Padding reads as zero. With the whole
// batch in one matrix a convolution becomes a single GEMM.
func Im2Col(g Geom, n int, src, dst []float32) {
	ohw, hw := g.OutH*g.OutW, g.H*g.W
	ld := n * ohw
	if len(src) < n*g.ImageLen() || len(dst) < g.Rows()*ld {
		panic(fmt.Sprintf("kernels: Im2Col with len(src)=%d len(dst)=%d for %d images of %+v", len(src), len(dst), n, g))
	}
	lists, padded := g.taps()
	kk := g.KH * g.KW
	// One item is one (channel, image) plane, unrolled into its KH·KW rows:
	// the plane is read once, from L1, instead of once per kernel position;
	// with the image varying fastest the KH·KW rows are written in order.
	ParallelForGrain(g.C*n, grainFor(kk*ohw), func(lo, hi int) {
		for item := lo; item < hi; item++ {
			c, img := item/n, item%n
			plane := src[(img*g.C+c)*hw : (img*g.C+c+1)*hw]
			for k, list := range lists {
				r := c*kk + k
				seg := dst[r*ld+img*ohw : r*ld+(img+1)*ohw]
				if padded[k] {
					clear(seg)
				}
				for _, t := range list {
					seg[t.out] = plane[t.in]
				}
			}
		}
	})
}

// Col2Im is the adjoint of Im2Col: it sums the column matrix src (Rows() ×
// Cols(n)) back into the n NCHW images dst, dropping what falls in the
// padding. Every channel plane starts from bias[c] (bias may be nil for zero)
// so a transposed convolution's bias costs no extra pass. dst is overwritten.
func Col2Im(g Geom, n int, src, bias, dst []float32) {
	ohw, hw := g.OutH*g.OutW, g.H*g.W
	ld := n * ohw
	if len(src) < g.Rows()*ld || len(dst) < n*g.ImageLen() || (bias != nil && len(bias) < g.C) {
		panic(fmt.Sprintf("kernels: Col2Im with len(src)=%d len(bias)=%d len(dst)=%d for %d images of %+v", len(src), len(bias), len(dst), n, g))
	}
	lists, _ := g.taps()
	kk := g.KH * g.KW
	// Splitting by (channel, image) plane keeps writers disjoint: only the
	// rows of channel c land in plane c. The image varies fastest, so that
	// consecutive planes read consecutive stretches of the same KH·KW rows:
	// a few sequential streams rather than a cache line from each row in turn.
	ParallelForGrain(n*g.C, grainFor(kk*ohw), func(lo, hi int) {
		for item := lo; item < hi; item++ {
			c, img := item/n, item%n
			plane := dst[(img*g.C+c)*hw : (img*g.C+c+1)*hw]
			if bias == nil {
				clear(plane)
			} else {
				for i := range plane {
					plane[i] = bias[c]
				}
			}
			for k, list := range lists {
				r := c*kk + k
				seg := src[r*ld+img*ohw : r*ld+(img+1)*ohw]
				for _, t := range list {
					plane[t.in] += seg[t.out]
				}
			}
		}
	})
}
