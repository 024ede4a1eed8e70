package ui

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/ganstudio/ganstudio/model/classifier"
	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/dataset"
	"github.com/ganstudio/ganstudio/training/events"
	"github.com/ganstudio/ganstudio/training/metrics"
)

// Quality is the sample-quality part of a run's history: the trainer's
// measurements, or why there are none, and the warnings shown beside them.
type Quality struct {
	Every   int // steps between measurements (0: metrics are off)
	Samples int // samples per measurement
	// Unavailable says in plain words why the run has no metrics (no
	// classifier for its data set).
	Unavailable string
	Points      []events.Metrics // in step order
	alerts      []alert
	compared    []comparedLines // other runs' FCD, drawn beside this run's
}

// alert is a warning of the run shown in the quality area until a
// measurement clears it: a coverage drop stays until the coverage
// recovers, any other warning until the next measurement.
type alert struct {
	step     int
	msg      string
	collapse bool
	covered  int // coverage when a collapse was reported
}

// Warnings returns the warnings to show, oldest first.
func (q Quality) Warnings() []string {
	out := make([]string, len(q.alerts))
	for i, a := range q.alerts {
		out[i] = a.msg
	}
	return out
}

// Last returns the newest measurement and whether there is one.
func (q Quality) Last() (events.Metrics, bool) {
	if len(q.Points) == 0 {
		return events.Metrics{}, false
	}
	return q.Points[len(q.Points)-1], true
}

// add records one Metrics event.
func (q *Quality) add(e events.Metrics) {
	if e.Unavailable != "" {
		q.Unavailable = e.Unavailable
		return
	}
	q.Unavailable = ""
	// A run continued from an older checkpoint measures again from there.
	n := len(q.Points)
	for n > 0 && q.Points[n-1].Step >= e.Step {
		n--
	}
	// Never write into an array a snapshot may share.
	q.Points = append(q.Points[:n:n], e)
	q.alerts = slices.DeleteFunc(q.alerts, func(a alert) bool {
		if a.step >= e.Step {
			return false
		}
		return !a.collapse || e.Covered > a.covered
	})
}

// warn records a warning of the run. One that comes with the newest
// measurement while its coverage is below the best so far is the
// mode-collapse warning: it stays until the coverage recovers.
func (q *Quality) warn(step int, msg string) {
	if msg == "" {
		return
	}
	a := alert{step: step, msg: msg}
	if last, ok := q.Last(); ok && last.Step == step {
		best := 0
		for _, p := range q.Points {
			best = max(best, p.Covered)
		}
		a.collapse, a.covered = last.Covered < best, last.Covered
	}
	alerts := slices.DeleteFunc(slices.Clone(q.alerts), func(o alert) bool { return o.msg == msg })
	q.alerts = append(alerts, a)
}

// clone is a copy that shares nothing the history writes to.
func (q Quality) clone() Quality {
	q.Points = slices.Clone(q.Points)
	q.alerts = slices.Clone(q.alerts)
	return q
}

// Quality returns a copy of the run's sample-quality state.
func (h *History) Quality() Quality {
	others := h.comparedCurves(1)
	h.mu.Lock()
	defer h.mu.Unlock()
	q := h.quality.clone()
	q.compared = others
	return q
}

// SetMetricsPlan records how often the attached run measures its samples
// and how many (its configuration's MetricsEvery and MetricsSamples).
func (h *History) SetMetricsPlan(every, samples int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.quality.Every, h.quality.Samples = every, samples
	h.version++
}

// setQuality replaces the sample-quality state (a resumed run keeps the
// measurements so far).
func (h *History) setQuality(q Quality) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.quality = q.clone()
	h.version++
}

// LoadMetrics shows the measurements of a run read from its folder. The
// warnings the trainer gave are not saved, so the coverage drops are
// found again as the trainer's watch found them.
func (h *History) LoadMetrics(cfg training.Config, points []events.Metrics) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.version++
	h.quality.Every, h.quality.Samples = cfg.MetricsEvery, cfg.MetricsSamples
	if why := metricsUnavailable(cfg); why != "" && len(points) == 0 {
		h.quality.Unavailable = why
		return
	}
	watch := metrics.NewWatch(cfg.LabelSmoothing)
	for _, p := range points {
		h.quality.add(p)
		for _, w := range watch.Metrics(p.Step, metrics.Result{N: p.N, Covered: p.Covered, Histogram: p.Histogram}) {
			h.quality.warn(p.Step, w)
		}
	}
}

// metricsUnavailable is the sentence the trainer sends instead of metrics
// for cfg's data set, or "" if it has a classifier (the trainer's test
// in training/monitor.go).
func metricsUnavailable(cfg training.Config) string {
	d := cfg.Data
	if metrics.Supported(d.Name) && d.Path == "" && cfg.Model.ImageSize == classifier.ImageSize && cfg.Model.Channels == 1 {
		return ""
	}
	name := d.Name
	if canon, ok := dataset.Lookup(name); ok {
		name = canon
	}
	if d.Path != "" {
		name = filepath.Base(d.Path)
	}
	return metrics.NoClassifierMessage(name)
}

// classNames returns the names of the classes the metrics of cfg's data
// set count ("0"…"9" for MNIST), or nil.
func classNames(cfg training.Config) []string {
	canon, ok := dataset.Lookup(cfg.Data.Name)
	if !ok || !metrics.Supported(canon) {
		return nil
	}
	net, err := classifier.Shipped(canon)
	if err != nil {
		return nil
	}
	return net.Info.Classes
}

// ---- drawing ----------------------------------------------------------

var (
	colFCD    = color.NRGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff} // purple
	colPrec   = color.NRGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff} // orange
	colRecall = color.NRGBA{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff} // cyan
	colBars   = color.NRGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff} // green

	prSeries = []series{{"precision", colPrec}, {"recall: variety", colRecall}}
)

// RenderQuality draws the sample-quality plots of q into an image of
// exactly w×h pixels at the given scale (as RenderCurves does).
func RenderQuality(q Quality, w, h int, scale float32, bg, fg color.Color) image.Image {
	return renderImage(w, h, scale, bg, func(c draw.Canvas) { drawQuality(c, q, fg) })
}

// drawQuality draws the FCD curve (with precision and recall below it when
// there is room) on the left of c and the newest class histogram on the
// right.
func drawQuality(c draw.Canvas, q Quality, fg color.Color) {
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
func fcdPlot(q Quality, fg color.Color) *plot.Plot {
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

// histPlot is the newest measurement's samples per class, a bar per
// class; long names (Fashion-MNIST's) are turned on their side.
func histPlot(q Quality, c draw.Canvas, fg color.Color) *plot.Plot {
	last, ok := q.Last()
	title := "Classes: none measured yet"
	if ok {
		title = fmt.Sprintf("Classes covered %d/%d (step %d)", last.Covered, len(last.Histogram), last.Step)
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

// ---- view -----------------------------------------------------------------

// qualityView shows the sample-quality metrics: a plain-words line about
// the newest measurement, warnings that stay until a measurement clears
// them, and the plots.
type qualityView struct {
	s *Studio
	*plotRaster
	warnBox fyne.CanvasObject
	warning *widget.Label
	info    *widget.Label
	content fyne.CanvasObject
}

func newQualityView(s *Studio) *qualityView {
	v := &qualityView{s: s}
	v.plotRaster = newPlotRaster(s, 360, 150, func(w, h int, scale float32, bg, fg color.Color) image.Image {
		return RenderQuality(s.hist.Quality(), w, h, scale, bg, fg)
	})
	v.warning = widget.NewLabel("")
	v.warning.Wrapping = fyne.TextWrapWord
	v.warning.TextStyle.Bold = true
	v.warning.Importance = widget.DangerImportance
	bg := canvas.NewRectangle(warnBackground())
	bg.CornerRadius = 4
	v.warnBox = container.NewStack(bg, container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), nil, v.warning))
	v.warnBox.Hide()
	v.info = widget.NewLabel("")
	v.info.Wrapping = fyne.TextWrapWord
	v.content = container.NewBorder(container.NewVBox(heading("Sample quality"), v.warnBox, v.info), nil, nil, nil, v.raster)
	v.refresh()
	return v
}

// warnBackground is the theme's error colour, faint, behind warnings.
func warnBackground() color.Color {
	r, g, b, _ := theme.Color(theme.ColorNameError).RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x38}
}

// refresh shows the history's quality state (UI thread).
func (v *qualityView) refresh() {
	q := v.s.hist.Quality()
	_, started := v.s.hist.Phase()
	text, plots := v.describe(q, started)
	v.info.SetText(text)
	warn := strings.Join(q.Warnings(), "\n")
	relayout := plots != v.raster.Visible() || (warn != "") != v.warnBox.Visible() || warn != v.warning.Text
	if plots {
		v.raster.Show()
		v.plotRaster.refresh()
	} else {
		v.raster.Hide()
	}
	v.warning.SetText(warn)
	if warn != "" {
		v.warnBox.Show()
	} else {
		v.warnBox.Hide()
	}
	// A warning takes the place of the line of numbers, which the plots'
	// titles repeat, so that the learning curves above keep their room.
	if warn != "" && plots {
		v.info.Hide()
	} else {
		v.info.Show()
	}
	if relayout {
		v.content.Refresh() // the plots take what the text leaves
	}
}

// describe is the line above the plots, and whether to show the plots.
func (v *qualityView) describe(q Quality, started bool) (string, bool) {
	if q.Unavailable != "" {
		return q.Unavailable, false
	}
	if last, ok := q.Last(); ok {
		text := fmt.Sprintf("Step %d: FCD %s (lower is better; about 2 for real images), classes covered %d/%d, classifier score %.1f of %d, recall %.2f.",
			last.Step, fcdText(last.FCD), last.Covered, len(last.Histogram), last.Score, len(last.Histogram), last.Recall)
		if q.Every > 0 {
			text += fmt.Sprintf(" Measured on %d samples every %d steps.", last.N, q.Every)
		}
		return text, true
	}
	if !started {
		cfg := v.s.cfg
		if why := metricsUnavailable(cfg); why != "" {
			return why, false
		}
		if cfg.MetricsEvery <= 0 {
			return "Sample-quality metrics are off for this configuration.", false
		}
		return fmt.Sprintf("Once training starts, %d samples are scored by a classifier every %d steps: a curve of FCD (distance to real images) and the classes the samples cover, to catch mode collapse.",
			cfg.MetricsSamples, cfg.MetricsEvery), false
	}
	if phase, _ := v.s.hist.Phase(); phase != events.Running && phase != events.Paused {
		if q.Every <= 0 {
			return "This run has no sample-quality measurements: metrics were off.", false
		}
		return fmt.Sprintf("This run has no sample-quality measurements yet: they come every %d steps of training.", q.Every), false
	}
	if q.Every <= 0 {
		return "Sample-quality metrics are off for this run.", false
	}
	return fmt.Sprintf("First measurement at step %d: %d samples are scored in the background (the first may come a little late while the classifier's test-set statistics load).",
		q.Every, q.Samples), true
}

// fcdText writes an FCD with as many digits as matter: 1234, 56.7, 2.34.
func fcdText(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
