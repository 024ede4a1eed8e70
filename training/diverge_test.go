package training

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ganstudio/ganstudio/training/events"
)

// poison pauses tr after step `after` and writes a NaN into a generator
// weight, as an exploding update would.
func poison(t *testing.T, tr *Trainer, sub *events.Subscription, after int) {
	t.Helper()
	for tr.StepsDone() < after {
		<-sub.Ready()
	}
	tr.Pause()
	tr.mu.Lock()
	tr.gan.G.Params()[0].Data()[0] = float32(math.NaN())
	tr.mu.Unlock()
	tr.Resume()
}

func TestDivergenceRollsBack(t *testing.T) {
	data := realMNIST(t)
	cfg := tinyConfig(t, 60)
	cfg.CheckpointEvery = 5
	cfg.OnDiverge = "rollback"
	tr := mustNew(t, cfg, data)
	sub := tr.Subscribe()
	watch := tr.Subscribe()
	tr.Start()
	poison(t, tr, sub, 7)
	if err := tr.Wait(); err != nil {
		t.Fatalf("run ended with %v, want a rollback and a finished run", err)
	}
	var rolled string
	var rates []events.Rates
	var lastStep events.Step
	for _, e := range watch.Drain() {
		if s, ok := e.(events.State); ok && strings.Contains(s.Message, "rolled back") {
			rolled = s.Message
		}
		if r, ok := e.(events.Rates); ok {
			rates = append(rates, r)
		}
		if s, ok := e.(events.Step); ok {
			lastStep = s
		}
	}
	// The window's sliders follow the rates the trainer publishes.
	if len(rates) != 1 || rates[0].Why != "rollback" || rates[0].G != cfg.LearnRateG/2 || rates[0].D != cfg.LearnRateD/2 {
		t.Errorf("rates published %+v, want one rollback with both halved", rates)
	}
	if lastStep.LearnRateG != cfg.LearnRateG/2 || lastStep.LearnRateD != cfg.LearnRateD/2 {
		t.Errorf("the last step used rates %g/%g, want the halved ones", lastStep.LearnRateG, lastStep.LearnRateD)
	}
	m := regexp.MustCompile(`diverged at step (\d+).*rolled back to step (\d+)`).FindStringSubmatch(rolled)
	if m == nil {
		t.Fatalf("no rollback message naming the steps; got %q", rolled)
	}
	bad, back := atoi(m[1]), atoi(m[2])
	// The poison lands after step 7, wherever the pause catches the run;
	// the rollback must reach a checkpoint (every 5 steps) before it: the
	// newest, or the one before when the newest caught the NaN weights and
	// was refused.
	if bad <= 7 || back%5 != 0 || back >= bad || bad-back > 10 {
		t.Fatalf("diverged at step %d, rolled back to %d: want the newest checkpoint before it", bad, back)
	}
	if c := tr.Config(); c.LearnRateG != cfg.LearnRateG/2 || c.LearnRateD != cfg.LearnRateD/2 {
		t.Fatalf("learning rates %g/%g after the rollback, want them halved", c.LearnRateG, c.LearnRateD)
	}
	run, err := ReadRun(tr.RunDir())
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range run.Steps {
		if s.Step != i+1 || math.IsNaN(float64(s.DLoss)) || math.IsNaN(float64(s.GLoss)) {
			t.Fatalf("losses.csv row %d: %+v; want steps 1..60 without NaN", i+1, s)
		}
	}
	if len(run.Steps) != 60 {
		t.Fatalf("losses.csv has %d rows, want 60", len(run.Steps))
	}
	// The morning after, the run's log tells the story.
	log, err := os.ReadFile(filepath.Join(tr.RunDir(), logFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"step 0  running", "warning: training diverged at step " + m[1], "checkpoint ", "step 60  finished"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("log.txt lacks %q:\n%s", want, log)
		}
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func TestDivergenceStops(t *testing.T) {
	data := realMNIST(t)
	cfg := tinyConfig(t, 1000)
	cfg.OnDiverge = "stop"
	tr, err := New(cfg, data, filepath.Join(t.TempDir(), "run"))
	if err != nil {
		t.Fatal(err)
	}
	sub := tr.Subscribe()
	tr.Start()
	poison(t, tr, sub, 3)
	err = tr.Wait()
	if err == nil || !strings.Contains(err.Error(), "diverged at step") {
		t.Fatalf("run ended with %v, want a divergence error", err)
	}
}

func TestKeepsNewestCheckpoints(t *testing.T) {
	data := realMNIST(t)
	cfg := tinyConfig(t, 12)
	cfg.CheckpointEvery = 2
	cfg.KeepCheckpoints = 2
	tr := mustNew(t, cfg, data)
	runToEnd(t, tr)
	run, _ := ReadRun(tr.RunDir())
	if len(run.Checkpoints) != 2 || !strings.HasSuffix(run.Checkpoints[1], "step-0000012.ckpt") {
		t.Fatalf("checkpoints %v, want the two newest", run.Checkpoints)
	}
}

// A window asks before rolling back: the run pauses and says so, Resume
// rolls back with halved learning rates, Stop ends the run there.
func TestDivergencePausesWhenAsked(t *testing.T) {
	for _, answer := range []string{"resume", "stop"} {
		t.Run(answer, func(t *testing.T) {
			cfg := tinyConfig(t, 40)
			cfg.CheckpointEvery = 5
			cfg.OnDiverge = "stop" // what a headless run would do; the question wins
			tr := mustNew(t, cfg, realMNIST(t))
			tr.PauseOnDivergence()
			sub, watch := tr.Subscribe(), tr.Subscribe()
			tr.Start()
			poison(t, tr, sub, 7)
			var asked events.State
			for asked.Err == nil {
				select {
				case <-watch.Ready():
				case <-tr.Done():
					t.Fatalf("the run ended (%v) without pausing to ask", tr.Wait())
				}
				for _, e := range watch.Drain() {
					if s, ok := e.(events.State); ok && s.Phase == events.Paused && s.Warning {
						asked = s
					}
				}
			}
			if !errors.Is(asked.Err, ErrDiverged) || !strings.Contains(asked.Message, "Resume rolls back") {
				t.Fatalf("paused with %v: %q", asked.Err, asked.Message)
			}
			if answer == "stop" {
				if err := tr.Stop(); err != nil {
					t.Fatalf("stop: %v", err)
				}
				if n := tr.StepsDone(); n >= 40 {
					t.Fatalf("%d steps done after stopping at the question", n)
				}
				return
			}
			tr.Resume()
			if err := tr.Wait(); err != nil {
				t.Fatalf("run ended with %v after the rollback", err)
			}
			if c := tr.Config(); c.LearnRateG != cfg.LearnRateG/2 {
				t.Fatalf("learning rate %g after the rollback, want %g", c.LearnRateG, cfg.LearnRateG/2)
			}
			if n := tr.StepsDone(); n != 40 {
				t.Fatalf("%d steps done, want 40", n)
			}
		})
	}
}
