package ui

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

// renderVerdicts draws the histogram of D's verdicts on real images and on
// the grid's fakes at w×h pixels: where the two heaps sit, and how far
// apart, is what D has learnt to tell.
func renderVerdicts(fake, real []float32, w, h int, scale float32, bg, fg color.Color) image.Image {
	p := styledPlot("D's verdicts", "D(·): 0 fake … 1 real", "share", fg)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	p.Legend.Left = false
	for _, set := range []struct {
		name string
		v    []float32
		col  color.NRGBA
	}{
		{"real images D(x)", real, colD},
		{"grid D(G(z))", fake, colG},
	} {
		if len(set.v) == 0 {
			continue
		}
		fill := set.col
		fill.A = 0x70
		hist := verdictHistogram(set.v, fill)
		hist.LineStyle = draw.LineStyle{Color: set.col, Width: vg.Points(1)}
		p.Add(hist)
		p.Legend.Add(set.name, hist)
	}
	if len(fake) == 0 && len(real) == 0 {
		p.Title.Text = "D's verdicts (none measured for this grid)"
	}
	// Room above the bars for the legend, at the size the plot is drawn.
	makeLegendRoom(p, 2, vg.Length(h)*72/(96*vg.Length(max(scale, 1e-3))))
	return renderImage(w, h, scale, bg, p.Draw)
}
