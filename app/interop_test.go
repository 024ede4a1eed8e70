//go:build interop

package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// These tests take a run out of GAN Studio and back: the PyTorch twin
// under torchrun, the ONNX checker and ONNX Runtime. `make test-interop`
// installs what they need (python3-torch, python3-onnx, onnxruntime-node).

func repoPath(parts ...string) string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(append([]string{filepath.Dir(here), ".."}, parts...)...)
}

func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := runCLI(args...)
	if code != 0 {
		t.Fatalf("ganstudio %s: exit %d: %s%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout
}

func mustRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Train 50 steps, export, continue 20 steps on two processes with
// torchrun, and read the result back: sample, eval, and train on in GAN
// Studio.
func TestContinueWithTorchrunAndComeBack(t *testing.T) {
	tmp := t.TempDir()
	run := filepath.Join(tmp, "run")
	mustCLI(t, "train", "--preset", "lite-mnist", "--width", "32", "--steps", "50", "--metrics-every", "0", "--out", run)
	export := filepath.Join(tmp, "export")
	mustCLI(t, "export", "--checkpoint", run, "--format", "safetensors", "--out", export)

	torch := filepath.Join(tmp, "torch")
	// --redirects 1 --tee 1: torchrun 1.13 on Python 3.11 cannot parse its
	// default "0" (see README); these keep stdout on the console.
	out := mustRun(t, "torchrun", "--standalone", "--nproc_per_node", "2", "--redirects", "1", "--tee", "1",
		repoPath("scripts", "torch", "ganstudio_torch.py"), "train", "--checkpoint", export, "--steps", "20", "--out", torch, "--threads", "1")
	t.Logf("torchrun:\n%s", out)
	back := filepath.Join(torch, "step-0000070")
	var meta struct {
		Step      int    `json:"step"`
		TrainedBy string `json:"trained_by"`
	}
	js, err := os.ReadFile(filepath.Join(back, "config.json"))
	if err != nil {
		t.Fatalf("torchrun wrote no checkpoint at step 70: %v", err)
	}
	if err := json.Unmarshal(js, &meta); err != nil || meta.Step != 70 || !strings.Contains(meta.TrainedBy, "2 process") {
		t.Fatalf("the twin's config.json says step %d, trained by %q (%v)", meta.Step, meta.TrainedBy, err)
	}

	mustCLI(t, "sample", "--checkpoint", back, "--n", "9", "--out", filepath.Join(tmp, "grid.png"))
	var eval struct {
		FCD float64 `json:"fcd"`
	}
	if err := json.Unmarshal([]byte(mustCLI(t, "eval", "--checkpoint", back, "--n", "200", "--json")), &eval); err != nil || !(eval.FCD > 0) {
		t.Fatalf("eval of the twin's checkpoint: FCD %v (%v)", eval.FCD, err)
	}
	var before struct {
		FCD float64 `json:"fcd"`
	}
	json.Unmarshal([]byte(mustCLI(t, "eval", "--checkpoint", run, "--n", "200", "--json")), &before)
	t.Logf("FCD on 200 samples: %.1f at GAN Studio's step 50, %.1f at the twin's step 70", before.FCD, eval.FCD)

	again := filepath.Join(tmp, "again")
	stdout := mustCLI(t, "train", "--resume", back, "--steps", "75", "--out", again)
	t.Logf("resumed in GAN Studio:\n%s", stdout)
	if _, err := os.Stat(filepath.Join(again, "checkpoints", "step-0000075.ckpt")); err != nil {
		matches, _ := filepath.Glob(filepath.Join(tmp, "*", "checkpoints", "*"))
		t.Fatalf("GAN Studio did not continue the twin's run to step 75: %v (checkpoints: %v)", err, matches)
	}
}

// The ONNX generator passes the ONNX checker and, in ONNX Runtime, draws
// what `ganstudio sample` draws from the same 16 noise vectors.
func TestONNXMatchesSample(t *testing.T) {
	for _, tc := range []struct {
		name  string
		flags []string
		batch string
	}{
		{"seed, dynamic batch", nil, "0"},
		{"conditional, EMA, batch 16", []string{"--conditional", "--ema", "0.99"}, "16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			run := filepath.Join(tmp, "run")
			mustCLI(t, append([]string{"train", "--preset", "lite-mnist", "--width", "32", "--steps", "40", "--metrics-every", "0", "--out", run}, tc.flags...)...)
			model := filepath.Join(tmp, "g.onnx")
			mustCLI(t, "export", "--checkpoint", run, "--format", "onnx", "--batch", tc.batch, "--out", model)
			mustRun(t, "/usr/bin/python3", "-c", "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)", model)
			samples := filepath.Join(tmp, "samples.safetensors")
			mustCLI(t, "sample", "--checkpoint", run, "--n", "16", "--out", samples)
			var got struct {
				MaxAbsDiff float64 `json:"max_abs_diff"`
				Samples    int     `json:"samples"`
			}
			out := mustRun(t, "node", repoPath("scripts", "onnx", "check.mjs"), model, samples)
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("check.mjs printed %q: %v", out, err)
			}
			if got.Samples != 16 || !(got.MaxAbsDiff <= 1e-4) {
				t.Fatalf("ONNX Runtime's images differ from ganstudio sample's by up to %g on %d samples (want ≤ 1e-4 on 16)", got.MaxAbsDiff, got.Samples)
			}
			t.Logf("ONNX Runtime vs ganstudio sample: largest difference %.2g", got.MaxAbsDiff)
		})
	}
}
