package ui

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/events"
	"github.com/ganstudio/ganstudio/ui/session"
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

	cfg  *session.Setup // the configuration being edited (UI thread)
	hist session.History
	data session.DataSets // the data set previewed, kept for Start
	// ratesSeen is the version of the history's Rates that cfg follows.
	ratesSeen int

	mu        sync.Mutex // guards what background goroutines touch below
	eng       *training.Trainer
	gen       session.Sampler // eng, or a generator loaded from an opened run
	resumable string          // run dir or checkpoint a Continue resumes from
	busy      bool            // a start, stop or open is in progress
	stopWatch chan struct{}

	setup   *setupView
	run     *runView
	samples *samplesView
	curves  *curvesView
	compare *compareView
	quality *qualityView
	walk    *walkView
	export  *exportView
	status  *widget.Label
	tabs    *container.AppTabs // the side panel: charts, set-up, lab, walk and export
	body    *fyne.Container    // the grid and its controls beside the side panel
	bottom  *fyne.Container    // warnings and the status line, under the side panel
	content fyne.CanvasObject
	shown   *shownState // what the controls show now (UI thread)
	// following: a run was shown at the last state change (followRun).
	following bool
}

// New builds the Studio inside w and shows it there.
func New(w fyne.Window, opt Options) (*Studio, error) {
	s := &Studio{win: w, do: opt.do, refresh: opt.Refresh, chooser: opt.chooser}
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
	cfg, err := startConfig(opt)
	if err != nil {
		return nil, err
	}
	s.cfg = session.NewSetup(cfg)

	s.status = widget.NewLabel("Pick a preset or a data set, then press Start.")
	s.status.Wrapping = fyne.TextWrapWord
	s.setup = newSetupView(s.cfg, setupHooks{win: w, chooser: s.chooser, param: s.paramChanged,
		training: func() bool { st := s.state(); return st.running || st.paused }})
	s.run = newRunView(&s.hist, runActions{start: s.Start, pauseOrResume: s.pauseOrResume, step: s.step, stop: s.stop,
		continueRun: s.continueRun, openRun: s.openRunDialog, openCheckpoint: s.openCheckpointDialog})
	chosen := training.TrainingNoise
	if opt.Psi > 0 && opt.Psi < 1 {
		chosen.Psi = opt.Psi
	}
	s.samples = newSamplesView(s, samplesSources{hist: &s.hist, run: s.runConfig, sampler: s.sampler,
		pick: func(cell int) { s.walk.pick(cell) }}, chosen, opt.Verdicts)
	s.curves = newCurvesView(&s.hist, s.do)
	s.compare = newCompareView(s, &s.hist, s.chooser, func() { s.curves.refresh(); s.quality.refresh() })
	s.quality = newQualityView(&s.hist, s.cfg, s.do)
	s.walk = newWalkView(s, s.sampler, s.samples.walkEnds, s.samples.grid.setPicked)
	s.export = newExportView(s, exportSources{hist: &s.hist, setup: s.cfg, chooser: s.chooser, shown: s.samples.shownGrid,
		noise: s.samples.chosenNoise, sampler: s.sampler, engine: s.engine})

	s.content = s.layout()
	w.SetContent(s.content)

	s.cfg.Watch(s.setupChanged)
	s.setupChanged()
	s.updateRunState()
	for _, dir := range opt.Compare {
		s.compare.compare(dir)
	}
	return s, nil
}

// startConfig is the configuration a window starts with: the one it is
// given, else its preset's.
func startConfig(opt Options) (training.Config, error) {
	if opt.Config != nil {
		return *opt.Config, nil
	}
	name := opt.preset
	if name == "" {
		name = "lite-mnist"
	}
	return training.Preset(name)
}

// Names of the side panel's tabs.
const (
	tabCharts = "Charts"
	tabSetup  = "Set-up"
	tabLab    = "Lab"
	tabWalk   = "Walk & export"
)

// layout arranges the views so that the generated samples come first: the
// grid as large as the window's height allows, at a whole-number scale,
// with the history slider under it; beside it what a person watching a
// run reads (progress, learning curves, sample quality, warnings); the
// rest one click away in tabs. Every tab scrolls or shrinks, so no panel
// pushes the window past a 1280×720 screen.
//
//	Start Pause Step Stop Continue │ Open run… Open checkpoint… │ phase
//	┌────────────┐ progress bar ············· epoch, speed, ETA, last save
//	│            │ [Charts] [Set-up] [Lab] [Walk & export]
//	│    grid    │ learning curves (compared runs: a row above)
//	│            │ ─────────────── (split: drag to share the room)
//	└────────────┘ sample quality
//	History ──o──  warnings, while there are any
//	step, grid …   status line
func (s *Studio) layout() fyne.CanvasObject {
	charts := container.NewVSplit(container.NewBorder(s.compare.content, nil, nil, nil, s.curves.content), s.quality.content)
	charts.SetOffset(0.55)
	s.quality.onPlots = func(on bool) {
		// Without plots the quality part is a line of text: the curves
		// take the room.
		if on {
			charts.SetOffset(0.55)
		} else {
			charts.SetOffset(0.85)
		}
	}
	s.quality.onPlots(s.quality.raster.Visible())
	scroll := func(o fyne.CanvasObject) fyne.CanvasObject { return container.NewVScroll(container.NewPadded(o)) }
	s.tabs = container.NewAppTabs(
		container.NewTabItem(tabCharts, charts),
		container.NewTabItem(tabSetup, scroll(s.setup.content)),
		container.NewTabItem(tabLab, scroll(s.samples.labBox)),
		container.NewTabItem(tabWalk, scroll(container.NewVBox(s.walk.content, widget.NewSeparator(), s.export.content))),
	)
	s.tabs.SelectIndex(1) // nothing to chart yet: what to learn
	s.walk.show = func() { s.showTab(tabWalk) }
	s.bottom = container.NewVBox(s.quality.warnBox, s.status)
	s.quality.onWarn = s.bottom.Refresh
	side := container.NewBorder(s.run.progressRow, s.bottom, nil, nil, s.tabs)
	s.body = container.New(&samplesFirst{grid: s.samples.grid, reserve: s.samples.reserve, minColumn: 240, minSide: 520}, s.samples.grid, s.samples.controls, side)
	s.samples.grid.onShape = s.body.Refresh
	return container.NewBorder(container.NewVBox(s.run.bar, widget.NewSeparator()), nil, nil, nil, s.body)
}

// followRun shows the charts when a run starts (from Start on: the data
// set may take a while to load) or is opened, if the set-up tab is open:
// it was open to start the run.
func (s *Studio) followRun(st runState) {
	_, hasSteps := s.hist.Last()
	on := st.running || st.paused || st.busy || hasSteps
	if on && !s.following && s.tabs.Selected() != nil && s.tabs.Selected().Text == tabSetup {
		s.showTab(tabCharts)
	}
	s.following = on
}

// showTab brings the side panel's tab of that name to the front.
func (s *Studio) showTab(name string) {
	for _, t := range s.tabs.Items {
		if t.Text == name && s.tabs.Selected() != t {
			s.tabs.Select(t)
		}
	}
}

// Regions returns where the generated grid's cells, the curves, the
// sample-quality plots, the export buttons, the progress text and the
// toolbar are, in pixels of the window's canvas (x, y, width, height).
// "grid_visible" is the part of the cells that no scroll container hides.
// The Xvfb smoke test reads it to know which part of a screenshot to
// check, and that they are on screen. Parts in a tab that is not open
// are reported where they would be.
func (s *Studio) Regions() map[string][4]int {
	d := fyne.CurrentApp().Driver()
	scale := float32(1)
	if c := d.CanvasForObject(s.content); c != nil {
		scale = c.Scale()
	}
	px := func(p fyne.Position, sz fyne.Size) [4]int {
		return [4]int{int(p.X*scale + 0.5), int(p.Y*scale + 0.5), int(sz.Width*scale + 0.5), int(sz.Height*scale + 0.5)}
	}
	out := map[string][4]int{}
	for name, o := range map[string]fyne.CanvasObject{"curves": s.curves.raster, "quality": s.quality.content,
		"export": s.export.buttons, "progress": s.run.info, "toolbar": s.run.bar, "window": s.content} {
		out[name] = px(d.AbsolutePositionForObject(o), o.Size())
	}
	g := s.samples.grid
	pos, sz := g.imageRect()
	at := d.AbsolutePositionForObject(g).Add(pos)
	out["grid"] = px(at, sz)
	vis := visibleArea(s.content, g, area{size: s.content.Size()})
	x0, y0 := max(at.X, vis.pos.X), max(at.Y, vis.pos.Y)
	x1, y1 := min(at.X+sz.Width, vis.pos.X+vis.size.Width), min(at.Y+sz.Height, vis.pos.Y+vis.size.Height)
	out["grid_visible"] = px(fyne.NewPos(x0, y0), fyne.NewSize(max(0, x1-x0), max(0, y1-y0)))
	return out
}

// area is a rectangle of the canvas.
type area struct {
	pos  fyne.Position
	size fyne.Size
}

// visibleArea returns the part of the canvas through which target can be
// seen, looking down from o, whose visible part is vis: every scroll
// container on the way clips it. Zero if target is not under o.
func visibleArea(o, target fyne.CanvasObject, vis area) area {
	if o == target {
		return vis
	}
	var kids []fyne.CanvasObject
	switch c := o.(type) {
	case *fyne.Container:
		kids = c.Objects
	case *container.Scroll:
		p := fyne.CurrentApp().Driver().AbsolutePositionForObject(c)
		x0, y0 := max(vis.pos.X, p.X), max(vis.pos.Y, p.Y)
		x1, y1 := min(vis.pos.X+vis.size.Width, p.X+c.Size().Width), min(vis.pos.Y+vis.size.Height, p.Y+c.Size().Height)
		vis = area{fyne.NewPos(x0, y0), fyne.NewSize(max(0, x1-x0), max(0, y1-y0))}
		kids = []fyne.CanvasObject{c.Content}
	}
	for _, k := range kids {
		if a := visibleArea(k, target, vis); a != (area{}) {
			return a
		}
	}
	return area{}
}

// runConfig is the configuration of the run on screen: the attached
// trainer's (with what it learnt from its data set, such as a conditional
// run's classes), else the set-up panel's (an opened run's).
func (s *Studio) runConfig() training.Config {
	if eng := s.engine(); eng != nil {
		return eng.Config()
	}
	return s.cfg.Config()
}

// engine returns the attached engine, if any.
func (s *Studio) engine() *training.Trainer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.eng
}

// sampler returns what can draw images now: the run's trainer or the
// opened run's generator.
func (s *Studio) sampler() session.Sampler {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen
}

// host is what a view asks of the window it is in. The Studio is one;
// a view is given it, and what else it reads, in its constructor, never
// the Studio itself, so that it depends on no other view.
type host interface {
	// onUI runs f on the UI thread.
	onUI(f func())
	// setStatus shows a message in the status line (UI thread).
	setStatus(format string, a ...any)
	// fail shows an error from a background goroutine in plain words.
	fail(what string, err error)
}

// onUI runs f on the UI thread.
func (s *Studio) onUI(f func()) { s.do(f) }

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
	s.data.Close()
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
