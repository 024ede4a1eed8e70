package training

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ganstudio/ganstudio/model"
	"github.com/ganstudio/ganstudio/model/checkpoint"
	"github.com/ganstudio/ganstudio/training/dataset"
	"github.com/ganstudio/ganstudio/training/events"
)

var (
	mnistOnce sync.Once
	mnist     *dataset.Dataset
	mnistErr  error
)

// realMNIST opens the real MNIST training set once for all tests.
func realMNIST(t testing.TB) *dataset.Dataset {
	t.Helper()
	mnistOnce.Do(func() {
		mnist, mnistErr = dataset.Open(context.Background(), dataset.Spec{Name: "mnist", HoldOut: 5000, Size: 28, Channels: 1}, dataset.Options{})
	})
	if mnistErr != nil {
		t.Fatalf("open MNIST: %v", mnistErr)
	}
	return mnist
}

// tinyConfig is the seed MNIST set-up at a width small enough to train in
// a test: the same code path, a fraction of the cost.
func tinyConfig(t testing.TB, steps int) Config {
	cfg, err := Preset("lite-mnist")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Model.Width = 32
	cfg.BatchSize = 16
	cfg.Steps = steps
	cfg.SampleEvery = 10
	cfg.CheckpointEvery = 0
	// A finished run measures its samples: the tests about metrics ask for
	// them, the others should not load a classifier.
	cfg.MetricsEvery = 0
	return cfg
}

// runToEnd starts tr and collects its step events until it ends.
func runToEnd(t *testing.T, tr *Trainer) []events.Step {
	t.Helper()
	sub := tr.Subscribe()
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Wait(); err != nil {
		t.Fatal(err)
	}
	var steps []events.Step
	for _, e := range sub.Drain() {
		if s, ok := e.(events.Step); ok {
			steps = append(steps, s)
		}
	}
	return steps
}

func TestSameSeedSameLosses(t *testing.T) {
	data := realMNIST(t)
	a := runToEnd(t, mustNew(t, tinyConfig(t, 15), data))
	b := runToEnd(t, mustNew(t, tinyConfig(t, 15), data))
	if len(a) != 15 || len(b) != 15 {
		t.Fatalf("got %d and %d steps, want 15", len(a), len(b))
	}
	for i := range a {
		if a[i].DLoss != b[i].DLoss || a[i].GLoss != b[i].GLoss {
			t.Fatalf("step %d: losses %v/%v and %v/%v differ for the same seed", i+1, a[i].DLoss, a[i].GLoss, b[i].DLoss, b[i].GLoss)
		}
	}
	other := tinyConfig(t, 15)
	other.Seed = 2
	c := runToEnd(t, mustNew(t, other, data))
	if c[0].GLoss == a[0].GLoss {
		t.Fatal("a different seed gave the same first loss")
	}
}

func mustNew(t *testing.T, cfg Config, data *dataset.Dataset) *Trainer {
	t.Helper()
	tr, err := New(cfg, data, filepath.Join(t.TempDir(), "run"))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// A run resumed from a checkpoint must give exactly the losses of a run
// that never stopped, and the same grids, with every objective and with
// the averaged generator (whose weights only the checkpoint carries).
func TestResumeIsExact(t *testing.T) {
	data := realMNIST(t)
	for _, tc := range []struct {
		name string
		set  func(*Config)
	}{
		{"seed", func(*Config) {}},
		{"hinge, EMA", func(c *Config) { c.Model.Loss, c.EMADecay = model.LossHinge, 0.99 }},
		{"least squares, EMA", func(c *Config) { c.Model.Loss, c.EMADecay = model.LossLS, 0.9 }},
		{"DiffAugment", func(c *Config) { c.Model.Augment = "translation,cutout,color" }},
		{"conditional", func(c *Config) { c.Conditional = true }},
		{"spectral norm, conditional, hinge", func(c *Config) {
			c.Model.SpectralNorm, c.Conditional, c.Model.Loss = true, true, model.LossHinge
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const half = 20
			cfg := tinyConfig(t, 2*half)
			cfg.CheckpointEvery = half
			tc.set(&cfg)
			dir := filepath.Join(t.TempDir(), "run")
			straight := runToEnd(t, mustNewIn(t, cfg, data, dir))
			lastGrid, err := os.ReadFile(GridPath(dir, 2*half))
			if err != nil {
				t.Fatal(err)
			}

			resumed, err := Resume(filepath.Join(dir, "checkpoints", "step-0000020.ckpt"), data, nil)
			if err != nil {
				t.Fatal(err)
			}
			if resumed.StepsDone() != half {
				t.Fatalf("resumed at step %d, want %d", resumed.StepsDone(), half)
			}
			rest := runToEnd(t, resumed)
			if len(rest) != half {
				t.Fatalf("resumed run did %d steps, want %d", len(rest), half)
			}
			for i, s := range rest {
				want := straight[half+i]
				if s.Step != want.Step || s.DLoss != want.DLoss || s.GLoss != want.GLoss || s.DReal != want.DReal {
					t.Fatalf("step %d after resume: D %v G %v, straight run: step %d D %v G %v",
						s.Step, s.DLoss, s.GLoss, want.Step, want.DLoss, want.GLoss)
				}
			}
			if again, err := os.ReadFile(GridPath(dir, 2*half)); err != nil || !bytes.Equal(again, lastGrid) {
				t.Fatalf("the last grid after the resume differs from the straight run's (%v)", err)
			}
			run, err := ReadRun(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(run.Steps) != 2*half {
				t.Fatalf("losses.csv has %d rows after the resume, want %d", len(run.Steps), 2*half)
			}
			for i, s := range run.Steps {
				if s.Step != i+1 {
					t.Fatalf("losses.csv row %d is step %d", i+1, s.Step)
				}
			}
		})
	}
}

// The averaged generator draws the grids of an EMA run, and the window
// can still ask for the generator as trained.
func TestAverageDrawsTheGrids(t *testing.T) {
	cfg := tinyConfig(t, 30)
	cfg.EMADecay = 0.99
	tr := mustNew(t, cfg, realMNIST(t))
	runToEnd(t, tr)
	avg, err := tr.Grid(TrainingNoise)
	if err != nil {
		t.Fatal(err)
	}
	trained, err := tr.Grid(Noise{Psi: 1, Trained: true})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(avg.Image.Pix, trained.Image.Pix) {
		t.Fatal("the averaged generator draws the trained generator's grid")
	}
	plain := tinyConfig(t, 30)
	other := mustNew(t, plain, realMNIST(t))
	runToEnd(t, other)
	same, err := other.Grid(TrainingNoise)
	if err != nil {
		t.Fatal(err)
	}
	// Averaging changes what is drawn, never what is trained.
	if !bytes.Equal(same.Image.Pix, trained.Image.Pix) {
		t.Fatal("the EMA run trained another generator than the plain run")
	}
}

func TestPauseHoldsStepsAndStopSaves(t *testing.T) {
	data := realMNIST(t)
	dir := filepath.Join(t.TempDir(), "run")
	tr, err := New(tinyConfig(t, 100000), data, dir)
	if err != nil {
		t.Fatal(err)
	}
	sub := tr.Subscribe()
	tr.Start()
	for tr.StepsDone() < 3 {
		<-sub.Ready()
		sub.Drain()
	}
	tr.Pause()
	held := tr.StepsDone()
	time.Sleep(300 * time.Millisecond)
	if got := tr.StepsDone(); got > held+1 {
		t.Fatalf("paused at step %d but training went on to %d", held, got)
	}
	held = tr.StepsDone()
	tr.Resume()
	for tr.StepsDone() <= held {
		<-sub.Ready()
		sub.Drain()
	}
	if err := tr.Stop(); err != nil {
		t.Fatal(err)
	}
	run, err := ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Checkpoints) == 0 {
		t.Fatal("Stop wrote no checkpoint")
	}
	want := filepath.Base(run.Checkpoints[len(run.Checkpoints)-1])
	if !strings.Contains(want, "step-") {
		t.Fatalf("checkpoint name %s", want)
	}
	if _, err := checkpoint.Read(run.Checkpoints[len(run.Checkpoints)-1]); err != nil {
		t.Fatal(err)
	}
}

func TestGridsAreWrittenAndDecoded(t *testing.T) {
	data := realMNIST(t)
	dir := filepath.Join(t.TempDir(), "run")
	tr, err := New(tinyConfig(t, 20), data, dir)
	if err != nil {
		t.Fatal(err)
	}
	runToEnd(t, tr)
	run, err := ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Grids) != 3 || run.Grids[0].Step != 0 || run.Grids[1].Step != 10 || run.Grids[2].Step != 20 {
		t.Fatalf("grids %+v, want steps 0, 10 and 20", run.Grids)
	}
	f, err := os.Open(run.Grids[2].Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 5*29-1 || b.Dy() != 5*29-1 {
		t.Fatalf("grid is %v, want 5×5 cells of 28 px with 1 px gaps", b)
	}
}

// A reader that never reads must not slow or block training: steps queue
// up, grids coalesce to the newest.
func TestSlowReaderDoesNotBlock(t *testing.T) {
	data := realMNIST(t)
	cfg := tinyConfig(t, 30)
	cfg.SampleEvery = 1
	tr := mustNew(t, cfg, data)
	idle := tr.Subscribe()
	runToEnd(t, tr)
	var steps, grids int
	for _, e := range idle.Drain() {
		switch e.(type) {
		case events.Step:
			steps++
		case events.Grid:
			grids++
		}
	}
	if steps != 30 || grids != 1 {
		t.Fatalf("an idle reader got %d steps and %d grids, want all 30 steps and only the newest grid", steps, grids)
	}
}

func TestResumeSkipsDamagedCheckpoint(t *testing.T) {
	data := realMNIST(t)
	cfg := tinyConfig(t, 10)
	cfg.CheckpointEvery = 5
	dir := filepath.Join(t.TempDir(), "run")
	runToEnd(t, mustNewIn(t, cfg, data, dir))
	run, _ := ReadRun(dir)
	if len(run.Checkpoints) != 2 {
		t.Fatalf("checkpoints %v, want steps 5 and 10", run.Checkpoints)
	}
	last := run.Checkpoints[1]
	b, _ := os.ReadFile(last)
	os.WriteFile(last, b[:len(b)/2], 0o644) // as if the disk lost the end
	tr, err := Resume(dir, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tr.StepsDone() != 5 {
		t.Fatalf("resumed at step %d, want the last good checkpoint's 5", tr.StepsDone())
	}
	tr.Stop()
}

func mustNewIn(t *testing.T, cfg Config, data *dataset.Dataset, dir string) *Trainer {
	t.Helper()
	tr, err := New(cfg, data, dir)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestNewRejects(t *testing.T) {
	data := realMNIST(t)
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"batch 0", func(c *Config) { c.BatchSize = 0 }, "batch size 0"},
		{"negative learning rate", func(c *Config) { c.LearnRateG = -1 }, "generator learning rate -1"},
		{"CIFAR network on MNIST", func(c *Config) { c.Model.ImageSize, c.Model.Channels = 32, 3 }, "pick a preset"},
		{"keep 0", func(c *Config) { c.Model.KeepProb = 0 }, "keep probability"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tinyConfig(t, 10)
			tt.mutate(&cfg)
			_, err := New(cfg, data, filepath.Join(t.TempDir(), "run"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v, want an error about %q", err, tt.want)
			}
		})
	}
}

func TestSampleAndInterpolate(t *testing.T) {
	data := realMNIST(t)
	tr := mustNew(t, tinyConfig(t, 5), data)
	runToEnd(t, tr)
	imgs, err := tr.Sample(7, 3, 1)
	if err != nil || len(imgs) != 7 {
		t.Fatalf("Sample = %d images, %v", len(imgs), err)
	}
	walk, err := tr.Interpolate(TrainingNoise, 0, 24, 6)
	if err != nil || len(walk) != 6 {
		t.Fatalf("Interpolate = %d images, %v", len(walk), err)
	}
	preview, err := tr.Grid(TrainingNoise)
	if err != nil {
		t.Fatal(err)
	}
	grid := preview.Image
	// The walk's ends are the grid's first and last cells.
	for i, cell := range []struct{ x, y, img int }{{0, 0, 0}, {4 * 29, 4 * 29, 5}} {
		for y := 0; y < 28; y++ {
			for x := 0; x < 28; x++ {
				if grid.NRGBAAt(cell.x+x, cell.y+y) != walk[cell.img].NRGBAAt(x, y) {
					t.Fatalf("end %d of the walk differs from its grid cell at (%d,%d)", i, x, y)
				}
			}
		}
	}
	if _, err := tr.Interpolate(TrainingNoise, 0, 25, 4); err == nil {
		t.Fatal("Interpolate accepted cell 25")
	}
}

// Sampling from another goroutine while training runs must be safe: the
// race detector (make test-race) watches this test.
func TestSampleWhileTraining(t *testing.T) {
	data := realMNIST(t)
	tr := mustNew(t, tinyConfig(t, 40), data)
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	var grids int
	for {
		select {
		case <-tr.Done():
			if err := tr.Wait(); err != nil {
				t.Fatal(err)
			}
			if grids == 0 {
				t.Fatal("no grid sampled while training ran")
			}
			return
		default:
		}
		if _, err := tr.Grid(Noise{Psi: 0.5, Fresh: true, Seed: uint64(grids)}); err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Sample(3, uint64(grids), 1); err != nil {
			t.Fatal(err)
		}
		grids++
	}
}

// TestSameSeedSameLossesAnyGOMAXPROCS trains the same run in a child
// process with one Go thread (no pool workers: every split product and
// element-wise pass runs on the caller) and with three, and wants the
// losses of this process bit for bit: no reduction order may follow the
// number of cores.
func TestSameSeedSameLossesAnyGOMAXPROCS(t *testing.T) {
	const steps = 8
	if out := os.Getenv("GANSTUDIO_TEST_LOSSES_OUT"); out != "" {
		var b strings.Builder
		for _, s := range runToEnd(t, mustNew(t, tinyConfig(t, steps), realMNIST(t))) {
			fmt.Fprintf(&b, "%08x %08x\n", math.Float32bits(s.DLoss), math.Float32bits(s.GLoss))
		}
		if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if testing.Short() {
		t.Skip("trains three times in child processes")
	}
	var want strings.Builder
	for _, s := range runToEnd(t, mustNew(t, tinyConfig(t, steps), realMNIST(t))) {
		fmt.Fprintf(&want, "%08x %08x\n", math.Float32bits(s.DLoss), math.Float32bits(s.GLoss))
	}
	for _, procs := range []string{"1", "3"} {
		out := filepath.Join(t.TempDir(), "losses")
		cmd := exec.Command(os.Args[0], "-test.run=^TestSameSeedSameLossesAnyGOMAXPROCS$", "-test.count=1")
		cmd.Env = append(os.Environ(), "GOMAXPROCS="+procs, "GANSTUDIO_TEST_LOSSES_OUT="+out)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("child with GOMAXPROCS=%s: %v\n%s", procs, err, msg)
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want.String() {
			t.Fatalf("GOMAXPROCS=%s gave the losses (D, G as float32 bits)\n%swhere this process gave\n%s", procs, got, want.String())
		}
	}
}

func TestAmend(t *testing.T) {
	stored := tinyConfig(t, 100)
	tests := []struct {
		name    string
		edit    func(*Config)
		changes string // describeChanges of the result
		refused string // in the error
	}{
		{"nothing", func(*Config) {}, "", ""},
		{"longer and slower", func(c *Config) { c.Steps, c.LearnRateD = 500, 0.0002 }, "learn_rate_d 0.001 → 0.0002, steps 100 → 500", ""},
		{"cadences", func(c *Config) { c.AutosaveSeconds, c.CheckpointEvery, c.MetricsEvery = 30, 50, 250 },
			"autosave_seconds 60 → 30, checkpoint_every 0 → 50, metrics_every 0 → 250", ""},
		{"epochs instead of steps", func(c *Config) { c.Steps, c.Epochs = 0, 9 }, "epochs 5 → 9, steps 100 → unset", ""},
		{"width", func(c *Config) { c.Model.Width = 64 }, "", "model.width cannot change when a run resumes (it is 32)"},
		{"batch", func(c *Config) { c.BatchSize = 8 }, "", "batch_size cannot change"},
		{"data", func(c *Config) { c.Data.Name = "fashion-mnist" }, "", "data.Name cannot change"},
		{"seed", func(c *Config) { c.Seed = 9 }, "", "seed cannot change"},
		{"invalid rate", func(c *Config) { c.LearnRateG = 3 }, "", "generator learning rate 3 is out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wanted := stored
			tt.edit(&wanted)
			next, changes, err := Amend(stored, wanted)
			if tt.refused != "" {
				if err == nil || !strings.Contains(err.Error(), tt.refused) {
					t.Fatalf("error %v, want one saying %q", err, tt.refused)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := describeChanges(changes); got != tt.changes {
				t.Fatalf("changes %q, want %q", got, tt.changes)
			}
			if len(diffConfigs(next, wanted)) != 0 {
				t.Fatalf("amended config differs from the wanted one: %v", diffConfigs(next, wanted))
			}
		})
	}
}

// Autosave by time: with no step cadence, checkpoints still come while the
// run goes on, and the writes happen beside training.
func TestAutosaveByTime(t *testing.T) {
	cfg := tinyConfig(t, 60)
	cfg.CheckpointEvery = 0
	cfg.AutosaveSeconds = 0.05
	cfg.KeepCheckpoints = 3
	tr := mustNew(t, cfg, realMNIST(t))
	sub := tr.Subscribe()
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Wait(); err != nil {
		t.Fatal(err)
	}
	var saved []int
	for _, e := range sub.Drain() {
		if c, ok := e.(events.Checkpoint); ok {
			saved = append(saved, c.Step)
			if c.Time.IsZero() {
				t.Errorf("checkpoint of step %d has no time", c.Step)
			}
		}
	}
	if len(saved) < 3 || saved[len(saved)-1] != 60 {
		t.Fatalf("checkpoints at steps %v: want several during the run and the last at step 60", saved)
	}
	run, err := ReadRun(tr.RunDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Checkpoints) != 3 {
		t.Fatalf("%d checkpoints kept, want the newest 3: %v", len(run.Checkpoints), run.Checkpoints)
	}
}

// Configurations written before autosave was set in seconds keep their
// interval.
func TestConfigReadsAutosaveMinutes(t *testing.T) {
	var c Config
	if err := json.Unmarshal([]byte(`{"autosave_minutes": 10, "batch_size": 64}`), &c); err != nil {
		t.Fatal(err)
	}
	if c.AutosaveSeconds != 600 || c.BatchSize != 64 {
		t.Fatalf("autosave %gs, batch %d: want 600s and 64", c.AutosaveSeconds, c.BatchSize)
	}
}

// TestStepRunsOneIteration is GAN Lab's one-update-at-a-time view: a
// paused run steps exactly once per Step, and each step brings a grid.
func TestStepRunsOneIteration(t *testing.T) {
	tr := mustNew(t, tinyConfig(t, 100000), realMNIST(t))
	sub := tr.Subscribe()
	if err := tr.Step(); err == nil {
		t.Fatal("Step before Start succeeded")
	}
	tr.Start()
	defer tr.Stop()
	for tr.StepsDone() < 2 {
		<-sub.Ready()
		sub.Drain()
	}
	if err := tr.Step(); err == nil || !strings.Contains(err.Error(), "pause it first") {
		t.Fatalf("Step while training: %v, want a request to pause first", err)
	}
	tr.Pause()
	gridAfter := func() int {
		t.Helper()
		deadline := time.After(time.Minute)
		for {
			select {
			case <-sub.Ready():
				for _, e := range sub.Drain() {
					if g, ok := e.(events.Grid); ok && g.Step%10 != 0 {
						return g.Step
					}
				}
			case <-deadline:
				t.Fatal("no grid after Step")
			}
		}
	}
	for i := 0; i < 3; i++ {
		before := tr.StepsDone()
		if err := tr.Step(); err != nil {
			t.Fatal(err)
		}
		got := gridAfter()
		time.Sleep(200 * time.Millisecond)
		// The first Step may follow an iteration that was under way when
		// Pause came; from then on each Step is exactly one iteration.
		if done := tr.StepsDone(); done != got || (i > 0 && done != before+1) {
			t.Fatalf("Step %d: %d steps done before, %d after, grid at %d: want exactly one more", i, before, done, got)
		}
	}
}

// TestPreviewVerdictsAndTruncation checks the lab's view of a run: D's
// verdict on every cell and on real images, and the truncation ψ.
func TestPreviewVerdictsAndTruncation(t *testing.T) {
	tr := mustNew(t, tinyConfig(t, 3), realMNIST(t))
	before, err := tr.Grid(TrainingNoise)
	if err != nil {
		t.Fatal(err)
	}
	if before.Real != nil {
		t.Errorf("D's verdict on %d real images before any batch was read", len(before.Real))
	}
	runToEnd(t, tr)
	p, err := tr.Grid(TrainingNoise)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Fake) != PreviewSamples || len(p.Real) != 16 {
		t.Fatalf("verdicts on %d fakes and %d reals, want 25 and a batch of 16", len(p.Fake), len(p.Real))
	}
	for _, v := range append(p.Fake, p.Real...) {
		if !(v > 0 && v < 1) {
			t.Fatalf("verdict %v is not a probability", v)
		}
	}
	for _, tc := range []struct {
		name  string
		noise Noise
		same  bool // the same grid as the training noise's
	}{
		{"ψ 1 fixed", TrainingNoise, true},
		{"ψ 0.5 fixed", Noise{Psi: 0.5}, false},
		{"ψ 1 fresh", Noise{Psi: 1, Fresh: true, Seed: 9}, false},
	} {
		q, err := tr.Grid(tc.noise)
		if err != nil {
			t.Fatal(err)
		}
		if same := bytes.Equal(q.Image.Pix, p.Image.Pix); same != tc.same {
			t.Errorf("%s: same grid as the training noise's = %v, want %v", tc.name, same, tc.same)
		}
	}
	// ψ 0 is the mean vector for every sample: identical images.
	imgs, err := tr.Sample(4, 3, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, img := range imgs {
		if !bytes.Equal(img.Pix, imgs[0].Pix) {
			t.Fatalf("ψ 0: sample %d differs from sample 0", i)
		}
	}
	if _, err := tr.Grid(Noise{Psi: 1.5}); err == nil || !strings.Contains(err.Error(), "0 to 1") {
		t.Errorf("ψ 1.5: %v, want an error naming the range", err)
	}
}

// A conditional run learns the data set's classes, draws the grid one
// class per row, and samples a chosen class; ClassIndex reads names and
// numbers.
func TestConditionalRun(t *testing.T) {
	cfg := tinyConfig(t, 12)
	cfg.Conditional = true
	dir := filepath.Join(t.TempDir(), "run")
	tr := mustNewIn(t, cfg, realMNIST(t), dir)
	if got := tr.Config(); got.Model.Classes != 10 || len(got.ClassNames) != 10 || len(got.TrainClasses) != 10 {
		t.Fatalf("a conditional MNIST run has %d classes (%v), trains %v", got.Model.Classes, got.ClassNames, got.TrainClasses)
	}
	runToEnd(t, tr)
	g, loaded, err := LoadGenerator(filepath.Join(dir, "checkpoints", "step-0000012.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	sevens, err := g.SampleClass(3, 1, 1, 7)
	if err != nil || len(sevens) != 3 {
		t.Fatalf("SampleClass = %d images, %v", len(sevens), err)
	}
	ones, _ := g.SampleClass(3, 1, 1, 1)
	if bytes.Equal(sevens[0].Pix, ones[0].Pix) {
		t.Error("the same noise draws the same image as a 7 and as a 1")
	}
	if _, err := g.SampleClass(1, 1, 1, 10); err == nil {
		t.Error("class 10 of 10 was drawn")
	}
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{{"7", 7, true}, {"0", 0, true}, {"12", 0, false}, {"horse", 0, false}} {
		got, err := ClassIndex(loaded, tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ClassIndex(%q) = %d, %v", tc.in, got, err)
		}
	}
	if _, err := ClassIndex(tinyConfig(t, 1), "7"); err == nil || !strings.Contains(err.Error(), "--conditional") {
		t.Errorf("an unconditional run's ClassIndex: %v", err)
	}
}
