//go:build interop

package model

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/ganstudio/ganstudio/model/safetensors"
)

// The ONNX generator of the CIFAR layout (32×32×3, the other crop of the
// transposed convolutions) and of a conditional GAN, with BatchNorm
// statistics far from their initial values so that folding them matters,
// draws in ONNX Runtime what Generate draws.
func TestONNXLayouts(t *testing.T) {
	_, here, _, _ := runtime.Caller(0)
	check := filepath.Join(filepath.Dir(here), "..", "scripts", "onnx", "check.mjs")
	for _, tc := range []struct {
		name    string
		size, c int
		classes int
	}{{"CIFAR layout", 32, 3, 0}, {"MNIST layout, conditional", 28, 1, 10}, {"DCGAN 64×64", 64, 3, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Seed(tc.size, tc.c)
			if tc.size == 64 {
				cfg = DCGAN64(tc.c)
			}
			cfg.Width, cfg.Classes = 32, tc.classes
			gan, err := New(cfg, 3)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(1, 2))
			for _, bn := range gan.G.norms {
				for i := range bn.Stats.Mean {
					bn.Stats.Mean[i], bn.Stats.Var[i] = float32(r.NormFloat64()), float32(0.5+r.Float64())
					bn.Gamma.Data()[i], bn.Beta.Data()[i] = float32(0.5+r.Float64()), float32(r.NormFloat64()*0.1)
				}
			}
			const n = 16
			noise := make([]float32, n*cfg.NoiseSize)
			for i := range noise {
				noise[i] = float32(r.Float64()*2 - 1)
			}
			var onehot []float32
			var labels []int64
			if tc.classes > 0 {
				onehot = make([]float32, n*tc.classes)
				for i := range n {
					labels = append(labels, int64(i%tc.classes))
					onehot[i*tc.classes+i%tc.classes] = 1
				}
			}
			images, err := gan.GenerateWith(gan.G, noise, onehot)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			model, err := gan.G.ONNX(0)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "g.onnx"), model, 0o644); err != nil {
				t.Fatal(err)
			}
			tensors := []safetensors.Tensor{
				safetensors.Float32("noise", []int{n, cfg.NoiseSize}, noise),
				safetensors.Float32("images", []int{n, tc.c, tc.size, tc.size}, images),
			}
			if labels != nil {
				tensors = append(tensors, safetensors.Int64("labels", []int{n}, labels))
			}
			if err := safetensors.WriteFile(filepath.Join(dir, "s.safetensors"), tensors, nil); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("node", check, filepath.Join(dir, "g.onnx"), filepath.Join(dir, "s.safetensors")).CombinedOutput()
			if err != nil {
				t.Fatalf("check.mjs: %v\n%s", err, out)
			}
			var got struct {
				MaxAbsDiff float64 `json:"max_abs_diff"`
			}
			if err := json.Unmarshal(out, &got); err != nil || !(got.MaxAbsDiff <= 1e-4) {
				t.Fatalf("ONNX Runtime differs from Generate by up to %v (%v; %s)", got.MaxAbsDiff, err, out)
			}
			t.Logf("largest difference %.2g", got.MaxAbsDiff)
		})
	}
}
