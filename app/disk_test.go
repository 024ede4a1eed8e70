package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// watchedBuffer is a Buffer that several goroutines may use.
type watchedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *watchedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *watchedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// waitFor polls out until it contains s or the command ended.
func waitFor(t *testing.T, out *watchedBuffer, s string, ended <-chan int) {
	t.Helper()
	for !strings.Contains(out.String(), s) {
		select {
		case code := <-ended:
			t.Fatalf("train ended (exit %d) before printing %q:\n%s", code, s, out)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// A headless run whose checkpoint cannot be written pauses, says so, and
// tries again until it can; freeing space lets it finish with nothing lost.
func TestTrainWaitsForDiskSpace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root (CI runs as root)")
	}
	disk := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", disk).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", disk).Run() })

	var stdout, stderr watchedBuffer
	ended := make(chan int, 1)
	go func() {
		ended <- run([]string{"train", "--preset", "lite-mnist", "--width", "16", "--batch", "8", "--steps", "300",
			"--checkpoint-every", "100", "--sample-every", "1000", "--retry-checkpoint", "100ms", "--out", filepath.Join(disk, "run")}, &stdout, &stderr)
	}()
	waitFor(t, &stdout, "checkpoint: ", ended)
	filler := filepath.Join(disk, "download.iso")
	if err := os.WriteFile(filler, make([]byte, 2<<20), 0o644); err == nil {
		t.Fatal("2 MiB fitted on a 2 MiB disk that already holds a run")
	}
	waitFor(t, &stdout, "trying the checkpoint again", ended)
	if !strings.Contains(stdout.String(), "no space left on device") {
		t.Errorf("the warning does not say the disk is full:\n%s", stdout.String())
	}
	os.Remove(filler)
	if code := <-ended; code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, stdout.String(), stderr.String())
	}
	for _, step := range []string{"0000100", "0000300"} {
		if _, err := os.Stat(filepath.Join(disk, "run", "checkpoints", "step-"+step+".ckpt")); err != nil {
			t.Errorf("checkpoint of step %s missing: %v", step, err)
		}
	}
}
