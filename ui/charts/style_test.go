package charts

import (
	"image/color"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

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
		_, title, size, _ := pn.header(w)
		ts := pn.p.Title.TextStyle
		ts.Font.Size = size
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

// The legend wraps into rows no wider than the plot, and the plot is
// drawn below the header that holds it: no entry covers the data.
func TestLegendAboveThePlot(t *testing.T) {
	entries := []Entry{{Name: "D loss", Color: ColD}, {Name: "G loss", Color: ColG},
		{Name: "lite-mnist-20261207-213451", Color: CompareColors[0]}, {Name: "seed-mnist-20261207-220000", Color: CompareColors[1]}}
	pn := panel{p: styled("step", "loss", color.Black), title: "Losses", legend: entries}
	ts := pn.p.Legend.TextStyle
	for _, w := range []vg.Length{1000, 300, 150} {
		h, _, _, rows := pn.header(w)
		n := 0
		for _, row := range rows {
			width := vg.Length(0)
			for i, e := range row {
				if i > 0 {
					width += entryGap
				}
				width += entryWidth(e, ts)
				n++
			}
			if width > w && len(row) > 1 {
				t.Errorf("width %v: a legend row of %v", w, width)
			}
		}
		if n != len(entries) {
			t.Errorf("width %v: %d entries in the legend, want %d", w, n, len(entries))
		}
		if h < vg.Length(len(rows))*legendRowHeight(ts) {
			t.Errorf("width %v: header %v for %d rows", w, h, len(rows))
		}
		c := draw.New(vgimg.New(w, 400))
		below := pn.drawHeader(c, h, "Losses", ts.Font.Size, rows)
		if below.Max.Y != c.Max.Y-h || below.Min.Y != c.Min.Y {
			t.Errorf("width %v: the plot gets %v of %v under a %v header", w, below.Rectangle, c.Rectangle, h)
		}
	}
	if rows := legendRows(entries, ts, 150); len(rows) < 3 {
		t.Errorf("four entries in %d rows at 150 points", len(rows))
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
