package ui

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/ganstudio/ganstudio/training/events"
)

// maxBuckets bounds the points a curve is drawn with, whatever the run's
// length: plot time grows with points (and with how jagged the line is), so
// a 100,000-step run draws about as fast as a 1,000-step one.
const maxBuckets = 1000

// smoothSpan is the EMA span (in steps) for a history of n steps: about
// one fiftieth of the run, so that the minibatch noise is averaged out at
// any zoom, while a 100-step run still shows its shape.
func smoothSpan(n int) float64 {
	return math.Max(1, float64(n)/50)
}

// smoothThin smooths ys by an exponential moving average of the given span,
// then thins the result to at most buckets points, each the mean of a
// bucket of consecutive steps. The EMA has already removed what the
// thinning would alias, and one point per bucket keeps the line smooth: a
// min/max envelope zigzags, and gonum/plot's rasterizer slows down several
// times on dense zigzags. One pass, no copy of the history.
func smoothThin(xs, ys []float32, span float64, buckets int) plotter.XYs {
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

// curveCols are the step-by-step values the curves are drawn from, kept as
// columns so that drawing needs no copy of the history.
type curveCols struct {
	x []float32
	y [4][]float32 // D loss, G loss, D(x), D(G(z))
}

func (c *curveCols) add(s events.Step) {
	c.x = append(c.x, float32(s.Step))
	for i, v := range [4]float32{s.DLoss, s.GLoss, s.DReal, s.DFake} {
		c.y[i] = append(c.y[i], v)
	}
}

func (c *curveCols) truncate(n int) {
	c.x = c.x[:n]
	for i := range c.y {
		c.y[i] = c.y[i][:n]
	}
}

// curveSet is the four curves, smoothed and thinned, ready to plot.
type curveSet [4]plotter.XYs

func (c *curveCols) curves(buckets int) curveSet {
	var cs curveSet
	span := smoothSpan(len(c.x))
	for i := range cs {
		cs[i] = smoothThin(c.x, c.y[i], span, buckets)
	}
	return cs
}

// series is one curve to draw: its legend and colour.
type series struct {
	name  string
	color color.Color
}

var (
	colD = color.NRGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff} // red: discriminator
	colG = color.NRGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff} // blue: generator

	lossSeries = []series{
		{"D loss", colD},
		{"G loss", colG},
	}
	probSeries = []series{
		{"D(x) on real", colD},
		{"D(G(z)) on fakes", colG},
	}
)

// styledPlot is an empty plot in the window's colours: a transparent
// background, text and axes in fg. Every plot of the window starts here.
func styledPlot(title, xlabel, ylabel string, fg color.Color) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.BackgroundColor = color.Transparent
	for _, c := range []*color.Color{&p.Title.TextStyle.Color, &p.X.Label.TextStyle.Color, &p.Y.Label.TextStyle.Color,
		&p.X.Color, &p.Y.Color, &p.X.Tick.Color, &p.Y.Tick.Color, &p.X.Tick.Label.Color, &p.Y.Tick.Label.Color, &p.Legend.TextStyle.Color} {
		*c = fg
	}
	p.Legend.Top = true
	return p
}

// curvePlot builds one plot of the given curves over steps.
func curvePlot(title, ylabel string, lines []plotter.XYs, ss []series, fg color.Color) *plot.Plot {
	p := styledPlot(title, "step", ylabel, fg)
	p.X.Tick.Marker = stepTicks{}
	p.Add(plotter.NewGrid())
	if len(lines[0]) == 0 {
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 100, 0, 1
		return p
	}
	for i, s := range ss {
		l, err := plotter.NewLine(lines[i])
		if err != nil {
			continue // NaN or Inf losses: the run's status says why
		}
		l.Color = s.color
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	// The legend goes in whichever top corner the curves leave emptier;
	// drawCurves makes room above them for it.
	p.Legend.Left = emptierLeft(lines)
	return p
}

// makeLegendRoom raises p's Y.Max so that a top legend of rows lines fits
// above the curves when p is drawn height tall: the share of the data area
// the legend takes depends on the size the plot gets on screen.
func makeLegendRoom(p *plot.Plot, rows int, height vg.Length) {
	font := p.Legend.TextStyle.Font.Size
	legend := vg.Length(rows)*font*1.25 + font/2
	data := height - 4.5*font // title, tick labels and axis label
	frac := 0.6
	if data > 0 {
		frac = math.Min(0.6, math.Max(0.15, float64(legend/data)))
	}
	p.Y.Max += (p.Y.Max - p.Y.Min) * frac / (1 - frac)
}

// emptierLeft reports whether the curves come less high in the left 40% of
// their step range than in the right 40%: where a top legend covers less.
// The newest steps are on the right, so a tie puts the legend on the left.
func emptierLeft(lines []plotter.XYs) bool {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, l := range lines {
		for _, pt := range l {
			lo, hi = math.Min(lo, pt.X), math.Max(hi, pt.X)
		}
	}
	left, right := math.Inf(-1), math.Inf(-1)
	for _, l := range lines {
		for _, pt := range l {
			switch {
			case math.IsNaN(pt.Y) || math.IsInf(pt.Y, 0):
			case pt.X <= lo+0.4*(hi-lo):
				left = math.Max(left, pt.Y)
			case pt.X >= hi-0.4*(hi-lo):
				right = math.Max(right, pt.Y)
			}
		}
	}
	return left <= right
}

// stepTicks labels the step axis with whole numbers (25, not 25.00; 40k
// for 40000).
type stepTicks struct{}

func (stepTicks) Ticks(min, max float64) []plot.Tick {
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

// drawCurves draws the loss plot above the D-output plot on c, with the
// compared runs' curves over them.
func drawCurves(c draw.Canvas, cs curveSet, others []comparedLines, fg color.Color) {
	losses := curvePlot("Losses (smoothed)", "loss", cs[0:2], lossSeries, fg)
	addCompared(losses, others, [2]int{0, 1}, cs[0:2])
	outputs := curvePlot("Discriminator outputs (smoothed)", "mean D", cs[2:4], probSeries, fg)
	addCompared(outputs, others, [2]int{2, 3}, cs[2:4])
	outputs.Y.Min, outputs.Y.Max = 0, 1
	// Stacked, for a long step axis, unless side by side leaves each plot
	// clearly more room on its short side: a wide, low panel (a small
	// screen, or a tall quality panel below) would make stacked plots
	// slivers whose tick labels collide.
	w, h := c.Max.X-c.Min.X, c.Max.Y-c.Min.Y
	plots := [][]*plot.Plot{{losses}, {outputs}}
	t := draw.Tiles{Rows: 2, Cols: 1, PadY: vg.Points(4), PadTop: vg.Points(2), PadBottom: vg.Points(2), PadLeft: vg.Points(2), PadRight: vg.Points(6)}
	each := h / 2
	if min(w/2, h) > 1.3*min(w, h/2) {
		plots = [][]*plot.Plot{{losses, outputs}}
		t.Rows, t.Cols, t.PadX = 1, 2, vg.Points(8)
		each = h
	}
	makeLegendRoom(losses, len(lossSeries)+len(others), each)
	makeLegendRoom(outputs, len(probSeries)+len(others), each)
	canvases := plot.Align(plots, t, c)
	for i := range plots {
		for j := range plots[i] {
			plots[i][j].Draw(canvases[i][j])
		}
	}
}

// renderCurves draws the curves of h into an image of exactly w×h pixels at the
// given scale (the canvas scale: text and lines grow with it, so the image
// is crisp when shown at w/scale × h/scale device-independent units).
func renderCurves(hist *history, w, h int, scale float32, bg, fg color.Color) image.Image {
	// One point per four pixels: the EMA is smooth at that scale.
	buckets := min(maxBuckets, max(1, w/4))
	cs, others := hist.curves(buckets), hist.comparedCurves(buckets)
	return renderImage(w, h, scale, bg, func(c draw.Canvas) { drawCurves(c, cs, others, fg) })
}

// renderImage runs paint on a canvas of exactly w×h pixels at the given
// scale (see renderCurves) filled with bg, and returns the image.
func renderImage(w, h int, scale float32, bg color.Color, paint func(draw.Canvas)) image.Image {
	if w < 1 || h < 1 {
		return image.NewNRGBA(image.Rect(0, 0, 1, 1))
	}
	if scale <= 0 {
		scale = 1
	}
	dpi := 96 * float64(scale)
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(w)*vg.Inch/vg.Length(dpi), vg.Length(h)*vg.Inch/vg.Length(dpi)),
		vgimg.UseDPI(int(math.Round(dpi))), vgimg.UseBackgroundColor(bg))
	paint(draw.New(c))
	return c.Image()
}

// curvesSVG returns the curves of hist as an SVG document of w×h points.
func curvesSVG(hist *history, w, h vg.Length) ([]byte, error) {
	c := vgsvg.New(w, h)
	dc := draw.New(c)
	dc.FillPolygon(color.White, []vg.Point{{X: 0, Y: 0}, {X: w, Y: 0}, {X: w, Y: h}, {X: 0, Y: h}})
	drawCurves(dc, hist.curves(maxBuckets), hist.comparedCurves(maxBuckets), color.Black)
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
