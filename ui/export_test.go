package ui

import (
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/ganstudio/ganstudio/training"
)

func TestExportsDecode(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(2)
	h.waitFor("a few grids", time.Minute, func() bool { return h.s.hist.NumGrids() >= 3 })
	h.stop()
	out := t.TempDir()
	decodePNG := func(path string) error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = png.Decode(f)
		return err
	}
	for _, c := range []struct {
		name   string
		button func() *widget.Button
		path   string
		check  func(path string) error
	}{
		{"grid PNG", func() *widget.Button { return h.s.export.grid }, "grid.png", func(p string) error {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			m, err := png.Decode(f)
			if want := 4 * shownImage(h).Bounds().Dx(); err == nil && m.Bounds().Dx() != want {
				err = fmt.Errorf("grid PNG is %d wide, want ×4 scale: %d", m.Bounds().Dx(), want)
			}
			return err
		}},
		{"samples", func() *widget.Button { return h.s.export.samples }, "samples", func(p string) error {
			files, _ := filepath.Glob(filepath.Join(p, "*.png"))
			if len(files) != 64 {
				return fmt.Errorf("%d sample files, want 64", len(files))
			}
			return decodePNG(files[0])
		}},
		{"curves PNG", func() *widget.Button { return h.s.export.png }, "curves.png", decodePNG},
		{"curves SVG", func() *widget.Button { return h.s.export.svg }, "curves.svg", func(p string) error {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			d := xml.NewDecoder(f)
			n := 0
			for {
				tok, err := d.Token()
				if err != nil {
					if n < 10 {
						return fmt.Errorf("SVG ended after %d elements: %v", n, err)
					}
					return nil
				}
				if _, ok := tok.(xml.StartElement); ok {
					n++
				}
			}
		}},
		{"losses CSV", func() *widget.Button { return h.s.export.csv }, "losses.csv", func(p string) error {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			rows, err := csv.NewReader(f).ReadAll()
			if err != nil {
				return err
			}
			if len(rows) < 2 || rows[0][0] != "step" || len(rows)-1 != len(h.s.hist.Steps()) {
				return fmt.Errorf("%d rows for %d steps", len(rows), len(h.s.hist.Steps()))
			}
			return nil
		}},
		{"history GIF", func() *widget.Button { return h.s.export.gifB }, "history.gif", func(p string) error {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			g, err := gif.DecodeAll(f)
			if err == nil && len(g.Image) != h.s.hist.NumGrids() {
				err = fmt.Errorf("%d frames for %d grids", len(g.Image), h.s.hist.NumGrids())
			}
			return err
		}},
		{"checkpoint", func() *widget.Button { return h.s.export.ckpt }, "gan.ckpt", func(p string) error {
			_, _, err := training.LoadGenerator(p)
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(out, c.path)
			h.ui(func() {
				h.next = path
				if c.button().Disabled() {
					t.Fatal("button disabled")
				}
				test.Tap(c.button())
			})
			h.waitFor("the export", time.Minute, func() bool { return strings.HasPrefix(h.s.status.Text, "Saved ") })
			if err := c.check(path); err != nil {
				t.Fatal(err)
			}
			h.ui(func() { h.s.setStatus("") })
		})
	}
}
