package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestEvalAndClassifierRejectBadFlags(t *testing.T) {
	tests := []struct {
		name string
		cmd  func(context.Context, []string, *bytes.Buffer, *bytes.Buffer) int
		args []string
		want string
	}{
		{"eval without a mode", evalCmd, nil, "give exactly one of"},
		{"eval two modes", evalCmd, []string{"--images", "x", "--baseline", "noise"}, "give exactly one of"},
		{"eval n too small", evalCmd, []string{"--baseline", "noise", "--n", "2"}, "--n 2 is out of range"},
		{"eval unknown baseline", evalCmd, []string{"--baseline", "nope"}, `unknown baseline "nope"`},
		{"eval missing checkpoint", evalCmd, []string{"--checkpoint", "/no/such.ckpt"}, "/no/such.ckpt"},
		{"eval stray argument", evalCmd, []string{"--baseline", "noise", "extra"}, "unexpected argument"},
		{"eval data set and folder", evalCmd, []string{"--images", "x", "--dataset", "mnist", "--against", "y"}, "not both"},
		{"eval baseline of a folder", evalCmd, []string{"--baseline", "noise", "--against", "y"}, "instead of a folder"},
		{"classifier no subcommand", classifierCmd, []string{"fly"}, "unknown subcommand"},
		{"classifier unknown set", classifierCmd, []string{"train", "--dataset", "imagenet"}, "no classifier for data set"},
		{"classifier no dataset", classifierCmd, []string{"train"}, "--dataset is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := tt.cmd(context.Background(), tt.args, &out, &errb); code == 0 {
				t.Fatal("exit code 0")
			}
			if !strings.Contains(errb.String(), tt.want) {
				t.Fatalf("stderr %q does not mention %q", errb.String(), tt.want)
			}
		})
	}
}

func TestEvalNoClassifierSaysSo(t *testing.T) {
	var out, errb bytes.Buffer
	code := evalCommand(context.Background(), []string{"--baseline", "noise", "--dataset", "svhn"}, &out, &errb)
	if code != 3 || !strings.Contains(out.String(), "not available for svhn") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}

func TestEvalBaseline(t *testing.T) {
	if testing.Short() {
		t.Skip("loads MNIST and runs the classifier")
	}
	var out, errb bytes.Buffer
	code := evalCommand(context.Background(), []string{"--baseline", "single-image", "--n", "200"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "classes covered      1/10") {
		t.Fatalf("a single repeated image should cover 1 class:\n%s", out.String())
	}
}

// --save writes the very images a result was measured on: evaluating the
// saved folder gives the same result, up to 8-bit rounding.
func TestEvalSaveRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("loads MNIST and runs the classifier")
	}
	dir := filepath.Join(t.TempDir(), "blur1")
	var out, errb bytes.Buffer
	if code := evalCommand(context.Background(), []string{"--baseline", "blur1", "--n", "200", "--json", "--save", dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var saved struct{ FCD float64 }
	if err := json.Unmarshal(out.Bytes(), &saved); err != nil {
		t.Fatal(err)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*.png")); len(files) != 200 {
		t.Fatalf("%d images saved, want 200", len(files))
	}
	out.Reset()
	if code := evalCommand(context.Background(), []string{"--images", dir, "--json"}, &out, &errb); code != 0 {
		t.Fatalf("eval --images exit %d: %s", code, errb.String())
	}
	var again struct{ FCD float64 }
	if err := json.Unmarshal(out.Bytes(), &again); err != nil {
		t.Fatal(err)
	}
	if math.Abs(again.FCD-saved.FCD) > 0.01*saved.FCD {
		t.Fatalf("FCD %.2f of the saved images, %.2f when measured: not the same images", again.FCD, saved.FCD)
	}
}

func evalCmd(ctx context.Context, args []string, out, errb *bytes.Buffer) int {
	return evalCommand(ctx, args, out, errb)
}

func classifierCmd(ctx context.Context, args []string, out, errb *bytes.Buffer) int {
	return classifierCommand(ctx, args, out, errb)
}

// eval --images on 1,000 CIFAR-10 test images (100 a class, as JPEG
// files): FCD at least 10× lower than uniform noise's and lower than one
// repeated image's.
func TestEvalImagesCIFAR(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the colour classifier over 12,000 images")
	}
	src := filepath.Join("..", "..", "shared", "datasets", "cifar10-jpeg", "test")
	classes, err := os.ReadDir(src)
	if err != nil {
		t.Skipf("CIFAR-10 JPEG folders not found: %v", err)
	}
	dir := t.TempDir()
	for _, c := range classes {
		files, err := filepath.Glob(filepath.Join(src, c.Name(), "*.jpg"))
		if err != nil || len(files) < 100 {
			t.Fatalf("%s: %d images, %v", c.Name(), len(files), err)
		}
		sort.Strings(files)
		for _, f := range files[:100] {
			abs, _ := filepath.Abs(f)
			if err := os.Symlink(abs, filepath.Join(dir, c.Name()+"-"+filepath.Base(f))); err != nil {
				t.Fatal(err)
			}
		}
	}
	fcd := func(args ...string) float64 {
		t.Helper()
		var out, errb bytes.Buffer
		if code := evalCommand(context.Background(), append(args, "--dataset", "cifar10", "--json"), &out, &errb); code != 0 {
			t.Fatalf("eval %v: exit %d: %s", args, code, errb.String())
		}
		var r struct{ FCD float64 }
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		return r.FCD
	}
	real, noise, single := fcd("--images", dir), fcd("--baseline", "noise"), fcd("--baseline", "single-image")
	t.Logf("FCD: 1,000 test images %.2f, noise %.2f, one image repeated %.2f", real, noise, single)
	if !(real*10 <= noise) || !(real < single) {
		t.Errorf("FCD of real images %.2f: want ≤ a tenth of noise's %.2f and below one repeated image's %.2f", real, noise, single)
	}
}
