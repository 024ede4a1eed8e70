package ui

import (
	"bytes"
	"image"
	"image/color"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

// pause taps Pause on a running run and waits until the step count holds.
func (h *harness) pause() int {
	h.t.Helper()
	h.ui(func() { test.Tap(h.s.run.pause) })
	h.waitFor("the run to pause", 10*time.Second, func() bool { return h.s.run.pause.Text == "Resume" })
	time.Sleep(200 * time.Millisecond) // the step in flight when Pause came
	var n int
	h.ui(func() { n = h.shownStep() })
	return n
}

// Step, on a paused run, advances it by exactly one update and shows what
// that update did: a grid of the new step and the change line.
func TestStepAdvancesOneStep(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(1000)
	h.waitFor("some steps", time.Minute, func() bool { return h.shownStep() >= 3 })
	h.ui(func() {
		if !h.s.run.step.Disabled() {
			t.Error("Step is enabled while the run trains")
		}
	})
	paused := h.pause()
	for i := 1; i <= 2; i++ {
		h.ui(func() {
			if h.s.run.step.Disabled() {
				t.Fatal("Step is disabled on a paused run")
			}
			test.Tap(h.s.run.step)
		})
		want := paused + i
		h.waitFor("the step's grid", time.Minute, func() bool { return h.shownStep() == want && h.s.hist.GridSteps()[h.s.hist.NumGrids()-1] == want })
		time.Sleep(300 * time.Millisecond)
		h.ui(func() {
			if got := h.shownStep(); got != want {
				t.Fatalf("Step %d: %d steps done, want exactly %d", i, got, want)
			}
		})
	}
	// The two newest grids are one update apart: the change line says so.
	h.waitFor("the change line", 10*time.Second, func() bool {
		return strings.Contains(h.s.samples.change.Text, "one update")
	})
	h.ui(func() {
		if phase := h.s.run.phase.Text; !strings.Contains(phase, "Paused") {
			t.Errorf("after Step the run shows %q, want it still paused", phase)
		}
	})
	h.stop()
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
		img := RenderVerdicts(h.s.samples.fake, h.s.samples.realSeen, 400, 240, 1, color.White, color.Black)
		if n := countNear(img, colD); n < 30 {
			t.Errorf("the histogram has %d pixels of the real images' colour", n)
		}
		if n := countNear(img, colG); n < 30 {
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
		return h.s.noise.Psi == 0 && h.s.samples.lab.Image != nil && h.s.samples.grid.img.Image == h.s.samples.lab.Image
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
		return h.s.noise.Fresh && h.s.noise.Psi == 1 && h.s.samples.lab.Image != nil && h.s.samples.grid.img.Image == h.s.samples.lab.Image
	})
	if sameImage(shownImage(h), fixed) {
		t.Error("fresh noise drew the fixed noise's grid")
	}
	h.ui(func() { h.s.samples.noise.SetSelected(fixedNoise) })
	h.waitFor("the fixed grid again", time.Minute, func() bool { return sameImage(h.s.samples.grid.img.Image, fixed) })
	h.stop()
}

// Comparing two run folders draws both runs' curves, each in its colour;
// removing one takes its curves off.
func TestCompareRunsDrawsBoth(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	var dirs []string
	for i := 0; i < 2; i++ {
		h.startTiny(1000)
		h.waitFor("some steps", time.Minute, func() bool { return h.shownStep() >= 5 })
		h.stop()
		dirs = append(dirs, h.s.hist.RunDir())
	}
	c := newHarness(t, "lite-mnist")
	for _, dir := range dirs {
		c.ui(func() {
			c.next = dir
			test.Tap(c.s.compare.add)
		})
		want := dir
		c.waitFor("the comparison", time.Minute, func() bool {
			got := c.s.hist.Comparisons()
			return len(got) > 0 && got[len(got)-1] == want
		})
	}
	curves := func() image.Image {
		var img image.Image
		c.ui(func() { img = c.s.curves.image(900, 600) })
		return img
	}
	img := curves()
	for i, dir := range dirs {
		if n := countNear(img, compareColors[i]); n < 40 {
			t.Errorf("run %s: %d pixels of its colour in the curves", filepath.Base(dir), n)
		}
	}
	c.ui(func() {
		if got := len(c.s.compare.chips.Objects); got != 2 {
			t.Fatalf("%d chips for 2 compared runs", got)
		}
		c.s.removeComparison(dirs[1])
	})
	img = curves()
	if n := countNear(img, compareColors[1]); n > 5 {
		t.Errorf("the removed run still has %d pixels of its colour", n)
	}
	if n := countNear(img, compareColors[0]); n < 40 {
		t.Errorf("the remaining run lost its curves (%d pixels)", n)
	}
}
