package ui

import (
	"image"
	"image/color"

	"fyne.io/fyne/v2"

	"github.com/ganstudio/ganstudio/ui/session"
)

// curvesView draws the losses and D's outputs.
type curvesView struct {
	*plotRaster
	content fyne.CanvasObject
}

func newCurvesView(hist *session.History, onUI func(func())) *curvesView {
	v := &curvesView{plotRaster: newPlotRaster(hist, onUI, 300, 140, func(w, h int, scale float32, bg, fg color.Color) image.Image {
		return session.RenderCurves(hist, w, h, scale, bg, fg)
	})}
	v.content = v.raster
	return v
}
