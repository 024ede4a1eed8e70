//go:build interop

package ui

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/ganstudio/ganstudio/training"
)

// The window opens a checkpoint written by the PyTorch twin on two
// processes (torchrun), as it opens its own exports.
func TestOpenTorchrunCheckpoint(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(2)
	h.waitFor("a checkpoint", time.Minute, func() bool { return h.s.hist.NumGrids() >= 2 })
	h.stop()
	ckpts, _ := filepath.Glob(filepath.Join(h.s.hist.RunDir(), "checkpoints", "*.ckpt"))
	if len(ckpts) == 0 {
		t.Fatal("no checkpoint in the run")
	}
	export := filepath.Join(t.TempDir(), "export")
	if err := training.ExportTorch(ckpts[len(ckpts)-1], export); err != nil {
		t.Fatal(err)
	}
	_, here, _, _ := runtime.Caller(0)
	out := filepath.Join(t.TempDir(), "torch")
	// --redirects 1 --tee 1: torchrun 1.13 on Python 3.11 cannot parse its default "0".
	cmd := exec.Command("torchrun", "--standalone", "--nproc_per_node", "2", "--redirects", "1", "--tee", "1",
		filepath.Join(filepath.Dir(here), "..", "scripts", "torch", "ganstudio_torch.py"),
		"train", "--checkpoint", export, "--steps", "4", "--out", out, "--threads", "1")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("torchrun: %v\n%s", err, b)
	}
	folders, _ := filepath.Glob(filepath.Join(out, "step-*"))
	if len(folders) != 1 {
		t.Fatalf("the twin wrote %v, want one checkpoint folder", folders)
	}
	openExport(t, folders[0])
}
