package ui

import (
	"fmt"
	"image"
	"image/color"
	"math"
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
	s                                        *Studio
	start, pause, stop, cont, open, openCkpt *widget.Button
	progress                                 *widget.ProgressBar
	info, phase                              *widget.Label
	content                                  fyne.CanvasObject
}

func newRunView(s *Studio) *runView {
	v := &runView{s: s}
	v.start = widget.NewButtonWithIcon("Start", theme.MediaPlayIcon(), s.Start)
	v.start.Importance = widget.HighImportance
	v.pause = widget.NewButtonWithIcon("Pause", theme.MediaPauseIcon(), s.Pause)
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
		container.NewHBox(v.start, v.pause, v.stop, v.cont, widget.NewSeparator(), v.open, v.openCkpt, widget.NewSeparator(), v.phase),
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

// ---- live samples ---------------------------------------------------------

// samplesView shows the generated 5×5 grid, the scrubber through its
// history and real images beside it.
type samplesView struct {
	s         *Studio
	grid      *gridPicker
	real      *canvas.Image
	scrub     *widget.Slider
	scrubLbl  *widget.Label
	shown     int          // index of the grid on screen (-1: none)
	shownLive *image.NRGBA // the live preview on screen, if any
	live      bool         // follow new grids; false once the user scrubs back
	content   fyne.CanvasObject
}

func newSamplesView(s *Studio) *samplesView {
	v := &samplesView{s: s, shown: -1, live: true}
	v.grid = newGridPicker(func(cell int) { s.walk.pick(cell) })
	v.real = pixelImage(112, 112)
	v.scrub = widget.NewSlider(0, 1)
	v.scrub.Step = 1
	v.scrub.OnChanged = func(f float64) { v.scrubTo(int(math.Round(f))) }
	v.scrubLbl = widget.NewLabel("no samples yet")
	v.scrub.Disable()
	// The generated grid is what people watch: it takes all the room; the
	// real images beside the history are there to compare with.
	gen := container.NewBorder(heading("Generated samples"), nil, nil, nil, v.grid)
	real := container.NewBorder(widget.NewLabel("Real images"), nil, nil, nil, v.real)
	v.content = container.NewBorder(nil,
		container.NewVBox(
			container.NewBorder(nil, nil, widget.NewLabel("History"), nil, v.scrub),
			container.NewBorder(nil, nil, real, nil, container.NewVBox(v.scrubLbl,
				hint("Each cell is the generator's output for one fixed noise vector: watch the same 25 images sharpen as it learns."))),
		),
		nil, nil, container.NewPadded(gen))
	return v
}

// refresh follows the newest grid while live (UI thread).
func (v *samplesView) refresh() {
	n := v.s.hist.NumGrids()
	if step, img := v.s.hist.Live(); img != nil && v.live {
		if v.shownLive != img {
			v.shownLive, v.shown = img, -1
			v.grid.setImage(img)
			v.scrubLbl.SetText(fmt.Sprintf("step %d · live preview (saved grids come every %d steps)", step, v.s.cfg.SampleEvery))
		}
		if n > 0 {
			v.scrub.Enable()
			v.scrub.Max = float64(max(n-1, 1))
			v.scrub.Value = float64(n - 1)
			v.scrub.Refresh()
		}
		return
	}
	v.shownLive = nil
	if n == 0 {
		v.scrub.Disable()
		v.scrubLbl.SetText("no samples yet: the first grid appears when training starts")
		v.shown = -1
		v.grid.setImage(image.NewNRGBA(image.Rect(0, 0, 1, 1)))
		return
	}
	v.scrub.Enable()
	wasLive := v.live
	v.scrub.Max = float64(max(n-1, 1))
	if wasLive || v.shown >= n {
		v.showGrid(n - 1)
		v.scrub.Value = float64(n - 1)
	}
	v.scrub.Refresh()
	v.live = wasLive || v.shown >= n-1
}

// goLive shows the newest grid from the next refresh on.
func (v *samplesView) goLive() { v.live = true }

// scrubTo shows grid i, from memory or from the run directory.
func (v *samplesView) scrubTo(i int) {
	n := v.s.hist.NumGrids()
	if n == 0 {
		return
	}
	i = min(max(i, 0), n-1)
	if v.shownLive != nil && i == n-1 {
		return // the live preview is newer than the last saved grid
	}
	v.live = i == n-1
	v.showGrid(i)
}

func (v *samplesView) showGrid(i int) {
	if i == v.shown {
		return
	}
	step, img, err := v.s.hist.GridAt(i)
	if err != nil {
		v.scrubLbl.SetText(err.Error())
		return
	}
	v.shown = i
	v.grid.setImage(img)
	n := v.s.hist.NumGrids()
	label := fmt.Sprintf("step %d · grid %d of %d", step, i+1, n)
	if i == n-1 {
		label += " · newest"
	} else {
		label += " · drag right for newer"
	}
	v.scrubLbl.SetText(label)
}

// shownGrid returns the grid on screen (for exports).
func (v *samplesView) shownGrid() (int, *image.NRGBA, error) {
	if v.shownLive != nil {
		step, _ := v.s.hist.Live()
		return step, v.shownLive, nil
	}
	if v.shown < 0 {
		return 0, nil, fmt.Errorf("there is no grid yet: start a run or open one")
	}
	return v.s.hist.GridAt(v.shown)
}

func (v *samplesView) showReal(img image.Image) {
	if img == nil {
		return
	}
	v.real.Image = img
	v.real.Refresh()
}

// gridPicker shows a 5×5 grid with crisp pixels; tapping a cell picks it
// for the latent walk, and the picked cells are outlined.
type gridPicker struct {
	widget.BaseWidget
	img    *canvas.Image
	marks  [2]*canvas.Rectangle
	picked []int
	onPick func(cell int)
}

func newGridPicker(onPick func(int)) *gridPicker {
	g := &gridPicker{img: pixelImage(160, 160), onPick: onPick}
	for i := range g.marks {
		r := canvas.NewRectangle(color.Transparent)
		r.StrokeWidth = 2
		r.StrokeColor = []color.Color{color.NRGBA{R: 0xff, G: 0xa0, A: 0xff}, color.NRGBA{R: 0x30, G: 0xd0, B: 0xff, A: 0xff}}[i]
		r.Hide()
		g.marks[i] = r
	}
	g.ExtendBaseWidget(g)
	return g
}

func (g *gridPicker) CreateRenderer() fyne.WidgetRenderer {
	return &gridPickerRenderer{g: g}
}

func (g *gridPicker) setImage(img image.Image) {
	g.img.Image = img
	g.img.Refresh()
	g.Refresh()
}

// imageRect is where the contained image is drawn inside the widget.
func (g *gridPicker) imageRect() (fyne.Position, fyne.Size) {
	sz := g.Size()
	b := g.img.Image.Bounds()
	if b.Dx() == 0 || b.Dy() == 0 || sz.Width == 0 || sz.Height == 0 {
		return fyne.Position{}, sz
	}
	aspect := float32(b.Dx()) / float32(b.Dy())
	w, h := sz.Width, sz.Width/aspect
	if h > sz.Height {
		h, w = sz.Height, sz.Height*aspect
	}
	return fyne.NewPos((sz.Width-w)/2, (sz.Height-h)/2), fyne.NewSize(w, h)
}

// cellAt is the cell (0..24, row-major) under p, or -1.
func (g *gridPicker) cellAt(p fyne.Position) int {
	pos, sz := g.imageRect()
	if sz.Width <= 0 || sz.Height <= 0 {
		return -1
	}
	cx := int((p.X - pos.X) / sz.Width * 5)
	cy := int((p.Y - pos.Y) / sz.Height * 5)
	if p.X < pos.X || p.Y < pos.Y || cx < 0 || cx > 4 || cy < 0 || cy > 4 {
		return -1
	}
	return cy*5 + cx
}

// Tapped picks the cell under the pointer.
func (g *gridPicker) Tapped(e *fyne.PointEvent) {
	if c := g.cellAt(e.Position); c >= 0 && g.onPick != nil {
		g.onPick(c)
	}
}

// setPicked outlines the picked cells.
func (g *gridPicker) setPicked(cells []int) {
	g.picked = append([]int(nil), cells...)
	g.Refresh()
}

type gridPickerRenderer struct{ g *gridPicker }

func (r *gridPickerRenderer) Layout(sz fyne.Size) {
	g := r.g
	g.img.Resize(sz)
	g.img.Move(fyne.Position{})
	pos, isz := g.imageRect()
	cw, ch := isz.Width/5, isz.Height/5
	for i, m := range g.marks {
		if i >= len(g.picked) {
			m.Hide()
			continue
		}
		c := g.picked[i]
		m.Move(fyne.NewPos(pos.X+float32(c%5)*cw, pos.Y+float32(c/5)*ch))
		m.Resize(fyne.NewSize(cw, ch))
		m.Show()
	}
}
func (r *gridPickerRenderer) MinSize() fyne.Size { return r.g.img.MinSize() }
func (r *gridPickerRenderer) Refresh() {
	r.Layout(r.g.Size())
	for _, m := range r.g.marks {
		m.Refresh()
	}
}
func (r *gridPickerRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.g.img, r.g.marks[0], r.g.marks[1]}
}
func (r *gridPickerRenderer) Destroy() {}

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
