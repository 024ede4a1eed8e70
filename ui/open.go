package ui

import (
	"os"
	"path/filepath"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/events"
	"github.com/ganstudio/ganstudio/ui/session"
)

func (s *Studio) openRunDialog() {
	s.chooser.OpenFolder("Open a run folder (written by GAN Studio or `ganstudio train`)", func(path string) {
		if path != "" {
			s.Open(path)
		}
	})
}

func (s *Studio) openCheckpointDialog() {
	// An export folder (`ganstudio export`, the PyTorch twin) opens from any
	// of its files.
	s.chooser.OpenFile("Open a checkpoint (.ckpt, or a file of an export folder)", []string{".ckpt", ".safetensors", ".json"}, func(path string) {
		if path != "" {
			s.Open(path)
		}
	})
}

// Open shows a run directory or checkpoint: the run's curves and grids at
// once, then its generator, to sample from and walk the latent space.
// Continue trains it on. A checkpoint outside a run folder, or an export
// folder (a file in one stands for it), has no curves or grids, only the
// generator.
func (s *Studio) Open(path string) {
	if st := s.state(); st.running || st.paused || !s.setBusy() {
		s.setStatus("Stop the current run before opening another.")
		return
	}
	s.setStatus("Opening %s…", path)
	go func() {
		defer s.clearBusy()
		o, what, err := readOpened(path)
		if err != nil {
			s.fail(what, err)
			return
		}
		s.mu.Lock()
		if s.stopWatch != nil {
			close(s.stopWatch)
			s.stopWatch = nil
		}
		s.eng, s.gen, s.resumable = nil, o.gen, ""
		if o.gen != nil {
			s.resumable = o.path
		}
		s.mu.Unlock()
		r := o.run
		grids := make([]session.GridRef, len(r.Grids))
		for i, g := range r.Grids {
			grids[i] = session.GridRef{Step: g.Step, Path: g.Path}
		}
		s.hist.SetRun(o.dir, r.Steps, grids, r.Checkpoints, events.Stopped)
		var metricsErr error
		if o.dir != "" {
			var points []events.Metrics
			points, metricsErr = training.ReadMetrics(o.dir, training.MetricsClasses(r.Config))
			s.hist.LoadMetrics(r.Config, points)
		}
		s.do(func() { s.showOpened(o, metricsErr) })
		if o.gen != nil && len(r.Grids) == 0 {
			// A lone checkpoint: show what its generator draws now.
			if g, err := o.gen.Grid(training.TrainingNoise); err == nil {
				s.hist.Apply(events.Grid{Step: 0, Image: g.Image, Fake: g.Fake})
				s.do(s.refreshRun)
			}
		}
	}()
}

// opened is what Open read.
type opened struct {
	path string        // the run folder, checkpoint or export folder opened
	dir  string        // its run folder ("" for a checkpoint on its own)
	ckpt string        // the checkpoint its generator is read from ("": none)
	run  *training.Run // the run folder's steps, grids and configuration
	gen  session.Sampler
	// genErr says why a run folder's checkpoint could not be read.
	genErr error
}

// readOpened reads what Open shows, off the UI thread. On an error, what
// says in words what failed.
func readOpened(path string) (o opened, what string, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return o, "Cannot open " + path, err
	}
	isDir := st.IsDir()
	if !isDir && training.IsExport(filepath.Dir(path)) {
		path = filepath.Dir(path)
	}
	export := training.IsExport(path)
	o.path, o.dir = path, training.RunDirOf(path)
	o.run, err = training.ReadRun(o.dir)
	if err != nil && isDir && !export {
		return o, "This is not a GAN Studio run folder", err
	}
	if err != nil || export {
		o.run, o.dir = &training.Run{}, "" // a checkpoint on its own
	}
	o.ckpt = path
	if isDir && !export {
		o.ckpt = ""
		if n := len(o.run.Checkpoints); n > 0 {
			o.ckpt = o.run.Checkpoints[n-1]
		}
	}
	if o.ckpt != "" {
		var cfg training.Config
		o.gen, cfg, o.genErr = session.LoadGenerator(o.ckpt)
		if o.dir == "" {
			o.run.Config = cfg
		}
	}
	if o.gen == nil && o.dir == "" {
		return o, "Cannot open " + path, o.genErr
	}
	return o, "", nil
}

// showOpened shows the opened run and says what can be done with it (UI
// thread).
func (s *Studio) showOpened(o opened, metricsErr error) {
	r := o.run
	s.cfg.Load(r.Config)
	s.samples.goLive()
	s.refreshRun()
	switch {
	case o.ckpt == "":
		s.setStatus("Opened %s: %d steps, %d grids. It has no checkpoint, so it cannot be sampled or continued.", o.dir, len(r.Steps), len(r.Grids))
	case o.gen == nil:
		s.setStatus("Opened %s: curves and grids are shown, but its checkpoint cannot be read: %v", o.dir, o.genErr)
	default:
		s.setStatus("Opened %s (%d steps). Press Continue to train it further, tap two samples for a latent walk, or export.", o.path, len(r.Steps))
	}
	if metricsErr != nil {
		s.setStatus("%s Its sample-quality metrics could not be read: %v", s.status.Text, metricsErr)
	}
}
