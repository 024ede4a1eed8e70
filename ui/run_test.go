package ui

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/events"
)

func TestStartMakesGridChange(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	before := shownImage(h)
	h.startTiny(3)
	h.waitFor("a grid from training", time.Minute, func() bool { return h.s.hist.NumGrids() >= 3 })
	h.waitFor("the newest grid on screen", 10*time.Second, func() bool { return h.s.samples.shown == h.s.hist.NumGrids()-1 })
	after := shownImage(h)
	if sameImage(before, after) {
		t.Fatal("the grid on screen did not change after Start")
	}
	if b := after.Bounds(); b.Dx() < 5*28 || b.Dy() < 5*28 {
		t.Errorf("grid is %v, want a 5×5 grid of 28×28 samples", b)
	}
	h.ui(func() {
		if h.s.setup.entries["batch_size"].Disabled() == false || h.s.setup.preset.Disabled() == false {
			t.Error("batch size and preset should be locked while the run trains")
		}
		if h.s.setup.entries["learn_rate_g"].Disabled() {
			t.Error("the learning rate should stay editable while the run trains")
		}
	})
	h.stop()
}

func TestPauseStopsStepCount(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(1000)
	h.waitFor("some steps", time.Minute, func() bool { return h.shownStep() >= 3 })
	h.ui(func() { test.Tap(h.s.run.pause) })
	h.waitFor("the run to pause", 10*time.Second, func() bool { return h.s.run.pause.Text == "Resume" })
	time.Sleep(100 * time.Millisecond) // the step in flight when Pause came
	var paused, got int
	h.ui(func() { paused = h.shownStep() })
	time.Sleep(700 * time.Millisecond)
	if h.ui(func() { got = h.shownStep() }); got != paused {
		t.Fatalf("step count moved from %d to %d while paused", paused, got)
	}
	h.ui(func() { test.Tap(h.s.run.pause) })
	h.waitFor("steps after Resume", time.Minute, func() bool { return h.shownStep() > paused })
	h.stop()
}

// Step, on a paused run, advances it by exactly one update and shows what
// that update did: a grid of the new step and the change line.
func TestStepAdvancesOneStep(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(1000)
	h.waitFor("some steps", time.Minute, func() bool { return h.shownStep() >= 3 })
	h.ui(func() {
		if !h.s.run.step.Disabled() {
			t.Error("Step is enabled while the run trains")
		}
	})
	paused := h.pause()
	for i := 1; i <= 2; i++ {
		h.ui(func() {
			if h.s.run.step.Disabled() {
				t.Fatal("Step is disabled on a paused run")
			}
			test.Tap(h.s.run.step)
		})
		want := paused + i
		h.waitFor("the step's grid", time.Minute, func() bool { return h.shownStep() == want && h.s.hist.GridSteps()[h.s.hist.NumGrids()-1] == want })
		time.Sleep(300 * time.Millisecond)
		h.ui(func() {
			if got := h.shownStep(); got != want {
				t.Fatalf("Step %d: %d steps done, want exactly %d", i, got, want)
			}
		})
	}
	// The two newest grids are one update apart: the change line says so.
	h.waitFor("the change line", 10*time.Second, func() bool {
		return strings.Contains(h.s.samples.change.Text, "one update")
	})
	h.ui(func() {
		if phase := h.s.run.phase.Text; !strings.Contains(phase, "Paused") {
			t.Errorf("after Step the run shows %q, want it still paused", phase)
		}
	})
	h.stop()
}

func TestStopWritesCheckpoint(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(1000)
	h.waitFor("some steps", time.Minute, func() bool { return h.shownStep() >= 2 })
	h.stop()
	dir := h.s.hist.RunDir()
	files, _ := filepath.Glob(filepath.Join(dir, "checkpoints", "*.ckpt"))
	if len(files) == 0 {
		t.Fatalf("no checkpoint in %s after Stop", dir)
	}
	if _, _, err := training.LoadGenerator(files[len(files)-1]); err != nil {
		t.Fatalf("the checkpoint does not load: %v", err)
	}
	h.ui(func() {
		if h.s.run.cont.Disabled() || h.s.run.start.Disabled() {
			t.Error("after Stop, Continue and Start should be enabled")
		}
	})
	// Continue trains on in the same folder from the checkpoint.
	var stopped int
	h.ui(func() { stopped = h.shownStep() })
	h.ui(func() { test.Tap(h.s.run.cont) })
	h.waitFor("steps after Continue", time.Minute, func() bool { return h.shownStep() > stopped })
	h.stop()
	if got := h.s.hist.RunDir(); got != dir {
		t.Errorf("Continue wrote to %s, want the same run folder %s", got, dir)
	}
	// Start after Stop is a new run in a new folder, even within the
	// same second.
	h.ui(func() { test.Tap(h.s.run.start) })
	h.waitFor("the new run", time.Minute, func() bool { return h.s.run.phase.Text == "Training" })
	if got := h.s.hist.RunDir(); got == dir {
		t.Errorf("the new run writes into the stopped run's folder %s", dir)
	}
	h.stop()
}

// A checkpoint that cannot be written pauses the run and says why;
// Resume, once space is free, writes it and training goes on.
func TestFullDiskPausesRun(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root (CI runs as root)")
	}
	h := newHarness(t, "lite-mnist")
	runs := filepath.Join(h.dir, "runs")
	os.MkdirAll(runs, 0o755)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", runs).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", runs).Run() })
	h.ui(func() {
		c := h.s.cfg.Config()
		c.CheckpointEvery = 40
		h.s.cfg.Load(c)
	})
	h.startTiny(1000)
	h.waitFor("the first checkpoint", time.Minute, func() bool { return len(h.s.hist.Checkpoints()) == 1 })
	filler := filepath.Join(runs, "download.iso")
	if err := os.WriteFile(filler, make([]byte, 2<<20), 0o644); err == nil {
		t.Fatal("2 MiB fitted on a 2 MiB disk that already holds a run")
	}
	h.waitFor("the run to pause", time.Minute, func() bool {
		return h.s.run.phase.Text == "Paused" && strings.Contains(h.s.status.Text, "no space left")
	})
	os.Remove(filler)
	h.ui(func() { test.Tap(h.s.run.pause) })
	h.waitFor("the checkpoint written on Resume", time.Minute, func() bool { return len(h.s.hist.Checkpoints()) == 2 })
	h.waitFor("training again", time.Minute, func() bool { return h.s.run.phase.Text == "Training" && h.shownStep() > 80 })
	h.stop()
}

// A run that diverged waits for the user: the run controls offer to roll
// back, and the status line says what happened. (The trainer's side, a
// real NaN and the rollback, is training's TestDivergencePausesWhenAsked;
// here the trainer is paused and told about the divergence by its event.)
func TestDivergenceOffersRollback(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(1000)
	h.waitFor("some steps", time.Minute, func() bool { return h.shownStep() >= 3 })
	h.ui(func() { test.Tap(h.s.run.pause) })
	h.waitFor("the run to pause", 10*time.Second, func() bool { return h.s.run.pause.Text == "Resume" })
	h.s.hist.Apply(events.State{Phase: events.Paused, Step: 5, Warning: true,
		Err:     fmt.Errorf("%w at step 5 (D loss NaN, G loss NaN)", training.ErrDiverged),
		Message: "training diverged at step 5 (D loss NaN, G loss NaN). Resume rolls back to the last good checkpoint (step-0000000.ckpt) and halves the learning rates; Stop ends the run there"})
	h.waitFor("the offer to roll back", 10*time.Second, func() bool {
		return h.s.run.pause.Text == "Roll back" && strings.Contains(h.s.status.Text, "diverged at step 5")
	})
	h.ui(func() { test.Tap(h.s.run.pause) })
	h.waitFor("training again", 10*time.Second, func() bool { return h.s.run.pause.Text == "Pause" && h.s.run.phase.Text == "Training" })
	h.stop()
}

// Continue follows the command line's rules for --resume: a new length
// applies, a new batch size is refused by name and the run stays as it is.
// The progress line says when the run was last saved.
func TestContinueFollowsResumeRules(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(1000)
	h.waitFor("some steps", time.Minute, func() bool { return h.shownStep() >= 2 })
	h.stop()
	dir := h.s.hist.RunDir()
	h.waitFor("the save in the progress line", 10*time.Second, func() bool { return strings.Contains(h.s.run.info.Text, "· saved ") })

	h.set("batch_size", "32")
	h.ui(func() { test.Tap(h.s.run.cont) })
	h.waitFor("the refusal", time.Minute, func() bool { return strings.Contains(h.s.status.Text, "batch_size cannot change") })
	h.ui(func() {
		if h.s.run.phase.Text != "Stopped" {
			t.Errorf("phase %q after a refused Continue", h.s.run.phase.Text)
		}
	})

	h.set("batch_size", "16")
	h.set("epochs", "200")
	h.ui(func() { test.Tap(h.s.run.cont) })
	h.waitFor("training again", time.Minute, func() bool { return h.s.run.phase.Text == "Training" })
	h.stop()
	cfg, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil || !strings.Contains(string(cfg), `"epochs": 200`) {
		t.Fatalf("config.json after Continue with 200 epochs (%v):\n%s", err, cfg)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "log.txt"))
	if !strings.Contains(string(log), "changed epochs 100000 → 200") {
		t.Fatalf("log.txt does not record the change:\n%s", log)
	}
}
