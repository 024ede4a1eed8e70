//go:build xvfb

package smoke

import (
	"image"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestLabScreenshot opens the window with the lab on: D's verdict framing
// every sample, a truncated grid (ψ 0.7) and an earlier run compared on
// the curves. It checks that the frames and the compared run's colour are
// on screen and saves lab.png: look at it.
func TestLabScreenshot(t *testing.T) {
	out := outDir(t)
	bin := buildApp(t, out)
	earlier := filepath.Join(t.TempDir(), "earlier-run")
	if b, err := exec.Command(bin, "train", "--preset", "lite-mnist", "--width", "16", "--batch", "16", "--steps", "200",
		"--metrics-every", "0", "--out", earlier).CombinedOutput(); err != nil {
		t.Fatalf("the run to compare with: %v\n%s", err, b)
	}
	display := startXvfb(t)
	layout := filepath.Join(t.TempDir(), "layout.json")
	exited := launch(t, bin, display, filepath.Join(out, "lab.log"),
		"--preset", "lite-mnist", "--width", "16", "--batch", "16", "--sample-every", "20", "--metrics-every", "0",
		"--verdicts", "--psi", "0.7", "--compare", earlier, "--autostart", "--layout-report", layout)
	win, regions := waitWindow(t, display, layout, exited, filepath.Join(out, "lab.log"))
	time.Sleep(20 * time.Second) // grids with verdicts, curves beside the earlier run's
	m := screenshot(t, display, win, filepath.Join(out, "lab.png"))
	// MNIST samples are grey: colour in the grid is the verdict frames.
	grid := rect(regions["grid"])
	if n := coloured(m, grid); n < 400 {
		t.Errorf("%d coloured pixels in the grid %v: no verdict frames", n, grid)
	}
	// The compared run is drawn in the first comparison colour, green.
	if n := countNear(m, rect(regions["curves"]), [3]int{0x2c, 0xa0, 0x2c}); n < 100 {
		t.Errorf("%d pixels of the compared run's green in the curves", n)
	}
}

// coloured counts the pixels of r in m whose channels differ by more than
// a grey pixel's would.
func coloured(m image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := px(m, x, y)
			hi, lo := max(c[0], c[1], c[2]), min(c[0], c[1], c[2])
			if hi-lo > 60*257 {
				n++
			}
		}
	}
	return n
}
