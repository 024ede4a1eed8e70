//go:build interop

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ganstudio/ganstudio/training"
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

// torchrunTwin continues the export folder export for steps steps on two
// processes (gloo) into the run folder out.
func torchrunTwin(t *testing.T, export, out string, steps int) {
	t.Helper()
	// --redirects 1 --tee 1: torchrun 1.13 on Python 3.11 cannot parse its
	// default "0" (see README); these keep stdout on the console.
	log := mustRun(t, "torchrun", "--standalone", "--nproc_per_node", "2", "--redirects", "1", "--tee", "1",
		repoPath("scripts", "torch", "ganstudio_torch.py"), "train", "--checkpoint", export, "--steps", fmt.Sprint(steps), "--out", out, "--threads", "1")
	t.Logf("torchrun:\n%s", log)
}

// checkTwinRun checks the twin's run folder: a checkpoint at step, trained
// on two processes, and one losses.csv from step 1 to step without a gap.
func checkTwinRun(t *testing.T, run string, step int) {
	t.Helper()
	var meta struct {
		Step      int    `json:"step"`
		TrainedBy string `json:"trained_by"`
	}
	js, err := os.ReadFile(filepath.Join(run, "checkpoints", fmt.Sprintf("step-%07d", step), "config.json"))
	if err != nil {
		t.Fatalf("the twin wrote no checkpoint at step %d: %v", step, err)
	}
	if err := json.Unmarshal(js, &meta); err != nil || meta.Step != step || !strings.Contains(meta.TrainedBy, "2 process") {
		t.Fatalf("the twin's config.json says step %d, trained by %q (%v)", meta.Step, meta.TrainedBy, err)
	}
	checkLosses(t, run, step)
}

// checkLosses checks that the run folder's losses.csv holds steps 1 to
// last, one row each.
func checkLosses(t *testing.T, run string, last int) {
	t.Helper()
	r, err := training.ReadRun(run)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range r.Steps {
		if s.Step != i+1 {
			t.Fatalf("%s/losses.csv: row %d is step %d: a gap or a repeat", run, i+1, s.Step)
		}
	}
	if len(r.Steps) != last {
		t.Fatalf("%s/losses.csv has steps 1 to %d, want 1 to %d", run, len(r.Steps), last)
	}
}

func fcd(t *testing.T, ckpt string) float64 {
	t.Helper()
	var e struct {
		FCD float64 `json:"fcd"`
	}
	if err := json.Unmarshal([]byte(mustCLI(t, "eval", "--checkpoint", ckpt, "--n", "500", "--json")), &e); err != nil || !(e.FCD > 0) {
		t.Fatalf("eval of %s: FCD %v (%v)", ckpt, e.FCD, err)
	}
	return e.FCD
}

// Train 50 steps, export, continue 20 steps on two processes with
// torchrun, and read the result back: sample, eval, and train on in GAN
// Studio in the twin's run folder, whose curves stay unbroken and whose
// samples keep improving.
func TestContinueWithTorchrunAndComeBack(t *testing.T) {
	tmp := t.TempDir()
	run := filepath.Join(tmp, "run")
	mustCLI(t, "train", "--preset", "lite-mnist", "--width", "32", "--steps", "50", "--metrics-every", "0", "--out", run)
	export := filepath.Join(tmp, "export")
	mustCLI(t, "export", "--checkpoint", run, "--format", "safetensors", "--out", export)

	torch := filepath.Join(tmp, "torch")
	torchrunTwin(t, export, torch, 20)
	checkTwinRun(t, torch, 70)
	mustCLI(t, "sample", "--checkpoint", torch, "--n", "9", "--out", filepath.Join(tmp, "grid.png"))
	atHandBack := fcd(t, torch)
	t.Logf("FCD on 500 samples: %.1f at GAN Studio's step 50, %.1f at the twin's step 70", fcd(t, run), atHandBack)

	stdout := mustCLI(t, "train", "--resume", torch, "--steps", "270")
	t.Logf("resumed in GAN Studio:\n%s", stdout)
	if _, err := os.Stat(filepath.Join(torch, "checkpoints", "step-0000270.ckpt")); err != nil {
		matches, _ := filepath.Glob(filepath.Join(tmp, "*", "checkpoints", "*"))
		t.Fatalf("GAN Studio did not continue the twin's run to step 270 in its folder: %v (checkpoints: %v)", err, matches)
	}
	checkLosses(t, torch, 270)
	later := fcd(t, torch)
	t.Logf("FCD on 500 samples: %.1f at the hand-back (step 70), %.1f after 200 more steps in GAN Studio", atHandBack, later)
	if !(later <= atHandBack) {
		t.Errorf("FCD rose from %.1f at the hand-back to %.1f after 200 steps in GAN Studio", atHandBack, later)
	}
}

// A 64×64 run on a folder of pictures (CIFAR-10's horses) leaves with its
// data, trains 20 steps on two processes, and comes back: sample, eval and
// train --resume read the twin's run folder.
func TestTorchrunContinuesAPictureFolderAt64(t *testing.T) {
	horses := repoPath("..", "shared", "datasets", "cifar10-horse-jpeg")
	if _, err := os.Stat(horses); err != nil {
		t.Skipf("no horses folder: %v", err)
	}
	tmp := t.TempDir()
	run := filepath.Join(tmp, "run")
	mustCLI(t, "train", "--preset", "dcgan64-folder", "--dataset", horses, "--width", "64", "--batch", "16", "--steps", "30", "--metrics-every", "0", "--out", run)
	export := filepath.Join(tmp, "export")
	mustCLI(t, "export", "--checkpoint", run, "--out", export)
	if _, err := os.Stat(filepath.Join(export, "data.safetensors")); err != nil {
		t.Fatalf("the export holds no data file: %v", err)
	}
	torch := filepath.Join(tmp, "torch")
	torchrunTwin(t, export, torch, 20)
	checkTwinRun(t, torch, 50)
	mustCLI(t, "sample", "--checkpoint", torch, "--n", "9", "--out", filepath.Join(tmp, "grid.png"))
	t.Logf("FCD on 500 samples against the folder: %.1f at the twin's step 50", fcd(t, torch))
	mustCLI(t, "train", "--resume", torch, "--steps", "55")
	checkLosses(t, torch, 55)
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
