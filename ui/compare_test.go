package ui

import (
	"image"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/ganstudio/ganstudio/ui/charts"
)

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
		if n := countNear(img, charts.CompareColors[i]); n < 40 {
			t.Errorf("run %s: %d pixels of its colour in the curves", filepath.Base(dir), n)
		}
	}
	c.ui(func() {
		if got := len(c.s.compare.chips.Objects); got != 2 {
			t.Fatalf("%d chips for 2 compared runs", got)
		}
		c.s.compare.remove(dirs[1])
	})
	img = curves()
	if n := countNear(img, charts.CompareColors[1]); n > 5 {
		t.Errorf("the removed run still has %d pixels of its colour", n)
	}
	if n := countNear(img, charts.CompareColors[0]); n < 40 {
		t.Errorf("the remaining run lost its curves (%d pixels)", n)
	}
}
