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
// to compare with, and one button per compared run that removes it.
type compareView struct {
	hist    *session.History
	remove  func(dir string) // takes a compared run off
	add     *widget.Button
	chips   *fyne.Container
	shown   []string
	content fyne.CanvasObject
}

// newCompareView shows the runs compared in hist; add asks for one more.
func newCompareView(hist *session.History, add func(), remove func(dir string)) *compareView {
	v := &compareView{hist: hist, remove: remove, chips: container.NewHBox()}
	v.add = widget.NewButtonWithIcon("Compare runs…", theme.ContentAddIcon(), add)
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

// compareDialog asks for a run folder to overlay on the curves.
func (s *Studio) compareDialog() {
	s.chooser.OpenFolder("Run folder to compare with", func(dir string) {
		if dir != "" {
			s.compareRun(dir)
		}
	})
}

// compareRun reads the run in dir in the background and overlays its
// losses, D outputs and FCD on the curves.
func (s *Studio) compareRun(dir string) {
	s.setStatus("Reading %s to compare…", dir)
	go func() {
		r, err := training.ReadRun(dir)
		if err != nil {
			s.fail("That folder cannot be compared", err)
			return
		}
		if len(r.Steps) == 0 {
			s.fail("That folder cannot be compared", fmt.Errorf("%s has no training steps in its losses.csv yet", dir))
			return
		}
		points, merr := training.ReadMetrics(dir, nil)
		s.hist.AddComparison(dir, r.Steps, points)
		s.do(func() {
			s.compare.refresh()
			s.curves.refresh()
			s.quality.refresh()
			msg := fmt.Sprintf("Comparing with %s (%d steps): its curves are drawn in its own colour, D dashed.", filepath.Base(dir), len(r.Steps))
			if merr != nil {
				msg += fmt.Sprintf(" Its metrics.csv could not be read: %v", merr)
			}
			s.setStatus("%s", msg)
		})
	}()
}

// removeComparison takes a compared run off the curves (UI thread).
func (s *Studio) removeComparison(dir string) {
	s.hist.RemoveComparison(dir)
	s.compare.refresh()
	s.curves.refresh()
	s.quality.refresh()
	s.setStatus("%s is no longer compared.", filepath.Base(dir))
}

// colorSwatch is a small square of c, the key to a compared run's lines.
func colorSwatch(c color.Color) fyne.CanvasObject {
	r := canvas.NewRectangle(c)
	r.SetMinSize(fyne.NewSize(14, 14))
	return container.NewCenter(r)
}
