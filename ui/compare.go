package ui

import (
	"fmt"
	"image/color"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/ui/charts"
	"github.com/ganstudio/ganstudio/ui/session"
)

// compareView is the row above the curves: a button to add a run folder
// to compare with, and one button per compared run that removes it. It
// reads the compared runs into the history, and redraws with the plots
// that show them.
type compareView struct {
	host    host
	hist    *session.History
	chooser fileChooser
	redraw  func() // redraws the plots that show the compared runs
	add     *widget.Button
	chips   *fyne.Container
	shown   []string
	content fyne.CanvasObject
}

func newCompareView(h host, hist *session.History, chooser fileChooser, redraw func()) *compareView {
	v := &compareView{host: h, hist: hist, chooser: chooser, redraw: redraw, chips: container.NewHBox()}
	v.add = widget.NewButtonWithIcon("Compare runs…", theme.ContentAddIcon(), v.ask)
	v.content = container.NewHScroll(container.NewHBox(v.add, v.chips))
	return v
}

// refresh shows one chip per compared run (UI thread).
func (v *compareView) refresh() {
	dirs := v.hist.Comparisons()
	if fmt.Sprint(dirs) == fmt.Sprint(v.shown) {
		return
	}
	v.shown = dirs
	v.chips.RemoveAll()
	for i, dir := range dirs {
		b := widget.NewButtonWithIcon(filepath.Base(dir), theme.CancelIcon(), func() { v.remove(dir) })
		b.Importance = widget.LowImportance
		swatch := colorSwatch(charts.CompareColors[i%len(charts.CompareColors)])
		v.chips.Add(container.NewHBox(swatch, b))
	}
}

// ask asks for a run folder to overlay on the curves.
func (v *compareView) ask() {
	v.chooser.OpenFolder("Run folder to compare with", func(dir string) {
		if dir != "" {
			v.compare(dir)
		}
	})
}

// compare reads the run in dir in the background and overlays its
// losses, D outputs and FCD on the curves.
func (v *compareView) compare(dir string) {
	v.host.setStatus("Reading %s to compare…", dir)
	go func() {
		r, err := training.ReadRun(dir)
		if err != nil {
			v.host.fail("That folder cannot be compared", err)
			return
		}
		if len(r.Steps) == 0 {
			v.host.fail("That folder cannot be compared", fmt.Errorf("%s has no training steps in its losses.csv yet", dir))
			return
		}
		points, merr := training.ReadMetrics(dir, nil)
		v.hist.AddComparison(dir, r.Steps, points)
		v.host.onUI(func() {
			v.refresh()
			v.redraw()
			msg := fmt.Sprintf("Comparing with %s (%d steps): its curves are drawn in its own colour, D dashed.", filepath.Base(dir), len(r.Steps))
			if merr != nil {
				msg += fmt.Sprintf(" Its metrics.csv could not be read: %v", merr)
			}
			v.host.setStatus("%s", msg)
		})
	}()
}

// remove takes a compared run off the curves (UI thread).
func (v *compareView) remove(dir string) {
	v.hist.RemoveComparison(dir)
	v.refresh()
	v.redraw()
	v.host.setStatus("%s is no longer compared.", filepath.Base(dir))
}

// colorSwatch is a small square of c, the key to a compared run's lines.
func colorSwatch(c color.Color) fyne.CanvasObject {
	r := canvas.NewRectangle(c)
	r.SetMinSize(fyne.NewSize(14, 14))
	return container.NewCenter(r)
}
