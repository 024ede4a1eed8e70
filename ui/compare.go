package ui

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"gonum.org/v1/plot/plotter"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/events"
	"github.com/ganstudio/ganstudio/ui/charts"
)

// compareColors tell compared runs apart (charts.CompareColors).
var compareColors = charts.CompareColors

// comparedRun is another run folder whose curves are overlaid on the
// attached run's, aligned on step.
type comparedRun struct {
	name, dir string
	cols      charts.Cols
	fcd       plotter.XYs
}

// AddComparison overlays the run read from dir on the curves (replacing
// an earlier reading of the same folder). Comparisons stay when another
// run is attached: they are what the user compares it with.
func (h *history) AddComparison(dir string, steps []events.Step, points []events.Metrics) {
	c := comparedRun{name: filepath.Base(filepath.Clean(dir)), dir: dir}
	for _, s := range steps {
		c.cols.Add(s)
	}
	for _, p := range points {
		if !math.IsNaN(p.FCD) && !math.IsInf(p.FCD, 0) {
			c.fcd = append(c.fcd, plotter.XY{X: float64(p.Step), Y: p.FCD})
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.version++
	for i, old := range h.compared {
		if old.dir == dir {
			h.compared[i] = c
			return
		}
	}
	h.compared = append(h.compared, c)
}

// RemoveComparison takes the run read from dir off the curves.
func (h *history) RemoveComparison(dir string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, c := range h.compared {
		if c.dir == dir {
			h.compared = append(h.compared[:i:i], h.compared[i+1:]...)
			h.version++
			return
		}
	}
}

// Comparisons returns the folders of the compared runs, in the order they
// were added.
func (h *history) Comparisons() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, c := range h.compared {
		out = append(out, c.dir)
	}
	return out
}

// comparedCurves returns the compared runs ready to draw, each smoothed
// over its own length as the attached run's curves are.
func (h *history) comparedCurves(buckets int) []charts.Compared {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]charts.Compared, len(h.compared))
	for i, c := range h.compared {
		out[i] = charts.Compared{Name: c.name, Color: compareColors[i%len(compareColors)], Cs: c.cols.Curves(buckets), FCD: c.fcd}
	}
	return out
}

// compareView is the row above the curves: a button to add a run folder
// to compare with, and one button per compared run that removes it.
type compareView struct {
	s       *Studio
	add     *widget.Button
	chips   *fyne.Container
	shown   []string
	content fyne.CanvasObject
}

func newCompareView(s *Studio) *compareView {
	v := &compareView{s: s, chips: container.NewHBox()}
	v.add = widget.NewButtonWithIcon("Compare runs…", theme.ContentAddIcon(), s.compareDialog)
	v.content = container.NewHScroll(container.NewHBox(v.add, v.chips))
	return v
}

// refresh shows one chip per compared run (UI thread).
func (v *compareView) refresh() {
	dirs := v.s.hist.Comparisons()
	if fmt.Sprint(dirs) == fmt.Sprint(v.shown) {
		return
	}
	v.shown = dirs
	v.chips.RemoveAll()
	for i, dir := range dirs {
		b := widget.NewButtonWithIcon(filepath.Base(dir), theme.CancelIcon(), func() { v.s.removeComparison(dir) })
		b.Importance = widget.LowImportance
		swatch := colorSwatch(compareColors[i%len(compareColors)])
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
