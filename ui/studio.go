package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/dataset"
	"github.com/ganstudio/ganstudio/training/events"
)

// DefaultRefresh is how often the window redraws a running run: events are
// recorded as they come, but views are redrawn at most this often.
const DefaultRefresh = 250 * time.Millisecond

// defaultLivePreview is the default of Options.LivePreview. One preview
// costs the trainer about a tenth of a step (25 images, inference only).
const defaultLivePreview = 15 * time.Second

// Options configures a Studio.
type Options struct {
	// do runs a function on the UI thread: fyne.Do in the app. Tests pass
	// a function that takes their own lock, so that the race detector
	// sees every widget access ordered.
	do func(func())
	// Refresh is the redraw period of a running run (DefaultRefresh if 0).
	Refresh time.Duration
	// livePreview is how long the window waits for the trainer's next
	// grid before drawing one itself (defaultLivePreview if 0, never if
	// negative). Early in a run on a CPU the trainer's first grids are
	// minutes apart; a preview every few seconds shows learning start.
	livePreview time.Duration
	// chooser asks the user for files and folders (fyne dialogs on the
	// window if nil).
	chooser fileChooser
	// preset is the preset selected at start ("lite-mnist" if empty);
	// the app passes Config instead. This and the fields above it but
	// Refresh are for tests.
	preset string
	// Config, if set, is the configuration the window starts with instead
	// of the preset's: `ganstudio --preset P --steps N …` pre-sets it.
	Config *training.Config
	// RunsDir is the folder new runs are written under ("" : ./runs).
	RunsDir string
	// Verdicts frames the grid's cells by D's verdict from the start.
	Verdicts bool
	// Psi truncates the noise of the shown grid and of exported samples
	// (see training.Noise); 0 means 1, no truncation.
	Psi float64
	// Compare lists run folders whose curves are overlaid from the start.
	Compare []string
}

// Studio is the whole window: it owns the views, the configuration being
// edited and the attached run.
type Studio struct {
	win     fyne.Window
	do      func(func())
	refresh time.Duration
	live    time.Duration
	runsDir string // where new runs go ("" : ./runs)
	chooser fileChooser

	cfg  training.Config // edited on the UI thread only
	hist history
	// The lab's choices (UI thread): the noise the shown grid and the
	// exported samples are drawn from, and whether D's verdicts frame
	// the grid's cells.
	noise        training.Noise
	showVerdicts bool

	mu        sync.Mutex // guards what background goroutines touch below
	eng       *training.Trainer
	gen       sampler // eng, or a generator loaded from an opened run
	resumable string  // run dir or checkpoint a Continue resumes from
	busy      bool    // a start, stop or open is in progress
	stopWatch chan struct{}
	ds        *dataset.Dataset
	dsSpec    string
	dsCancel  context.CancelFunc
	dsLoading string

	setup   *setupView
	run     *runView
	samples *samplesView
	curves  *curvesView
	compare *compareView
	quality *qualityView
	walk    *walkView
	export  *exportView
	status  *widget.Label
	content fyne.CanvasObject
	shown   *shownState // what the controls show now (UI thread)
}

// New builds the Studio inside w and shows it there.
func New(w fyne.Window, opt Options) (*Studio, error) {
	s := &Studio{win: w, do: opt.do, refresh: opt.Refresh, chooser: opt.chooser, noise: training.TrainingNoise}
	if s.do == nil {
		s.do = fyne.Do
	}
	if s.refresh <= 0 {
		s.refresh = DefaultRefresh
	}
	switch s.live = opt.livePreview; {
	case s.live == 0:
		s.live = defaultLivePreview
	case s.live < 0:
		s.live = 0
	}
	s.runsDir = opt.RunsDir
	if s.chooser == nil {
		s.chooser = dialogChooser{w}
	}
	if opt.Config != nil {
		s.cfg = *opt.Config
	} else {
		name := opt.preset
		if name == "" {
			name = "lite-mnist"
		}
		var err error
		if s.cfg, err = training.Preset(name); err != nil {
			return nil, err
		}
	}

	s.status = widget.NewLabel("Pick a preset or a data set, then press Start.")
	s.status.Wrapping = fyne.TextWrapWord
	s.setup = newSetupView(s)
	s.run = newRunView(s)
	s.samples = newSamplesView(s)
	s.curves = newCurvesView(s)
	s.compare = newCompareView(s)
	s.quality = newQualityView(s)
	s.walk = newWalkView(s)
	s.export = newExportView(s)

	s.content = s.layout()
	w.SetContent(s.content)

	s.setup.fill()
	s.setupChanged()
	s.updateRunState()
	if opt.Verdicts {
		s.samples.judge.SetChecked(true)
	}
	if opt.Psi > 0 && opt.Psi < 1 {
		s.noise.Psi = opt.Psi
		s.samples.psi.SetValue(opt.Psi)
	}
	for _, dir := range opt.Compare {
		s.compareRun(dir)
	}
	return s, nil
}

// layout arranges the views so that the window fits a 1280×720 screen with
// every control reachable, and gives the room of a larger one to the grid
// and the plots:
//
//	run controls (buttons, phase)
//	progress bar ······························ epoch, speed, ETA, last save
//	set-up  │ samples │ compare runs…
//	(scroll)│ and lab │ learning curves
//	        │ (scroll)│ ─────────────── (splits: drag to share the room)
//	        │         │ sample quality
//	        │ ─────────────────────────────────────────────
//	        │ latent walk                 │ export     (scrolls sideways)
//	status line
//
// Panels whose natural size is larger than their share scroll instead of
// pushing the window past the screen.
func (s *Studio) layout() fyne.CanvasObject {
	left := container.NewVScroll(container.NewPadded(s.setup.content))
	left.SetMinSize(fyne.NewSize(330, 0))
	plots := container.NewVSplit(container.NewBorder(s.compare.content, nil, nil, nil, s.curves.content), s.quality.content)
	plots.SetOffset(0.65)
	top := container.NewHSplit(container.NewVScroll(s.samples.content), plots)
	top.SetOffset(0.55)
	bottom := container.NewHScroll(container.NewBorder(nil, nil, nil,
		container.NewHBox(widget.NewSeparator(), s.export.content), s.walk.content))
	right := container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), bottom), nil, nil, top)
	return container.NewBorder(
		container.NewVBox(s.run.content, widget.NewSeparator()),
		container.NewVBox(widget.NewSeparator(), s.status),
		container.NewHBox(left, widget.NewSeparator()), nil, right)
}

// Regions returns where the generated grid, the curves, the sample-quality
// plots, the export buttons and the progress text are, in pixels of the
// window's canvas (x, y, width, height). The Xvfb smoke test reads it to
// know which part of a screenshot to check and that they are on screen.
func (s *Studio) Regions() map[string][4]int {
	c := fyne.CurrentApp().Driver().CanvasForObject(s.content)
	scale := float32(1)
	if c != nil {
		scale = c.Scale()
	}
	out := map[string][4]int{}
	for name, o := range map[string]fyne.CanvasObject{"grid": s.samples.grid, "curves": s.curves.raster, "quality": s.quality.content,
		"export": s.export.buttons, "progress": s.run.info, "window": s.content} {
		p := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
		sz := o.Size()
		out[name] = [4]int{int(p.X * scale), int(p.Y * scale), int(sz.Width * scale), int(sz.Height * scale)}
	}
	return out
}

// runConfig is the configuration of the run on screen: the attached
// trainer's (with what it learnt from its data set, such as a conditional
// run's classes), else the set-up panel's (an opened run's).
func (s *Studio) runConfig() training.Config {
	if eng := s.engine(); eng != nil {
		return eng.Config()
	}
	return s.cfg
}

// engine returns the attached engine, if any.
func (s *Studio) engine() *training.Trainer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.eng
}

// sampler returns what can draw images now: the run's trainer or the
// opened run's generator.
func (s *Studio) sampler() sampler {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen
}

// setStatus shows a message in the status line (UI thread).
func (s *Studio) setStatus(format string, a ...any) {
	s.status.SetText(fmt.Sprintf(format, a...))
}

// fail shows an error from a background goroutine in plain words.
func (s *Studio) fail(what string, err error) {
	s.do(func() {
		s.setStatus("%s: %v", what, err)
		s.updateRunState()
	})
}

// plain turns an error into one line of plain words.
func plain(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

// Close stops watching the run; a running trainer is stopped (and saves
// its checkpoint) so that closing the window loses nothing.
func (s *Studio) Close() {
	s.mu.Lock()
	eng := s.eng
	if s.stopWatch != nil {
		close(s.stopWatch)
		s.stopWatch = nil
	}
	if s.dsCancel != nil {
		s.dsCancel()
	}
	s.mu.Unlock()
	if eng != nil {
		if phase, _ := s.hist.Phase(); phase == events.Running || phase == events.Paused {
			_ = eng.Stop()
		}
	}
}

// Progress returns the step the shown run has reached and how many preview
// grids the window holds decoded in memory (the rest are read back from
// disk): what a long run's memory depends on.
func (s *Studio) Progress() (step, gridsInMemory int) {
	last, _ := s.hist.Last()
	return last.Step, s.hist.InMemory()
}
