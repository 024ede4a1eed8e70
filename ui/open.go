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
		isDir := false
		if st, err := os.Stat(path); err != nil {
			s.fail("Cannot open "+path, err)
			return
		} else {
			isDir = st.IsDir()
		}
		if !isDir && training.IsExport(filepath.Dir(path)) {
			path = filepath.Dir(path)
		}
		export := training.IsExport(path)
		dir := training.RunDirOf(path)
		r, err := training.ReadRun(dir)
		if err != nil && isDir && !export {
			s.fail("This is not a GAN Studio run folder", err)
			return
		}
		if err != nil || export {
			r = &training.Run{} // a checkpoint on its own
			dir = ""
		}
		ckpt := path
		if isDir && !export {
			if len(r.Checkpoints) == 0 {
				ckpt = ""
			} else {
				ckpt = r.Checkpoints[len(r.Checkpoints)-1]
			}
		}
		var gen session.Sampler
		var genErr error
		if ckpt != "" {
			var cfg training.Config
			gen, cfg, genErr = session.LoadGenerator(ckpt)
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
		grids := make([]session.GridRef, len(r.Grids))
		for i, g := range r.Grids {
			grids[i] = session.GridRef{Step: g.Step, Path: g.Path}
		}
		s.hist.SetRun(dir, r.Steps, grids, r.Checkpoints, events.Stopped)
		var metricsErr error
		if dir != "" {
			var points []events.Metrics
			points, metricsErr = training.ReadMetrics(dir, training.MetricsClasses(r.Config))
			s.hist.LoadMetrics(r.Config, points)
		}
		s.do(func() {
			s.cfg.Load(r.Config)
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
