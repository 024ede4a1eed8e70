package main

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test start this test binary as the ganstudio command in a
// child process, so that it can be killed like the real program.
func TestMain(m *testing.M) {
	if os.Getenv("GANSTUDIO_AS_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func ganstudio(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "GANSTUDIO_AS_MAIN=1")
	return cmd
}

// rowsIn counts the lines of a run's losses.csv (0 before it exists).
func rowsIn(dir string) int {
	b, _ := os.ReadFile(filepath.Join(dir, "losses.csv"))
	return strings.Count(string(b), "\n")
}

// lossColumns drops the images/s column, the only one that depends on time.
func lossColumns(t *testing.T, dir string) []string {
	b, err := os.ReadFile(filepath.Join(dir, "losses.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Split(line, ",")
		rows = append(rows, strings.Join(f[:len(f)-1], ","))
	}
	return rows
}

// TestSurvivesSIGKILL kills a training process at random moments, many
// times (checkpoints are written every step, so many kills land inside a
// write), resumes it each time, and checks that the finished run has
// exactly the losses of a run that was never interrupted.
func TestSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a dozen training processes")
	}
	const steps = 120
	train := []string{"train", "--preset", "lite-mnist", "--width", "16", "--batch", "8", "--steps", "120",
		"--checkpoint-every", "1", "--keep-checkpoints", "3", "--sample-every", "7", "--autosave", "0"}

	straight := filepath.Join(t.TempDir(), "straight")
	if out, err := ganstudio(append(train, "--out", straight)...).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}

	dir := filepath.Join(t.TempDir(), "killed")
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("kill schedule seed %d", seed)
	kills := 0
	for attempt := 0; attempt < 60; attempt++ {
		args := append(train, "--out", dir)
		if _, err := os.Stat(filepath.Join(dir, "checkpoints")); err == nil {
			args = []string{"train", "--resume", dir}
		}
		cmd := ganstudio(args...)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		// Kill once the run has made a random amount of progress past
		// where it started, so that every attempt moves the run on.
		target := rowsIn(dir) + 1 + rng.IntN(25)
		tick := time.NewTicker(3 * time.Millisecond)
	wait:
		for {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("run %d failed by itself: %v\n%s", attempt, err, out.String())
				}
				attempt = 1 << 30 // finished
				break wait
			case <-tick.C:
				if rowsIn(dir) >= target {
					cmd.Process.Signal(syscall.SIGKILL)
					<-done
					kills++
					break wait
				}
			}
		}
		tick.Stop()
		if attempt == 1<<30 {
			break
		}
	}
	if kills < 4 {
		t.Fatalf("only %d kills landed before the run finished; the test proves nothing", kills)
	}
	got, want := lossColumns(t, dir), lossColumns(t, straight)
	if len(got) != steps+1 {
		t.Fatalf("after %d kills losses.csv has %d rows, want %d", kills, len(got)-1, steps)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("after %d kills, row %d is %q; the uninterrupted run has %q", kills, i, got[i], want[i])
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "checkpoints", ".*")); len(left) > 0 {
		t.Errorf("temporary checkpoint files left behind: %v", left)
	}
	t.Logf("%d kills, losses identical to the uninterrupted run", kills)
}
