package ui

import (
	"fmt"
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/ui/charts"
	"github.com/ganstudio/ganstudio/ui/session"
)

// The lab is the samples view's tab: the noise the grid is drawn from,
// D's verdicts on it, and what one stretch of training changed.

// newLab builds the lab's tab: D's verdicts, the truncation and the noise
// the grid is drawn from, what the last stretch changed, real images.
func (v *samplesView) newLab() {
	v.judge = widget.NewCheck("Frame samples by D's verdict", func(on bool) {
		v.framed = on
		v.showVerdicts()
	})
	v.judge.Checked = v.framed
	v.verdicts = canvas.NewRaster(func(w, h int) image.Image {
		th := fyne.CurrentApp().Settings().Theme()
		variant := fyne.CurrentApp().Settings().ThemeVariant()
		scale := float32(1)
		if sz := v.verdicts.Size(); sz.Width > 0 {
			scale = float32(w) / sz.Width
		}
		return charts.Verdicts(v.fake, v.realSeen, w, h, scale, th.Color(theme.ColorNameBackground, variant), th.Color(theme.ColorNameForeground, variant))
	})
	psi := v.chosen.Psi
	if psi <= 0 || psi >= 1 {
		psi = 1
	}
	v.psi = widget.NewSlider(0, 1)
	v.psi.Step = 0.05
	v.psi.Value = psi
	v.psiLbl = widget.NewLabel(fmt.Sprintf("ψ %.2f", psi))
	v.psi.OnChanged = func(f float64) { v.psiLbl.SetText(fmt.Sprintf("ψ %.2f", f)) }
	v.psi.OnChangeEnded = func(f float64) {
		v.chosen.Psi = f
		v.noiseChanged()
	}
	v.noise = widget.NewRadioGroup([]string{fixedNoise, freshNoise}, func(choice string) {
		v.chosen.Fresh = choice == freshNoise
		setEnabled(v.redraw, v.chosen.Fresh)
		v.noiseChanged()
	})
	v.noise.Required = true
	v.noise.Selected = fixedNoise
	v.noise.Horizontal = false
	v.redraw = widget.NewButtonWithIcon("New noise", theme.ViewRefreshIcon(), func() {
		v.chosen.Seed++
		v.noiseChanged()
	})
	v.redraw.Disable()
	v.trained = widget.NewCheck("G as trained, not averaged", func(on bool) {
		v.chosen.Trained = on
		v.noiseChanged()
	})
	v.trained.Hide()
	v.rowsLbl = widget.NewLabel("")
	v.rowsLbl.Hide()
	v.change = widget.NewLabel("")
	v.change.Wrapping = fyne.TextWrapWord
	v.verdicts.SetMinSize(fyne.NewSize(260, 170))
	v.real.SetMinSize(fyne.NewSize(160, 160))
	v.labBox = container.NewVBox(
		hint("Each cell is the generator's output for one fixed noise vector: watch the same images sharpen as it learns. "+
			"Tap two cells for a latent walk between them."),
		v.judge,
		v.verdicts,
		container.NewBorder(nil, nil, widget.NewLabel("Truncation"), v.psiLbl),
		v.psi,
		container.NewBorder(nil, nil, nil, container.NewCenter(v.redraw), v.noise),
		v.trained,
		v.rowsLbl,
		v.change,
		widget.NewSeparator(),
		container.NewBorder(nil, nil, widget.NewLabel("Real images"), nil, v.real),
		hint("Frames: green, D takes the sample for real; orange, D calls it fake. Truncation ψ below 1 pulls the noise toward its mean: more typical samples, less variety."),
	)
}

// chosenNoise is the noise the user chose in the lab.
func (v *samplesView) chosenNoise() training.Noise { return v.chosen }

// reserve is the height the controls under the grid need at least: the
// history slider, a line of its label and the class picker.
func (v *samplesView) reserve() float32 {
	pad := theme.Padding()
	h := v.scrubRow.MinSize().Height + pad + oneLine()
	if v.classes.Visible() {
		h += pad + v.classes.MinSize().Height
	}
	return h
}

// showLab shows the grid the window draws for the newest step (from the
// user's noise choice, or one row per class), asking the sampler for it
// when it is not drawn yet; false when there is nothing to draw with.
func (v *samplesView) showLab(cfg training.Config, classes []int) bool {
	smp := v.sampler()
	if smp == nil {
		return false
	}
	// Drawn again when the trainer's grid is, not at every step: each
	// drawing holds the weights, and so training, for a forward pass.
	newest := v.hist.NewestGrid()
	noise := v.chosen
	key := fmt.Sprintf("%d %v %v", newest, noise, classes)
	if key != v.labFor && key != v.labAsked && v.labAsked == "" {
		v.labAsked = key
		names := cfg.ClassNames
		// The sampler waits for the trainer's current step: never here.
		go func() {
			g, err := session.DrawLab(smp, noise, classes, names)
			v.host.onUI(func() {
				v.labAsked = ""
				if err != nil {
					v.host.setStatus("The grid could not be drawn with ψ %.2f: %v", noise.Psi, err)
					return
				}
				v.lab, v.labFor = g, key
				v.refresh()
			})
		}()
	}
	if v.lab.Image == nil {
		return false
	}
	if v.shownLive != v.lab.Image {
		v.shownLive, v.shown = v.lab.Image, -1
		v.grid.setGrid(v.lab.Image, v.lab.Rows, v.lab.Cols, v.lab.Labels)
		v.setVerdicts(v.lab.Fake, v.lab.Real)
	}
	what := "the run's fixed noise"
	if noise.Fresh {
		what = fmt.Sprintf("fresh noise (draw %d)", noise.Seed)
	}
	if noise.Trained {
		what += " · G as trained"
	}
	if v.lab.ClassRows != nil {
		v.scrubLbl.SetText(fmt.Sprintf("step %d · one row per class, one noise vector per column · ψ %.2f · %s", newest, noise.Psi, what))
		return true
	}
	v.scrubLbl.SetText(fmt.Sprintf("step %d · ψ %.2f · %s · drawn by the window, not saved in the run's history", newest, noise.Psi, what))
	return true
}

// shownNoise is the noise of the grid on screen: the user's choice when
// the window drew it, the run's fixed noise for the run's own grids.
func (v *samplesView) shownNoise() training.Noise {
	if v.shownLive != nil && v.shownLive == v.lab.Image {
		return v.lab.Noise
	}
	return training.TrainingNoise
}

// setVerdicts records D's verdicts on the grid on screen and redraws the
// frames and the histogram.
func (v *samplesView) setVerdicts(fake, real []float32) {
	v.fake, v.realSeen = fake, real
	v.showVerdicts()
	v.verdicts.Refresh()
}

func (v *samplesView) showVerdicts() {
	if v.framed {
		v.grid.setVerdicts(v.fake)
	} else {
		v.grid.setVerdicts(nil)
	}
}

// showChange says what the newest stretch of training changed: after a
// Step, what one update did to the grid, D's verdicts and the losses.
func (v *samplesView) showChange() {
	c, ok := v.hist.LastChange()
	if !ok {
		v.change.SetText("")
		return
	}
	v.change.SetText("Since the previous grid, " + c.String() + ".")
}

// walkEnds maps two picked cells of the grid on screen to the noise and
// the cells of the trainer's grid that the generator walks between. In a
// class grid, a walk goes between two samples of one row (one class).
func (v *samplesView) walkEnds(a, b int) (training.Noise, int, int, error) {
	if v.shownLive == nil || v.shownLive != v.lab.Image || v.lab.ClassRows == nil {
		return v.shownNoise(), a, b, nil
	}
	k := v.lab.Cols
	if a/k != b/k {
		return training.Noise{}, 0, 0, fmt.Errorf("in this grid a walk goes between two samples of one row, one class: tap two in the same row")
	}
	n := v.lab.Noise
	n.OneClass, n.Class = true, v.lab.ClassRows[a/k]
	return n, a % k, b % k, nil
}
