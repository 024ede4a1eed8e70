package charts

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/ganstudio/ganstudio/training/events"
)

// Fyne's backgrounds (theme/color.go, v2.7.1): light and dark.
var backgrounds = map[string]color.NRGBA{
	"light": {R: 0xff, G: 0xff, B: 0xff, A: 0xff},
	"dark":  {R: 0x17, G: 0x17, B: 0x18, A: 0xff},
}

// contrast is WCAG 2's contrast ratio of two colours.
func contrast(a, b color.NRGBA) float64 {
	lum := func(c color.NRGBA) float64 {
		ch := func(v uint8) float64 {
			x := float64(v) / 255
			if x <= 0.03928 {
				return x / 12.92
			}
			return math.Pow((x+0.055)/1.055, 2.4)
		}
		return 0.2126*ch(c.R) + 0.7152*ch(c.G) + 0.0722*ch(c.B)
	}
	la, lb := lum(a), lum(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

func TestColoursReadOnBothThemes(t *testing.T) {
	named := map[string]color.NRGBA{"D": ColD, "G": ColG, "FCD": ColFCD, "precision": ColPrec, "recall": ColRecall, "bars": ColBars}
	for i, c := range CompareColors {
		named["compared "+string(rune('1'+i))] = c
	}
	for name, c := range named {
		for theme, bg := range backgrounds {
			if r := contrast(c, bg); r < 3 {
				t.Errorf("%s %v on the %s theme: contrast %.2f, want at least 3", name, c, theme, r)
			}
		}
	}
}

// A title too wide for its plot shrinks, then is cut with an ellipsis;
// it never runs past the plot's edge.
func TestTitleFitsItsWidth(t *testing.T) {
	pn := curvePanel("Discriminator outputs (smoothed), a long title", "mean D", []plotter.XYs{nil, nil}, probSeries, color.Black)
	full := pn.p.Title.TextStyle.Width(pn.title)
	for _, w := range []vg.Length{full + 10, full * 0.9, full * 0.5, 40} {
		hd := pn.header(w, 1000)
		title := hd.title
		ts := pn.p.Title.TextStyle
		ts.Font.Size = hd.size
		if got := ts.Width(title); got > w {
			t.Errorf("width %v: title %q is %v wide", w, title, got)
		}
		if w > full && title != pn.title {
			t.Errorf("width %v: a title that fits was changed to %q", w, title)
		}
		if w < full/2 && !strings.HasSuffix(title, "…") {
			t.Errorf("width %v: title %q was not cut", w, title)
		}
	}
}

// The plots draw at every size the window gives them, on both themes'
// colours, with runs compared.
func TestChartsDrawOnBothThemes(t *testing.T) {
	var cols Cols
	for i := 1; i <= 300; i++ {
		x := float32(i % 37)
		cols.Add(step(i, 1+x/37, 3-x/20))
	}
	cs := cols.Curves(200)
	others := []Compared{{Name: "other", Color: CompareColors[0], Cs: cs}}
	for theme, bg := range backgrounds {
		fg := color.NRGBA{R: 0x56, G: 0x56, B: 0x56, A: 0xff}
		if theme == "dark" {
			fg = color.NRGBA{R: 0xf3, G: 0xf3, B: 0xf3, A: 0xff}
		}
		for _, sz := range [][2]int{{820, 260}, {400, 500}, {1600, 900}, {120, 80}} {
			for _, scale := range []float32{1, 2} {
				m := Render(sz[0], sz[1], scale, bg, func(c draw.Canvas) { DrawCurves(c, cs, others, fg) })
				if b := m.Bounds(); b.Dx() != sz[0] || b.Dy() != sz[1] {
					t.Errorf("%s %v@%g: image %v", theme, sz, scale, b)
				}
			}
		}
	}
}

func step(i int, d, g float32) events.Step {
	return events.Step{Step: i, DLoss: d, GLoss: g, DReal: 0.7, DFake: 0.3}
}

// probe is a vg.Canvas that keeps where text and lines are drawn, in the
// canvas' points: the boxes of the strings and the strokes with their
// colours.
type probe struct {
	w, h  vg.Length
	m     affine // the current transform
	stack []affine
	color color.Color
	texts []drawnText
	lines []drawnLine
}

// affine maps (x, y) to (a·x + c·y + e, b·x + d·y + f).
type affine struct{ a, b, c, d, e, f float64 }

var identity = affine{a: 1, d: 1}

func (m affine) then(n affine) affine { // m after n: m(n(p))
	return affine{
		a: m.a*n.a + m.c*n.b, b: m.b*n.a + m.d*n.b,
		c: m.a*n.c + m.c*n.d, d: m.b*n.c + m.d*n.d,
		e: m.a*n.e + m.c*n.f + m.e, f: m.b*n.e + m.d*n.f + m.f,
	}
}

func (m affine) apply(p vg.Point) vg.Point {
	x, y := float64(p.X), float64(p.Y)
	return vg.Point{X: vg.Length(m.a*x + m.c*y + m.e), Y: vg.Length(m.b*x + m.d*y + m.f)}
}

type drawnText struct {
	s    string
	size vg.Length
	box  vg.Rectangle
}

type drawnLine struct {
	color color.Color
	pts   []vg.Point
}

func newProbe(w, h vg.Length) *probe { return &probe{w: w, h: h, m: identity} }

func (p *probe) Size() (vg.Length, vg.Length)        { return p.w, p.h }
func (p *probe) SetLineWidth(vg.Length)              {}
func (p *probe) SetLineDash([]vg.Length, vg.Length)  {}
func (p *probe) SetColor(c color.Color)              { p.color = c }
func (p *probe) Push()                               { p.stack = append(p.stack, p.m) }
func (p *probe) Pop()                                { p.m, p.stack = p.stack[len(p.stack)-1], p.stack[:len(p.stack)-1] }
func (p *probe) Fill(vg.Path)                        {}
func (p *probe) DrawImage(vg.Rectangle, image.Image) {}

func (p *probe) Rotate(t float64) {
	s, c := math.Sincos(t)
	p.m = p.m.then(affine{a: c, b: s, c: -s, d: c})
}

func (p *probe) Translate(pt vg.Point) {
	p.m = p.m.then(affine{a: 1, d: 1, e: float64(pt.X), f: float64(pt.Y)})
}

func (p *probe) Scale(x, y float64) { p.m = p.m.then(affine{a: x, d: y}) }

func (p *probe) Stroke(path vg.Path) {
	l := drawnLine{color: p.color}
	for _, c := range path {
		if c.Type == vg.MoveComp && len(l.pts) > 0 {
			p.lines = append(p.lines, l)
			l = drawnLine{color: p.color}
		}
		l.pts = append(l.pts, p.m.apply(c.Pos))
	}
	p.lines = append(p.lines, l)
}

func (p *probe) FillString(f font.Face, pt vg.Point, s string) {
	e := f.Extents()
	r := vg.Rectangle{Min: vg.Point{X: math.MaxFloat32, Y: math.MaxFloat32}, Max: vg.Point{X: -math.MaxFloat32, Y: -math.MaxFloat32}}
	for _, c := range []vg.Point{{X: pt.X, Y: pt.Y - e.Descent}, {X: pt.X + f.Width(s), Y: pt.Y - e.Descent},
		{X: pt.X, Y: pt.Y + e.Ascent}, {X: pt.X + f.Width(s), Y: pt.Y + e.Ascent}} {
		q := p.m.apply(c)
		r.Min.X, r.Min.Y = min(r.Min.X, q.X), min(r.Min.Y, q.Y)
		r.Max.X, r.Max.Y = max(r.Max.X, q.X), max(r.Max.Y, q.Y)
	}
	p.texts = append(p.texts, drawnText{s: s, size: f.Font.Size, box: r})
}

// overlaps says whether two boxes share more than slack points each way.
func overlaps(a, b vg.Rectangle, slack vg.Length) bool {
	return a.Min.X+slack < b.Max.X && b.Min.X+slack < a.Max.X && a.Min.Y+slack < b.Max.Y && b.Min.Y+slack < a.Max.Y
}

// crosses says whether the segment p–q passes through the inside of r
// (shrunk by slack), by clipping it to r (Liang–Barsky).
func crosses(p, q vg.Point, r vg.Rectangle, slack vg.Length) bool {
	x0, y0, dx, dy := float64(p.X), float64(p.Y), float64(q.X-p.X), float64(q.Y-p.Y)
	t0, t1 := 0.0, 1.0
	for _, c := range [][2]float64{
		{-dx, x0 - float64(r.Min.X+slack)}, {dx, float64(r.Max.X-slack) - x0},
		{-dy, y0 - float64(r.Min.Y+slack)}, {dy, float64(r.Max.Y-slack) - y0},
	} {
		if c[0] == 0 {
			if c[1] < 0 {
				return false
			}
			continue
		}
		t := c[1] / c[0]
		if c[0] < 0 {
			t0 = math.Max(t0, t)
		} else {
			t1 = math.Min(t1, t)
		}
	}
	return t0 < t1
}

// The charts read at every size the window gives them (the curves and the
// quality plots at 1280×720 are about 760×150 pixels with the quality
// plots on, and at the window's least size 550×135 and 550×107), at scale
// 1 and 2, with a
// compared run of a long name: every text is whole inside the canvas and
// at least 9 points (12 pixels at scale 1), no text covers another, no
// curve or bar outline runs through a text (the title, a legend, a tick
// label), and the curves get at least a third of the height.
func TestChartsReadAtEverySize(t *testing.T) {
	var cols, other Cols
	for i := 1; i <= 2000; i++ {
		x := float64(i)
		cols.Add(step(i, float32(0.6+0.8*math.Exp(-x/300)), float32(1+5*math.Exp(-x/200)+0.5*math.Sin(x/40))))
		other.Add(events.Step{Step: i, DLoss: float32(0.3 + 10*math.Exp(-x/100)), GLoss: 2, DReal: 0.9, DFake: 0.05})
	}
	var q Quality
	q.Every = 100
	var fcd plotter.XYs
	for s := 100; s <= 2000; s += 100 {
		m := events.Metrics{Step: s, FCD: 20 + 3000*math.Exp(-float64(s)/300), Precision: 0.7, Recall: float64(s) / 2500, Covered: 10, RealClasses: 10}
		for c := range 10 {
			m.Histogram = append(m.Histogram, 60+15*c+s/100)
		}
		q.Points = append(q.Points, m)
		fcd = append(fcd, plotter.XY{X: float64(s), Y: 2 * m.FCD})
	}
	fashion := q
	fashion.Points = append([]events.Metrics(nil), q.Points...)
	last := &fashion.Points[len(fashion.Points)-1]
	last.Classes = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}
	folder := Quality{Every: 100}
	for _, m := range q.Points {
		folder.Points = append(folder.Points, events.Metrics{Step: m.Step, FCD: m.FCD, FeaturesOnly: true})
	}
	compared := []Compared{{Name: "lite-mnist-lr0.01-s1-20261207-213451", Color: CompareColors[0], Cs: other.Curves(400), FCD: fcd}}
	withCompared := q
	withCompared.Compared = compared
	verdicts := make([]float32, 64)
	for i := range verdicts {
		verdicts[i] = float32(i) / 64
	}
	// The sizes the window gives the curves (the verdicts' are alike) and
	// the quality plots: on the screens from 1280×720 to 4K at scale 2,
	// and in the window at its least size.
	type size struct {
		w, h   int
		scale  float32
		screen bool // a screen's, not the least window's
	}
	curveSizes := []size{
		{760, 150, 1, true},  // 1280×720, quality plots on
		{846, 187, 1, true},  // 1366×768
		{820, 355, 1, true},  // 1280×720, quality plots off
		{1072, 369, 1, true}, // 1920×1080
		{2144, 738, 2, true}, // 3840×2160 at scale 2
		{550, 135, 1, false},
	}
	qualitySizes := []size{
		{760, 155, 1, true},
		{846, 186, 1, true},
		{1072, 335, 1, true},
		{2144, 670, 2, true},
		{550, 107, 1, false},
	}
	charts := []struct {
		name  string
		sizes []size
		span  bool // the curves span a third of the height on screens
		draw  func(draw.Canvas)
	}{
		{"curves", curveSizes, true, func(c draw.Canvas) { DrawCurves(c, cols.Curves(400), nil, color.Black) }},
		{"curves compared", curveSizes, true, func(c draw.Canvas) { DrawCurves(c, cols.Curves(400), compared, color.Black) }},
		{"quality", qualitySizes, true, func(c draw.Canvas) { DrawQuality(c, q, color.Black) }},
		{"quality compared", qualitySizes, true, func(c draw.Canvas) { DrawQuality(c, withCompared, color.Black) }},
		{"quality of Fashion-MNIST", qualitySizes, true, func(c draw.Canvas) { DrawQuality(c, fashion, color.Black) }},
		{"quality of a folder", qualitySizes, true, func(c draw.Canvas) { DrawQuality(c, folder, color.Black) }},
		{"quality before a measurement", qualitySizes, false, func(c draw.Canvas) { DrawQuality(c, Quality{Every: 100}, color.Black) }},
		{"verdicts", curveSizes, false, func(c draw.Canvas) { drawVerdicts(c, verdicts[:25], verdicts, color.Black) }},
	}
	data := map[color.NRGBA]bool{ColD: true, ColG: true, ColFCD: true, ColPrec: true, ColRecall: true}
	for _, c := range CompareColors {
		data[c] = true
	}
	for _, ch := range charts {
		for _, sz := range ch.sizes {
			// Render's canvas: w×h pixels at 96 dpi times the scale.
			w, h := vg.Length(sz.w)*72/(96*vg.Length(sz.scale)), vg.Length(sz.h)*72/(96*vg.Length(sz.scale))
			name := fmt.Sprintf("%s at %d×%d@%g", ch.name, sz.w, sz.h, sz.scale)
			p := newProbe(w, h)
			ch.draw(draw.New(p))
			for i, a := range p.texts {
				if a.size < 9 {
					t.Errorf("%s: %q in %v points", name, a.s, a.size)
				}
				if a.box.Min.X < -0.5 || a.box.Min.Y < -0.5 || a.box.Max.X > w+0.5 || a.box.Max.Y > h+0.5 {
					t.Errorf("%s: %q at %v runs out of the canvas %v×%v", name, a.s, a.box, w, h)
				}
				for _, b := range p.texts[i+1:] {
					if overlaps(a.box, b.box, 0.5) {
						t.Errorf("%s: %q at %v covers %q at %v", name, a.s, a.box, b.s, b.box)
					}
				}
			}
			lo, hi := h, vg.Length(0)
			for _, l := range p.lines {
				c := color.NRGBAModel.Convert(l.color).(color.NRGBA)
				if !data[c] || len(l.pts) < 2 {
					continue
				}
				if len(l.pts) > 10 { // a curve, not a swatch
					for _, pt := range l.pts {
						lo, hi = min(lo, pt.Y), max(hi, pt.Y)
					}
				}
			next:
				for _, a := range p.texts {
					for k := 1; k < len(l.pts); k++ {
						if crosses(l.pts[k-1], l.pts[k], a.box, 1) {
							t.Errorf("%s: a line in %v runs through %q at %v", name, c, a.s, a.box)
							break next
						}
					}
				}
			}
			if ch.span && sz.screen && hi-lo < h/3 {
				t.Errorf("%s: the curves span %.0f of %.0f points", name, hi-lo, h)
			}
		}
	}
}
