package training

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"

	"github.com/ganstudio/ganstudio/training/events"
)

// ErrDiverged is wrapped by the errors and pauses of a run whose loss
// became NaN or infinite.
var ErrDiverged = errors.New("training diverged")

// maxRollbacks bounds how often one run rolls back, so that a run that
// cannot be saved by lower learning rates ends instead of looping.
const maxRollbacks = 5

// diverged reports whether step s's losses are NaN or infinite.
func diverged(s events.Step) bool {
	for _, v := range []float32{s.DLoss, s.GLoss} {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return true
		}
	}
	return false
}

// rollback takes a diverged run back to its last checkpoint with halved
// learning rates. It belongs to the training goroutine.
type rollback struct {
	t     *Trainer
	count int // rollbacks so far, at most maxRollbacks
}

// afterDivergence handles step s's NaN or infinite loss: it rolls back to
// the last checkpoint with halved learning rates when the configuration
// asks for it (or, after PauseOnDivergence, when the user resumes the
// paused run) and that is possible, and otherwise returns the error that
// ends the run.
func (r *rollback) afterDivergence(s events.Step) error {
	t := r.t
	diverged := fmt.Errorf("%w at step %d (D loss %g, G loss %g)", ErrDiverged, s.Step, s.DLoss, s.GLoss)
	what := diverged.Error()
	t.ctl.Lock()
	ask := t.askOnDiverge
	t.ctl.Unlock()
	if !ask && t.cfg.OnDiverge != "rollback" {
		return fmt.Errorf("%w: lower the learning rates and resume from the last checkpoint", diverged)
	}
	if r.count >= maxRollbacks {
		return fmt.Errorf("%w after %d rollbacks with ever lower learning rates: check the data and the configuration", diverged, r.count)
	}
	t.saves.finish(true)
	f, ckpt, _, err := findCheckpoint(t.files.dir)
	if err != nil {
		return fmt.Errorf("%w, and there is no checkpoint to roll back to: %w", diverged, err)
	}
	if ask && !t.pauseFor(diverged, fmt.Sprintf("%s. Resume rolls back to the last good checkpoint (%s) and halves the learning rates; Stop ends the run there",
		what, filepath.Base(ckpt))) {
		return nil // stopped: the loop ends, and the NaN weights are not saved
	}
	t.mu.Lock()
	err = t.restore(f)
	t.mu.Unlock()
	if err != nil {
		return fmt.Errorf("%s; roll back: %w", what, err)
	}
	back := t.StepsDone()
	r.count++
	t.saves.newest = back
	t.ctl.Lock()
	t.cfg.LearnRateG /= 2
	t.cfg.LearnRateD /= 2
	cfg := t.cfg
	t.ctl.Unlock()
	t.files.close()
	if t.files, err = createRunFiles(t.files.dir, cfg, back); err != nil {
		return fmt.Errorf("%s; roll back: %w", what, err)
	}
	t.report(events.State{Phase: events.Running, Step: back, Warning: true,
		Message: fmt.Sprintf("%s; rolled back to step %d and halved the learning rates (G %g, D %g)", what, back, cfg.LearnRateG, cfg.LearnRateD)})
	t.bus.Publish(events.Rates{Step: back, G: cfg.LearnRateG, D: cfg.LearnRateD, Why: "rollback"})
	return nil
}
