package ui

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/events"
	"github.com/ganstudio/ganstudio/training/metrics"
	"github.com/ganstudio/ganstudio/ui/charts"
	"github.com/ganstudio/ganstudio/ui/session"
)

// qualityView shows the sample-quality metrics: a plain-words line about
// the newest measurement, warnings that stay until a measurement clears
// them, and the plots.
type qualityView struct {
	hist *session.History
	// setup is the configuration being edited: before a run, the line
	// says what it will measure.
	setup *session.Setup
	*plotRaster
	warnBox fyne.CanvasObject
	warning *widget.Label
	onWarn  func() // lays out again what holds warnBox
	// onPlots says whether the plots show, so that the curves above get
	// the room when they do not.
	onPlots func(bool)
	info    *widget.Label
	content fyne.CanvasObject
}

func newQualityView(hist *session.History, setup *session.Setup, onUI func(func())) *qualityView {
	v := &qualityView{hist: hist, setup: setup}
	v.plotRaster = newPlotRaster(hist, onUI, 300, 110, func(w, h int, scale float32, bg, fg color.Color) image.Image {
		return session.RenderQuality(hist.Quality(), w, h, scale, bg, fg)
	})
	v.warning = widget.NewLabel("")
	v.warning.Wrapping = fyne.TextWrapWord
	v.warning.TextStyle.Bold = true
	v.warning.Importance = widget.DangerImportance
	bg := canvas.NewRectangle(warnBackground())
	bg.CornerRadius = 4
	v.warnBox = container.NewStack(bg, container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), nil, v.warning))
	v.warnBox.Hide()
	v.info = widget.NewLabel("")
	v.info.Wrapping = fyne.TextWrapWord
	// The warning goes where it is seen whatever tab is open (see
	// Studio.layout); the plots take what the line above them leaves.
	v.content = container.NewBorder(v.info, nil, nil, nil, v.raster)
	v.refresh()
	return v
}

// warnBackground is the theme's error colour, faint, behind warnings.
func warnBackground() color.Color {
	r, g, b, _ := theme.Color(theme.ColorNameError).RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x38}
}

// refresh shows the history's quality state (UI thread).
func (v *qualityView) refresh() {
	q := v.hist.Quality()
	_, started := v.hist.Phase()
	text, plots := v.describe(q, started)
	v.info.SetText(text)
	warn := strings.Join(q.Warnings(), "\n")
	relayout := plots != v.raster.Visible() || (warn != "") != v.warnBox.Visible() || warn != v.warning.Text
	if plots {
		v.raster.Show()
		v.plotRaster.refresh()
	} else {
		v.raster.Hide()
	}
	v.warning.SetText(warn)
	if warn != "" {
		v.warnBox.Show()
	} else {
		v.warnBox.Hide()
	}
	// A warning takes the place of the line of numbers, which the plots'
	// titles repeat, so that the learning curves above keep their room.
	if warn != "" && plots {
		v.info.Hide()
	} else {
		v.info.Show()
	}
	if relayout {
		if v.onPlots != nil {
			v.onPlots(plots)
		}
		v.content.Refresh() // the plots take what the text leaves
		if v.onWarn != nil {
			v.onWarn() // the warning's box came, went or changed
		}
	}
}

// describe is the line above the plots, and whether to show the plots.
func (v *qualityView) describe(q session.Quality, started bool) (string, bool) {
	if q.Unavailable != "" {
		return q.Unavailable, false
	}
	if last, ok := q.Last(); ok && last.FeaturesOnly {
		return fmt.Sprintf("Step %d: FCD %s to the folder's pictures (lower is better). %s", last.Step, fcdText(last.FCD), metrics.FolderMeaning), true
	}
	if last, ok := q.Last(); ok {
		text := fmt.Sprintf("Step %d: FCD %s (lower is better; near 0 for real images), classes covered %d/%d, classifier score %.1f of %d, recall %.2f.",
			last.Step, fcdText(last.FCD), last.Covered, charts.RealClasses(last), last.Score, len(last.Histogram), last.Recall)
		if q.Every > 0 {
			text += fmt.Sprintf(" Measured on %d samples every %d steps.", last.N, q.Every)
		}
		return text, true
	}
	if !started {
		cfg := v.setup.Config()
		if why := training.MetricsUnavailable(cfg); why != "" {
			return why, false
		}
		if cfg.MetricsEvery <= 0 {
			return "Sample-quality metrics are off for this configuration.", false
		}
		if cfg.Data.Path != "" {
			return fmt.Sprintf("Once training starts, %d samples are compared with the folder's pictures every %d steps: a curve of FCD, the distance between what the CIFAR-10 classifier sees in each. %s",
				cfg.MetricsSamples, cfg.MetricsEvery, metrics.FolderMeaning), false
		}
		return fmt.Sprintf("Once training starts, %d samples are scored by a classifier every %d steps: a curve of FCD (distance to real images) and the classes the samples cover, to catch mode collapse.",
			cfg.MetricsSamples, cfg.MetricsEvery), false
	}
	if phase, _ := v.hist.Phase(); phase != events.Running && phase != events.Paused {
		if q.Every <= 0 {
			return "This run has no sample-quality measurements: metrics were off.", false
		}
		return fmt.Sprintf("This run has no sample-quality measurements yet: they come every %d steps of training.", q.Every), false
	}
	if q.Every <= 0 {
		return "Sample-quality metrics are off for this run.", false
	}
	return fmt.Sprintf("First measurement at step %d: %d samples are scored in the background (the first may come a little late while the classifier's test-set statistics load).",
		q.Every, q.Samples), true
}

// fcdText writes an FCD with as many digits as matter: 1234, 56.7, 2.34.
func fcdText(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
