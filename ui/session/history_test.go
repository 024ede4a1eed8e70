package session

import (
	"image"
	"os"
	"testing"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/events"
)

func TestHistoryKeepsOldGridsOnDisk(t *testing.T) {
	dir := t.TempDir()
	var h History
	h.Reset(dir)
	n := GridsInMemory + 10
	for i := 0; i < n; i++ {
		img := image.NewNRGBA(image.Rect(0, 0, 4, 4))
		img.Pix[0] = uint8(i)
		h.Apply(events.Grid{Step: i * 10, Image: img})
	}
	if got := h.InMemory(); got != GridsInMemory {
		t.Errorf("%d grids in memory, want %d", got, GridsInMemory)
	}
	if _, err := os.Stat(training.GridPath(dir, 0)); err != nil {
		t.Errorf("evicted grid not on disk: %v", err)
	}
	step, img, err := h.GridAt(3)
	if err != nil || step != 30 || img.Pix[0] != 3 {
		t.Errorf("GridAt(3) = step %d, pixel %v, %v; want step 30, pixel 3", step, img, err)
	}
}

func TestHistoryFindsCoalescedGrids(t *testing.T) {
	dir := t.TempDir()
	var h History
	h.Reset(dir)
	img := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	h.Apply(events.Grid{Step: 100, Image: img})
	// The trainer wrote step 200 but the reader only got 300.
	if err := training.WritePNG(gridPath(dir, 200), img); err != nil {
		t.Fatal(err)
	}
	h.Apply(events.Grid{Step: 300, Image: img})
	if got := h.GridSteps(); len(got) != 3 || got[1] != 200 {
		t.Errorf("grid steps %v, want [100 200 300]", got)
	}
}
