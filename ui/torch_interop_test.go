//go:build interop

package ui

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/ganstudio/ganstudio/training"
)

// A run continued by the PyTorch twin on two processes (torchrun) comes
// back to the window whole: its run folder opens with one loss history
// from GAN Studio's first step to the twin's last and both parts' grids,
// Continue trains it on in GAN Studio with the curves unbroken, and the
// twin's checkpoint opens on its own as an export folder.
func TestOpenTorchrunCheckpoint(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(2)
	h.waitFor("a checkpoint", time.Minute, func() bool { return h.s.hist.NumGrids() >= 2 })
	h.stop()
	ckpts, _ := filepath.Glob(filepath.Join(h.s.hist.RunDir(), "checkpoints", "*.ckpt"))
	if len(ckpts) == 0 {
		t.Fatal("no checkpoint in the run")
	}
	handed, _ := training.CheckpointStep(ckpts[len(ckpts)-1])
	export := filepath.Join(t.TempDir(), "export")
	if err := training.ExportTorchWith(ckpts[len(ckpts)-1], export, training.ExportOptions{Data: true}); err != nil {
		t.Fatal(err)
	}
	_, here, _, _ := runtime.Caller(0)
	out := filepath.Join(t.TempDir(), "torch")
	// --redirects 1 --tee 1: torchrun 1.13 on Python 3.11 cannot parse its default "0".
	cmd := exec.Command("torchrun", "--standalone", "--nproc_per_node", "2", "--redirects", "1", "--tee", "1",
		filepath.Join(filepath.Dir(here), "..", "scripts", "torch", "ganstudio_torch.py"),
		"train", "--checkpoint", export, "--steps", "4", "--out", out, "--threads", "1", "--sample-every", "2")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("torchrun: %v\n%s", err, b)
	}
	last := handed + 4

	// Open run… on the twin's run folder.
	o := newHarness(t, "seed-mnist")
	o.ui(func() {
		o.next = out
		test.Tap(o.s.run.open)
	})
	o.waitFor("the twin's run", time.Minute, func() bool { return o.s.sampler() != nil && !o.s.state().busy })
	unbroken(t, o, last)
	steps := o.s.hist.GridSteps()
	if len(steps) == 0 || steps[0] != 0 || steps[len(steps)-1] != last {
		t.Errorf("grids at steps %v: want GAN Studio's from step 0 to the twin's at step %d", steps, last)
	}

	// Continue: GAN Studio trains the twin's run on, in its folder.
	o.ui(func() { test.Tap(o.s.run.cont) })
	o.waitFor("steps past the twin's", time.Minute, func() bool { s, ok := o.s.hist.Last(); return ok && s.Step >= last+3 })
	o.stop()
	n := len(o.s.hist.Steps())
	unbroken(t, o, n)
	if r, err := training.ReadRun(out); err != nil || len(r.Steps) != n || r.Steps[n-1].Step != n {
		t.Fatalf("the twin's run folder after Continue: %v", err)
	}

	openExport(t, filepath.Join(out, "checkpoints", fmt.Sprintf("step-%07d", last)))
}

// unbroken checks that the window's loss history holds steps 1 to last,
// one each.
func unbroken(t *testing.T, h *harness, last int) {
	t.Helper()
	got := h.s.hist.Steps()
	for i, s := range got {
		if s.Step != i+1 {
			t.Fatalf("the window's loss history has step %d at row %d (steps %d to %d): a gap or a repeat", s.Step, i+1, got[0].Step, got[len(got)-1].Step)
		}
	}
	if len(got) != last {
		t.Fatalf("the window's loss history holds steps 1 to %d, want 1 to %d", len(got), last)
	}
}
