package ui

import (
	"bytes"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/ui/charts"
	"github.com/ganstudio/ganstudio/ui/session"
)

func TestScrubberShowsEarlierGrid(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(1)
	// More grids than are kept in memory, so that scrubbing back reads
	// the run folder.
	h.waitFor("many grids", 2*time.Minute, func() bool { return h.s.hist.NumGrids() > session.GridsInMemory+5 })
	h.stop()
	if n := h.s.hist.InMemory(); n > session.GridsInMemory {
		t.Errorf("%d grids in memory, want at most %d", n, session.GridsInMemory)
	}
	newest := shownImage(h)
	var label string
	h.ui(func() {
		h.s.samples.scrub.SetValue(1) // an early grid, evicted from memory
		label = h.s.samples.scrubLbl.Text
	})
	early := shownImage(h)
	_, want, err := h.s.hist.GridAt(1)
	if err != nil {
		t.Fatal(err)
	}
	if !sameImage(early, want) {
		t.Error("the scrubber did not show grid 1")
	}
	if sameImage(early, newest) {
		t.Error("the early grid looks like the newest one")
	}
	if !strings.Contains(label, "grid 2 of") {
		t.Errorf("scrubber label %q does not say which grid", label)
	}
	// The window keeps evicted grids where the trainer wrote them: one
	// file per grid, none written twice under another name.
	files, _ := filepath.Glob(filepath.Join(h.s.hist.RunDir(), "grids", "*.png"))
	for _, step := range h.s.hist.GridSteps() {
		if _, err := os.Stat(training.GridPath(h.s.hist.RunDir(), step)); err != nil {
			t.Errorf("grid of step %d: %v", step, err)
		}
	}
	if n := h.s.hist.NumGrids(); len(files) != n {
		t.Errorf("%d grid files in the run folder for %d grids", len(files), n)
	}
}

// The verdict toggle frames every cell in the colour of D's verdict on it,
// and the histogram beside the grid draws D's verdicts on real images and
// on the grid.
func TestVerdictFramesAndHistogram(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(2)
	h.waitFor("grids with verdicts", time.Minute, func() bool { return len(h.s.samples.fake) == 25 && len(h.s.samples.realSeen) == 16 })
	h.pause()
	h.ui(func() {
		for _, f := range h.s.samples.grid.frames {
			if f.Visible() {
				t.Fatal("a verdict frame shows before the toggle is on")
			}
		}
		h.s.samples.judge.SetChecked(true)
		for i, f := range h.s.samples.grid.frames {
			if !f.Visible() || f.StrokeColor != verdictColor(h.s.samples.fake[i]) {
				t.Fatalf("cell %d: frame visible %v in %v, want %v", i, f.Visible(), f.StrokeColor, verdictColor(h.s.samples.fake[i]))
			}
		}
		img := charts.Verdicts(h.s.samples.fake, h.s.samples.realSeen, 400, 240, 1, color.White, color.Black)
		if n := countNear(img, charts.ColD); n < 30 {
			t.Errorf("the histogram has %d pixels of the real images' colour", n)
		}
		if n := countNear(img, charts.ColG); n < 30 {
			t.Errorf("the histogram has %d pixels of the grid's colour", n)
		}
		h.s.samples.judge.SetChecked(false)
		if h.s.samples.grid.frames[0].Visible() {
			t.Error("the frames stay after the toggle is off")
		}
	})
	h.stop()
}

// cells cuts a 5×5 grid image into its cells.
func cells(img image.Image) []*image.NRGBA {
	g := img.(*image.NRGBA)
	size := (g.Bounds().Dx() + 1) / 5
	var out []*image.NRGBA
	for i := 0; i < 25; i++ {
		x, y := (i%5)*size, (i/5)*size
		out = append(out, g.SubImage(image.Rect(x, y, x+size-1, y+size-1)).(*image.NRGBA))
	}
	return out
}

func sameCell(a, b *image.NRGBA) bool {
	for y := 0; y < a.Bounds().Dy(); y++ {
		ra := a.Pix[y*a.Stride : y*a.Stride+4*a.Bounds().Dx()]
		rb := b.Pix[y*b.Stride : y*b.Stride+4*b.Bounds().Dx()]
		if !bytes.Equal(ra, rb) {
			return false
		}
	}
	return true
}

// Truncation ψ 0 draws every cell from the mean noise vector, and fresh
// noise draws another grid than the fixed noise.
func TestTruncationAndFreshNoise(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(2)
	h.waitFor("a few grids", time.Minute, func() bool { return h.s.hist.NumGrids() >= 2 })
	h.pause()
	fixed := shownImage(h)
	h.ui(func() { dragTo(h.s.samples.psi, h.s.samples.psi.Size().Width, 0) })
	h.waitFor("the ψ 0 grid", time.Minute, func() bool {
		return h.s.samples.chosen.Psi == 0 && h.s.samples.lab.Image != nil && h.s.samples.grid.img.Image == h.s.samples.lab.Image
	})
	cs := cells(shownImage(h))
	for i, c := range cs {
		if !sameCell(c, cs[0]) {
			t.Fatalf("ψ 0: cell %d differs from cell 0", i)
		}
	}
	h.ui(func() {
		if !strings.Contains(h.s.samples.scrubLbl.Text, "ψ 0.00") {
			t.Errorf("the grid's label %q does not say ψ", h.s.samples.scrubLbl.Text)
		}
		dragTo(h.s.samples.psi, h.s.samples.psi.Size().Width, 1)
		h.s.samples.noise.SetSelected(freshNoise)
	})
	h.waitFor("the fresh-noise grid", time.Minute, func() bool {
		return h.s.samples.chosen.Fresh && h.s.samples.chosen.Psi == 1 && h.s.samples.lab.Image != nil && h.s.samples.grid.img.Image == h.s.samples.lab.Image
	})
	if sameImage(shownImage(h), fixed) {
		t.Error("fresh noise drew the fixed noise's grid")
	}
	h.ui(func() { h.s.samples.noise.SetSelected(fixedNoise) })
	h.waitFor("the fixed grid again", time.Minute, func() bool { return sameImage(h.s.samples.grid.img.Image, fixed) })
	h.stop()
}

// An EMA run offers G as trained beside its average, and the two draw
// different grids.
func TestAveragedOrTrainedGenerator(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.set("ema_decay", "0.9")
	h.startTiny(2)
	h.waitFor("a few grids", time.Minute, func() bool { return h.s.hist.NumGrids() >= 3 })
	h.pause()
	h.ui(func() {
		if !h.s.samples.trained.Visible() {
			t.Fatal("no choice of generator in an EMA run")
		}
	})
	averaged := shownImage(h)
	h.ui(func() { h.s.samples.trained.SetChecked(true) })
	h.waitFor("the trained generator's grid", time.Minute, func() bool {
		return h.s.samples.lab.Image != nil && h.s.samples.grid.img.Image == h.s.samples.lab.Image
	})
	if sameImage(shownImage(h), averaged) {
		t.Error("G as trained draws the average's grid")
	}
	h.stop()
}

// A conditional run of ten classes shows every class: one row per class,
// named beside it, each column one noise vector. The picker draws one
// class in every cell, the exported samples follow, and a latent walk
// goes between two samples of one row.
func TestConditionalGridShowsEveryClass(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.ui(func() { h.s.setup.conditional.SetChecked(true) })
	h.startTiny(2)
	h.waitFor("the grid of ten classes", time.Minute, func() bool {
		return h.s.hist.NumGrids() >= 2 && h.s.samples.lab.ClassRows != nil && h.s.samples.grid.img.Image == h.s.samples.lab.Image
	})
	h.pause()
	h.waitFor("the paused run's grid of ten classes", time.Minute, func() bool {
		return h.s.samples.lab.ClassRows != nil && h.s.samples.grid.img.Image == h.s.samples.lab.Image && h.s.samples.labAsked == ""
	})
	h.ui(func() {
		g := h.s.samples.grid
		if g.rows != 10 || g.cols != 10 || len(g.labels) != 10 || len(g.frames) != 100 {
			t.Fatalf("grid of %d×%d cells, %d row labels, %d frames; want 10×10, 10, 100", g.rows, g.cols, len(g.labels), len(g.frames))
		}
		for r, l := range g.labels {
			if want := strconv.Itoa(r); l.Text != want {
				t.Errorf("row %d is labelled %q, want %q", r, l.Text, want)
			}
		}
		if b := g.img.Image.Bounds(); b.Dx() != 10*29-1 || b.Dy() != 10*29-1 {
			t.Errorf("the grid image is %v, want ten rows and columns of 28-pixel cells", b)
		}
		if got := h.s.samples.rowsLbl.Text; !strings.HasPrefix(got, "Rows, top to bottom: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9.") {
			t.Errorf("rows label %q", got)
		}
		if n := len(h.s.samples.fake); n != 100 {
			t.Errorf("%d verdicts for 100 cells", n)
		}
		// Every row is drawn for its own class: the same noise gives
		// another image in each row.
		cs := session.CutCells(g.img.Image.(*image.NRGBA), 10)
		for r := 1; r < 10; r++ {
			if sameCell(cs[0], cs[r*10]) {
				t.Errorf("row %d's first cell is row 0's: its class made no difference", r)
			}
		}
		if n := len(h.s.samples.classes.Options); n != 11 {
			t.Fatalf("%d choices for 10 classes", n)
		}
		// A walk between two samples of row 3 (class 3); between rows, a
		// word instead.
		h.s.walk.enabled = true
		h.s.walk.pick(31)
		h.s.walk.pick(45)
		if !strings.Contains(h.s.walk.info.Text, "one row") {
			t.Errorf("a walk between rows says %q", h.s.walk.info.Text)
		}
		h.s.walk.pick(30)
		h.s.walk.pick(39)
	})
	h.waitFor("the walk in row 3", time.Minute, func() bool { return h.s.walk.strip.Image.Bounds().Dx() == walkSteps*29-1 })
	h.ui(func() { h.s.samples.classes.SetSelected(classChoice("7")) })
	h.waitFor("the grid of sevens", time.Minute, func() bool {
		return h.s.samples.chosen.OneClass && h.s.samples.chosen.Class == 7 && h.s.samples.lab.Noise.OneClass && h.s.samples.grid.img.Image == h.s.samples.lab.Image
	})
	h.ui(func() {
		if g := h.s.samples.grid; g.rows != 5 || len(g.labels) != 5 || g.labels[4].Text != "7" {
			t.Errorf("the grid of sevens has %d rows labelled %d times", g.rows, len(g.labels))
		}
	})
	dir := t.TempDir()
	h.ui(func() {
		h.next = dir
		h.s.export.count.SetText("6")
		test.Tap(h.s.export.samples)
	})
	h.waitFor("the samples", time.Minute, func() bool {
		files, _ := filepath.Glob(filepath.Join(dir, "*.png"))
		return len(files) == 6
	})
	h.stop()
}
