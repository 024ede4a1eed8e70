//go:build interop

package training

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ganstudio/ganstudio/model"
	"github.com/ganstudio/ganstudio/model/safetensors"
	"github.com/ganstudio/ganstudio/training/dataset"
	"github.com/ganstudio/ganstudio/training/events"
)

// These tests run the PyTorch twin (scripts/torch) on GAN Studio's
// exports; `make test-interop` runs them with Debian's python3-torch.

const python = "/usr/bin/python3"

func twin(t *testing.T, args ...string) []byte {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(here), "..", "scripts", "torch", "ganstudio_torch.py")
	cmd := exec.Command(python, append([]string{script}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v (is python3-torch installed? make deps installs it)", script, args, err)
	}
	return out
}

// Train 50 steps (30 for the colour runs), export with the data, and let
// the twin run the next step on the same batch with GAN Studio's noise,
// dropout masks and augmentations: its losses must be Go's, and the batch
// it reads from the export's data file must be Go's batch, bit for bit.
// Then G's outputs for the same noise must agree. Some cases also train
// on in the twin and come back (see twinRoundTrip).
func TestTorchTwinContinuesExactly(t *testing.T) {
	data := realMNIST(t)
	for _, tc := range []struct {
		name  string
		set   func(*Config)
		train bool
	}{
		{"seed", func(*Config) {}, true},
		{"hinge, EMA, conditional", func(c *Config) { c.Model.Loss, c.EMADecay, c.Conditional = "hinge", 0.99, true }, false},
		{"least squares", func(c *Config) { c.Model.Loss = "ls" }, false},
		{"spectral norm, hinge, EMA, conditional", func(c *Config) {
			c.Model.SpectralNorm, c.Model.Loss, c.EMADecay, c.Conditional = true, "hinge", 0.99, true
		}, false},
		{"DiffAugment, conditional, TTUR", func(c *Config) {
			c.Model.Augment, c.Conditional, c.LearnRateG = "translation,cutout,color", true, c.LearnRateD/4
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tinyConfig(t, 50)
			cfg.Model.Width = 64
			cfg.BatchSize = 32
			tc.set(&cfg)
			checkTwin(t, cfg, data, tc.train)
		})
	}
	// The CIFAR layout's other paddings, and the 64×64 DCGAN, on folders
	// of colour pictures and on CIFAR-10's JPEG folders.
	hingeEMA := model.Seed(32, 3)
	hingeEMA.Loss = model.LossHinge
	folder64, _ := Preset("dcgan64-folder")
	for _, tc := range []struct {
		name  string
		m     model.Config
		set   func(*Config)
		train bool
	}{
		{"CIFAR layout", model.Seed(32, 3), nil, false},
		{"DCGAN 64×64", model.DCGAN64(3), nil, false},
		{"CIFAR layout, spectral norm", model.Config{ImageSize: 32, Channels: 3, NoiseSize: 100, Width: 32, Alpha: 0.1, KeepProb: 1,
			BNDecay: 0.99, BNEps: 0.001, Loss: model.LossHinge, SpectralNorm: true}, nil, false},
		{"DCGAN 64×64, spectral norm", func() model.Config { m := model.DCGAN64(3); m.SpectralNorm = true; return m }(), nil, false},
		{"dcgan64-folder, DiffAugment translation, cutout, color", folder64.Model, func(c *Config) {
			c.Model.Augment, c.Steps = "translation,cutout,color", 30
		}, true},
		{"conditional CIFAR-10 (JPEG folders, ship and horse)", model.Seed(32, 3), func(c *Config) {
			c.Data, c.Conditional, c.Steps = dataset.Spec{Path: cifarJPEG(t), Classes: []string{"ship", "horse"}}, true, 30
		}, true},
		{"hinge, EMA, 32×32", hingeEMA, func(c *Config) { c.EMADecay, c.Steps = 0.99, 30 }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			size := tc.m.ImageSize
			cfg := tinyConfig(t, 10)
			cfg.Model = tc.m
			cfg.Model.Width = 32
			cfg.Data = dataset.Spec{Path: pictureFolder(t, size, 40)}
			if tc.set != nil {
				tc.set(&cfg)
			}
			pictures, err := OpenData(context.Background(), cfg, dataset.Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkTwin(t, cfg, pictures, tc.train)
		})
	}
}

// checkTwin trains cfg's steps, exports with the data, and lets the twin
// run the next step on the same batch with GAN Studio's noise, dropout
// masks and augmentations: its losses must be Go's, and so must the batch
// it reads itself. Then G's outputs for the same noise must agree. With
// train, the twin also trains on and the run comes back (twinRoundTrip).
func checkTwin(t *testing.T, cfg Config, data *dataset.Dataset, train bool) {
	steps := cfg.Steps
	dir := filepath.Join(t.TempDir(), "run")
	runToEnd(t, mustNewIn(t, cfg, data, dir))
	ckpt := filepath.Join(dir, "checkpoints", fmt.Sprintf("step-%07d.ckpt", steps))
	export := filepath.Join(t.TempDir(), "export")
	if err := ExportTorchWith(ckpt, export, ExportOptions{Data: true}); err != nil {
		t.Fatal(err)
	}
	if train {
		twinRoundTrip(t, cfg, data, ckpt, export)
	}

	// The next step in Go, from the same checkpoint.
	tr, err := Resume(ckpt, data, func(c *Config) error { c.Steps = steps + 1; return nil })
	if err != nil {
		t.Fatal(err)
	}
	last := runToEnd(t, tr)
	if len(last) != 1 || last[0].Step != steps+1 {
		t.Fatalf("resumed run did %v", last)
	}
	inputs := []safetensors.Tensor{
		safetensors.Float32("real", []int{cfg.BatchSize, cfg.Model.Channels, cfg.Model.ImageSize, cfg.Model.ImageSize}, tr.step.Real()),
		safetensors.Float32("noise", []int{cfg.BatchSize, cfg.Model.NoiseSize}, tr.step.Noise()),
	}
	if cfg.Conditional {
		labels := make([]int64, cfg.BatchSize)
		for i, l := range tr.batchLabels {
			labels[i] = int64(l)
		}
		inputs = append(inputs, safetensors.Int64("labels", []int{cfg.BatchSize}, labels))
	}
	in := filepath.Join(t.TempDir(), "step51.safetensors")
	if err := safetensors.WriteFile(in, inputs, nil); err != nil {
		t.Fatal(err)
	}
	var got struct {
		DLoss        float64  `json:"d_loss"`
		GLoss        float64  `json:"g_loss"`
		NoiseMaxDiff *float64 `json:"noise_max_diff"`
		BatchMaxDiff *float64 `json:"batch_max_diff"`
		LabelsEqual  *bool    `json:"labels_equal"`
		RNG          []byte   `json:"rng"`
	}
	out := twin(t, "replay", "--checkpoint", export, "--inputs", in)
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("twin printed %q: %v", out, err)
	}
	if got.NoiseMaxDiff == nil || *got.NoiseMaxDiff != 0 {
		t.Errorf("the twin's noise from the exported random state differs from Go's by %v", got.NoiseMaxDiff)
	}
	if got.BatchMaxDiff == nil || *got.BatchMaxDiff != 0 {
		t.Errorf("the batch the twin reads from the export's data file differs from Go's by %v", got.BatchMaxDiff)
	}
	if cfg.Conditional && (got.LabelsEqual == nil || !*got.LabelsEqual) {
		t.Errorf("the twin's labels of the batch are not Go's (%v)", got.LabelsEqual)
	}
	// Every random number of the step drawn, and no more: the twin's
	// generator ends where Go's does.
	if rng, err := tr.rng.MarshalBinary(); err != nil || string(rng) != string(got.RNG) {
		t.Errorf("after the step the twin's random state is %x, GAN Studio's %x (%v)", got.RNG, rng, err)
	}
	want := last[0]
	for _, l := range []struct {
		name      string
		go_, twin float64
	}{{"D", float64(want.DLoss), got.DLoss}, {"G", float64(want.GLoss), got.GLoss}} {
		if rel := math.Abs(l.twin-l.go_) / math.Abs(l.go_); !(rel <= 1e-3) {
			t.Errorf("step %d %s loss: twin %.6f, GAN Studio %.6f (relative difference %.2g, want ≤ 1e-3)", steps+1, l.name, l.twin, l.go_, rel)
		} else {
			t.Logf("step %d %s loss: twin %.6f, GAN Studio %.6f (relative difference %.2g)", steps+1, l.name, l.twin, l.go_, rel)
		}
	}

	// G (the average, for EMA) in inference mode on the same noise.
	gen, _, err := LoadGenerator(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gen.SampleValues(16, 7, 1, -1)
	if err != nil {
		t.Fatal(err)
	}
	noise := filepath.Join(t.TempDir(), "noise.safetensors")
	m := cfg.Model
	tensors := []safetensors.Tensor{safetensors.Float32("noise", []int{16, m.NoiseSize}, s.Noise)}
	if s.Classes != nil {
		labels := make([]int64, len(s.Classes))
		for i, c := range s.Classes {
			labels[i] = int64(c)
		}
		tensors = append(tensors, safetensors.Int64("labels", []int{16}, labels))
	}
	if err := safetensors.WriteFile(noise, tensors, nil); err != nil {
		t.Fatal(err)
	}
	images := filepath.Join(t.TempDir(), "images.safetensors")
	twin(t, "generate", "--checkpoint", export, "--noise", noise, "--out", images)
	back, _, err := safetensors.ReadFile(images)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := back[0].Float32s()
	if err != nil || len(theirs) != len(s.Images) {
		t.Fatalf("twin wrote %d values (%v), want %d", len(theirs), err, len(s.Images))
	}
	worst := 0.0
	for i := range theirs {
		worst = max(worst, math.Abs(float64(theirs[i]-s.Images[i])))
	}
	if worst > 1e-5 {
		t.Errorf("G's outputs for the same noise differ by up to %.2g between the twin and GAN Studio (want ≤ 1e-5)", worst)
	}
	t.Logf("G's outputs: largest difference %.2g", worst)
}

// twinRoundTrip takes the run at ckpt (exported to export) out and back:
// the twin trains 3 steps on one process with the run's own random
// numbers, into a run folder that starts with GAN Studio's losses and
// grids; its losses are what GAN Studio's next 3 steps are, its grid is
// what GAN Studio draws from its checkpoint, and GAN Studio resumes the
// twin's run folder for 3 more steps that again equal a run that never
// left, with one unbroken losses.csv.
func twinRoundTrip(t *testing.T, cfg Config, data *dataset.Dataset, ckpt, export string) {
	const out, back = 3, 3
	steps := cfg.Steps
	// GAN Studio's own continuation, from a copy of the checkpoint.
	lone := filepath.Join(t.TempDir(), "lone.ckpt")
	if b, err := os.ReadFile(ckpt); err != nil || os.WriteFile(lone, b, 0o644) != nil {
		t.Fatal(err)
	}
	ref, err := ResumeInto(lone, filepath.Join(t.TempDir(), "ref"), data, func(c *Config) error { c.Steps = steps + out + back; return nil })
	if err != nil {
		t.Fatal(err)
	}
	want := runToEnd(t, ref)
	orig, err := readLosses(filepath.Join(RunDirOf(ckpt), lossesFile))
	if err != nil {
		t.Fatal(err)
	}

	run := filepath.Join(t.TempDir(), "twin")
	twin(t, "train", "--checkpoint", export, "--steps", fmt.Sprint(out), "--out", run, "--threads", "1", "--log-every", "1")
	r, err := ReadRun(run)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Checkpoints) != 1 || filepath.Base(r.Checkpoints[0]) != fmt.Sprintf("step-%07d", steps+out) {
		t.Fatalf("the twin's run folder lists checkpoints %v", r.Checkpoints)
	}
	if len(r.Steps) != steps+out {
		t.Fatalf("the twin's losses.csv has %d rows, want %d (GAN Studio's %d, then %d)", len(r.Steps), steps+out, steps, out)
	}
	for i, s := range r.Steps {
		if i < steps && s != orig[i] {
			t.Fatalf("row %d of the twin's losses.csv is %+v, GAN Studio's %+v", i+1, s, orig[i])
		}
	}
	sameLosses(t, "twin", r.Steps[steps:], want[:out])
	if len(r.Grids) == 0 || r.Grids[len(r.Grids)-1].Step != steps+out || r.Grids[0].Step != 0 {
		t.Fatalf("the twin's run folder has grids %v, want GAN Studio's from step 0, then step %d", r.Grids, steps+out)
	}
	gen, _, err := LoadGenerator(run)
	if err != nil {
		t.Fatal(err)
	}
	p, err := gen.Grid(TrainingNoise)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(r.Grids[len(r.Grids)-1].Path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if worst := imageDiff(img, p.Image); worst > 1 {
		t.Errorf("the twin's grid at step %d differs from GAN Studio's drawing of its checkpoint by up to %d levels", steps+out, worst)
	}

	// Back in GAN Studio: the twin's run folder continues.
	tr, err := ResumeInto(run, "", data, func(c *Config) error { c.Steps = steps + out + back; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if tr.RunDir() != run {
		t.Fatalf("GAN Studio resumed the twin's run in %s, not in its folder %s", tr.RunDir(), run)
	}
	runToEnd(t, tr)
	r, err = ReadRun(run)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range r.Steps {
		if s.Step != i+1 {
			t.Fatalf("losses.csv after coming back: row %d is step %d (steps %d…%d): a gap or a repeat", i+1, s.Step, r.Steps[0].Step, r.Steps[len(r.Steps)-1].Step)
		}
	}
	if len(r.Steps) != steps+out+back {
		t.Fatalf("losses.csv after coming back has %d rows, want %d", len(r.Steps), steps+out+back)
	}
	sameLosses(t, "back in GAN Studio", r.Steps[steps+out:], want[out:])
}

// sameLosses compares losses and verdicts step by step to 1e-3 relative.
func sameLosses(t *testing.T, who string, got, want []events.Step) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d steps, want %d", who, len(got), len(want))
	}
	worst := 0.0
	for i := range got {
		if got[i].Step != want[i].Step {
			t.Fatalf("%s: step %d where GAN Studio has %d", who, got[i].Step, want[i].Step)
		}
		for _, v := range [][2]float32{{got[i].DLoss, want[i].DLoss}, {got[i].GLoss, want[i].GLoss}, {got[i].DReal, want[i].DReal}, {got[i].DFake, want[i].DFake}} {
			rel := math.Abs(float64(v[0]-v[1])) / max(math.Abs(float64(v[1])), 1e-2)
			worst = max(worst, rel)
			if !(rel <= 1e-3) {
				t.Errorf("%s, step %d: %+v, GAN Studio's %+v", who, got[i].Step, got[i], want[i])
				break
			}
		}
	}
	t.Logf("%s, steps %d–%d: losses and verdicts within %.2g of GAN Studio's (relative)", who, got[0].Step, got[len(got)-1].Step, worst)
}

// imageDiff is the largest difference of a colour channel between a and b.
func imageDiff(a, b image.Image) int {
	if a.Bounds() != b.Bounds() {
		return 256
	}
	worst := 0
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			for _, d := range []int{int(r1>>8) - int(r2>>8), int(g1>>8) - int(g2>>8), int(b1>>8) - int(b2>>8)} {
				worst = max(worst, d, -d)
			}
		}
	}
	return worst
}

// twinFails runs the twin and returns what it said on failing; a success
// fails the test.
func twinFails(t *testing.T, args ...string) string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(here), "..", "scripts", "torch", "ganstudio_torch.py")
	out, err := exec.Command(python, append([]string{script}, args...)...).CombinedOutput()
	if err == nil {
		t.Fatalf("the twin accepted %v:\n%s", args, out)
	}
	return string(out)
}

// What the twin cannot carry it refuses in one line that names it; with
// PyTorch's random numbers (--rng torch) it trains a DiffAugment run with
// dropout and hands the run's random state back as it came.
func TestTorchTwinRefusesAndDrawsItsOwn(t *testing.T) {
	cfg := tinyConfig(t, 4)
	cfg.Model = tinyColour(32)
	cfg.Model.Augment = "translation,cutout,color"
	cfg.Data = dataset.Spec{Path: pictureFolder(t, 32, 20)}
	dir := filepath.Join(t.TempDir(), "run")
	runToEnd(t, mustNewIn(t, cfg, nil, dir))

	bare := filepath.Join(t.TempDir(), "bare")
	if err := ExportTorch(dir, bare); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	if msg := twinFails(t, "train", "--checkpoint", bare, "--steps", "1", "--out", out); !strings.Contains(msg, "holds no data.safetensors") {
		t.Errorf("a folder run exported without its data: the twin said %q", msg)
	}

	export := filepath.Join(t.TempDir(), "export")
	if err := ExportTorchWith(dir, export, ExportOptions{Data: true}); err != nil {
		t.Fatal(err)
	}
	js, _ := os.ReadFile(filepath.Join(export, exportConfig))
	var meta map[string]any
	if err := json.Unmarshal(js, &meta); err != nil {
		t.Fatal(err)
	}
	meta["config"].(map[string]any)["model"].(map[string]any)["mixed_precision"] = "bf16"
	odd := filepath.Join(t.TempDir(), "odd")
	os.CopyFS(odd, os.DirFS(export))
	b, _ := json.Marshal(meta)
	os.WriteFile(filepath.Join(odd, exportConfig), b, 0o644)
	if msg := twinFails(t, "train", "--checkpoint", odd, "--steps", "1", "--out", out); !strings.Contains(msg, "model setting 'mixed_precision'") {
		t.Errorf("a setting the twin does not know: it said %q", msg)
	}

	twin(t, "train", "--checkpoint", export, "--steps", "2", "--out", out, "--rng", "torch", "--threads", "1")
	var back struct {
		Step int    `json:"step"`
		RNG  []byte `json:"rng"`
	}
	js, _ = os.ReadFile(filepath.Join(out, "checkpoints", "step-0000006", exportConfig))
	if err := json.Unmarshal(js, &back); err != nil || back.Step != 6 {
		t.Fatalf("the twin's checkpoint after 2 steps with --rng torch: %s (%v)", js, err)
	}
	if rng, _ := base64.StdEncoding.DecodeString(meta["rng"].(string)); string(rng) != string(back.RNG) {
		t.Errorf("with --rng torch the run's random state came back changed")
	}
	r, err := ReadRun(out)
	if err != nil || len(r.Steps) != 6 {
		t.Fatalf("the twin's run folder: %v", err)
	}
}
