package training

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A run resumed from its export folder continues exactly as one resumed
// from the checkpoint the folder came from: every tensor, the random
// state and the step counts survive PyTorch's names and layouts.
func TestExportResumesExactly(t *testing.T) {
	data := realMNIST(t)
	for _, tc := range []struct {
		name string
		set  func(*Config)
	}{
		{"seed", func(*Config) {}},
		{"conditional, EMA", func(c *Config) { c.Conditional, c.EMADecay = true, 0.99 }},
		{"spectral norm, conditional", func(c *Config) { c.Model.SpectralNorm, c.Conditional = true, true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tinyConfig(t, 10)
			tc.set(&cfg)
			dir := filepath.Join(t.TempDir(), "run")
			runToEnd(t, mustNewIn(t, cfg, data, dir))
			export := filepath.Join(t.TempDir(), "export")
			if err := ExportTorch(dir, export); err != nil {
				t.Fatal(err)
			}
			longer := func(c *Config) error { c.Steps = 15; return nil }
			fromCkpt, err := Resume(filepath.Join(dir, "checkpoints", "step-0000010.ckpt"), data, longer)
			if err != nil {
				t.Fatal(err)
			}
			fromExport, err := ResumeInto(export, filepath.Join(t.TempDir(), "b"), data, longer)
			if err != nil {
				t.Fatal(err)
			}
			a, b := runToEnd(t, fromCkpt), runToEnd(t, fromExport)
			if len(a) != 5 || len(b) != 5 {
				t.Fatalf("resumed runs did %d and %d steps, want 5", len(a), len(b))
			}
			for i := range a {
				if a[i].Step != b[i].Step || a[i].DLoss != b[i].DLoss || a[i].GLoss != b[i].GLoss || a[i].DReal != b[i].DReal || a[i].DFake != b[i].DFake {
					t.Fatalf("step %d: from the checkpoint %+v, from the export %+v", a[i].Step, a[i], b[i])
				}
			}
		})
	}
}

func TestExportRefuses(t *testing.T) {
	data := realMNIST(t)
	dir := filepath.Join(t.TempDir(), "run")
	runToEnd(t, mustNewIn(t, tinyConfig(t, 2), data, dir))
	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "keep.txt"), []byte("mine"), 0o644)
	export := filepath.Join(t.TempDir(), "export")
	if err := ExportTorch(dir, export); err != nil {
		t.Fatal(err)
	}
	damaged := filepath.Join(t.TempDir(), "damaged")
	if err := os.Rename(export, damaged); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(damaged, "optimizer_d.safetensors"))
	for _, tc := range []struct {
		name, err string
		do        func() error
	}{
		{"into a folder with files", "not empty", func() error { return ExportTorch(dir, full) }},
		{"from nothing", "no such file", func() error { return ExportTorch(filepath.Join(dir, "nope"), filepath.Join(t.TempDir(), "x")) }},
		{"a folder missing a file", "optimizer_d.safetensors is missing", func() error { _, err := ReadCheckpoint(damaged); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v, want one that says %q", err, tc.err)
			}
		})
	}
	if b, err := os.ReadFile(filepath.Join(full, "keep.txt")); err != nil || string(b) != "mine" {
		t.Fatal("a refused export touched the folder's files")
	}
}
