package training

import (
	"testing"
	"time"

	"github.com/ganstudio/ganstudio/training/events"
)

// The controls answer while an iteration is in flight. The iteration is
// made as slow as the test likes by holding the weights' lock, the lock
// iterate holds from its first line to its last: after Step the loop
// reads a batch and enters iterate, where it waits for the weights, so the
// iteration is under way and cannot end. Pause, Resume, a live rate (Set) and
// the step count must all answer meanwhile; before the step count left
// that lock, Resume and Pause waited for the iteration to end.
func TestControlsAnswerDuringAnIteration(t *testing.T) {
	cfg := tinyConfig(t, 100000)
	cfg.SampleEvery, cfg.AutosaveSeconds = 1000000, 0 // no grid or checkpoint between iterations takes the weights
	tr := mustNew(t, cfg, realMNIST(t))
	sub := tr.Subscribe()
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	for tr.StepsDone() < 2 {
		<-sub.Ready()
		sub.Drain()
	}
	tr.Pause()
	// Park the loop: an iteration that passed waitTurn before the pause
	// would otherwise wait for the lock taken below and never take the
	// step. One stepped iteration publishes its grid after its last use
	// of the weights, so once that grid is out the loop can only go on
	// to waitTurn and wait there, paused.
	if err := tr.Step(); err != nil {
		t.Fatal(err)
	}
	for parked := false; !parked; {
		<-sub.Ready()
		for _, e := range sub.Drain() {
			if g, ok := e.(events.Grid); ok && g.Step > 0 { // grids come only for steps here (SampleEvery is out of reach)
				parked = true
			}
		}
	}
	tr.mu.Lock()
	locked := true
	unlock := func() {
		if locked {
			locked = false
			tr.mu.Unlock()
		}
	}
	defer unlock()
	if err := tr.Step(); err != nil { // the slow iteration: it enters iterate and waits there
		t.Fatal(err)
	}
	// The loop takes the step (between iterations, under ctl); from then
	// on it is inside the iteration, which cannot end.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		tr.ctl.Lock()
		taken := tr.stepping == 0
		tr.ctl.Unlock()
		if taken {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the loop did not take the step")
		}
	}
	before := tr.StepsDone()

	answered := make(chan string)
	go func() {
		tr.Resume()
		answered <- "Resume"
		answered <- "StepsDone"
		if n := tr.StepsDone(); n != before {
			t.Errorf("StepsDone = %d while iteration %d is in flight, want %d", n, before+1, before)
		}
		for key, v := range map[string]float64{"learn_rate_g": 1e-4, "learn_rate_d": 2e-4} {
			h, _ := HyperparameterByKey(key)
			s, err := h.Setting(v)
			if err == nil {
				err = tr.Set(s)
			}
			if err != nil {
				t.Error(err)
			}
		}
		answered <- "Set"
		tr.Pause()
		answered <- "Pause"
	}()
	for _, want := range []string{"Resume", "StepsDone", "Set", "Pause"} {
		select {
		case got := <-answered:
			if got != want {
				t.Fatalf("%s answered before %s", got, want)
			}
		case <-time.After(10 * time.Second):
			unlock()
			t.Fatalf("%s waits for the iteration in flight", want)
		}
	}

	// The iteration ends once the weights are free, at the rates it began
	// with (a new rate applies from the next iteration on), and the run
	// pauses after it.
	unlock()
	for {
		<-sub.Ready()
		if s, ok := lastStep(sub.Drain()); ok && s.Step == before+1 {
			if s.LearnRateG != cfg.LearnRateG || s.LearnRateD != cfg.LearnRateD {
				t.Errorf("the iteration in flight ran at G %g, D %g, want the rates it began with, %g and %g", s.LearnRateG, s.LearnRateD, cfg.LearnRateG, cfg.LearnRateD)
			}
			break
		}
	}
	if c := tr.Config(); c.LearnRateG != 1e-4 || c.LearnRateD != 2e-4 {
		t.Errorf("rates G %g, D %g after the change, want 1e-4, 2e-4", c.LearnRateG, c.LearnRateD)
	}
	time.Sleep(200 * time.Millisecond)
	if n := tr.StepsDone(); n != before+1 {
		t.Errorf("paused during iteration %d, but the run went on to %d", before+1, n)
	}
	if err := tr.Stop(); err != nil {
		t.Fatal(err)
	}
}

// lastStep returns the last step event of evs.
func lastStep(evs []events.Event) (events.Step, bool) {
	for i := len(evs) - 1; i >= 0; i-- {
		if s, ok := evs[i].(events.Step); ok {
			return s, true
		}
	}
	return events.Step{}, false
}

// A Setting is checked once, when it is made; the trainer takes a live
// one as it is and refuses one that cannot change during a run.
func TestSetTakesLiveSettings(t *testing.T) {
	tr := mustNew(t, tinyConfig(t, 10), realMNIST(t))
	defer tr.Stop()
	lr, _ := HyperparameterByKey("learn_rate_g")
	if _, err := lr.Setting(2); err == nil {
		t.Error("a G rate of 2 was made a Setting")
	}
	s, err := lr.Setting(3e-4)
	if err != nil {
		t.Fatal(err)
	}
	sub := tr.Subscribe()
	if err := tr.Set(s); err != nil {
		t.Fatal(err)
	}
	if got := tr.Config().LearnRateG; got != 3e-4 {
		t.Errorf("G rate %g after Set, want 3e-4", got)
	}
	if evs := sub.Drain(); len(evs) != 1 || evs[0].(events.Rates).G != 3e-4 {
		t.Errorf("Set reported %v, want one Rates event", evs)
	}
	batch, _ := HyperparameterByKey("batch_size")
	if s, _ := batch.Setting(32); tr.Set(s) == nil {
		t.Error("the batch size changed during a run")
	}
	if tr.Set(Setting{}) == nil {
		t.Error("the zero Setting was taken")
	}
}
