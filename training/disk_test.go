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

// fillDisk writes a file at path until the disk is full, as another
// program's download would, and returns a function that deletes it.
func fillDisk(t *testing.T, path string) (free func()) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !strings.Contains(err.Error(), "no space left") {
				t.Fatalf("fill the disk: %v", err)
			}
			break
		}
	}
	f.Close()
	return func() {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
}

// A full disk must not end the run. Grids and losses that cannot be
// written are warnings and training goes on; a checkpoint that cannot be
// written pauses the run, which resumes, checkpoint first, once the user
// has freed space. Nothing written before is damaged.
func TestFullDiskPausesForCheckpoints(t *testing.T) {
	disk := smallDisk(t, "3m")
	data := realMNIST(t)
	cfg := tinyConfig(t, 40)
	cfg.CheckpointEvery = 10
	cfg.SampleEvery = 1
	cfg.KeepCheckpoints = 2
	tr, err := New(cfg, data, filepath.Join(disk, "run"))
	if err != nil {
		t.Fatal(err)
	}
	free := fillDisk(t, filepath.Join(disk, "download.iso"))
	sub := tr.Subscribe()
	tr.Start()
	var warnings, steps, pauses, pausedAt int
	var saved []int
	for running := true; running; {
		select {
		case <-sub.Ready():
		case <-tr.Done():
			running = false
		}
		for _, e := range sub.Drain() {
			switch e := e.(type) {
			case events.State:
				if !e.Warning {
					continue
				}
				warnings++
				if !strings.Contains(e.Message, "no space left") {
					t.Errorf("warning %q does not say the disk is full", e.Message)
				}
				if e.Phase == events.Paused {
					// Checkpoints are written in the background, so the
					// failure shows some steps after step 10.
					pauses++
					pausedAt = e.Step
					if e.Step < 10 || e.Step >= 20 || !strings.Contains(e.Message, "paused") {
						t.Errorf("pause at step %d says %q; want steps 10 to 19 and that training is paused", e.Step, e.Message)
					}
					if pauses > 1 {
						t.Fatalf("paused again after space was freed: %s", e.Message)
					}
					if tr.StepsDone() != e.Step {
						t.Errorf("%d steps done while paused at %d", tr.StepsDone(), e.Step)
					}
					free()
					tr.Resume()
				}
			case events.Step:
				steps++
			case events.Checkpoint:
				saved = append(saved, e.Step)
			}
		}
	}
	if err := tr.Wait(); err != nil {
		t.Fatalf("run ended with %v; a full disk must not end it", err)
	}
	if steps != 40 {
		t.Fatalf("%d steps done, want all 40", steps)
	}
	if pauses != 1 || warnings <= pauses {
		t.Fatalf("%d pauses and %d warnings: want one pause for the checkpoint and warnings for the grids", pauses, warnings)
	}
	if len(saved) == 0 || saved[0] != pausedAt {
		t.Fatalf("checkpoints written at steps %v: the first, retried on resume, must be step %d, where the run paused", saved, pausedAt)
	}
	run, err := ReadRun(tr.RunDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range run.Checkpoints {
		if _, err := checkpoint.Read(c); err != nil {
			t.Errorf("checkpoint damaged: %v", err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(tr.RunDir(), "*", ".*")); len(left) > 0 {
		t.Errorf("temporary files left on the full disk: %v", left)
	}
	t.Logf("%d warnings, checkpoints at %v", warnings, saved)
}

// Stopping a run that waits for disk space ends it at once, with the
// checkpoints written before intact.
func TestStopWhilePausedForDisk(t *testing.T) {
	disk := smallDisk(t, "3m")
	cfg := tinyConfig(t, 40)
	cfg.CheckpointEvery = 5
	tr, err := New(cfg, realMNIST(t), filepath.Join(disk, "run"))
	if err != nil {
		t.Fatal(err)
	}
	sub := tr.Subscribe()
	tr.Start()
	filled := false
	for paused := false; !paused; {
		select {
		case <-sub.Ready():
		case <-tr.Done():
			t.Fatal("the run ended without pausing for the full disk")
		}
		for _, e := range sub.Drain() {
			switch e := e.(type) {
			case events.Checkpoint:
				if !filled {
					fillDisk(t, filepath.Join(disk, "download.iso"))
					filled = true
				}
			case events.State:
				paused = paused || (e.Warning && e.Phase == events.Paused)
			}
		}
	}
	if err := tr.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	run, err := ReadRun(tr.RunDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Checkpoints) == 0 {
		t.Fatal("the checkpoint written before the disk filled is gone")
	}
	for _, c := range run.Checkpoints {
		if _, err := checkpoint.Read(c); err != nil {
			t.Errorf("checkpoint damaged: %v", err)
		}
	}
}
