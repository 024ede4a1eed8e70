package main

import (
	"bytes"
	"flag"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ganstudio/ganstudio/training"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestTrainRejectsBadFlags(t *testing.T) {
	readOnly := filepath.Join(t.TempDir(), "ro")
	os.Mkdir(readOnly, 0o555)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"batch 0", []string{"--batch", "0"}, "batch size 0"},
		{"negative learning rate", []string{"--lr-d", "-0.1"}, "discriminator learning rate -0.1"},
		{"unknown preset", []string{"--preset", "nope"}, `unknown preset "nope"`},
		{"not a number", []string{"--epochs", "many"}, "invalid value"},
		{"stray argument", []string{"mnist"}, "unexpected argument"},
		{"zero steps", []string{"--steps", "0"}, "--steps 0"},
		{"unwritable output folder", []string{"--steps", "1", "--out", filepath.Join(readOnly, "run")}, "permission denied"},
		{"missing folder data set", []string{"--dataset", "/no/such/folder"}, "/no/such/folder"},
		{"unknown fit on MNIST", []string{"--fit", "weird", "--steps", "1"}, `fit "weird" is unknown`},
	}
	if os.Geteuid() == 0 {
		// root writes anywhere; a folder under a file cannot be made by anyone.
		f := filepath.Join(t.TempDir(), "file")
		os.WriteFile(f, nil, 0o644)
		tests[6].args = []string{"--steps", "1", "--out", filepath.Join(f, "run")}
		tests[6].want = "not a directory"
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(append([]string{"train"}, tt.args...)...)
			if code == 0 {
				t.Fatal("exit code 0")
			}
			if !strings.Contains(stderr, tt.want) {
				t.Fatalf("stderr %q does not mention %q", stderr, tt.want)
			}
			if lines := strings.Count(strings.TrimSpace(stderr), "\n") + 1; lines > 1 && !strings.Contains(stderr, "Usage") {
				t.Fatalf("stderr has %d lines, want one clear line: %q", lines, stderr)
			}
		})
	}
}

func TestTrainThenSample(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := runCLI("train", "--preset", "lite-mnist", "--width", "16", "--batch", "8", "--steps", "12",
		"--sample-every", "6", "--out", dir)
	if code != 0 {
		t.Fatalf("train exit %d: %s%s", code, stdout, stderr)
	}
	for _, f := range []string{"config.json", "losses.csv", "grids/step-0000006.png", "grids/step-0000012.png", "checkpoints/step-0000012.ckpt"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("run folder lacks %s: %v", f, err)
		}
	}
	csv, _ := os.ReadFile(filepath.Join(dir, "losses.csv"))
	if lines := strings.Split(strings.TrimSpace(string(csv)), "\n"); len(lines) != 13 || !strings.HasPrefix(lines[0], "step,epoch,d_loss,g_loss") {
		t.Fatalf("losses.csv has %d lines, header %q", len(lines), lines[0])
	}

	grid := filepath.Join(t.TempDir(), "grid.png")
	if code, _, stderr := runCLI("sample", "--checkpoint", filepath.Join(dir, "checkpoints/step-0000012.ckpt"), "--n", "10", "--out", grid); code != 0 {
		t.Fatalf("sample exit %d: %s", code, stderr)
	}
	f, err := os.Open(grid)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 4*29-1 {
		t.Fatalf("grid of 10 is %v wide, want 4 columns", img.Bounds())
	}

	folder := filepath.Join(t.TempDir(), "samples")
	if code, _, stderr := runCLI("sample", "--checkpoint", filepath.Join(dir, "checkpoints/step-0000012.ckpt"), "--n", "3", "--out", folder); code != 0 {
		t.Fatalf("sample exit %d: %s", code, stderr)
	}
	if files, _ := filepath.Glob(filepath.Join(folder, "*.png")); len(files) != 3 {
		t.Fatalf("sample wrote %d files, want 3", len(files))
	}
}

func TestSampleRejectsDamagedCheckpoint(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.ckpt")
	os.WriteFile(bad, []byte("GANSCKPT but not really"), 0o644)
	code, _, stderr := runCLI("sample", "--checkpoint", bad, "--out", filepath.Join(t.TempDir(), "x.png"))
	if code == 0 || !strings.Contains(stderr, "not a valid GAN Studio checkpoint") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

// Under Debian's default locale, C.UTF-8, no command starts with Fyne's
// locale error: package locale must be initialised before Fyne.
func TestNoLocaleErrorUnderCUTF8(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), "LANG=C.UTF-8", "LC_ALL=", "LC_MESSAGES=", "LANGUAGE=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if strings.Contains(string(out), "locale") {
		t.Fatalf("the program logs a locale error at start:\n%s", out)
	}
}

// Flags given with --resume: a new length, rate or cadence applies and is
// recorded; a run already at or past the new end says so and exits 0; a
// setting that defines the network, batch or data is refused by name.
func TestResumeWithFlags(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if code, stdout, stderr := runCLI("train", "--preset", "lite-mnist", "--width", "16", "--batch", "8", "--steps", "10",
		"--sample-every", "5", "--out", dir); code != 0 {
		t.Fatalf("train exit %d: %s%s", code, stdout, stderr)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		out      string // in stdout (code 0) or stderr
		lastStep int    // losses.csv's last step afterwards
	}{
		{"below the saved step", []string{"--steps", "5"}, 0, "at step 10, at or past its end (5 steps)", 10},
		{"at the saved step", []string{"--steps", "10"}, 0, "at step 10, at or past its end (10 steps)", 10},
		{"above the saved step", []string{"--steps", "14", "--lr-g", "0.0005"}, 0, "done:", 14},
		{"network width", []string{"--width", "64"}, 2, "--width cannot change when a run resumes", 14},
		{"batch", []string{"--batch", "16", "--steps", "20"}, 2, "--batch cannot change when a run resumes", 14},
		{"data set", []string{"--dataset", "fashion-mnist"}, 2, "--dataset cannot change", 14},
		{"bad value", []string{"--steps", "20", "--lr-d", "7"}, 1, "discriminator learning rate 7", 14},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(append([]string{"train", "--resume", dir}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d: %s%s", code, tt.code, stdout, stderr)
			}
			where := stdout
			if code != 0 {
				where = stderr
				if lines := strings.Count(strings.TrimSpace(stderr), "\n") + 1; lines != 1 {
					t.Fatalf("stderr has %d lines, want one: %q", lines, stderr)
				}
			}
			if !strings.Contains(where, tt.out) {
				t.Fatalf("output does not say %q:\n%s%s", tt.out, stdout, stderr)
			}
			csv, _ := os.ReadFile(filepath.Join(dir, "losses.csv"))
			lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, strconv.Itoa(tt.lastStep)+",") {
				t.Fatalf("losses.csv ends with %q, want step %d", last, tt.lastStep)
			}
		})
	}
	log, _ := os.ReadFile(filepath.Join(dir, "log.txt"))
	if !strings.Contains(string(log), "changed learn_rate_g 0.001 → 0.0005, steps 10 → 14") {
		t.Errorf("log.txt does not record the changes:\n%s", log)
	}
	hist, _ := os.ReadFile(filepath.Join(dir, "config-history.jsonl"))
	if !strings.Contains(string(hist), `{"key":"steps","from":10,"to":14}`) {
		t.Errorf("config-history.jsonl does not record the change of steps:\n%s", hist)
	}
	cfg, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	if !strings.Contains(string(cfg), `"learn_rate_g": 0.0005`) {
		t.Errorf("config.json keeps the old learning rate:\n%s", cfg)
	}
}

// --class and --classes both set the class filter, before or after
// --dataset.
func TestConfigFlagsClassFilter(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"--dataset", "cifar10", "--classes", "horse"}, []string{"horse"}},
		{[]string{"--classes", "horse,deer", "--dataset", "cifar10"}, []string{"horse", "deer"}},
		{[]string{"--dataset", "cifar10", "--class", "7"}, []string{"7"}},
		{[]string{"--dataset", "cifar10"}, nil},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("train", flag.ContinueOnError)
		preset, apply := configFlags(fs)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		cfg, err := training.Preset(*preset)
		if err != nil {
			t.Fatal(err)
		}
		if err := apply(&cfg); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(cfg.Data.Classes, tt.want) || cfg.Data.Name != "cifar10" {
			t.Errorf("%v: data %+v, want cifar10 classes %v", tt.args, cfg.Data, tt.want)
		}
	}
}
