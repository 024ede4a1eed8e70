package ui

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"

	"github.com/ganstudio/ganstudio/training/events"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

var (
	colFCD    = color.NRGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff} // purple
	colPrec   = color.NRGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff} // orange
	colRecall = color.NRGBA{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff} // cyan
	colBars   = color.NRGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff} // green

	prSeries = []series{{"precision", colPrec}, {"recall: variety", colRecall}}
)

// renderQuality draws the sample-quality plots of q into an image of
// exactly w×h pixels at the given scale (as renderCurves does).
func renderQuality(q qualityState, w, h int, scale float32, bg, fg color.Color) image.Image {
	return renderImage(w, h, scale, bg, func(c draw.Canvas) { drawQuality(c, q, fg) })
}

// drawQuality draws the FCD curve (with precision and recall below it when
// there is room) on the left of c and the newest class histogram on the
// right; a folder's run, measured by FCD only, gets the curve alone.
func drawQuality(c draw.Canvas, q qualityState, fg color.Color) {
	if last, ok := q.Last(); ok && last.FeaturesOnly {
		fcdPlot(q, fg).Draw(draw.Crop(c, vg.Points(2), -vg.Points(2), vg.Points(2), -vg.Points(2)))
		return
	}
	width := c.Max.X - c.Min.X
	split := width * 0.55
	left := draw.Crop(c, 0, split-width, 0, 0)
	right := draw.Crop(c, split+vg.Points(6), 0, 0, 0)

	plots := [][]*plot.Plot{{fcdPlot(q, fg)}}
	// Two plots need about 130 points each to stay readable.
	if c.Max.Y-c.Min.Y >= vg.Points(260) {
		var prec, rec plotter.XYs
		for _, p := range q.Points {
			prec = append(prec, plotter.XY{X: float64(p.Step), Y: p.Precision})
			rec = append(rec, plotter.XY{X: float64(p.Step), Y: p.Recall})
		}
		pr := curvePlot("Precision and recall", "higher is better", []plotter.XYs{prec, rec}, prSeries, fg)
		pr.Y.Min, pr.Y.Max = 0, 1.3
		pr.X.Min, pr.X.Max = plots[0][0].X.Min, plots[0][0].X.Max
		plots = append(plots, []*plot.Plot{pr})
	}
	t := draw.Tiles{Rows: len(plots), Cols: 1, PadY: vg.Points(4), PadTop: vg.Points(2), PadBottom: vg.Points(2), PadLeft: vg.Points(2), PadRight: vg.Points(2)}
	canvases := plot.Align(plots, t, left)
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
	}
	histPlot(q, right, fg).Draw(draw.Crop(right, 0, -vg.Points(6), vg.Points(2), -vg.Points(2)))
}

// fcdPlot is FCD over steps, on a log scale when the values allow it:
// early values are ten or a hundred times the late ones.
func fcdPlot(q qualityState, fg color.Color) *plot.Plot {
	var xy plotter.XYs
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range q.Points {
		if math.IsNaN(p.FCD) || math.IsInf(p.FCD, 0) {
			continue
		}
		xy = append(xy, plotter.XY{X: float64(p.Step), Y: p.FCD})
		lo, hi = math.Min(lo, p.FCD), math.Max(hi, p.FCD)
	}
	p := curvePlot("FCD: lower is better", "FCD", []plotter.XYs{xy}, []series{{"FCD", colFCD}}, fg)
	p.Legend = plot.NewLegend() // one line needs no legend, unless runs are compared
	p.Legend.TextStyle.Color, p.Legend.Top = fg, true
	pad := float64(max(q.Every, 1)) / 2
	first, last := math.Inf(1), math.Inf(-1)
	if len(xy) > 0 {
		first, last = xy[0].X, xy[len(xy)-1].X
	}
	legended := false
	for _, o := range q.compared {
		if len(o.fcd) == 0 {
			continue
		}
		if !legended && len(xy) > 0 {
			if own, err := plotter.NewLine(xy); err == nil {
				own.Color = colFCD
				p.Legend.Add("this run", own)
			}
		}
		legended = true
		l, err := plotter.NewLine(o.fcd)
		if err != nil {
			continue
		}
		l.Color, l.Width = o.color, vg.Points(1.2)
		p.Add(l)
		p.Legend.Add(o.name, l)
		first, last = math.Min(first, o.fcd[0].X), math.Max(last, o.fcd[len(o.fcd)-1].X)
		for _, pt := range o.fcd {
			lo, hi = math.Min(lo, pt.Y), math.Max(hi, pt.Y)
		}
	}
	if math.IsInf(first, 0) {
		p.X.Min, p.X.Max = 0, math.Max(1, 4*pad)
		return p
	}
	// The steps measured, not 0 on: the first measurement may come late
	// (the classifier loads in the background) and a resumed run starts
	// from its checkpoint.
	p.X.Min, p.X.Max = first-pad, last+pad
	if s, err := plotter.NewScatter(xy); err == nil {
		s.GlyphStyle.Color = colFCD
		s.GlyphStyle.Radius = vg.Points(2)
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		p.Add(s)
	}
	if lo > 0 {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
		p.Y.Label.Text = "FCD (log scale)"
		// Round limits (1, 2 or 5 times a power of ten) give the axis at
		// least two labelled ticks.
		p.Y.Min, p.Y.Max = nice(lo/1.1, false), nice(hi*1.25, true)
	} else {
		p.Y.Min, p.Y.Max = math.Min(0, lo), hi*1.1+1e-9
	}
	return p
}

// nice rounds v > 0 down or up to 1, 2 or 5 times a power of ten.
func nice(v float64, up bool) float64 {
	e := math.Pow(10, math.Floor(math.Log10(v)))
	steps := []float64{1, 2, 5, 10}
	if !up {
		for i := len(steps) - 1; i >= 0; i-- {
			if steps[i]*e <= v*(1+1e-9) {
				return steps[i] * e
			}
		}
		return e
	}
	for _, m := range steps {
		if m*e >= v*(1-1e-9) {
			return m * e
		}
	}
	return 10 * e
}

// logTicks labels a log axis at 1, 2 and 5 times the powers of ten (fewer
// on a wide range, every integer mantissa on a narrow one).
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if lo <= 0 || hi <= lo {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	gen := func(mantissas []float64) []plot.Tick {
		var out []plot.Tick
		for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
			for _, m := range mantissas {
				v := m * math.Pow(10, e)
				if v >= lo && v <= hi {
					out = append(out, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
				}
			}
		}
		return out
	}
	// The plot is small: at most four labels, at least two.
	ticks := gen([]float64{1, 2, 5})
	if len(ticks) > 4 {
		ticks = gen([]float64{1, 3})
	}
	if len(ticks) > 4 {
		ticks = gen([]float64{1})
	}
	if len(ticks) < 2 {
		ticks = gen([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9})
	}
	if len(ticks) < 2 {
		ticks = append(ticks, plot.Tick{Value: lo, Label: strconv.FormatFloat(lo, 'f', 1, 64)},
			plot.Tick{Value: hi, Label: strconv.FormatFloat(hi, 'f', 1, 64)})
	}
	return ticks
}

// realClasses is the number of classes a measurement's coverage is out of.
func realClasses(m events.Metrics) int {
	if m.RealClasses > 0 {
		return m.RealClasses
	}
	return len(m.Histogram)
}

// histPlot is the newest measurement's samples per class, a bar per
// class; long names (Fashion-MNIST's) are turned on their side.
func histPlot(q qualityState, c draw.Canvas, fg color.Color) *plot.Plot {
	last, ok := q.Last()
	title := "Classes: none measured yet"
	if ok {
		title = fmt.Sprintf("Classes covered %d/%d (step %d)", last.Covered, realClasses(last), last.Step)
	}
	p := styledPlot(title, "", "samples", fg)
	if !ok || len(last.Histogram) == 0 {
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
		p.HideX()
		return p
	}
	n := len(last.Histogram)
	names := make([]string, n)
	vals := make(plotter.Values, n)
	long := false
	for i, c := range last.Histogram {
		names[i] = strconv.Itoa(i)
		if i < len(last.Classes) && last.Classes[i] != "" {
			names[i] = last.Classes[i]
		}
		if r := []rune(names[i]); len(r) > 8 {
			names[i] = string(r[:7]) + "."
		}
		long = long || len(names[i]) > 2
		vals[i] = float64(c)
	}
	bars, err := plotter.NewBarChart(vals, (c.Max.X-c.Min.X)/vg.Length(2*n))
	if err != nil {
		return p
	}
	bars.Color = colBars
	bars.LineStyle.Width = 0
	p.Add(plotter.NewGrid())
	p.Add(bars)
	p.NominalX(names...)
	if long {
		p.X.Tick.Label.Rotation = math.Pi / 2
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	p.Y.Min = 0
	p.Y.Max = math.Max(p.Y.Max, 1) * 1.05
	p.Y.Tick.Marker = stepTicks{} // whole numbers
	return p
}
