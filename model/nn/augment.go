package nn

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"gorgonia.org/gorgonia"

	"github.com/ganstudio/ganstudio/model/graphop"
)

// Augmentation is one family of DiffAugment's transforms (Zhao et al.,
// "Differentiable Augmentation for Data-Efficient GAN Training", 2020).
type Augmentation string

// The augmentations, in the order they are applied.
const (
	// Color shifts brightness by U(−½, ½), scales saturation by U(0, 2)
	// and contrast by U(½, 3⁄2).
	Color Augmentation = "color"
	// Translation shifts the image by up to ⅛ of its size each way,
	// filling with zeros.
	Translation Augmentation = "translation"
	// Cutout zeroes a square of half the image's size at a random place.
	Cutout Augmentation = "cutout"
)

// Augmentations lists the augmentations in the order they are applied.
var Augmentations = []Augmentation{Color, Translation, Cutout}

// ParseAugmentations reads a comma-separated policy such as
// "translation,cutout,color"; "" is none.
func ParseAugmentations(policy string) ([]Augmentation, error) {
	var out []Augmentation
	for _, name := range strings.Split(policy, ",") {
		a := Augmentation(strings.TrimSpace(strings.ToLower(name)))
		switch {
		case a == "":
			continue
		case !slices.Contains(Augmentations, a):
			return nil, fmt.Errorf("augmentation %q is unknown: use translation, cutout and color, comma-separated", name)
		case !slices.Contains(out, a):
			out = append(out, a)
		}
	}
	// Applied in a fixed order whatever the order named.
	slices.SortFunc(out, func(a, b Augmentation) int { return slices.Index(Augmentations, a) - slices.Index(Augmentations, b) })
	return out, nil
}

// DiffAugment applies the augmentations of policy to every image of x
// ([N,C,H,W]) with parameters drawn afresh from rng for each image at
// each run. Every transform is affine in x given its parameters, so the
// gradient is exact: the transposed transforms, in reverse order, applied
// to the output gradient. D sees real and fake images through it, in D's
// step and G's alike, and so cannot tell them apart by artefacts of the
// augmentation, while G is never pushed to generate augmented images.
func DiffAugment(x *gorgonia.Node, policy []Augmentation, rng *rand.PCG) (*gorgonia.Node, error) {
	if err := graphop.CheckNode("DiffAugment input", x, 4); err != nil {
		return nil, fmt.Errorf("nn.DiffAugment: %w", err)
	}
	if rng == nil {
		return nil, fmt.Errorf("nn.DiffAugment: needs a non-nil rng")
	}
	s := x.Shape()
	op := &augmentOp{Base: graphop.NewBase(fmt.Sprintf("DiffAugment%v", policy), s.Clone(), 4, 4),
		policy: policy, rng: rng, n: s[0], c: s[1], h: s[2], w: s[3]}
	for _, a := range policy {
		switch a {
		case Color:
			op.color = true
		case Translation:
			op.translate = true
		case Cutout:
			op.cutout = true
		default:
			return nil, fmt.Errorf("nn.DiffAugment: unknown augmentation %q", a)
		}
	}
	op.params = make([]augParams, op.n)
	return graphop.Apply(op, x)
}

// augParams are one image's draws of one run.
type augParams struct {
	bright, sat, contrast float32
	dy, dx                int // translation
	cy, cx                int // cutout's centre
}

type augmentOp struct {
	graphop.Base
	policy                   []Augmentation
	color, translate, cutout bool
	rng                      *rand.PCG
	n, c, h, w               int
	params                   []augParams // this run's, read by the backward op
	drawn                    bool
	out                      graphop.Output
	tmp                      []float32
}

func (op *augmentOp) uniform(lo, hi float64) float32 {
	return float32(lo + (hi-lo)*float64(op.rng.Uint64()>>11)/(1<<53))
}

func (op *augmentOp) intn(n int) int { return int(op.rng.Uint64() % uint64(n)) }

// draw picks every image's parameters, as DiffAugment's reference code
// does: shifts in [−⌊size/8+½⌋, +], cutout centres in [0, size].
func (op *augmentOp) draw() {
	shiftY, shiftX := int(float64(op.h)/8+0.5), int(float64(op.w)/8+0.5)
	for i := range op.params {
		p := augParams{bright: 0, sat: 1, contrast: 1}
		if op.color {
			p.bright, p.sat, p.contrast = op.uniform(-0.5, 0.5), op.uniform(0, 2), op.uniform(0.5, 1.5)
		}
		if op.translate {
			p.dy, p.dx = op.intn(2*shiftY+1)-shiftY, op.intn(2*shiftX+1)-shiftX
		}
		if op.cutout {
			p.cy, p.cx = op.intn(op.h+1), op.intn(op.w+1)
		}
		op.params[i] = p
	}
	op.drawn = true
}

func (op *augmentOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	size := op.c * op.h * op.w
	in, err := op.Inputs(vs, []string{"images"}, []int{op.n * size})
	if err != nil {
		return nil, err
	}
	out, y := op.out.Get(op.OutShape())
	if len(op.tmp) != size {
		op.tmp = make([]float32, size)
	}
	op.draw()
	for i, p := range op.params {
		x, yi := in[0][i*size:(i+1)*size], y[i*size:(i+1)*size]
		copy(op.tmp, x)
		if op.color {
			op.colorForward(op.tmp, p)
		}
		op.shift(yi, op.tmp, p.dy, p.dx)
		if op.cutout {
			op.cut(yi, p)
		}
	}
	return out, nil
}

// colorForward applies brightness, saturation and contrast in place.
func (op *augmentOp) colorForward(x []float32, p augParams) {
	hw := op.h * op.w
	for i := range x {
		x[i] += p.bright
	}
	// Saturation: each pixel's channels pulled from or pushed away from
	// their mean.
	for j := 0; j < hw; j++ {
		var m float32
		for ch := 0; ch < op.c; ch++ {
			m += x[ch*hw+j]
		}
		m /= float32(op.c)
		for ch := 0; ch < op.c; ch++ {
			x[ch*hw+j] = (x[ch*hw+j]-m)*p.sat + m
		}
	}
	mu := mean(x)
	for i := range x {
		x[i] = (x[i]-mu)*p.contrast + mu
	}
}

// colorBackward is colorForward's transpose on a gradient, in place.
func (op *augmentOp) colorBackward(g []float32, p augParams) {
	hw := op.h * op.w
	mg := mean(g)
	for i := range g {
		g[i] = p.contrast*g[i] + (1-p.contrast)*mg
	}
	for j := 0; j < hw; j++ {
		var m float32
		for ch := 0; ch < op.c; ch++ {
			m += g[ch*hw+j]
		}
		m /= float32(op.c)
		for ch := 0; ch < op.c; ch++ {
			g[ch*hw+j] = p.sat*g[ch*hw+j] + (1-p.sat)*m
		}
	}
	// Brightness adds a constant: its gradient passes unchanged.
}

func mean(x []float32) float32 {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	return float32(s / float64(len(x)))
}

// shift writes src moved by (dy, dx) into dst, zeros where src has no
// pixel: dst[y][x] = src[y+dy][x+dx].
func (op *augmentOp) shift(dst, src []float32, dy, dx int) {
	for ch := 0; ch < op.c; ch++ {
		for y := 0; y < op.h; y++ {
			row := dst[(ch*op.h+y)*op.w : (ch*op.h+y+1)*op.w]
			sy := y + dy
			if sy < 0 || sy >= op.h {
				clear(row)
				continue
			}
			for x := range row {
				sx := x + dx
				if sx < 0 || sx >= op.w {
					row[x] = 0
				} else {
					row[x] = src[(ch*op.h+sy)*op.w+sx]
				}
			}
		}
	}
}

// cut zeroes the cutout square of p in x, clipped to the image.
func (op *augmentOp) cut(x []float32, p augParams) {
	sh, sw := int(float64(op.h)/2+0.5), int(float64(op.w)/2+0.5)
	y0, y1 := max(p.cy-sh/2, 0), min(p.cy+sh/2, op.h)
	x0, x1 := max(p.cx-sw/2, 0), min(p.cx+sw/2, op.w)
	for ch := 0; ch < op.c; ch++ {
		for y := y0; y < y1; y++ {
			clear(x[(ch*op.h+y)*op.w+x0 : (ch*op.h+y)*op.w+x1])
		}
	}
}

func (op *augmentOp) DiffWRT(int) []bool { return []bool{true} }

func (op *augmentOp) SymDiff(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	bwd := &augmentGradOp{Base: graphop.NewBase(op.String()+"Grad", op.OutShape(), 4, 4), fwd: op}
	return graphop.Grad(op, inputs, grad, bwd, 0)
}

// augmentGradOp's input is the output gradient; it reads the forward
// run's parameters.
type augmentGradOp struct {
	graphop.Base
	graphop.NonDiff
	fwd *augmentOp
	out graphop.Output
	tmp []float32
}

// UseRegion places the output in the graph's region.
func (op *augmentOp) UseRegion(r *graphop.Region) { op.out.Reserve(r, op.OutShape().TotalSize()) }

// UseRegion places the output in the graph's region.
func (op *augmentGradOp) UseRegion(r *graphop.Region) { op.out.Reserve(r, op.OutShape().TotalSize()) }

func (op *augmentGradOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	f := op.fwd
	if !f.drawn {
		return nil, fmt.Errorf("%v: ran before its forward op", op)
	}
	size := f.c * f.h * f.w
	in, err := op.Inputs(vs, []string{"output gradient"}, []int{f.n * size})
	if err != nil {
		return nil, err
	}
	out, dx := op.out.Get(op.OutShape())
	if len(op.tmp) != size {
		op.tmp = make([]float32, size)
	}
	for i, p := range f.params {
		g, gi := in[0][i*size:(i+1)*size], dx[i*size:(i+1)*size]
		copy(op.tmp, g)
		if f.cutout {
			f.cut(op.tmp, p)
		}
		// The transpose of a shift by (dy, dx) is the shift by (−dy, −dx).
		f.shift(gi, op.tmp, -p.dy, -p.dx)
		if f.color {
			f.colorBackward(gi, p)
		}
	}
	return out, nil
}
