package ui

import (
	"fmt"
	"image"
	"math"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/ui/session"
)

// Noise choices of the samples view.
const (
	fixedNoise = "Fixed noise"
	freshNoise = "Fresh noise"
)

// samplesView shows the generated grid, the history slider under it and,
// for a class-conditional run, the class picker; and the lab, in a tab of
// its own: D's verdict on every cell, the histogram of D's verdicts on
// real and fake images, the truncation ψ and the noise the grid is drawn
// from, real images to compare with, and what the last stretch of
// training (one Step) changed.
type samplesView struct {
	host     host
	hist     *session.History
	run      func() training.Config // the configuration of the run on screen
	sampler  func() session.Sampler // what draws the window's own grids, if anything
	grid     *gridPicker
	real     *canvas.Image
	scrub    *widget.Slider
	scrubLbl *widget.Label
	judge    *widget.Check
	verdicts *canvas.Raster
	psi      *widget.Slider
	psiLbl   *widget.Label
	noise    *widget.RadioGroup
	redraw   *widget.Button
	trained  *widget.Check
	classes  *widget.Select // a conditional run's: rows of classes, or one class
	rowsLbl  *widget.Label
	shownFor string // the class names the picker offers
	change   *widget.Label
	// controls sit under the grid; labBox is the lab's tab.
	controls, labBox fyne.CanvasObject
	scrubRow         fyne.CanvasObject

	// The lab's choices: the noise the grid and the exported samples
	// are drawn from, and whether D's verdicts frame the grid's cells.
	chosen training.Noise
	framed bool

	shown     int          // index of the grid on screen (-1: none)
	shownLive *image.NRGBA // the live or lab preview on screen, if any
	live      bool         // follow new grids; false once the user scrubs back
	// D's verdicts on the grid on screen and on real images beside it.
	fake, realSeen []float32

	// The grid the window drew itself for the newest step (the user's
	// noise choice, or one row per class), and what it was drawn for.
	lab      session.LabGrid
	labFor   string
	labAsked string // what the drawing under way is for ("" : none)
}

// samplesSources are what the samples view shows and draws from.
type samplesSources struct {
	hist    *session.History
	run     func() training.Config
	sampler func() session.Sampler
	pick    func(cell int) // a tapped cell goes here (the latent walk's)
}

// newSamplesView builds the grid and the lab, which starts from the
// noise chosen and, if framed, with D's verdicts framing the cells.
func newSamplesView(h host, from samplesSources, chosen training.Noise, framed bool) *samplesView {
	v := &samplesView{host: h, hist: from.hist, run: from.run, sampler: from.sampler, chosen: chosen, framed: framed, shown: -1, live: true}
	v.grid = newGridPicker(from.pick)
	v.grid.setImage(blankGrid(from.run().Model.ImageSize))
	v.real = pixelImage(112, 112)
	v.scrub = widget.NewSlider(0, 1)
	v.scrub.Step = 1
	v.scrub.OnChanged = func(f float64) { v.scrubTo(int(math.Round(f))) }
	v.scrubLbl = widget.NewLabel("no samples yet")
	v.scrub.Disable()
	v.classes = widget.NewSelect(nil, func(choice string) {
		names := v.run().ClassNames
		v.chosen.OneClass, v.chosen.Class = false, 0
		for i, name := range names {
			if choice == classChoice(name) {
				v.chosen.OneClass, v.chosen.Class = true, i
			}
		}
		v.noiseChanged()
	})
	v.classes.Hide()

	// The grid is what people watch: under it only what moves through
	// it (history, classes); the lab is a tab away.
	v.scrubLbl.Wrapping = fyne.TextWrapWord
	v.scrubRow = container.NewBorder(nil, nil, widget.NewLabel("History"), nil, v.scrub)
	v.controls = container.NewBorder(container.NewVBox(v.scrubRow, v.classes), nil, nil, nil, container.NewVBox(v.scrubLbl))
	v.newLab()
	return v
}

// blankGrid is the empty 5×5 grid of cells of size pixels shown before
// the first one is drawn, so that the window is laid out as it will be.
func blankGrid(size int) *image.NRGBA {
	size = max(size, 1)
	cells := make([]*image.NRGBA, 25)
	for i := range cells {
		cells[i] = image.NewNRGBA(image.Rect(0, 0, size, size))
		for p := 3; p < len(cells[i].Pix); p += 4 {
			cells[i].Pix[p] = 0xff
		}
	}
	return training.GridImage(cells, 5)
}

// noiseChanged draws the grid anew after the user changed ψ or the noise
// (UI thread).
func (v *samplesView) noiseChanged() {
	v.live = true
	v.refresh()
}

// refresh follows the newest grid while live (UI thread).
func (v *samplesView) refresh() {
	defer v.showChange()
	// Runs that average G sample from the average; the check shows G
	// itself.
	cfg := v.run()
	if cfg.EMADecay > 0 {
		v.trained.Show()
	} else {
		v.trained.Hide()
	}
	v.showClassPicker(cfg)
	n := v.hist.NumGrids()
	if n > 0 {
		v.scrub.Enable()
		v.scrub.Max = float64(max(n-1, 1))
	}
	// The window draws the grid itself for another noise than the run's,
	// and for a run of more classes than the trainer's five rows show.
	rows := session.ClassGridRows(cfg)
	if v.live && (v.chosen != training.TrainingNoise || rows != nil) && v.showLab(cfg, rows) {
		if n > 0 {
			v.scrub.Value = float64(n - 1) // the newest step's grid, drawn by the window
			v.scrub.Refresh()
		}
		return
	}
	if step, p := v.hist.Live(); p.Image != nil && v.live {
		if v.shownLive != p.Image {
			v.shownLive, v.shown = p.Image, -1
			v.grid.setGrid(p.Image, 5, 5, session.TrainerRowLabels(cfg))
			v.setVerdicts(p.Fake, p.Real)
			v.scrubLbl.SetText(fmt.Sprintf("step %d · live preview (saved grids come every %d steps)", step, cfg.SampleEvery))
		}
		if n > 0 {
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
		v.grid.setImage(blankGrid(cfg.Model.ImageSize))
		v.setVerdicts(nil, nil)
		return
	}
	wasLive := v.live
	if wasLive || v.shown >= n {
		v.showGrid(n - 1)
		v.scrub.Value = float64(n - 1)
	}
	v.scrub.Refresh()
	v.live = wasLive || v.shown >= n-1
}

// rowsChoice is the class picker's choice of one class per row.
const rowsChoice = "One class per row"

func classChoice(name string) string { return "Only class " + name }

// showClassPicker offers a conditional run's classes for the grid (and
// the exported samples), and names the classes of the grid's rows.
func (v *samplesView) showClassPicker(cfg training.Config) {
	was := v.classes.Visible()
	defer func() {
		if v.classes.Visible() != was && v.grid.onShape != nil {
			v.grid.onShape() // the controls under the grid grew or shrank
		}
	}()
	if cfg.Model.Classes == 0 || len(cfg.ClassNames) == 0 || len(cfg.TrainClasses) == 0 {
		v.classes.Hide()
		v.rowsLbl.Hide()
		return
	}
	if key := strings.Join(cfg.ClassNames, "\x00"); key != v.shownFor {
		v.shownFor = key
		opts := []string{rowsChoice}
		for _, c := range cfg.TrainClasses {
			opts = append(opts, classChoice(cfg.ClassNames[c]))
		}
		v.classes.Options = opts
		v.classes.SetSelected(rowsChoice)
	}
	v.classes.Show()
	switch rows := session.ClassGridRows(cfg); {
	case v.chosen.OneClass:
		v.rowsLbl.SetText("Every cell: class " + cfg.ClassNames[v.chosen.Class])
	case rows != nil:
		var names []string
		for _, c := range rows {
			names = append(names, cfg.ClassNames[c])
		}
		v.rowsLbl.SetText("Rows, top to bottom: " + strings.Join(names, ", ") +
			fmt.Sprintf(". The run's saved grids (the history) show the first %d.", min(5, len(rows))))
	default:
		v.rowsLbl.SetText("Rows, top to bottom: " + strings.Join(session.TrainerRowLabels(cfg), ", "))
	}
	v.rowsLbl.Show()
}

// goLive shows the newest grid from the next refresh on.
func (v *samplesView) goLive() { v.live = true }

// scrubTo shows grid i, from memory or from the run directory.
func (v *samplesView) scrubTo(i int) {
	n := v.hist.NumGrids()
	if n == 0 {
		return
	}
	i = min(max(i, 0), n-1)
	if v.shownLive != nil && i == n-1 {
		return // the live or lab preview is newer than the last saved grid
	}
	v.live = i == n-1
	v.showGrid(i)
}

func (v *samplesView) showGrid(i int) {
	if i == v.shown {
		return
	}
	step, img, err := v.hist.GridAt(i)
	if err != nil {
		v.scrubLbl.SetText(err.Error())
		return
	}
	v.shown = i
	v.grid.setGrid(img, 5, 5, session.TrainerRowLabels(v.run()))
	v.setVerdicts(v.hist.VerdictsAt(i))
	n := v.hist.NumGrids()
	label := fmt.Sprintf("step %d · grid %d of %d", step, i+1, n)
	if i == n-1 {
		label += " · newest"
	} else {
		label += " · drag right for newer"
	}
	if v.chosen != training.TrainingNoise {
		label += " · saved grids use the fixed noise at ψ 1"
	}
	v.scrubLbl.SetText(label)
}

// shownGrid returns the grid on screen (for exports).
func (v *samplesView) shownGrid() (int, *image.NRGBA, error) {
	if v.shownLive != nil {
		step, _ := v.hist.Live()
		if v.shownLive == v.lab.Image {
			fmt.Sscan(v.labFor, &step)
		}
		return step, v.shownLive, nil
	}
	if v.shown < 0 {
		return 0, nil, fmt.Errorf("there is no grid yet: start a run or open one")
	}
	return v.hist.GridAt(v.shown)
}

func (v *samplesView) showReal(img image.Image) {
	if img == nil {
		return
	}
	v.real.Image = img
	v.real.Refresh()
}
