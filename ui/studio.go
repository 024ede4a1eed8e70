package ui

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strconv"
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

// DefaultLivePreview is the default of Options.LivePreview. One preview
// costs the trainer about a tenth of a step (25 images, inference only).
const DefaultLivePreview = 15 * time.Second

// Options configures a Studio.
type Options struct {
	// Backend creates trainers and opens data sets (DefaultBackend() if
	// its New is nil).
	Backend Backend
	// Do runs a function on the UI thread: fyne.Do in the app. Tests pass
	// a function that takes their own lock, so that the race detector
	// sees every widget access ordered.
	Do func(func())
	// Refresh is the redraw period of a running run (DefaultRefresh if 0).
	Refresh time.Duration
	// LivePreview is how long the window waits for the trainer's next
	// grid before drawing one itself (DefaultLivePreview if 0, never if
	// negative). Early in a run on a CPU the trainer's first grids are
	// minutes apart; a preview every few seconds shows learning start.
	LivePreview time.Duration
	// Chooser asks the user for files and folders (fyne dialogs on the
	// window if nil).
	Chooser Chooser
	// Preset is the preset selected at start ("lite-mnist" if empty).
	Preset string
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
	backend Backend
	chooser Chooser

	cfg  training.Config // edited on the UI thread only
	hist History
	// The lab's choices (UI thread): the noise the shown grid and the
	// exported samples are drawn from, and whether D's verdicts frame
	// the grid's cells.
	noise        training.Noise
	showVerdicts bool

	mu        sync.Mutex // guards what background goroutines touch below
	eng       Engine
	gen       Sampler // eng, or a generator loaded from an opened run
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
	s := &Studio{win: w, do: opt.Do, refresh: opt.Refresh, backend: opt.Backend, chooser: opt.Chooser, noise: training.TrainingNoise}
	if s.do == nil {
		s.do = fyne.Do
	}
	if s.refresh <= 0 {
		s.refresh = DefaultRefresh
	}
	switch s.live = opt.LivePreview; {
	case s.live == 0:
		s.live = DefaultLivePreview
	case s.live < 0:
		s.live = 0
	}
	if s.backend.New == nil {
		s.backend = DefaultBackend()
	}
	if opt.RunsDir != "" {
		s.backend.RunsDir = opt.RunsDir
	}
	if s.chooser == nil {
		s.chooser = dialogChooser{w}
	}
	if opt.Config != nil {
		s.cfg = *opt.Config
	} else {
		name := opt.Preset
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
	top.SetOffset(0.5)
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

// engine returns the attached engine, if any.
func (s *Studio) engine() Engine {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.eng
}

// sampler returns what can draw images now: the run's trainer or the
// opened run's generator.
func (s *Studio) sampler() Sampler {
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

// setupChanged reacts to a new data set or preset: the real-image preview
// follows the data set.
func (s *Studio) setupChanged() {
	s.loadPreview(s.cfg)
	if _, started := s.hist.Phase(); !started {
		s.quality.refresh() // what the data set allows
	}
}

// paramChanged reacts to a valid edit of one hyperparameter; learning
// rates go to the running trainer at once.
func (s *Studio) paramChanged(p param) {
	if !p.live {
		return
	}
	eng := s.engine()
	if phase, ok := s.hist.Phase(); eng == nil || !ok || (phase != events.Running && phase != events.Paused) {
		return
	}
	g, d := s.cfg.LearnRateG, s.cfg.LearnRateD
	// The trainer may hold its lock for a whole step: never wait for it
	// on the UI thread.
	go func() {
		if err := eng.SetLearningRates(g, d); err != nil {
			s.fail("The learning rates were not changed", err)
			return
		}
		s.do(func() { s.setStatus("Learning rates now G %g, D %g.", g, d) })
	}()
}

// dataKey identifies the data a config trains on, at the network's shape.
func dataKey(c training.Config) string {
	sp := c.Data
	return fmt.Sprintf("%s|%s|%v|%s|%d|%d|%d", sp.Name, sp.Path, sp.Classes, sp.Split, sp.HoldOut, c.Model.ImageSize, c.Model.Channels)
}

// loadPreview opens the data set in the background and shows real images
// from it; the opened data set is kept for Start.
func (s *Studio) loadPreview(cfg training.Config) {
	key := dataKey(cfg)
	s.mu.Lock()
	if s.dsSpec == key && s.ds != nil {
		ds := s.ds
		s.mu.Unlock()
		s.showData(ds)
		return
	}
	if s.dsLoading == key {
		s.mu.Unlock()
		return
	}
	if s.dsCancel != nil {
		s.dsCancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.dsCancel, s.dsLoading = cancel, key
	s.mu.Unlock()
	s.setup.showStrip(nil, "Loading the data set…")
	go func() {
		ds, err := s.openDataset(ctx, cfg)
		if ctx.Err() != nil {
			return // another data set was chosen meanwhile
		}
		if err != nil {
			s.do(func() { s.setup.showStrip(nil, "This data set cannot be opened: "+plain(err)) })
			return
		}
		s.do(func() { s.showData(ds) })
	}()
}

// openDataset opens spec, reusing the opened one when it matches.
func (s *Studio) openDataset(ctx context.Context, cfg training.Config) (*dataset.Dataset, error) {
	key := dataKey(cfg)
	s.mu.Lock()
	if s.dsSpec == key && s.ds != nil {
		ds := s.ds
		s.mu.Unlock()
		return ds, nil
	}
	s.mu.Unlock()
	ds, err := s.backend.OpenData(ctx, cfg, dataset.Options{Progress: func(file string, done, total int64) {
		if total > 0 {
			s.do(func() {
				s.setup.showStrip(nil, fmt.Sprintf("Fetching %s: %d%%", filepath.Base(file), done*100/total))
			})
		}
	}})
	s.mu.Lock()
	if s.dsLoading == key {
		s.dsLoading = ""
	}
	if err == nil {
		s.ds, s.dsSpec = ds, key
	}
	s.mu.Unlock()
	return ds, err
}

// showData shows real images of ds in the set-up strip and beside the
// generated grid (UI thread).
func (s *Studio) showData(ds *dataset.Dataset) {
	strip, grid := realImages(ds)
	s.setup.showStrip(strip, dataInfoText(ds))
	s.samples.showReal(grid)
}

// realImages builds a strip of 10 and a 5×5 grid of real images.
func realImages(ds *dataset.Dataset) (strip, grid image.Image) {
	pre := ds.Previews(25, 1)
	if len(pre) == 0 {
		return nil, nil
	}
	imgs := make([]*image.NRGBA, len(pre))
	for i, m := range pre {
		imgs[i] = toNRGBA(m)
	}
	return training.GridImage(imgs[:min(len(imgs), 10)], 10), training.GridImage(imgs, 5)
}

// plain turns an error into one line of plain words.
func plain(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

// Start begins a new run with the set-up panel's configuration.
func (s *Studio) Start() {
	if err := s.cfg.Validate(); err != nil {
		s.setup.showError(err)
		s.setStatus("Fix the values marked in the set-up panel first.")
		return
	}
	if !s.setBusy() {
		return
	}
	cfg := s.cfg
	runsDir := s.backend.RunsDir
	s.setStatus("Loading the data set…")
	s.updateRunState()
	go func() {
		defer s.clearBusy()
		ds, err := s.openDataset(context.Background(), cfg)
		if err != nil {
			s.fail("The data set cannot be opened", err)
			return
		}
		if runsDir == "" {
			runsDir = "runs" // the trainer's default
		}
		runDir := training.NewRunDir(runsDir, cfg.Preset)
		// Run folders are named to the second: a quick Stop and Start
		// must not write into the run just stopped.
		for i := 2; ; i++ {
			if _, err := os.Stat(runDir); os.IsNotExist(err) {
				break
			}
			runDir = training.NewRunDir(runsDir, cfg.Preset) + "-" + strconv.Itoa(i)
		}
		eng, err := s.backend.New(cfg, ds, runDir)
		if err != nil {
			s.fail("The run cannot start", err)
			return
		}
		s.attach(eng, "")
		if err := eng.Start(); err != nil {
			s.fail("The run cannot start", err)
			return
		}
		s.do(func() {
			s.setStatus("Training. Samples and curves update as it learns; the run is saved in %s.", eng.RunDir())
			s.updateRunState()
		})
		s.showFirstGrid(eng)
	}()
}

// showFirstGrid shows the untrained generator's grid right away, so that
// the window shows something before the first preview grid arrives.
func (s *Studio) showFirstGrid(eng Engine) {
	g, err := eng.Grid(training.TrainingNoise)
	if err != nil {
		return
	}
	s.hist.Apply(events.Grid{Step: 0, Image: g.Image, Fake: g.Fake, Real: g.Real})
	// Step 0 belongs to the run's history like the trainer's grids: save
	// it beside them so that an opened run scrubs back to it too.
	if err := writePNG(gridPath(eng.RunDir(), 0), g.Image); err != nil {
		s.fail("The first grid could not be saved in the run folder", err)
	}
	s.do(s.refreshRun)
}

// attach makes eng the Studio's run: history reset, events watched.
func (s *Studio) attach(eng Engine, resumable string) {
	sub := eng.Subscribe()
	s.mu.Lock()
	if s.stopWatch != nil {
		close(s.stopWatch)
	}
	stop := make(chan struct{})
	s.eng, s.gen, s.stopWatch, s.resumable = eng, eng, stop, resumable
	s.mu.Unlock()
	// Someone is watching: a divergence asks them instead of rolling back
	// on its own.
	eng.PauseOnDivergence()
	s.hist.Reset(eng.RunDir())
	cfg := eng.Config()
	s.hist.SetMetricsPlan(cfg.MetricsEvery, cfg.MetricsSamples)
	go s.watch(eng, sub, stop)
}

// attachKeep attaches a resumed engine but keeps the curves and grids so
// far: the resumed trainer reports only the steps it does from now on.
func (s *Studio) attachKeep(eng Engine) {
	old, grids, ckpts, q := s.hist.Steps(), s.hist.gridRefs(), s.hist.Checkpoints(), s.hist.Quality()
	s.attach(eng, "")
	s.hist.SetRun(eng.RunDir(), old, grids, ckpts, events.Running)
	cfg := eng.Config()
	q.Every, q.Samples = cfg.MetricsEvery, cfg.MetricsSamples
	s.hist.setQuality(q)
}

// watch records the run's events as they come and redraws at most once
// per refresh period. It never blocks the trainer (the bus does not wait
// for readers) and the trainer never waits for it.
func (s *Studio) watch(eng Engine, sub *events.Subscription, stop chan struct{}) {
	defer sub.Close()
	tick := time.NewTicker(s.refresh)
	defer tick.Stop()
	drawn := -1
	previewing := make(chan struct{}, 1) // at most one live preview at a time
	for {
		select {
		case <-stop:
			return
		case <-sub.Ready():
			for _, e := range sub.Drain() {
				s.hist.Apply(e)
			}
		case <-tick.C:
			if v := s.hist.Version(); v != drawn {
				drawn = v
				s.do(s.refreshRun)
			}
			if s.hist.wantsLive(s.live) {
				select {
				case previewing <- struct{}{}:
					go func() {
						defer func() { <-previewing }()
						last, _ := s.hist.Last()
						// Grid waits for the current step to end: never on
						// this goroutine, which must keep draining.
						if g, err := eng.Grid(training.TrainingNoise); err == nil {
							s.hist.SetLive(last.Step, g)
						}
					}()
				default:
				}
			}
		}
	}
}

// refreshRun redraws every view from the history (UI thread).
func (s *Studio) refreshRun() {
	s.setup.followRates()
	s.run.refresh()
	s.samples.refresh()
	s.curves.refresh()
	s.quality.refresh()
	if m := s.hist.Message(); m != "" {
		s.setStatus("%s", m)
	}
	s.updateRunState()
}

func (s *Studio) setBusy() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busy {
		return false
	}
	s.busy = true
	return true
}

func (s *Studio) clearBusy() {
	s.mu.Lock()
	s.busy = false
	s.mu.Unlock()
	s.do(s.updateRunState)
}

// runState is what the controls can do now.
type runState struct {
	busy, running, paused, canContinue, hasEngine, hasSampler bool
	// diverged: the trainer paused at a divergence, and Resume rolls back.
	diverged bool
}

func (s *Studio) state() runState {
	s.mu.Lock()
	st := runState{busy: s.busy, hasEngine: s.eng != nil, hasSampler: s.gen != nil}
	resumable := s.resumable != ""
	s.mu.Unlock()
	if phase, ok := s.hist.Phase(); ok && st.hasEngine {
		st.running = phase == events.Running
		st.paused = phase == events.Paused
		st.diverged = st.paused && errors.Is(s.hist.PauseReason(), training.ErrDiverged)
	}
	st.canContinue = resumable && !st.running && !st.paused
	return st
}

// phaseText names where the run is, for the run controls.
func (s *Studio) phaseText(st runState) string {
	switch {
	case st.busy:
		return "Working…"
	case st.running:
		return "Training"
	case st.paused:
		return "Paused"
	}
	if phase, ok := s.hist.Phase(); ok {
		switch phase {
		case events.Stopped:
			return "Stopped"
		case events.Finished:
			return "Finished"
		case events.Failed:
			return "Failed"
		}
	}
	return "Ready"
}

// updateRunState enables the controls that make sense now (UI thread).
func (s *Studio) updateRunState() {
	st := s.state()
	_, hasStep := s.hist.Last()
	shown := shownState{st, s.phaseText(st), s.hist.NumGrids() > 0, hasStep, len(s.hist.Checkpoints()) > 0}
	if s.shown != nil && *s.shown == shown {
		return // nothing to enable or disable: spare the widgets a refresh
	}
	s.shown = &shown
	s.run.setState(st)
	s.setup.lock(st.running || st.paused || st.busy)
	s.export.setState(st)
	s.walk.setState(st)
}

// shownState is what the enabled controls depend on.
type shownState struct {
	runState
	phase                  string
	hasGrid, hasStep, ckpt bool
}

// Pause pauses or resumes the attached run.
func (s *Studio) Pause() {
	eng := s.engine()
	if eng == nil {
		return
	}
	st := s.state()
	// Pause and Resume only set a flag in the trainer, but it may hold its
	// lock through a step: call them off the UI thread.
	switch {
	case st.diverged:
		go eng.Resume()
		s.setStatus("Rolling back to the last good checkpoint with halved learning rates…")
	case st.paused:
		go eng.Resume()
		s.setStatus("Resuming…")
	default:
		go eng.Pause()
		s.setStatus("Pausing after the current step…")
	}
}

// Step runs one iteration of the paused run: the grid, the curves and D's
// verdicts then show what that one update did.
func (s *Studio) Step() {
	eng := s.engine()
	if eng == nil {
		return
	}
	s.samples.goLive()
	s.setStatus("One update (a G step and a D step)…")
	go func() {
		if err := eng.Step(); err != nil {
			s.fail("No step", err)
		}
	}()
}

// Stop stops the attached run; the trainer saves a checkpoint.
func (s *Studio) Stop() {
	eng := s.engine()
	if eng == nil || !s.setBusy() {
		return
	}
	s.setStatus("Stopping after the current step and saving a checkpoint…")
	s.updateRunState()
	go func() {
		defer s.clearBusy()
		if err := eng.Stop(); err != nil {
			s.fail("The run did not stop cleanly", err)
			return
		}
		s.mu.Lock()
		if s.eng == eng {
			s.resumable = eng.RunDir()
		}
		s.mu.Unlock()
	}()
}

// Continue resumes training the stopped or opened run from its newest
// checkpoint, in the same run folder.
func (s *Studio) Continue() {
	s.mu.Lock()
	path := s.resumable
	s.mu.Unlock()
	if path == "" || !s.setBusy() {
		return
	}
	cfg, panel := s.cfg, s.cfg
	s.setStatus("Loading the run to continue it…")
	s.updateRunState()
	go func() {
		defer s.clearBusy()
		if r, err := s.backend.ReadRun(runDirOf(path)); err == nil {
			cfg = r.Config
		}
		ds, err := s.openDataset(context.Background(), cfg)
		if err != nil {
			s.fail("The run's data set cannot be opened", err)
			return
		}
		// The set-up panel's values apply as they would on the command
		// line: a new length, rates or cadence go on; a new network,
		// batch or data set is refused, naming the setting.
		next, err := s.backend.Resume(path, ds, func(c *training.Config) error { *c = panel; return nil })
		if err != nil {
			s.fail("The run cannot continue", err)
			return
		}
		s.attachKeep(next)
		if err := next.Start(); err != nil {
			s.fail("The run cannot continue", err)
			return
		}
		s.do(func() {
			s.setStatus("Training continues in %s.", next.RunDir())
			s.refreshRun()
		})
	}()
}

func (s *Studio) openRunDialog() {
	s.chooser.OpenFolder("Open a run folder (written by GAN Studio or `ganstudio train`)", func(path string) {
		if path != "" {
			s.Open(path)
		}
	})
}

func (s *Studio) openCheckpointDialog() {
	s.chooser.OpenFile("Open a checkpoint", []string{".ckpt"}, func(path string) {
		if path != "" {
			s.Open(path)
		}
	})
}

// runDirOf returns the run directory of a run dir or a checkpoint file
// (run/checkpoints/step-N.ckpt).
func runDirOf(path string) string {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return path
	}
	dir := filepath.Dir(path)
	if filepath.Base(dir) == "checkpoints" {
		return filepath.Dir(dir)
	}
	return dir
}

// Open shows a run directory or checkpoint: the run's curves and grids at
// once, then its generator, to sample from and walk the latent space.
// Continue trains it on. A checkpoint outside a run folder has no curves or
// grids, only the generator.
func (s *Studio) Open(path string) {
	if st := s.state(); st.running || st.paused || !s.setBusy() {
		s.setStatus("Stop the current run before opening another.")
		return
	}
	s.setStatus("Opening %s…", path)
	go func() {
		defer s.clearBusy()
		isDir := false
		if st, err := os.Stat(path); err != nil {
			s.fail("Cannot open "+path, err)
			return
		} else {
			isDir = st.IsDir()
		}
		dir := runDirOf(path)
		r, err := s.backend.ReadRun(dir)
		if err != nil && isDir {
			s.fail("This is not a GAN Studio run folder", err)
			return
		}
		if err != nil {
			r = &training.Run{} // a checkpoint on its own
			dir = ""
		}
		ckpt := path
		if isDir {
			if len(r.Checkpoints) == 0 {
				ckpt = ""
			} else {
				ckpt = r.Checkpoints[len(r.Checkpoints)-1]
			}
		}
		var gen Sampler
		var genErr error
		if ckpt != "" {
			var cfg training.Config
			gen, cfg, genErr = s.backend.LoadGenerator(ckpt)
			if dir == "" {
				r.Config = cfg
			}
		}
		if gen == nil && dir == "" {
			s.fail("Cannot open "+path, genErr)
			return
		}
		s.mu.Lock()
		if s.stopWatch != nil {
			close(s.stopWatch)
			s.stopWatch = nil
		}
		s.eng, s.gen, s.resumable = nil, gen, ""
		if gen != nil {
			s.resumable = path
		}
		s.mu.Unlock()
		grids := make([]GridRef, len(r.Grids))
		for i, g := range r.Grids {
			grids[i] = GridRef{Step: g.Step, Path: g.Path}
		}
		s.hist.SetRun(dir, r.Steps, grids, r.Checkpoints, events.Stopped)
		var metricsErr error
		if dir != "" {
			var points []events.Metrics
			points, metricsErr = training.ReadMetrics(dir, classNames(r.Config))
			s.hist.LoadMetrics(r.Config, points)
		}
		s.do(func() {
			s.cfg = r.Config
			s.setup.fill()
			s.setupChanged()
			s.samples.goLive()
			s.refreshRun()
			switch {
			case ckpt == "":
				s.setStatus("Opened %s: %d steps, %d grids. It has no checkpoint, so it cannot be sampled or continued.", dir, len(r.Steps), len(r.Grids))
			case gen == nil:
				s.setStatus("Opened %s: curves and grids are shown, but its checkpoint cannot be read: %v", dir, genErr)
			default:
				s.setStatus("Opened %s (%d steps). Press Continue to train it further, tap two samples for a latent walk, or export.", path, len(r.Steps))
			}
			if metricsErr != nil {
				s.setStatus("%s Its sample-quality metrics could not be read: %v", s.status.Text, metricsErr)
			}
		})
		if gen != nil && len(r.Grids) == 0 {
			// A lone checkpoint: show what its generator draws now.
			if g, err := gen.Grid(training.TrainingNoise); err == nil {
				s.hist.Apply(events.Grid{Step: 0, Image: g.Image, Fake: g.Fake})
				s.do(s.refreshRun)
			}
		}
	}()
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
