package training

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"time"

	"github.com/ganstudio/ganstudio/model/checkpoint"
	"github.com/ganstudio/ganstudio/training/events"
)

// saver writes a run's checkpoints. Between iterations the loop starts a
// write in the background (start) and collects it later (finish); a write
// that fails is tried again in the open, where a full disk pauses the run
// until it is resumed (saveOrPause). It belongs to the training goroutine,
// which alone touches it; Resume sets newest before the goroutine starts.
type saver struct {
	t       *Trainer
	writing *backgroundSave // the checkpoint being written, nil when none
	newest  int             // step of the newest checkpoint written, −1 before the first
}

// A backgroundSave is a checkpoint being written while training goes on.
type backgroundSave struct {
	step   int
	path   string
	result chan error // the write's result, sent once
}

// start copies the run's state and writes it to a checkpoint in the
// background; finish collects the result.
func (s *saver) start() {
	f, step, err := s.t.snapshot()
	if err != nil {
		s.t.warn(step, err) // NaN weights: the next loss shows the divergence
		return
	}
	w := &backgroundSave{step: step, path: s.t.files.checkpointPath(step), result: make(chan error, 1)}
	s.writing = w
	go func() { w.result <- checkpoint.Write(w.path, f) }()
}

// finish collects the background write, if one has finished (or, with
// wait, when it finishes). A write that failed is tried again at once and
// in the open, where a full disk pauses the run (saveOrPause).
func (s *saver) finish(wait bool) {
	w := s.writing
	if w == nil {
		return
	}
	var err error
	if wait {
		err = <-w.result
	} else {
		select {
		case err = <-w.result:
		default:
			return
		}
	}
	s.writing = nil
	if err != nil {
		s.saveOrPause()
		return
	}
	s.record(w.step, w.path)
}

// saveOrPause writes a checkpoint and waits for it. When that fails (a
// full disk, a folder gone) it pauses the run, because every further step
// would be at risk, and tries again whenever the run is resumed; a run
// that is being stopped keeps its previous checkpoints and ends.
func (s *saver) saveOrPause() {
	for {
		err := s.write()
		if err == nil {
			return
		}
		// NaN weights are no disk problem: the next step's loss shows the
		// divergence, and recovering from it is the rollback's job.
		if errors.Is(err, ErrNonFinite) || !s.t.pauseFor(err, s.failure(err)) {
			s.t.warn(s.t.StepsDone(), err)
			return
		}
	}
}

// write saves a checkpoint to the run directory and waits for it; on
// failure the previous checkpoints are intact.
func (s *saver) write() error {
	f, step, err := s.t.snapshot()
	if err != nil {
		return err
	}
	path := s.t.files.checkpointPath(step)
	if err := checkpoint.Write(path, f); err != nil {
		return err
	}
	s.record(step, path)
	return nil
}

// failure says in plain words why the run pauses after the checkpoint
// error err.
func (s *saver) failure(err error) string {
	last := "none yet"
	if s.newest >= 0 {
		last = fmt.Sprintf("step %d", s.newest)
	}
	fix := "fix that"
	switch {
	case errors.Is(err, syscall.ENOSPC):
		fix = "free some space"
	case errors.Is(err, syscall.EROFS), errors.Is(err, fs.ErrPermission):
		fix = "make the run folder writable"
	}
	return fmt.Sprintf("%v. Training is paused so that no more steps go unsaved (last checkpoint: %s); %s and resume to try again", err, last, fix)
}

// record records the checkpoint of step written to path: the run's
// newest, reported to the window and the log, with the oldest beyond
// KeepCheckpoints deleted.
func (s *saver) record(step int, path string) {
	s.newest = max(s.newest, step)
	s.t.report(events.Checkpoint{Step: step, Path: path, Time: time.Now()})
	if err := s.t.files.prune(s.t.cfg.KeepCheckpoints); err != nil {
		s.t.warn(step, err)
	}
}
