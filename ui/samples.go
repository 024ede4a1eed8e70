package ui

import (
	"fmt"
	"image"
	"math"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ganstudio/ganstudio/training"
)

// Noise choices of the samples view.
const (
	fixedNoise = "Fixed noise"
	freshNoise = "Fresh noise"
)

// samplesView shows the generated 5×5 grid, the scrubber through its
// history and real images beside it; and the lab around the grid: D's
// verdict on every cell, the histogram of D's verdicts on real and fake
// images, the truncation ψ and the noise the grid is drawn from, and what
// the last stretch of training (one Step) changed.
type samplesView struct {
	s         *Studio
	grid      *gridPicker
	real      *canvas.Image
	scrub     *widget.Slider
	scrubLbl  *widget.Label
	judge     *widget.Check
	verdicts  *canvas.Raster
	psi       *widget.Slider
	psiLbl    *widget.Label
	noise     *widget.RadioGroup
	redraw    *widget.Button
	trained   *widget.Check
	classes   *widget.Select // a conditional run's: rows of classes, or one class
	rowsLbl   *widget.Label
	shownFor  string // the class names the picker offers
	change    *widget.Label
	shown     int          // index of the grid on screen (-1: none)
	shownLive *image.NRGBA // the live or lab preview on screen, if any
	live      bool         // follow new grids; false once the user scrubs back
	content   fyne.CanvasObject

	// D's verdicts on the grid on screen and on real images beside it.
	fake, realSeen []float32

	// The grid drawn from the user's noise choice (see Studio.noise) for
	// the newest step, and what it was drawn for.
	lab      training.Preview
	labFor   string
	labAsked string // what the drawing under way is for ("" : none)
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

	v.judge = widget.NewCheck("Frame samples by D's verdict", func(on bool) {
		s.showVerdicts = on
		v.showVerdicts()
	})
	v.verdicts = canvas.NewRaster(func(w, h int) image.Image {
		th := fyne.CurrentApp().Settings().Theme()
		variant := fyne.CurrentApp().Settings().ThemeVariant()
		scale := float32(1)
		if sz := v.verdicts.Size(); sz.Width > 0 {
			scale = float32(w) / sz.Width
		}
		return renderVerdicts(v.fake, v.realSeen, w, h, scale, th.Color(theme.ColorNameBackground, variant), th.Color(theme.ColorNameForeground, variant))
	})

	v.psi = widget.NewSlider(0, 1)
	v.psi.Step = 0.05
	v.psi.Value = 1
	v.psiLbl = widget.NewLabel("ψ 1.00")
	v.psi.OnChanged = func(f float64) { v.psiLbl.SetText(fmt.Sprintf("ψ %.2f", f)) }
	v.psi.OnChangeEnded = func(f float64) {
		s.noise.Psi = f
		v.noiseChanged()
	}
	v.noise = widget.NewRadioGroup([]string{fixedNoise, freshNoise}, func(choice string) {
		s.noise.Fresh = choice == freshNoise
		setEnabled(v.redraw, s.noise.Fresh)
		v.noiseChanged()
	})
	v.noise.Required = true
	v.noise.Selected = fixedNoise
	v.redraw = widget.NewButtonWithIcon("New noise", theme.ViewRefreshIcon(), func() {
		s.noise.Seed++
		v.noiseChanged()
	})
	v.redraw.Disable()
	v.trained = widget.NewCheck("G as trained, not averaged", func(on bool) {
		s.noise.Trained = on
		v.noiseChanged()
	})
	v.trained.Hide()
	v.classes = widget.NewSelect(nil, func(choice string) {
		names := v.s.runConfig().ClassNames
		s.noise.OneClass, s.noise.Class = false, 0
		for i, name := range names {
			if choice == classChoice(name) {
				s.noise.OneClass, s.noise.Class = true, i
			}
		}
		v.noiseChanged()
	})
	v.classes.Hide()
	v.rowsLbl = widget.NewLabel("")
	v.rowsLbl.Hide()
	v.change = widget.NewLabel("")
	v.change.Wrapping = fyne.TextWrapWord

	// The generated grid is what people watch: it takes the room the
	// lab's column beside it leaves. The column holds what acts on the
	// grid (D's verdicts, truncation, noise) and the real images to
	// compare it with; history and what changed go below.
	v.noise.Horizontal = false
	v.verdicts.SetMinSize(fyne.NewSize(210, 140))
	v.real.SetMinSize(fyne.NewSize(100, 100))
	lab := container.NewVBox(
		v.judge,
		container.NewBorder(nil, nil, widget.NewLabel("Truncation"), v.psiLbl),
		v.psi,
		container.NewBorder(nil, nil, nil, container.NewCenter(v.redraw), v.noise),
		v.trained,
		v.classes,
		v.rowsLbl,
		v.verdicts,
		container.NewBorder(nil, nil, widget.NewLabel("Real images"), nil, v.real),
	)
	v.content = container.NewBorder(heading("Generated samples"),
		container.NewVBox(
			container.NewBorder(nil, nil, widget.NewLabel("History"), nil, v.scrub),
			v.scrubLbl,
			v.change,
			hint("Each cell is the generator's output for one fixed noise vector: watch the same 25 images sharpen as it learns. "+
				"Frames: green, D takes the sample for real; orange, D calls it fake. Truncation ψ below 1 pulls the noise toward its mean: more typical samples, less variety."),
		),
		nil, nil, container.New(&besideOrBelow{minMain: 300}, container.NewPadded(v.grid), lab))
	return v
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
	cfg := v.s.runConfig()
	if cfg.EMADecay > 0 {
		v.trained.Show()
	} else {
		v.trained.Hide()
	}
	v.showClassPicker(cfg)
	n := v.s.hist.NumGrids()
	if n > 0 {
		v.scrub.Enable()
		v.scrub.Max = float64(max(n-1, 1))
	}
	if v.live && v.s.noise != training.TrainingNoise && v.showLab() {
		return
	}
	if step, p := v.s.hist.Live(); p.Image != nil && v.live {
		if v.shownLive != p.Image {
			v.shownLive, v.shown = p.Image, -1
			v.grid.setImage(p.Image)
			v.setVerdicts(p.Fake, p.Real)
			v.scrubLbl.SetText(fmt.Sprintf("step %d · live preview (saved grids come every %d steps)", step, v.s.cfg.SampleEvery))
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
		v.grid.setImage(image.NewNRGBA(image.Rect(0, 0, 1, 1)))
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

// showLab shows the grid drawn from the user's noise choice for the newest
// step, asking the sampler for it when it is not drawn yet; false when
// there is nothing to draw with.
func (v *samplesView) showLab() bool {
	smp := v.s.sampler()
	if smp == nil {
		return false
	}
	// Drawn again when the trainer's grid is, not at every step: each
	// drawing holds the weights, and so training, for a forward pass.
	newest := v.s.hist.newestGrid()
	noise := v.s.noise
	key := fmt.Sprintf("%d %v", newest, noise)
	if key != v.labFor && key != v.labAsked && v.labAsked == "" {
		v.labAsked = key
		// The sampler waits for the trainer's current step: never here.
		go func() {
			p, err := smp.Grid(noise)
			v.s.do(func() {
				v.labAsked = ""
				if err != nil {
					v.s.setStatus("The grid could not be drawn with ψ %.2f: %v", noise.Psi, err)
					return
				}
				v.lab, v.labFor = p, key
				v.refresh()
			})
		}()
	}
	if v.lab.Image == nil {
		return false
	}
	if v.shownLive != v.lab.Image {
		v.shownLive, v.shown = v.lab.Image, -1
		v.grid.setImage(v.lab.Image)
		v.setVerdicts(v.lab.Fake, v.lab.Real)
	}
	what := "the run's fixed noise"
	if noise.Fresh {
		what = fmt.Sprintf("fresh noise (draw %d)", noise.Seed)
	}
	if noise.Trained {
		what += " · G as trained"
	}
	v.scrubLbl.SetText(fmt.Sprintf("step %d · ψ %.2f · %s · drawn by the window, not saved in the run's history", newest, noise.Psi, what))
	return true
}

// rowsChoice is the class picker's choice of one class per row.
const rowsChoice = "One class per row"

func classChoice(name string) string { return "Only class " + name }

// showClassPicker offers a conditional run's classes for the grid (and
// the exported samples), and names the classes of the grid's rows.
func (v *samplesView) showClassPicker(cfg training.Config) {
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
	if v.s.noise.OneClass {
		v.rowsLbl.SetText("Every cell: class " + cfg.ClassNames[v.s.noise.Class])
	} else {
		var rows []string
		for r := 0; r < 5; r++ {
			rows = append(rows, cfg.ClassNames[cfg.TrainClasses[r%len(cfg.TrainClasses)]])
		}
		v.rowsLbl.SetText("Rows, top to bottom: " + strings.Join(rows, ", "))
	}
	v.rowsLbl.Show()
}

// shownNoise is the noise of the grid on screen: the user's choice when
// the window drew it, the run's fixed noise for the run's own grids.
func (v *samplesView) shownNoise() training.Noise {
	if v.shownLive != nil && v.shownLive == v.lab.Image {
		return v.s.noise
	}
	return training.TrainingNoise
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
		return // the live or lab preview is newer than the last saved grid
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
	v.setVerdicts(v.s.hist.VerdictsAt(i))
	n := v.s.hist.NumGrids()
	label := fmt.Sprintf("step %d · grid %d of %d", step, i+1, n)
	if i == n-1 {
		label += " · newest"
	} else {
		label += " · drag right for newer"
	}
	if v.s.noise != training.TrainingNoise {
		label += " · saved grids use the fixed noise at ψ 1"
	}
	v.scrubLbl.SetText(label)
}

// setVerdicts records D's verdicts on the grid on screen and redraws the
// frames and the histogram.
func (v *samplesView) setVerdicts(fake, real []float32) {
	v.fake, v.realSeen = fake, real
	v.showVerdicts()
	v.verdicts.Refresh()
}

func (v *samplesView) showVerdicts() {
	if v.s.showVerdicts {
		v.grid.setVerdicts(v.fake)
	} else {
		v.grid.setVerdicts(nil)
	}
}

// showChange says what the newest stretch of training changed: after a
// Step, what one update did to the grid, D's verdicts and the losses.
func (v *samplesView) showChange() {
	c, ok := v.s.hist.LastChange()
	if !ok {
		v.change.SetText("")
		return
	}
	v.change.SetText("Since the previous grid, " + c.String() + ".")
}

// shownGrid returns the grid on screen (for exports).
func (v *samplesView) shownGrid() (int, *image.NRGBA, error) {
	if v.shownLive != nil {
		step, _ := v.s.hist.Live()
		if v.shownLive == v.lab.Image {
			fmt.Sscan(v.labFor, &step)
		}
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
