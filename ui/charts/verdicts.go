package charts

import (
	"image"
	"image/color"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// verdictBins is the histogram's resolution over D's [0, 1] output: ten
// bins read at a glance on 25 fakes and a batch of reals.
const verdictBins = 10

// verdictHistogram bins verdicts over [0, 1] as fractions of the whole, so
// that 25 fakes and 64 reals compare on one axis.
func verdictHistogram(v []float32, fill color.Color) *plotter.Histogram {
	h := &plotter.Histogram{Width: 1.0 / verdictBins, FillColor: fill}
	for b := 0; b < verdictBins; b++ {
		h.Bins = append(h.Bins, plotter.HistogramBin{Min: float64(b) / verdictBins, Max: float64(b+1) / verdictBins})
	}
	for _, x := range v {
		b := min(max(int(x*verdictBins), 0), verdictBins-1)
		h.Bins[b].Weight += 1 / float64(len(v))
	}
	return h
}

// Verdicts draws the histogram of D's verdicts on real images and on the
// grid's fakes at w×h pixels: where the two heaps sit, and how far apart,
// is what D has learnt to tell.
func Verdicts(fake, real []float32, w, h int, scale float32, bg, fg color.Color) image.Image {
	return Render(w, h, scale, bg, func(c draw.Canvas) { drawVerdicts(c, fake, real, fg) })
}

// drawVerdicts draws the histogram of D's verdicts on c.
func drawVerdicts(c draw.Canvas, fake, real []float32, fg color.Color) {
	pn := panel{p: styled("D(·): 0 fake … 1 real", "share", fg), title: "D's verdicts"}
	p := pn.p
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 0.5
	for _, set := range []struct {
		v    []float32
		col  color.NRGBA
		name string
	}{
		{real, ColD, "on real images"},
		{fake, ColG, "on the grid"},
	} {
		if len(set.v) == 0 {
			continue
		}
		fill := set.col
		fill.A = 0x70
		hist := verdictHistogram(set.v, fill)
		hist.LineStyle = draw.LineStyle{Color: set.col, Width: vg.Points(1)}
		p.Add(hist)
		for _, b := range hist.Bins {
			p.Y.Max = max(p.Y.Max, b.Weight*1.1)
		}
		pn.legend = append(pn.legend, Entry{Name: set.name, Color: set.col})
	}
	if len(fake) == 0 && len(real) == 0 {
		pn.title = "D's verdicts: none for this grid"
	}
	drawPanels(c, [][]panel{{pn}}, draw.Tiles{Rows: 1, Cols: 1, PadTop: vg.Points(2), PadBottom: vg.Points(2), PadLeft: vg.Points(2), PadRight: vg.Points(8)})
}
