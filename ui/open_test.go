package ui

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/ganstudio/ganstudio/training"
)

func TestOpenRunAndWalk(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(2)
	h.waitFor("a few grids", time.Minute, func() bool { return h.s.hist.NumGrids() >= 3 })
	h.stop()
	dir := h.s.hist.RunDir()
	steps, grids := len(h.s.hist.Steps()), h.s.hist.NumGrids()

	// A fresh window opens the run folder: curves, grids, generator.
	o := newHarness(t, "seed-mnist")
	o.ui(func() {
		o.next = dir
		test.Tap(o.s.run.open)
	})
	o.waitFor("the generator", time.Minute, func() bool { return o.s.sampler() != nil && !o.s.state().busy })
	if got := len(o.s.hist.Steps()); got != steps {
		t.Errorf("opened run has %d steps, want %d", got, steps)
	}
	if got := o.s.hist.NumGrids(); got < grids {
		t.Errorf("opened run has %d grids, want %d", got, grids)
	}
	o.ui(func() {
		if o.s.setup.entries["model.width"].Text != "8" {
			t.Errorf("set-up shows width %q, not the run's 8", o.s.setup.entries["model.width"].Text)
		}
		if o.s.run.cont.Disabled() {
			t.Error("Continue is disabled for an opened run")
		}
	})

	// Latent walk: tap two cells of the grid.
	o.ui(func() {
		g := o.s.samples.grid
		pos, sz := g.imageRect()
		cell := func(i int) *fyne.PointEvent {
			return &fyne.PointEvent{Position: fyne.NewPos(pos.X+(float32(i%5)+0.5)*sz.Width/5, pos.Y+(float32(i/5)+0.5)*sz.Height/5)}
		}
		g.Tapped(cell(0))
		g.Tapped(cell(24))
		if got := o.s.walk.picked; len(got) != 2 || got[0] != 0 || got[1] != 24 {
			t.Fatalf("picked %v, want [0 24]", got)
		}
	})
	o.waitFor("the walk", time.Minute, func() bool { return o.s.walk.strip.Image.Bounds().Dx() == walkSteps*29-1 })

	// A checkpoint on its own, outside any run folder: generator and
	// configuration, no curves.
	ckpts, _ := filepath.Glob(filepath.Join(dir, "checkpoints", "*.ckpt"))
	if len(ckpts) == 0 {
		t.Fatal("no checkpoint in the run")
	}
	lone := filepath.Join(t.TempDir(), "lone.ckpt")
	if err := copyFile(ckpts[len(ckpts)-1], lone); err != nil {
		t.Fatal(err)
	}
	c := newHarness(t, "seed-mnist")
	c.ui(func() {
		c.next = lone
		test.Tap(c.s.run.openCkpt)
	})
	c.waitFor("the lone checkpoint's grid", time.Minute, func() bool {
		return c.s.sampler() != nil && c.s.hist.NumGrids() == 1 && c.s.samples.shown == 0
	})
	c.ui(func() {
		if c.s.setup.entries["model.width"].Text != "8" {
			t.Errorf("set-up shows width %q, not the checkpoint's 8", c.s.setup.entries["model.width"].Text)
		}
	})

	// An export folder (what `ganstudio export` and the PyTorch twin
	// write), picked by one of its files.
	export := filepath.Join(t.TempDir(), "export")
	if err := training.ExportTorch(ckpts[len(ckpts)-1], export); err != nil {
		t.Fatal(err)
	}
	openExport(t, export)
}

// openExport opens the export folder dir in a new window through the
// Open checkpoint dialog, by its config.json, and waits for its grid.
func openExport(t *testing.T, dir string) *harness {
	t.Helper()
	e := newHarness(t, "seed-mnist")
	e.ui(func() {
		e.next = filepath.Join(dir, "config.json")
		test.Tap(e.s.run.openCkpt)
	})
	e.waitFor("the export's grid", time.Minute, func() bool {
		return e.s.sampler() != nil && e.s.hist.NumGrids() == 1 && !e.s.state().busy
	})
	e.ui(func() {
		if !strings.Contains(e.s.status.Text, dir) {
			t.Errorf("status %q does not name the export folder", e.s.status.Text)
		}
		if e.s.run.cont.Disabled() {
			t.Error("Continue is disabled for an export folder")
		}
	})
	return e
}
