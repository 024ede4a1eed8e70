package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
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

// testPicture writes a 32×32 picture to path, encoded after its extension
// (.png, .jpg or .gif): a gradient in colour, or grey when kind says so
// ("grey" an image.Gray, "grey-rgb" grey in an RGBA image).
func testPicture(t *testing.T, path, kind string) {
	t.Helper()
	var img image.Image
	switch kind {
	case "grey":
		g := image.NewGray(image.Rect(0, 0, 32, 32))
		for i := range g.Pix {
			g.Pix[i] = uint8(i * 7)
		}
		img = g
	case "grey-rgb", "colour":
		m := image.NewRGBA(image.Rect(0, 0, 32, 32))
		for y := 0; y < 32; y++ {
			for x := 0; x < 32; x++ {
				v := uint8(x*8 + y)
				c := color.RGBA{v, v, v, 255}
				if kind == "colour" {
					c = color.RGBA{v, uint8(y * 8), 255 - v, 255}
				}
				m.Set(x, y, c)
			}
		}
		img = m
	default:
		t.Fatalf("unknown picture kind %q", kind)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	switch filepath.Ext(path) {
	case ".png":
		err = png.Encode(f, img)
	case ".jpg":
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 75})
	case ".gif":
		// Colour: the Plan 9 palette; grey: a palette of 256 greys.
		pal := palette.Plan9
		if kind != "colour" {
			pal = make(color.Palette, 256)
			for i := range pal {
				pal[i] = color.Gray{uint8(i)}
			}
		}
		p := image.NewPaletted(img.Bounds(), pal)
		draw.Draw(p, p.Rect, img, image.Point{}, draw.Src)
		err = gif.Encode(f, p, nil)
	default:
		t.Fatalf("unknown extension of %s", path)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// testFolder makes a folder holding the pictures named in files, as
// "relative/path.ext" → kind (see testPicture).
func testFolder(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, kind := range files {
		testPicture(t, filepath.Join(dir, name), kind)
	}
	return dir
}

// colourFolder tells colour pictures from grey ones however the grey is
// stored (Gray PNG, grey RGB PNG, JPEG with neutral chroma, grey GIF
// palette), also in class subfolders.
func TestColourFolder(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  bool
	}{
		{"grey PNG", map[string]string{"a.png": "grey", "b.png": "grey"}, false},
		{"grey in RGB PNG", map[string]string{"a.png": "grey-rgb", "b.png": "grey-rgb"}, false},
		{"grey JPEG", map[string]string{"a.jpg": "grey", "b.jpg": "grey-rgb"}, false},
		{"grey GIF", map[string]string{"a.gif": "grey-rgb"}, false},
		{"grey classes", map[string]string{"0/a.png": "grey", "1/b.jpg": "grey-rgb"}, false},
		{"colour PNG", map[string]string{"a.png": "colour", "b.png": "colour"}, true},
		{"colour JPEG", map[string]string{"a.jpg": "colour"}, true},
		{"colour GIF", map[string]string{"a.gif": "colour"}, true},
		{"one colour class", map[string]string{"cat/a.png": "grey", "dog/b.jpg": "colour"}, true},
		{"no pictures", map[string]string{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := colourFolder(testFolder(t, tt.files)); got != tt.want {
				t.Fatalf("colourFolder = %v, want %v", got, tt.want)
			}
		})
	}
}

// eval --images of colour pictures against a grey data set (MNIST by
// default) refuses at once, with one line naming the two ways out.
func TestEvalImagesColourAgainstGreyRefused(t *testing.T) {
	colour := map[string]string{"a.png": "colour", "b.jpg": "colour", "c/d.png": "colour"}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"default reference", nil, "holds colour pictures, the default reference is MNIST (grey 28×28): give --dataset cifar10"},
		{"mnist named", []string{"--dataset", "mnist"}, "holds colour pictures, mnist is grey (28×28): give --dataset cifar10"},
		{"fashion-mnist named", []string{"--dataset", "Fashion_MNIST"}, "holds colour pictures, fashion-mnist is grey (28×28): give --dataset cifar10"},
		{"mnist classes", []string{"--dataset", "mnist", "--classes", "3"}, "mnist is grey (28×28)"},
	}
	dir := testFolder(t, colour)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := evalCommand(context.Background(), append([]string{"--images", dir}, tt.args...), &out, &errb)
			msg := errb.String()
			if code != 2 {
				t.Fatalf("exit %d, want 2; stdout %q, stderr %q", code, out.String(), msg)
			}
			if !strings.HasPrefix(msg, "ganstudio eval: "+dir+" ") || !strings.Contains(msg, tt.want) ||
				!strings.HasSuffix(msg, "or --against FOLDER\n") || strings.Count(msg, "\n") != 1 || out.Len() != 0 {
				t.Fatalf("stdout %q, stderr %q: want one line naming %s, --dataset cifar10 and --against FOLDER", out.String(), msg, dir)
			}
		})
	}
}
