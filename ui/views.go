package ui

import (
	"fmt"
	"image"
	"image/color"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ganstudio/ganstudio/training/events"
)

func heading(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.TextStyle.Bold = true
	return l
}

func hint(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.LowImportance
	return l
}

// pixelImage is an image shown with crisp, blocky pixels at a minimum size.
func pixelImage(minW, minH float32) *canvas.Image {
	img := canvas.NewImageFromImage(image.NewNRGBA(image.Rect(0, 0, 1, 1)))
	img.ScaleMode = canvas.ImageScalePixels
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(minW, minH))
	return img
}

// ---- run controls -----------------------------------------------------

// runView is the top bar: Start, Pause/Resume, Stop, Continue, progress.
type runView struct {
	s                              *Studio
	start, pause, step, stop, cont *widget.Button
	open, openCkpt                 *widget.Button
	progress                       *widget.ProgressBar
	info, phase                    *widget.Label
	content                        fyne.CanvasObject
}

func newRunView(s *Studio) *runView {
	v := &runView{s: s}
	v.start = widget.NewButtonWithIcon("Start", theme.MediaPlayIcon(), s.Start)
	v.start.Importance = widget.HighImportance
	v.pause = widget.NewButtonWithIcon("Pause", theme.MediaPauseIcon(), s.Pause)
	v.step = widget.NewButtonWithIcon("Step", theme.MediaSkipNextIcon(), s.Step)
	v.stop = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), s.Stop)
	v.cont = widget.NewButtonWithIcon("Continue", theme.MediaFastForwardIcon(), s.Continue)
	v.open = widget.NewButtonWithIcon("Open run…", theme.FolderOpenIcon(), s.openRunDialog)
	v.openCkpt = widget.NewButtonWithIcon("Open checkpoint…", theme.FileIcon(), s.openCheckpointDialog)
	v.progress = widget.NewProgressBar()
	v.progress.TextFormatter = func() string {
		last, ok := s.hist.Last()
		if !ok {
			return "not started"
		}
		return fmt.Sprintf("step %d of %d", last.Step, last.TotalSteps)
	}
	v.info = widget.NewLabel("")
	v.phase = widget.NewLabel("Ready")
	v.phase.TextStyle.Bold = true
	// Two rows: on one, the buttons and the progress line together were
	// wider than a 1280-pixel screen.
	v.content = container.NewVBox(
		container.NewHBox(v.start, v.pause, v.step, v.stop, v.cont, widget.NewSeparator(), v.open, v.openCkpt, widget.NewSeparator(), v.phase),
		container.NewBorder(nil, nil, nil, v.info, v.progress))
	return v
}

// refresh shows the newest step (UI thread).
func (v *runView) refresh() {
	last, ok := v.s.hist.Last()
	if !ok {
		v.progress.SetValue(0)
		v.info.SetText("")
		return
	}
	if last.TotalSteps > 0 {
		v.progress.SetValue(float64(last.Step) / float64(last.TotalSteps))
	}
	save, saved := v.s.hist.LastSave()
	v.info.SetText(stepInfo(last, save, saved))
}

// stepInfo is the progress line: epoch, speed, time left, and when the run
// was last saved (what a crash would go back to).
func stepInfo(s events.Step, save events.Checkpoint, saved bool) string {
	out := fmt.Sprintf("epoch %d of %d · %.1f images/s", s.Epoch, s.Epochs, s.ImagesPerSec)
	if s.ETA > 0 {
		out += " · " + eta(s.ETA) + " left"
	}
	if saved {
		out += fmt.Sprintf(" · saved %s (step %d)", save.Time.Format("15:04:05"), save.Step)
	} else {
		out += " · not saved yet"
	}
	return out
}

func eta(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()+0.5))
	case d < time.Hour:
		return fmt.Sprintf("%dm %02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh %02dm", int(d.Hours()), int(d.Minutes())%60)
}

func setEnabled(w fyne.Disableable, on bool) {
	if on {
		w.Enable()
	} else {
		w.Disable()
	}
}

func (v *runView) setState(st runState) {
	setEnabled(v.start, !st.busy && !st.running && !st.paused)
	setEnabled(v.pause, !st.busy && (st.running || st.paused))
	setEnabled(v.step, !st.busy && st.paused && !st.diverged)
	setEnabled(v.stop, !st.busy && (st.running || st.paused))
	setEnabled(v.cont, !st.busy && st.canContinue)
	setEnabled(v.open, !st.busy && !st.running && !st.paused)
	setEnabled(v.openCkpt, !st.busy && !st.running && !st.paused)
	v.phase.SetText(v.s.phaseText(st))
	if st.diverged {
		v.pause.SetText("Roll back")
		v.pause.SetIcon(theme.HistoryIcon())
	} else if st.paused {
		v.pause.SetText("Resume")
		v.pause.SetIcon(theme.MediaPlayIcon())
	} else {
		v.pause.SetText("Pause")
		v.pause.SetIcon(theme.MediaPauseIcon())
	}
}

// ---- live curves ----------------------------------------------------------

// plotRaster draws gonum/plot plots of the history into a raster at the
// widget's real pixel size, so text and lines are crisp at any canvas
// scale. The learning curves and the sample-quality plots are two.
//
// Plotting takes milliseconds, and the raster's generator runs on the UI
// thread, where every millisecond delays a click: so the generator only
// hands over the last image, and new ones are drawn in the background when
// the periodic refresh finds the history changed (or the size did).
type plotRaster struct {
	hist   *History
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

func newPlotRaster(s *Studio, minW, minH float32, render func(w, h int, scale float32, bg, fg color.Color) image.Image) *plotRaster {
	v := &plotRaster{hist: &s.hist, do: s.do, render: render, cacheV: -1}
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

// curvesView draws the losses and D's outputs.
type curvesView struct {
	*plotRaster
	content fyne.CanvasObject
}

func newCurvesView(s *Studio) *curvesView {
	v := &curvesView{plotRaster: newPlotRaster(s, 360, 200, func(w, h int, scale float32, bg, fg color.Color) image.Image {
		return RenderCurves(&s.hist, w, h, scale, bg, fg)
	})}
	v.content = container.NewBorder(heading("Learning curves"), nil, nil, nil, v.raster)
	return v
}
