package ui

import (
	"image"
	"image/color"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"

	"github.com/ganstudio/ganstudio/ui/session"
)

// plotRaster draws gonum/plot plots of the history into a raster at the
// widget's real pixel size, so text and lines are crisp at any canvas
// scale. The learning curves and the sample-quality plots are two.
//
// Plotting takes milliseconds, and the raster's generator runs on the UI
// thread, where every millisecond delays a click: so the generator only
// hands over the last image, and new ones are drawn in the background when
// the periodic refresh finds the history changed (or the size did).
type plotRaster struct {
	hist   *session.History
	do     func(func())
	render func(w, h int, scale float32, bg, fg color.Color) image.Image
	raster *canvas.Raster

	mu        sync.Mutex // guards the rest, shared with the background drawing
	cached    image.Image
	cacheW    int // the size and history version cached was drawn for
	cacheH    int
	cacheV    int
	wantW     int // the size the raster last asked for
	wantH     int
	scale     float32
	bg, fg    color.Color
	rendering bool
}

func newPlotRaster(hist *session.History, do func(func()), minW, minH float32, render func(w, h int, scale float32, bg, fg color.Color) image.Image) *plotRaster {
	v := &plotRaster{hist: hist, do: do, render: render, cacheV: -1}
	v.raster = canvas.NewRaster(v.generate)
	v.raster.SetMinSize(fyne.NewSize(minW, minH))
	return v
}

// generate is the raster's generator (UI thread). Only the very first
// image is drawn here, so that the plot is never blank; later ones come
// from the background.
func (v *plotRaster) generate(w, h int) image.Image {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.wantW, v.wantH = w, h
	v.scale = 1
	if sz := v.raster.Size(); sz.Width > 0 {
		v.scale = float32(w) / sz.Width
	}
	th := fyne.CurrentApp().Settings().Theme()
	variant := fyne.CurrentApp().Settings().ThemeVariant()
	v.bg, v.fg = th.Color(theme.ColorNameBackground, variant), th.Color(theme.ColorNameForeground, variant)
	if v.cached == nil {
		ver := v.hist.Version()
		v.cached = v.render(w, h, v.scale, v.bg, v.fg)
		v.cacheW, v.cacheH, v.cacheV = w, h, ver
	} else if v.cacheW != w || v.cacheH != h {
		v.startLocked()
	}
	return v.cached
}

// refresh draws the plot anew in the background if the history changed
// since the shown image was drawn (UI thread).
func (v *plotRaster) refresh() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cached != nil && v.cacheV != v.hist.Version() {
		v.startLocked()
	}
}

// startLocked starts drawing at the wanted size unless a drawing is under
// way (v.mu held); the raster repaints when it is done.
func (v *plotRaster) startLocked() {
	if v.rendering {
		return
	}
	v.rendering = true
	w, h, scale, bg, fg := v.wantW, v.wantH, v.scale, v.bg, v.fg
	go func() {
		ver := v.hist.Version()
		img := v.render(w, h, scale, bg, fg)
		v.mu.Lock()
		v.cached, v.cacheW, v.cacheH, v.cacheV = img, w, h, ver
		v.rendering = false
		v.mu.Unlock()
		v.do(v.raster.Refresh)
	}()
}

// image draws the plot at w×h pixels now, as the window would show it.
func (v *plotRaster) image(w, h int) image.Image {
	th := fyne.CurrentApp().Settings().Theme()
	variant := fyne.CurrentApp().Settings().ThemeVariant()
	return v.render(w, h, 1, th.Color(theme.ColorNameBackground, variant), th.Color(theme.ColorNameForeground, variant))
}
