package training

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ganstudio/ganstudio/model/checkpoint"
	"github.com/ganstudio/ganstudio/training/events"
)

// smallDisk mounts a tmpfs of the given size and returns its path; it
// skips when this process may not mount (not root).
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root (CI runs as root)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	return dir
}

// A full disk must not end the run: every write that fails is reported,
// training goes on, and the checkpoints written before stay readable.
func TestFullDiskKeepsTraining(t *testing.T) {
	disk := smallDisk(t, "3m")
	data := realMNIST(t)
	cfg := tinyConfig(t, 40)
	cfg.CheckpointEvery = 1
	cfg.SampleEvery = 1
	cfg.KeepCheckpoints = 0
	tr, err := New(cfg, data, filepath.Join(disk, "run"))
	if err != nil {
		t.Fatal(err)
	}
	sub := tr.Subscribe()
	tr.Start()
	if err := tr.Wait(); err != nil {
		t.Fatalf("run ended with %v; a full disk must not end it", err)
	}
	var warnings, steps int
	for _, e := range sub.Drain() {
		switch e := e.(type) {
		case events.State:
			if e.Warning {
				warnings++
				if !strings.Contains(e.Message, "no space left") {
					t.Errorf("warning %q does not say the disk is full", e.Message)
				}
			}
		case events.Step:
			steps++
		}
	}
	if steps != 40 {
		t.Fatalf("%d steps done, want all 40", steps)
	}
	if warnings == 0 {
		t.Fatal("the disk never filled up: the test proves nothing")
	}
	run, err := ReadRun(tr.RunDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Checkpoints) == 0 {
		t.Fatal("no checkpoint fitted on the disk")
	}
	for _, c := range run.Checkpoints {
		if _, err := checkpoint.Read(c); err != nil {
			t.Errorf("a checkpoint written before the disk filled is damaged: %v", err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(tr.RunDir(), "*", ".*")); len(left) > 0 {
		t.Errorf("temporary files left on the full disk: %v", left)
	}
	t.Logf("%d warnings, %d checkpoints intact", warnings, len(run.Checkpoints))
}
