package ui

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/dataset"
	"github.com/ganstudio/ganstudio/training/events"
	"github.com/ganstudio/ganstudio/ui/session"
)

// setupChanged follows the configuration being edited (it watches
// s.cfg): the real-image preview follows the data set, and before a run
// the quality line says what the configuration will measure.
func (s *Studio) setupChanged() {
	s.loadPreview(s.cfg.Config())
	if _, started := s.hist.Phase(); !started {
		s.quality.refresh() // what the data set allows
	}
}

// paramChanged reacts to a valid edit of one hyperparameter: a live
// setting (a learning rate) goes to the running trainer as the table
// checked it. The trainer takes it at once, also mid-iteration.
func (s *Studio) paramChanged(p session.Param, set training.Setting) {
	if !p.Live {
		return
	}
	eng := s.engine()
	if phase, ok := s.hist.Phase(); eng == nil || !ok || (phase != events.Running && phase != events.Paused) {
		return
	}
	if err := eng.Set(set); err != nil {
		s.fail("The learning rates were not changed", err)
		return
	}
	c := eng.Config()
	s.setStatus("Learning rates now G %g, D %g.", c.LearnRateG, c.LearnRateD)
}

// loadPreview opens the data set in the background and shows real images
// from it; the opened data set is kept for Start.
func (s *Studio) loadPreview(cfg training.Config) {
	kept, ctx, start := s.data.Preview(cfg)
	if kept != nil {
		s.showData(kept)
		return
	}
	if !start {
		return // opening already
	}
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

// openDataset opens cfg's data set, or returns the one kept, and shows
// how far a download has come.
func (s *Studio) openDataset(ctx context.Context, cfg training.Config) (*dataset.Dataset, error) {
	return s.data.Open(ctx, cfg, dataset.Options{Progress: func(file string, done, total int64) {
		if total > 0 {
			s.do(func() {
				s.setup.showStrip(nil, fmt.Sprintf("Fetching %s: %d%%", filepath.Base(file), done*100/total))
			})
		}
	}})
}

// showData shows real images of ds in the set-up strip and beside the
// generated grid (UI thread).
func (s *Studio) showData(ds *dataset.Dataset) {
	strip, grid := session.RealImages(ds)
	s.setup.showStrip(strip, dataInfoText(ds))
	s.samples.showReal(grid)
}
