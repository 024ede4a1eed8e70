package charts

import (
	"bytes"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/ganstudio/ganstudio/training/events"
)

// MaxBuckets bounds the points a curve is drawn with, whatever the run's
// length: plot time grows with points (and with how jagged the line is), so
// a 100,000-step run draws about as fast as a 1,000-step one.
const MaxBuckets = 1000

// smoothSpan is the EMA span (in steps) for a history of n steps: about
// one fiftieth of the run, so that the minibatch noise is averaged out at
// any zoom, while a 100-step run still shows its shape.
func smoothSpan(n int) float64 {
	return math.Max(1, float64(n)/50)
}

// SmoothThin smooths ys by an exponential moving average of the given span,
// then thins the result to at most buckets points, each the mean of a
// bucket of consecutive steps. The EMA has already removed what the
// thinning would alias, and one point per bucket keeps the line smooth: a
// min/max envelope zigzags, and gonum/plot's rasterizer slows down several
// times on dense zigzags. One pass, no copy of the history.
func SmoothThin(xs, ys []float32, span float64, buckets int) plotter.XYs {
	n := len(xs)
	if n == 0 {
		return nil
	}
	buckets = max(1, min(buckets, n))
	out := make(plotter.XYs, 0, buckets)
	a := 2 / (span + 1)
	m := float64(ys[0])
	i := 0
	for b := 0; b < buckets; b++ {
		hi := (b + 1) * n / buckets
		var sx, sy float64
		k := 0
		for ; i < hi; i++ {
			m += a * (float64(ys[i]) - m)
			sx += float64(xs[i])
			sy += m
			k++
		}
		if k > 0 {
			out = append(out, plotter.XY{X: sx / float64(k), Y: sy / float64(k)})
		}
	}
	return out
}

// Cols are the step-by-step values the curves are drawn from, kept as
// columns so that drawing needs no copy of the history.
type Cols struct {
	x []float32
	y [4][]float32 // D loss, G loss, D(x), D(G(z))
}

// Add appends one step's values.
func (c *Cols) Add(s events.Step) {
	c.x = append(c.x, float32(s.Step))
	for i, v := range [4]float32{s.DLoss, s.GLoss, s.DReal, s.DFake} {
		c.y[i] = append(c.y[i], v)
	}
}

// Truncate keeps the first n steps.
func (c *Cols) Truncate(n int) {
	c.x = c.x[:n]
	for i := range c.y {
		c.y[i] = c.y[i][:n]
	}
}

// CurveSet is the four curves (D loss, G loss, D(x), D(G(z))), smoothed and
// thinned, ready to plot.
type CurveSet [4]plotter.XYs

// Curves smooths the columns over their length and thins them to at most
// buckets points.
func (c *Cols) Curves(buckets int) CurveSet {
	var cs CurveSet
	span := smoothSpan(len(c.x))
	for i := range cs {
		cs[i] = SmoothThin(c.x, c.y[i], span, buckets)
	}
	return cs
}

// Compared is another run overlaid on the curves: its name, its colour,
// its four curves smoothed like the attached run's, and its FCD points.
type Compared struct {
	Name  string
	Color color.NRGBA
	Cs    CurveSet
	FCD   plotter.XYs
}

// series is one curve of the attached run: its legend and colour.
type series struct {
	name  string
	color color.Color
}

var (
	lossSeries = []series{{"D loss", ColD}, {"G loss", ColG}}
	probSeries = []series{{"D(x) on real", ColD}, {"D(G(z)) on fakes", ColG}}
	prSeries   = []series{{"precision", ColPrec}, {"recall: variety", ColRecall}}
)

// curvePanel is one plot of the given curves over steps, its legend
// naming them.
func curvePanel(title, ylabel string, lines []plotter.XYs, ss []series, fg color.Color) panel {
	p := styled("step", ylabel, fg)
	p.X.Tick.Marker = StepTicks{}
	p.Add(plotter.NewGrid())
	pn := panel{p: p, title: title}
	if len(lines[0]) == 0 {
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 100, 0, 1
		return pn
	}
	for i, s := range ss {
		l, err := plotter.NewLine(lines[i])
		if err != nil {
			continue // NaN or Inf losses: the run's status says why
		}
		l.Color = s.color
		l.Width = vg.Points(1.5)
		p.Add(l)
		pn.legend = append(pn.legend, Entry{Name: s.name, Color: s.color})
	}
	return pn
}

// addCompared draws the compared runs' curves pair[0] (dashed) and
// pair[1] (solid) on pn, one legend entry per run in its colour.
func addCompared(pn *panel, others []Compared, pair [2]int, own []plotter.XYs) {
	p := pn.p
	var lines []plotter.XYs
	for _, o := range others {
		drawn := false
		for k, idx := range pair {
			xy := o.Cs[idx]
			if len(xy) == 0 {
				continue
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				continue
			}
			l.Color, l.Width = o.Color, vg.Points(1.2)
			if k == 0 {
				l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			}
			p.Add(l)
			lines, drawn = append(lines, xy), true
		}
		if drawn {
			pn.legend = append(pn.legend, Entry{Name: o.Name, Color: o.Color, Compared: true})
		}
	}
	if len(lines) > 0 && len(own) > 0 && len(own[0]) == 0 {
		// The attached run has no steps: let the compared runs set the axes.
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
		for _, xy := range lines {
			for _, pt := range xy {
				p.X.Min, p.X.Max = math.Min(p.X.Min, pt.X), math.Max(p.X.Max, pt.X)
				p.Y.Min, p.Y.Max = math.Min(p.Y.Min, pt.Y), math.Max(p.Y.Max, pt.Y)
			}
		}
	}
}

// StepTicks labels the step axis with whole numbers (25, not 25.00; 40k
// for 40000).
type StepTicks struct{}

func (StepTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i, t := range ticks {
		if t.Label == "" {
			continue
		}
		switch v := math.Round(t.Value); {
		case t.Value != v:
			ticks[i].Label = "" // a fractional step is no step
		case math.Abs(v) >= 10000 && math.Mod(v, 1000) == 0:
			ticks[i].Label = strconv.FormatFloat(v/1000, 'f', -1, 64) + "k"
		default:
			ticks[i].Label = strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return ticks
}

// DrawCurves draws the loss plot and the D-output plot on c, with the
// compared runs' curves over them: stacked, for a long step axis, unless
// side by side leaves each plot clearly more room on its short side (a
// wide, low panel would make stacked plots slivers whose tick labels
// collide).
func DrawCurves(c draw.Canvas, cs CurveSet, others []Compared, fg color.Color) {
	losses := curvePanel("Losses (smoothed)", "loss", cs[0:2], lossSeries, fg)
	addCompared(&losses, others, [2]int{0, 1}, cs[0:2])
	outputs := curvePanel("D's outputs (smoothed)", "mean D", cs[2:4], probSeries, fg)
	addCompared(&outputs, others, [2]int{2, 3}, cs[2:4])
	outputs.p.Y.Min, outputs.p.Y.Max = 0, 1
	w, h := c.Max.X-c.Min.X, c.Max.Y-c.Min.Y
	rows := [][]panel{{losses}, {outputs}}
	t := draw.Tiles{Rows: 2, Cols: 1, PadY: vg.Points(6), PadTop: vg.Points(2), PadBottom: vg.Points(2), PadLeft: vg.Points(2), PadRight: vg.Points(8)}
	if min(w/2, h) > 1.3*min(w, h/2) {
		rows = [][]panel{{losses, outputs}}
		t.Rows, t.Cols, t.PadX = 1, 2, vg.Points(12)
	}
	drawPanels(c, rows, t)
}

// SVG returns the curves as an SVG document of w×h points, black on
// white.
func SVG(cs CurveSet, others []Compared, w, h vg.Length) ([]byte, error) {
	c := vgsvg.New(w, h)
	dc := draw.New(c)
	dc.FillPolygon(color.White, []vg.Point{{X: 0, Y: 0}, {X: w, Y: 0}, {X: w, Y: h}, {X: 0, Y: h}})
	DrawCurves(dc, cs, others, color.Black)
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
