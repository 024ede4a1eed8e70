//go:build xvfb

package smoke

import (
	"encoding/json"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	win := strings.Fields(waitOutput(t, 30*time.Second, display, "xdotool", "search", "--sync", "--name", "^GAN Studio$"))[0]
	var regions map[string][4]int
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(layout)
		if err == nil && json.Unmarshal(b, &regions) == nil {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("ganstudio exited: %v (log %s)", err, filepath.Join(out, "lab.log"))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the window wrote no layout report")
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(20 * time.Second) // grids with verdicts, curves beside the earlier run's
	shot := filepath.Join(out, "lab.png")
	if b, err := exec.Command("import", "-display", display, "-window", win, shot).CombinedOutput(); err != nil {
		t.Fatalf("screenshot: %v\n%s", err, b)
	}
	t.Logf("screenshot %s", shot)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
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
