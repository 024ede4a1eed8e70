//go:build interop

package training

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/ganstudio/ganstudio/model"
	"github.com/ganstudio/ganstudio/model/safetensors"
	"github.com/ganstudio/ganstudio/training/dataset"
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

// Train 50 steps, export, and let the twin run step 51 on the same batch
// with GAN Studio's noise and dropout masks: its losses must be Go's.
// Then G's outputs for the same noise must agree.
func TestTorchTwinContinuesExactly(t *testing.T) {
	data := realMNIST(t)
	for _, tc := range []struct {
		name string
		set  func(*Config)
	}{
		{"seed", func(*Config) {}},
		{"hinge, EMA, conditional", func(c *Config) { c.Model.Loss, c.EMADecay, c.Conditional = "hinge", 0.99, true }},
		{"least squares", func(c *Config) { c.Model.Loss = "ls" }},
		{"spectral norm, hinge, EMA, conditional", func(c *Config) {
			c.Model.SpectralNorm, c.Model.Loss, c.EMADecay, c.Conditional = true, "hinge", 0.99, true
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tinyConfig(t, 50)
			cfg.Model.Width = 64
			cfg.BatchSize = 32
			tc.set(&cfg)
			checkTwin(t, cfg, data)
		})
	}
	// The CIFAR layout's other paddings, and the 64×64 DCGAN, on folders
	// of colour pictures.
	for _, tc := range []struct {
		name string
		m    model.Config
	}{
		{"CIFAR layout", model.Seed(32, 3)},
		{"DCGAN 64×64", model.DCGAN64(3)},
		{"CIFAR layout, spectral norm", model.Config{ImageSize: 32, Channels: 3, NoiseSize: 100, Width: 32, Alpha: 0.1, KeepProb: 1,
			BNDecay: 0.99, BNEps: 0.001, Loss: model.LossHinge, SpectralNorm: true}},
		{"DCGAN 64×64, spectral norm", func() model.Config { m := model.DCGAN64(3); m.SpectralNorm = true; return m }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			size := tc.m.ImageSize
			folder := pictureFolder(t, size, 40)
			pictures, err := dataset.Open(context.Background(), dataset.Spec{Path: folder, Size: size, Channels: 3}, dataset.Options{})
			if err != nil {
				t.Fatal(err)
			}
			cfg := tinyConfig(t, 10)
			cfg.Model = tc.m
			cfg.Model.Width = 32
			cfg.Data = dataset.Spec{Path: folder}
			checkTwin(t, cfg, pictures)
		})
	}
}

// pictureFolder writes n colourful size×size PNGs into a new folder.
func pictureFolder(t *testing.T, size, n int) string {
	folder := t.TempDir()
	r := rand.New(rand.NewPCG(5, 6))
	for i := range n {
		img := image.NewNRGBA(image.Rect(0, 0, size, size))
		c := color.NRGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
		for y := range size {
			for x := range size {
				img.SetNRGBA(x, y, color.NRGBA{c.R + uint8(4*x), c.G + uint8(4*y), c.B, 255})
			}
		}
		f, err := os.Create(filepath.Join(folder, fmt.Sprintf("%02d.png", i)))
		if err != nil {
			t.Fatal(err)
		}
		png.Encode(f, img)
		f.Close()
	}
	return folder
}

// checkTwin trains cfg's steps, exports, and lets the twin run the next
// step on the same batch with GAN Studio's noise and dropout masks: its
// losses must be Go's. Then G's outputs for the same noise must agree.
func checkTwin(t *testing.T, cfg Config, data *dataset.Dataset) {
	steps := cfg.Steps
	dir := filepath.Join(t.TempDir(), "run")
	runToEnd(t, mustNewIn(t, cfg, data, dir))
	ckpt := filepath.Join(dir, "checkpoints", fmt.Sprintf("step-%07d.ckpt", steps))
	export := filepath.Join(t.TempDir(), "export")
	if err := ExportTorch(ckpt, export); err != nil {
		t.Fatal(err)
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
	}
	out := twin(t, "replay", "--checkpoint", export, "--inputs", in)
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("twin printed %q: %v", out, err)
	}
	if got.NoiseMaxDiff == nil || *got.NoiseMaxDiff != 0 {
		t.Errorf("the twin's noise from the exported random state differs from Go's by %v", got.NoiseMaxDiff)
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
