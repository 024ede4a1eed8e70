package ui

import (
	"image"
	"image/color"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/ganstudio/ganstudio/ui/charts"
)

// renderCurves draws the curves of hist, with the compared runs', into an
// image of exactly w×h pixels at the given canvas scale (see
// charts.Render).
func renderCurves(hist *history, w, h int, scale float32, bg, fg color.Color) image.Image {
	// One point per four pixels: the EMA is smooth at that scale.
	buckets := min(charts.MaxBuckets, max(1, w/4))
	cs, others := hist.curves(buckets), hist.comparedCurves(buckets)
	return charts.Render(w, h, scale, bg, func(c draw.Canvas) { charts.DrawCurves(c, cs, others, fg) })
}

// renderQuality draws the sample-quality plots of q into an image of
// exactly w×h pixels at the given scale (as renderCurves does).
func renderQuality(q qualityState, w, h int, scale float32, bg, fg color.Color) image.Image {
	return charts.Render(w, h, scale, bg, func(c draw.Canvas) {
		charts.DrawQuality(c, charts.Quality{Every: q.Every, Points: q.Points, Compared: q.compared}, fg)
	})
}

// curvesSVG returns the curves of hist as an SVG document of w×h points.
func curvesSVG(hist *history, w, h vg.Length) ([]byte, error) {
	return charts.SVG(hist.curves(charts.MaxBuckets), hist.comparedCurves(charts.MaxBuckets), w, h)
}
