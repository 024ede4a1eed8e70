//go:build xvfb

package smoke

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runFor is how long the window trains before the last screenshot;
// qualityWait how long it may wait, at most, for the first sample-quality
// measurement on a busy machine.
const (
	runFor      = 60 * time.Second
	qualityWait = 3 * time.Minute
)

// TestWindowTrains runs `ganstudio --preset lite-mnist --autostart` on a
// virtual display for a minute and checks two screenshots: the generated
// grid changed, the curves are drawn and so are the sample-quality plots.
func TestWindowTrains(t *testing.T) {
	out := outDir(t)
	bin := buildApp(t, out)
	display := startXvfb(t)
	layout := filepath.Join(out, "layout.json")
	os.Remove(layout)
	exited := launch(t, bin, display, filepath.Join(out, "ganstudio.log"),
		"--preset", "lite-mnist", "--autostart", "--metrics-every", "20", "--layout-report", layout)
	started := time.Now()

	win, regions := waitWindow(t, display, layout, exited, filepath.Join(out, "ganstudio.log"))

	shoot := func(name string, at time.Duration) image.Image {
		time.Sleep(time.Until(started.Add(at)))
		select {
		case err := <-exited:
			t.Fatalf("ganstudio exited after %v: %v (log: %s)", time.Since(started).Round(time.Second), err, filepath.Join(out, "ganstudio.log"))
		default:
		}
		m := screenshot(t, display, win, filepath.Join(out, name))
		t.Logf("at %v", at)
		return m
	}
	early := shoot("early.png", 10*time.Second)
	late := shoot("late.png", runFor)

	grid, curves := rect(regions["grid"]), rect(regions["curves"])
	if grid.Empty() || curves.Empty() {
		t.Fatalf("layout report has no grid or curves: %v", regions)
	}
	if d := meanDiff(early, late, grid); d < 1 {
		t.Errorf("the generated grid did not change between 10 s and %v (mean difference %.2f/255)", runFor, d)
	}
	if sd := stddev(late, grid); sd < 5 {
		t.Errorf("the grid region is flat (stddev %.1f): no grid is drawn", sd)
	}
	// The D curve is red and the G curve blue (curves.go); legends have a
	// few dozen pixels of each, a drawn curve hundreds.
	red := countNear(late, curves, [3]int{0xd6, 0x27, 0x28})
	blue := countNear(late, curves, [3]int{0x1f, 0x77, 0xb4})
	if red < 300 || blue < 300 {
		t.Errorf("no curves drawn: %d red and %d blue pixels in the curves area", red, blue)
	}
	t.Logf("grid diff %.1f, grid stddev %.1f, curve pixels red %d blue %d", meanDiff(early, late, grid), stddev(late, grid), red, blue)
	// Sample quality is measured every 20 steps (--metrics-every): by the
	// end the FCD curve (purple) and the class bars (green) are drawn. On
	// a busy machine the classifier's test-set statistics load slowly:
	// wait for them up to qualityWait.
	quality := rect(regions["quality"])
	var fcd, bars int
	for {
		fcd = countNear(late, quality, [3]int{0x94, 0x67, 0xbd})
		bars = countNear(late, quality, [3]int{0x2c, 0xa0, 0x2c})
		if (fcd >= 50 && bars >= 300) || time.Since(started) > qualityWait {
			break
		}
		time.Sleep(5 * time.Second)
		late = shoot("late.png", time.Since(started))
	}
	if quality.Empty() || fcd < 50 || bars < 300 {
		t.Errorf("no sample-quality plots in %v: %d FCD and %d class-bar pixels", quality, fcd, bars)
	}
	t.Logf("quality pixels: FCD %d, class bars %d", fcd, bars)
}

// waitWindow waits for the app's window on display and for the layout
// report it writes to layout, and returns the window's id and the report.
// The app exiting first fails the test, pointing at its log.
func waitWindow(t *testing.T, display, layout string, exited <-chan error, logPath string) (win string, regions map[string][4]int) {
	t.Helper()
	win = strings.Fields(waitOutput(t, 30*time.Second, display, "xdotool", "search", "--sync", "--name", "^GAN Studio$"))[0]
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(layout)
		if err == nil && json.Unmarshal(b, &regions) == nil {
			return win, regions
		}
		select {
		case err := <-exited:
			t.Fatalf("ganstudio exited: %v (log %s)", err, logPath)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the window wrote no layout report to %s", layout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// screenshot saves window win ("root": the whole screen) of display as
// the PNG path and returns it decoded.
func screenshot(t *testing.T, display, win, path string) image.Image {
	t.Helper()
	if b, err := exec.Command("import", "-display", display, "-window", win, path).CombinedOutput(); err != nil {
		t.Fatalf("screenshot: %v\n%s", err, b)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
	return m
}

// outDir is where screenshots and logs go: $SMOKE_OUT, or a temporary
// folder.
func outDir(t *testing.T) string {
	out := os.Getenv("SMOKE_OUT")
	if out == "" {
		out = t.TempDir()
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"Xvfb", "import", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: apt-get install xvfb imagemagick xdotool", tool)
		}
	}
	return out
}

// buildApp builds ganstudio into out.
func buildApp(t *testing.T, out string) string {
	bin := filepath.Join(out, "ganstudio")
	if b, err := exec.Command("go", "build", "-o", bin, "github.com/ganstudio/ganstudio/app").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	return bin
}

// launch runs the app with args on display, in a temporary folder (its
// runs/ go there), logging to logPath. The app is interrupted at the end
// of the test; the channel reports its exit.
func launch(t *testing.T, bin, display, logPath string, args ...string) <-chan error {
	return launchEnv(t, bin, display, logPath, nil, args...)
}

// launchEnv is launch with env added to the app's environment. Fyne's
// preferences (the remembered window size) go to a temporary folder, not
// the user's.
func launchEnv(t *testing.T, bin, display, logPath string, env []string, args ...string) <-chan error {
	app := exec.Command(bin, args...)
	app.Dir = t.TempDir()
	app.Env = append(append(os.Environ(), "DISPLAY="+display, "XDG_CONFIG_HOME="+t.TempDir()), env...)
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	app.Stdout, app.Stderr = logf, logf
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- app.Wait(); logf.Close() }()
	t.Cleanup(func() {
		app.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			app.Process.Kill()
		}
	})
	return exited
}

func rect(r [4]int) image.Rectangle { return image.Rect(r[0], r[1], r[0]+r[2], r[1]+r[3]) }

// startXvfb starts a 1400×900 virtual display on a free number and returns
// its name.
func startXvfb(t *testing.T) string { return startXvfbScreen(t, "1400x900") }

// startXvfbScreen starts a virtual display of the given size (WxH) on a
// free number and returns its name. A number whose lock names a process
// that is gone (an Xvfb killed before it could clean up) is free.
func startXvfbScreen(t *testing.T, size string) string {
	for n := 99; n < 140; n++ {
		lock, socket := fmt.Sprintf("/tmp/.X%d-lock", n), fmt.Sprintf("/tmp/.X11-unix/X%d", n)
		if b, err := os.ReadFile(lock); err == nil {
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			if pid > 0 && syscall.Kill(pid, 0) == nil {
				continue // a live display
			}
			os.Remove(lock)
			os.Remove(socket)
		} else if _, err := os.Stat(socket); err == nil {
			continue
		}
		d := fmt.Sprintf(":%d", n)
		x := exec.Command("Xvfb", d, "-screen", "0", size+"x24", "-nolisten", "tcp")
		if err := x.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			// SIGTERM lets Xvfb remove its lock and socket.
			x.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { x.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				x.Process.Kill()
				<-done
			}
		})
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := os.Stat(socket); err == nil {
				return d
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("Xvfb %s did not start", d)
	}
	t.Fatal("no free X display number: displays :99 to :139 are all in use")
	return ""
}

func waitOutput(t *testing.T, timeout time.Duration, display, name string, args ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.Output()
	if err != nil || len(strings.TrimSpace(string(out))) == 0 {
		t.Fatalf("%s %v: %v (no window after %v?)", name, args, err, timeout)
	}
	return string(out)
}

func gray(c [3]uint32) float64 { return float64(c[0]+c[1]+c[2]) / 3 / 257 }

func px(m image.Image, x, y int) [3]uint32 {
	r, g, b, _ := m.At(x, y).RGBA()
	return [3]uint32{r, g, b}
}

func meanDiff(a, b image.Image, r image.Rectangle) float64 {
	var sum float64
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			sum += math.Abs(gray(px(a, x, y)) - gray(px(b, x, y)))
			n++
		}
	}
	return sum / float64(max(n, 1))
}

func stddev(m image.Image, r image.Rectangle) float64 {
	var s, s2 float64
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			g := gray(px(m, x, y))
			s += g
			s2 += g * g
			n++
		}
	}
	mean := s / float64(max(n, 1))
	return math.Sqrt(math.Max(0, s2/float64(max(n, 1))-mean*mean))
}

func countNear(m image.Image, r image.Rectangle, c [3]int) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			p := px(m, x, y)
			d := 0
			for i := range c {
				d += abs(int(p[i]>>8) - c[i])
			}
			if d < 60 {
				n++
			}
		}
	}
	return n
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
