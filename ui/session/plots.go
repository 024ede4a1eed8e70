package session

import (
	"image"
	"image/color"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/ganstudio/ganstudio/ui/charts"
)

// RenderCurves draws the curves of hist, with the compared runs', into an
// image of exactly w×h pixels at the given canvas scale (see
// charts.Render).
func RenderCurves(hist *History, w, h int, scale float32, bg, fg color.Color) image.Image {
	// One point per four pixels: the EMA is smooth at that scale.
	buckets := min(charts.MaxBuckets, max(1, w/4))
	cs, others := hist.Curves(buckets), hist.ComparedCurves(buckets)
	return charts.Render(w, h, scale, bg, func(c draw.Canvas) { charts.DrawCurves(c, cs, others, fg) })
}

// RenderQuality draws the sample-quality plots of q into an image of
// exactly w×h pixels at the given scale (as RenderCurves does).
func RenderQuality(q Quality, w, h int, scale float32, bg, fg color.Color) image.Image {
	return charts.Render(w, h, scale, bg, func(c draw.Canvas) {
		charts.DrawQuality(c, charts.Quality{Every: q.Every, Points: q.Points, Compared: q.compared}, fg)
	})
}

// CurvesSVG returns the curves of hist as an SVG document of w×h points.
func CurvesSVG(hist *History, w, h vg.Length) ([]byte, error) {
	return charts.SVG(hist.Curves(charts.MaxBuckets), hist.ComparedCurves(charts.MaxBuckets), w, h)
}
