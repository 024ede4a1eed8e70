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
	ds, err := training.OpenData(ctx, cfg, dataset.Options{Progress: func(file string, done, total int64) {
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
	strip, grid := session.RealImages(ds)
	s.setup.showStrip(strip, dataInfoText(ds))
	s.samples.showReal(grid)
}
