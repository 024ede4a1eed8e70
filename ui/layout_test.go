package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/ganstudio/ganstudio/training/events"
)

// The window fits a 1280×720 screen (1264×640 once a title bar and a
// taskbar have their share) with a folder of pictures behind a long path
// and a warning showing, and the whole grid is in view at a good share of
// the height there and on a 1080p screen.
func TestLayoutFitsSmallScreens(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	long := filepath.Join(t.TempDir(), "Pictures to learn from", "a folder with a rather long name, as people keep them", "horses")
	if err := os.MkdirAll(filepath.Dir(long), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(writeFolder(t, 12), long); err != nil {
		t.Fatal(err)
	}
	h.ui(func() {
		h.next = long
		h.s.setup.data.SetSelected(choiceFolder)
	})
	h.waitFor("the folder's pictures", time.Minute, func() bool {
		return h.s.setup.folder.Visible() && strings.Contains(h.s.setup.dataInfo.Text, "12 images")
	})
	h.s.hist.Apply(events.Metrics{Step: 500, N: 100, Covered: 10, Histogram: make([]int, 10)})
	h.s.hist.Apply(events.Metrics{Step: 1000, N: 100, Covered: 4, Histogram: make([]int, 10)})
	h.s.hist.Apply(events.State{Phase: events.Stopped, Step: 1000, Warning: true,
		Message: "Likely mode collapse: the samples now cover only 4 of 10 classes (10 at step 500). The generator is producing a few kinds of image over and over; try a lower learning rate, or go back to an earlier checkpoint."})
	h.ui(h.s.refreshRun)
	for _, tt := range []struct {
		size  fyne.Size
		share float32
	}{
		{fyne.NewSize(1264, 640), 0.42},
		{fyne.NewSize(1350, 688), 0.42},
		{fyne.NewSize(1904, 1000), 0.50},
	} {
		h.ui(func() {
			if !h.s.quality.warnBox.Visible() {
				t.Fatal("no warning shows")
			}
			min := h.s.content.MinSize()
			if min.Width > tt.size.Width || min.Height > tt.size.Height {
				t.Errorf("the window needs %v, more than %v", min, tt.size)
			}
			h.w.Resize(tt.size)
			for _, tab := range []string{tabSetup, tabCharts, tabLab, tabWalk} {
				h.s.showTab(tab) // each tab scrolls or shrinks: none makes the window grow
				if got := h.s.content.MinSize(); got.Height > tt.size.Height || got.Width > tt.size.Width {
					t.Errorf("with the %s tab open the window needs %v, more than %v", tab, got, tt.size)
				}
			}
			r := h.s.Regions()
			grid, vis, win := r["grid"], r["grid_visible"], r["window"]
			if grid != vis {
				t.Errorf("%v: only %v of the grid %v is in view", tt.size, vis, grid)
			}
			if grid[0] < win[0] || grid[1] < win[1] || grid[0]+grid[2] > win[0]+win[2] || grid[1]+grid[3] > win[1]+win[3] {
				t.Errorf("%v: the grid %v is not inside the window %v", tt.size, grid, win)
			}
			share := float32(grid[3]) / tt.size.Height
			t.Logf("%v: grid %v, %.0f%% of the height", tt.size, grid, 100*share)
			if share < tt.share {
				t.Errorf("%v: the grid is %.0f%% of the window's height, want at least %.0f%%", tt.size, 100*share, 100*tt.share)
			}
			if r["toolbar"][1] < 0 || r["toolbar"][2] > int(tt.size.Width) {
				t.Errorf("%v: the toolbar %v is not inside the window", tt.size, r["toolbar"])
			}
		})
	}
}
