package training

import (
	"errors"
	"fmt"
	"sync"

	"github.com/ganstudio/ganstudio/training/events"
)

// control is what the controls ask of the loop, under a lock of its own:
// Pause, Resume, Step, Stop and a live setting take ctl for as long as it
// takes to set a flag, and never the weights' lock, so that they answer
// at once while an iteration runs. The loop reads them between iterations
// (waitTurn).
type control struct {
	ctl          sync.Mutex
	wake         sync.Cond // on ctl: the flags changed
	started      bool
	paused       bool
	stepping     int // iterations a paused run may still do (Step)
	stopping     bool
	askOnDiverge bool // see PauseOnDivergence
}

// Start launches the training goroutine and returns at once.
func (t *Trainer) Start() error {
	t.ctl.Lock()
	defer t.ctl.Unlock()
	if t.started {
		return errors.New("training has already started")
	}
	t.started = true
	go t.loop()
	return nil
}

// Pause holds training after the current iteration. It returns at once.
func (t *Trainer) Pause() {
	t.ctl.Lock()
	defer t.ctl.Unlock()
	if t.started && !t.paused && !t.stopping {
		t.paused = true
		t.report(events.State{Phase: events.Paused, Step: t.StepsDone(), Message: "paused"})
	}
}

// Resume continues a paused run. It returns at once.
func (t *Trainer) Resume() {
	t.ctl.Lock()
	defer t.ctl.Unlock()
	if t.paused {
		t.paused, t.stepping = false, 0
		t.wake.Broadcast()
		t.report(events.State{Phase: events.Running, Step: t.StepsDone(), Message: "running"})
	}
}

// Step runs exactly one iteration of a paused run and pauses again, so
// that its effect on the losses, the grid and D's verdicts can be seen
// one update at a time. A grid follows the step whatever SampleEvery says.
// It returns at once.
func (t *Trainer) Step() error {
	t.ctl.Lock()
	defer t.ctl.Unlock()
	switch {
	case !t.started || t.stopping:
		return errors.New("the run is not going: start or continue it, then pause it to step")
	case !t.paused:
		return errors.New("the run is training: pause it first, then step one iteration at a time")
	}
	t.stepping++
	t.wake.Broadcast()
	return nil
}

// Stop ends the run after the current iteration, saves a checkpoint and
// waits for the goroutine to finish. It returns the run's error, if any.
// Asking to stop takes no longer than Pause; the wait is for the iteration
// in flight and the checkpoint.
func (t *Trainer) Stop() error {
	t.ctl.Lock()
	if !t.started {
		// Nothing ran; the files are closed so that the folder can go.
		t.started, t.stopping = true, true
		close(t.finished)
		t.ctl.Unlock()
		t.log.close()
		return t.files.close()
	}
	t.stopping = true
	t.wake.Broadcast()
	t.ctl.Unlock()
	return t.Wait()
}

// Wait blocks until the run ends and returns its error, if any.
func (t *Trainer) Wait() error {
	<-t.finished
	t.ctl.Lock()
	defer t.ctl.Unlock()
	return t.err
}

// Done is closed when the run has ended.
func (t *Trainer) Done() <-chan struct{} { return t.finished }

// Set changes a live setting (one the table marks Live: the learning
// rates) from the next iteration on. The table checked its value when the
// Setting was made, so Set only refuses a setting that cannot change while
// the run trains. It returns at once, and reports the rates as an
// events.Rates.
func (t *Trainer) Set(s Setting) error {
	h := s.Hyperparameter()
	if !h.Live {
		return fmt.Errorf("%q cannot change while the run trains: only the learning rates can", h.Key)
	}
	t.ctl.Lock()
	s.ApplyTo(&t.cfg)
	g, d := t.cfg.LearnRateG, t.cfg.LearnRateD
	t.ctl.Unlock()
	t.report(events.Rates{Step: t.StepsDone(), G: g, D: d, Why: "changed"})
	return nil
}

// PauseOnDivergence makes a divergence pause the run whatever the
// configuration's OnDiverge says, so that someone can decide: Resume then
// rolls back to the last checkpoint with halved learning rates, and Stop
// ends the run. The window calls it; headless runs act on OnDiverge.
func (t *Trainer) PauseOnDivergence() {
	t.ctl.Lock()
	defer t.ctl.Unlock()
	t.askOnDiverge = true
}

// waitTurn blocks while paused and no Step is asked for; it reports false
// when the run must stop, and stepped when this turn is a single Step. It
// returns the learning rates the iteration is to use.
func (t *Trainer) waitTurn() (lrG, lrD float64, stepped, ok bool) {
	t.ctl.Lock()
	defer t.ctl.Unlock()
	for t.paused && t.stepping == 0 && !t.stopping {
		t.wake.Wait()
	}
	if t.paused && t.stepping > 0 {
		t.stepping--
		stepped = true
	}
	return t.cfg.LearnRateG, t.cfg.LearnRateD, stepped, !t.stopping
}

// pauseFor pauses the run because of err, telling the user msg, and waits
// to be resumed; it reports false when the run is stopping instead.
func (t *Trainer) pauseFor(err error, msg string) bool {
	t.ctl.Lock()
	defer t.ctl.Unlock()
	if t.stopping {
		return false
	}
	t.paused = true
	t.report(events.State{Phase: events.Paused, Step: t.StepsDone(), Warning: true, Err: err, Message: msg})
	for t.paused && !t.stopping {
		t.wake.Wait()
	}
	return !t.stopping
}
