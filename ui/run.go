package ui

import (
	"context"
	"errors"
	"time"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/events"
)

// Start begins a new run with the set-up panel's configuration.
func (s *Studio) Start() {
	if err := s.cfg.Config().Validate(); err != nil {
		s.setup.showError(err)
		s.setStatus("Fix the values marked in the set-up panel first.")
		return
	}
	if !s.setBusy() {
		return
	}
	cfg := s.cfg.Config()
	runsDir := s.runsDir
	s.setStatus("Loading the data set…")
	s.updateRunState()
	go func() {
		defer s.clearBusy()
		ds, err := s.openDataset(context.Background(), cfg)
		if err != nil {
			s.fail("The data set cannot be opened", err)
			return
		}
		runDir := "" // the trainer's default folder, runs/
		if runsDir != "" {
			runDir = training.NewRunDir(runsDir, cfg.Preset)
		}
		eng, err := training.New(cfg, ds, runDir)
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
	}()
}

// attach makes eng the Studio's run: history reset, events watched.
func (s *Studio) attach(eng *training.Trainer, resumable string) {
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
func (s *Studio) attachKeep(eng *training.Trainer) {
	old, grids, ckpts, q := s.hist.Steps(), s.hist.Grids(), s.hist.Checkpoints(), s.hist.Quality()
	s.attach(eng, "")
	s.hist.SetRun(eng.RunDir(), old, grids, ckpts, events.Running)
	cfg := eng.Config()
	q.Every, q.Samples = cfg.MetricsEvery, cfg.MetricsSamples
	s.hist.SetQuality(q)
}

// watch records the run's events as they come and redraws at most once
// per refresh period. It never blocks the trainer (the bus does not wait
// for readers) and the trainer never waits for it.
func (s *Studio) watch(eng *training.Trainer, sub *events.Subscription, stop chan struct{}) {
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
			if s.hist.WantsLive(s.live) {
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
	s.followRates()
	s.run.refresh()
	s.samples.refresh()
	s.curves.refresh()
	s.quality.refresh()
	if m := s.hist.Message(); m != "" {
		s.setStatus("%s", m)
	}
	s.updateRunState()
}

// followRates shows the learning rates the trainer reported last when
// they are not what the panel holds: a rollback halving them. The report
// of the panel's own change holds what the panel shows already, and
// changes nothing.
func (s *Studio) followRates() {
	r, version := s.hist.Rates()
	if version == s.ratesSeen {
		return
	}
	s.ratesSeen = version
	c := s.cfg.Config()
	c.LearnRateG, c.LearnRateD = r.G, r.D
	s.cfg.Load(c)
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
	s.followRun(st)
	s.run.setState(st, shown.phase)
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

// pauseOrResume pauses or resumes the attached run.
func (s *Studio) pauseOrResume() {
	eng := s.engine()
	if eng == nil {
		return
	}
	st := s.state()
	// Pause and Resume set a flag in the trainer and return at once, also
	// while a step runs.
	switch {
	case st.diverged:
		eng.Resume()
		s.setStatus("Rolling back to the last good checkpoint with halved learning rates…")
	case st.paused:
		eng.Resume()
		s.setStatus("Resuming…")
	default:
		eng.Pause()
		s.setStatus("Pausing after the current step…")
	}
}

// step runs one iteration of the paused run: the grid, the curves and D's
// verdicts then show what that one update did.
func (s *Studio) step() {
	eng := s.engine()
	if eng == nil {
		return
	}
	s.samples.goLive()
	s.setStatus("One update (a G step and a D step)…")
	if err := eng.Step(); err != nil {
		s.fail("No step", err)
	}
}

// stop stops the attached run; the trainer saves a checkpoint.
func (s *Studio) stop() {
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

// continueRun resumes training the stopped or opened run from its newest
// checkpoint, in the same run folder.
func (s *Studio) continueRun() {
	s.mu.Lock()
	path := s.resumable
	s.mu.Unlock()
	if path == "" || !s.setBusy() {
		return
	}
	cfg, panel := s.cfg.Config(), s.cfg.Config()
	s.setStatus("Loading the run to continue it…")
	s.updateRunState()
	go func() {
		defer s.clearBusy()
		if r, err := training.ReadRun(training.RunDirOf(path)); err == nil {
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
		next, err := training.Resume(path, ds, func(c *training.Config) error { *c = panel; return nil })
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
