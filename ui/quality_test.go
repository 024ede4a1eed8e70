package ui

import (
	"encoding/csv"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/dataset"
	"github.com/ganstudio/ganstudio/training/events"
	"github.com/ganstudio/ganstudio/training/metrics"
	"github.com/ganstudio/ganstudio/ui/charts"
)

// countNear counts the pixels of m within a small distance of c.
func countNear(m image.Image, c color.NRGBA) int {
	n := 0
	b := m.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := m.At(x, y).RGBA()
			d := absInt(int(r>>8)-int(c.R)) + absInt(int(g>>8)-int(c.G)) + absInt(int(bl>>8)-int(c.B))
			if d < 40 {
				n++
			}
		}
	}
	return n
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// qualityPixels renders the quality plots as the window does, at a fixed
// size, and counts the FCD curve's and the class bars' pixels.
func qualityPixels(h *harness) (fcd, bars int) {
	var m image.Image
	h.ui(func() { m = h.s.quality.image(640, 360) })
	return countNear(m, charts.ColFCD), countNear(m, charts.ColBars)
}

func TestMetricsEventShowsCurveAndHistogram(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	fcd0, bars0 := qualityPixels(h)
	if fcd0 > 0 || bars0 > 0 {
		t.Fatalf("before any measurement the plots have %d FCD and %d bar pixels", fcd0, bars0)
	}
	h.startTinyMetrics(1000, 4, 50)
	h.waitFor("the first-measurement line", 10*time.Second, func() bool {
		return strings.Contains(h.s.quality.info.Text, "First measurement at step 4")
	})
	// The trainer loads the classifier's test-set statistics in the
	// background first: seconds, more under -race.
	h.waitFor("two measurements", 3*time.Minute, func() bool { return len(h.s.hist.Quality().Points) >= 2 })
	h.stop()
	q := h.s.hist.Quality()
	last, _ := q.Last()
	if last.N != 50 || len(last.Histogram) != 10 {
		t.Fatalf("newest measurement %+v: want 50 samples in 10 classes", last)
	}
	sum := 0
	for _, c := range last.Histogram {
		sum += c
	}
	if sum != last.N {
		t.Errorf("the histogram counts %d samples of %d", sum, last.N)
	}
	fcd, bars := qualityPixels(h)
	if fcd < 50 {
		t.Errorf("no FCD curve drawn: %d pixels of its colour", fcd)
	}
	if bars < 200 {
		t.Errorf("no class histogram drawn: %d pixels of its colour", bars)
	}
	h.ui(func() {
		info := h.s.quality.info.Text
		if want := "classes covered"; !strings.Contains(info, want) || !strings.Contains(info, "FCD") {
			t.Errorf("quality line %q does not give FCD and %q", info, want)
		}
		if !h.s.quality.raster.Visible() {
			t.Error("the quality plots are hidden")
		}
	})
}

// writeFolder writes n small grey PNGs into a new folder: a data set of
// the user's own, which gets FCD only.
func writeFolder(t *testing.T, n int) string {
	dir := t.TempDir()
	for i := range n {
		m := image.NewGray(image.Rect(0, 0, 28, 28))
		for p := range m.Pix {
			m.Pix[p] = uint8(i*37 + p*13)
		}
		f, err := os.Create(filepath.Join(dir, "img"+string(rune('a'+i%26))+string(rune('a'+i/26))+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, m); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	return dir
}

// A run on a folder of pictures is measured by FCD alone, against the
// folder: the window shows that curve and says what the number means.
func TestFolderRunShowsFCDOnly(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	folder := writeFolder(t, 40)
	h.ui(func() {
		// As the data set picker does.
		h.s.cfg.Edit(func(c *training.Config) {
			c.Data = dataset.Spec{Path: folder}
			c.Model.ImageSize, c.Model.Channels = training.ShapeFor(c.Data, c.Model.ImageSize)
		})
	})
	h.ui(func() {
		if txt := h.s.quality.info.Text; !strings.Contains(txt, "folder's pictures") {
			t.Errorf("before the run, the quality line %q does not say what will be measured", txt)
		}
	})
	h.startTinyMetrics(1000, 5, 50)
	h.waitFor("a measurement", 2*time.Minute, func() bool {
		last, ok := h.s.hist.Quality().Last()
		return ok && last.FeaturesOnly
	})
	h.waitFor("the FCD on screen", 10*time.Second, func() bool {
		return strings.Contains(h.s.quality.info.Text, "to the folder's pictures")
	})
	h.stop()
	h.ui(func() {
		if q := h.s.hist.Quality(); q.Unavailable != "" {
			t.Errorf("a folder run is said to have no metrics: %q", q.Unavailable)
		}
		if !h.s.quality.raster.Visible() {
			t.Error("the FCD curve is hidden")
		}
		if txt := h.s.quality.info.Text; !strings.Contains(txt, "CIFAR-10") {
			t.Errorf("quality line %q does not say what the number is measured with", txt)
		}
	})
}

func TestOpenRunShowsMetrics(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(1000)
	h.waitFor("some steps", time.Minute, func() bool { return h.shownStep() >= 2 })
	h.stop()
	dir := h.s.hist.RunDir()

	// metrics.csv as the trainer writes it, with coverage falling from
	// 10 classes to 4 for two measurements: a mode collapse.
	f, err := os.Create(filepath.Join(dir, training.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write(metrics.CSVHeader())
	for i, c := range []struct {
		fcd     float64
		covered int
	}{{180, 7}, {60, 10}, {25, 10}, {40, 4}, {45, 4}} {
		hist := make([]int, 10)
		for k := range c.covered {
			hist[k] = 100 / c.covered
		}
		r := metrics.Result{N: 100, FCD: c.fcd, Score: 5, Covered: c.covered, Histogram: hist, Precision: 0.5, Recall: 0.4}
		w.Write(r.CSVRecord(100 * (i + 1)))
	}
	w.Flush()
	f.Close()
	if w.Error() != nil {
		t.Fatal(w.Error())
	}

	o := newHarness(t, "seed-mnist")
	fcd0, _ := qualityPixels(o)
	o.ui(func() {
		o.next = dir
		test.Tap(o.s.run.open)
	})
	o.waitFor("the opened run", time.Minute, func() bool { return o.s.sampler() != nil && !o.s.state().busy })
	q := o.s.hist.Quality()
	if len(q.Points) != 5 {
		t.Fatalf("opened run has %d measurements, want 5", len(q.Points))
	}
	if last, _ := q.Last(); last.Step != 500 || last.FCD != 45 || last.Covered != 4 || last.Histogram[0] != 25 || last.Classes[9] != "9" {
		t.Errorf("newest measurement read as %+v", last)
	}
	if fcd, bars := qualityPixels(o); fcd < 50 || fcd <= fcd0 || bars < 200 {
		t.Errorf("the opened run's plots have %d FCD pixels (%d before) and %d bar pixels", fcd, fcd0, bars)
	}
	o.ui(func() {
		if txt := o.s.quality.info.Text; !strings.Contains(txt, "Step 500") || !strings.Contains(txt, "4/10") {
			t.Errorf("quality line %q does not describe step 500's measurement", txt)
		}
		if !o.s.quality.warnBox.Visible() || !strings.Contains(o.s.quality.warning.Text, "mode collapse") {
			t.Errorf("no mode-collapse warning for coverage falling to 4 (shown %v: %q)", o.s.quality.warnBox.Visible(), o.s.quality.warning.Text)
		}
	})
}

func TestCollapseWarningStaysUntilCoverageRecovers(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	m := func(step, covered int) events.Metrics {
		return events.Metrics{Step: step, N: 100, FCD: 10, Covered: covered, Histogram: make([]int, 10)}
	}
	apply := func(es ...events.Event) {
		for _, e := range es {
			h.s.hist.Apply(e)
		}
		h.ui(h.s.refreshRun)
	}
	shown := func() (bool, string) {
		var on bool
		var txt string
		h.ui(func() { on, txt = h.s.quality.warnBox.Visible(), h.s.quality.warning.Text })
		return on, txt
	}
	const collapse = "Likely mode collapse: the samples now cover only 4 of 10 classes."
	const vanish = "D's loss has sunk to 0.33: the generator's gradient is vanishing."
	apply(m(500, 10), m(1000, 4), events.State{Phase: events.Running, Step: 1000, Warning: true, Message: collapse})
	if on, txt := shown(); !on || txt != collapse {
		t.Fatalf("warning shown %v: %q", on, txt)
	}
	apply(events.State{Phase: events.Running, Step: 1200, Warning: true, Message: vanish})
	if on, txt := shown(); !on || !strings.Contains(txt, collapse) || !strings.Contains(txt, vanish) {
		t.Fatalf("both warnings should show: %v %q", on, txt)
	}
	// Still collapsed at the next measurement: the loss warning goes, the
	// collapse warning stays.
	apply(m(1500, 4))
	if on, txt := shown(); !on || txt != collapse {
		t.Fatalf("after a measurement still at 4 classes, shown %v: %q", on, txt)
	}
	apply(m(2000, 9))
	if on, txt := shown(); on || txt != "" {
		t.Fatalf("the warning stayed after coverage recovered: %q", txt)
	}
}
