package charts

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/ganstudio/ganstudio/training/events"
)

// Quality is what the sample-quality plots show: a run's measurements
// and the FCD of the runs compared with it.
type Quality struct {
	Every    int              // steps between measurements (0: off)
	Points   []events.Metrics // in step order
	Compared []Compared
}

func (q Quality) last() (events.Metrics, bool) {
	if len(q.Points) == 0 {
		return events.Metrics{}, false
	}
	return q.Points[len(q.Points)-1], true
}

// DrawQuality draws the FCD curve (with precision and recall below it when
// there is room) on the left of c and the newest class histogram on the
// right; a folder's run, measured by FCD only, gets the curve alone.
func DrawQuality(c draw.Canvas, q Quality, fg color.Color) {
	tiles := draw.Tiles{Rows: 1, Cols: 1, PadTop: vg.Points(2), PadBottom: vg.Points(2), PadLeft: vg.Points(2), PadRight: vg.Points(8), PadY: vg.Points(6)}
	if last, ok := q.last(); ok && last.FeaturesOnly {
		drawPanels(c, [][]panel{{fcdPanel(q, fg)}}, tiles)
		return
	}
	width := c.Max.X - c.Min.X
	split := width * 0.55
	left := draw.Crop(c, 0, split-width, 0, 0)
	right := draw.Crop(c, split+vg.Points(8), 0, 0, 0)

	fcd := fcdPanel(q, fg)
	rows := [][]panel{{fcd}}
	// Two plots need about 130 points each to stay readable.
	if c.Max.Y-c.Min.Y >= vg.Points(260) {
		var prec, rec plotter.XYs
		for _, p := range q.Points {
			prec = append(prec, plotter.XY{X: float64(p.Step), Y: p.Precision})
			rec = append(rec, plotter.XY{X: float64(p.Step), Y: p.Recall})
		}
		pr := curvePanel("Precision and recall", "higher is better", []plotter.XYs{prec, rec}, prSeries, fg)
		pr.p.Y.Min, pr.p.Y.Max = 0, 1
		pr.p.X.Min, pr.p.X.Max = fcd.p.X.Min, fcd.p.X.Max
		rows = append(rows, []panel{pr})
		tiles.Rows = 2
	}
	drawPanels(left, rows, tiles)
	tiles.Rows = 1
	drawPanels(right, [][]panel{{histPanel(q, right, fg)}}, tiles)
}

// fcdPanel is FCD over steps, on a log scale when the values allow it:
// early values are ten or a hundred times the late ones.
func fcdPanel(q Quality, fg color.Color) panel {
	var xy plotter.XYs
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range q.Points {
		if math.IsNaN(p.FCD) || math.IsInf(p.FCD, 0) {
			continue
		}
		xy = append(xy, plotter.XY{X: float64(p.Step), Y: p.FCD})
		lo, hi = math.Min(lo, p.FCD), math.Max(hi, p.FCD)
	}
	pn := curvePanel("FCD: lower is better", "FCD", []plotter.XYs{xy}, []series{{"FCD", ColFCD}}, fg)
	pn.legend = nil // one line needs no legend, unless runs are compared
	p := pn.p
	pad := float64(max(q.Every, 1)) / 2
	first, last := math.Inf(1), math.Inf(-1)
	if len(xy) > 0 {
		first, last = xy[0].X, xy[len(xy)-1].X
	}
	for _, o := range q.Compared {
		if len(o.FCD) == 0 {
			continue
		}
		if len(pn.legend) == 0 && len(xy) > 0 {
			pn.legend = append(pn.legend, Entry{Name: "this run", Color: ColFCD})
		}
		l, err := plotter.NewLine(o.FCD)
		if err != nil {
			continue
		}
		l.Color, l.Width = o.Color, vg.Points(1.2)
		p.Add(l)
		pn.legend = append(pn.legend, Entry{Name: o.Name, Color: o.Color, Compared: true})
		first, last = math.Min(first, o.FCD[0].X), math.Max(last, o.FCD[len(o.FCD)-1].X)
		for _, pt := range o.FCD {
			lo, hi = math.Min(lo, pt.Y), math.Max(hi, pt.Y)
		}
	}
	if math.IsInf(first, 0) {
		p.X.Min, p.X.Max = 0, math.Max(1, 4*pad)
		return pn
	}
	// The steps measured, not 0 on: the first measurement may come late
	// (the classifier loads in the background) and a resumed run starts
	// from its checkpoint.
	p.X.Min, p.X.Max = first-pad, last+pad
	if s, err := plotter.NewScatter(xy); err == nil {
		s.GlyphStyle.Color = ColFCD
		s.GlyphStyle.Radius = vg.Points(2)
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		p.Add(s)
	}
	if lo > 0 {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = LogTicks{}
		p.Y.Label.Text = "FCD (log scale)"
		pn.shortY = "FCD"
		// Round limits (1, 2 or 5 times a power of ten) give the axis at
		// least two labelled ticks.
		p.Y.Min, p.Y.Max = Nice(lo/1.1, false), Nice(hi*1.25, true)
	} else {
		p.Y.Min, p.Y.Max = math.Min(0, lo), hi*1.1+1e-9
	}
	return pn
}

// Nice rounds v > 0 down or up to 1, 2 or 5 times a power of ten.
func Nice(v float64, up bool) float64 {
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

// LogTicks labels a log axis at 1, 2 and 5 times the powers of ten (fewer
// on a wide range, every integer mantissa on a narrow one).
type LogTicks struct{}

func (LogTicks) Ticks(lo, hi float64) []plot.Tick {
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

// RealClasses is the number of classes a measurement's coverage is out of.
func RealClasses(m events.Metrics) int {
	if m.RealClasses > 0 {
		return m.RealClasses
	}
	return len(m.Histogram)
}

// histPanel is the newest measurement's samples per class, a bar per
// class; long names (Fashion-MNIST's) are turned on their side.
func histPanel(q Quality, c draw.Canvas, fg color.Color) panel {
	last, ok := q.last()
	pn := panel{p: styled("", "samples", fg), title: "Classes: none measured yet"}
	p := pn.p
	if ok {
		pn.title = fmt.Sprintf("Classes covered %d/%d (step %d)", last.Covered, RealClasses(last), last.Step)
	}
	if !ok || len(last.Histogram) == 0 {
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
		p.HideAxes() // nothing to count yet
		return pn
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
		return pn
	}
	bars.Color = ColBars
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
	p.Y.Tick.Marker = StepTicks{} // whole numbers
	return pn
}
