package ui

import (
	"fmt"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"os"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/ui/session"
	"gonum.org/v1/plot/vg"
)

// fileChooser asks the user where to read or write. Each callback gets "" when
// the user cancels. Tests replace it to answer without dialogs.
type fileChooser interface {
	SaveFile(title, name string, cb func(path string))
	OpenFolder(title string, cb func(path string))
	OpenFile(title string, exts []string, cb func(path string))
}

// dialogChooser uses Fyne's file dialogs on the window.
type dialogChooser struct{ w fyne.Window }

func (d dialogChooser) SaveFile(title, name string, cb func(string)) {
	dlg := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil || wc == nil {
			cb("")
			return
		}
		path := wc.URI().Path()
		// The export writes the file itself (atomically, at its own pace):
		// only the chosen path is needed.
		wc.Close()
		cb(path)
	}, d.w)
	dlg.SetTitleText(title)
	dlg.SetFileName(name)
	dlg.Show()
}

func (d dialogChooser) OpenFolder(title string, cb func(string)) {
	dlg := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err != nil || u == nil {
			cb("")
			return
		}
		cb(u.Path())
	}, d.w)
	dlg.SetTitleText(title)
	dlg.Show()
}

func (d dialogChooser) OpenFile(title string, exts []string, cb func(string)) {
	dlg := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil || rc == nil {
			cb("")
			return
		}
		path := rc.URI().Path()
		rc.Close()
		cb(path)
	}, d.w)
	dlg.SetTitleText(title)
	if len(exts) > 0 {
		dlg.SetFilter(storage.NewExtensionFileFilter(exts))
	}
	dlg.Show()
}

// scaleUp enlarges m by an integer factor with nearest-neighbour pixels.
func scaleUp(m *image.NRGBA, k int) *image.NRGBA {
	if k <= 1 {
		return m
	}
	b := m.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx()*k, b.Dy()*k))
	for y := 0; y < b.Dy()*k; y++ {
		for x := 0; x < b.Dx()*k; x++ {
			si := m.PixOffset(b.Min.X+x/k, b.Min.Y+y/k)
			di := out.PixOffset(x, y)
			copy(out.Pix[di:di+4], m.Pix[si:si+4])
		}
	}
	return out
}

// exportGridPNG writes grid enlarged scale times as a PNG.
func exportGridPNG(path string, grid *image.NRGBA, scale int) error {
	return training.WritePNG(path, scaleUp(grid, scale))
}

// exportSamples writes each image, enlarged scale times, as
// dir/sample-00000.png, … (training.WriteSampleFolder).
func exportSamples(dir string, imgs []*image.NRGBA, scale int) error {
	scaled := make([]*image.NRGBA, len(imgs))
	for i, m := range imgs {
		scaled[i] = scaleUp(m, scale)
	}
	return training.WriteSampleFolder(dir, scaled)
}

// exportCurvesPNG writes the curves of h as a w×h-pixel PNG on white.
func exportCurvesPNG(path string, hist *session.History, w, h int) error {
	return training.WritePNG(path, session.RenderCurves(hist, w, h, 1, color.White, color.Black))
}

// exportCurvesSVG writes the curves of h as an SVG.
func exportCurvesSVG(path string, hist *session.History) error {
	b, err := session.CurvesSVG(hist, 8*vg.Inch, 6*vg.Inch)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// exportLossesCSV writes every step's values in the trainer's losses.csv
// layout, so that the same tools read both.
func exportLossesCSV(path string, hist *session.History) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := training.WriteLosses(f, hist.Steps()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// maxGIFFrames bounds the animation of a long run: beyond it, grids are
// taken at an even stride (the last one always included).
const maxGIFFrames = 300

// exportGIF writes the run's grid history as an animated GIF, each frame
// enlarged scale times, held delay hundredths of a second (the last one
// longer, so the result is seen).
func exportGIF(path string, hist *session.History, scale, delay int) error {
	n := hist.NumGrids()
	if n == 0 {
		return fmt.Errorf("there are no grids to animate yet")
	}
	stride := (n + maxGIFFrames - 1) / maxGIFFrames
	var idx []int
	for i := 0; i < n; i += stride {
		idx = append(idx, i)
	}
	if idx[len(idx)-1] != n-1 {
		idx = append(idx, n-1)
	}
	anim := &gif.GIF{}
	for k, i := range idx {
		_, m, err := hist.GridAt(i)
		if err != nil {
			return err
		}
		m = scaleUp(m, scale)
		pal := gifPalette(m)
		p := image.NewPaletted(m.Bounds(), pal)
		if len(pal) == 256 && isGray(m) {
			draw.Draw(p, p.Rect, m, image.Point{}, draw.Src)
		} else {
			draw.FloydSteinberg.Draw(p, p.Rect, m, image.Point{})
		}
		anim.Image = append(anim.Image, p)
		d := delay
		if k == len(idx)-1 {
			d = delay * 10
		}
		anim.Delay = append(anim.Delay, d)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := gif.EncodeAll(f, anim); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

var grayPalette = func() color.Palette {
	p := make(color.Palette, 256)
	for i := range p {
		p[i] = color.Gray{Y: uint8(i)}
	}
	return p
}()

// gifPalette is exact for greyscale grids (MNIST) and Plan 9's 256 colours
// with dithering for colour ones.
func gifPalette(m *image.NRGBA) color.Palette {
	if isGray(m) {
		return grayPalette
	}
	return palette.Plan9
}

func isGray(m *image.NRGBA) bool {
	for i := 0; i+3 < len(m.Pix); i += 4 {
		if m.Pix[i] != m.Pix[i+1] || m.Pix[i+1] != m.Pix[i+2] {
			return false
		}
	}
	return true
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// ---- export panel --------------------------------------------------------

// exportView holds the export buttons. Each asks where to write, then
// writes in the background and reports in the status line.
type exportView struct {
	host host
	from exportSources

	scale                                    *widget.Select
	count                                    *widget.Entry
	grid, samples, png, svg, csv, gifB, ckpt *widget.Button
	buttons                                  *fyne.Container
	content                                  fyne.CanvasObject
}

var scales = []string{"×1", "×2", "×4", "×8", "×16"}

func parseScale(s string) int {
	k, err := strconv.Atoi(strings.TrimPrefix(s, "×"))
	if err != nil || k < 1 {
		return 1
	}
	return k
}

// exportSources are what the export panel writes from.
type exportSources struct {
	hist    *session.History
	setup   *session.Setup // the exported samples' seed
	chooser fileChooser
	// shown is the grid on screen, with its step; noise the noise the
	// user chose for the grid (ψ, one class), which samples are drawn
	// with too.
	shown   func() (int, *image.NRGBA, error)
	noise   func() training.Noise
	sampler func() session.Sampler
	engine  func() *training.Trainer // the attached run, whose checkpoint is saved
}

func newExportView(h host, from exportSources) *exportView {
	v := &exportView{host: h, from: from}
	hist := from.hist
	v.scale = widget.NewSelect(scales, nil)
	v.scale.SetSelected("×4")
	v.count = widget.NewEntry()
	v.count.SetText("64")
	v.count.Validator = func(t string) error {
		_, err := parseInt(t, "Number of samples", 1, 10000)
		return err
	}
	v.grid = widget.NewButtonWithIcon("Grid PNG", theme.DocumentSaveIcon(), v.exportGrid)
	v.samples = widget.NewButtonWithIcon("Samples", theme.FolderNewIcon(), v.exportSamples)
	v.png = widget.NewButtonWithIcon("Curves PNG", theme.DocumentSaveIcon(), func() {
		v.save("Save the curves as PNG", "curves.png", func(p string) error { return exportCurvesPNG(p, hist, 1200, 900) })
	})
	v.svg = widget.NewButtonWithIcon("Curves SVG", theme.DocumentSaveIcon(), func() {
		v.save("Save the curves as SVG", "curves.svg", func(p string) error { return exportCurvesSVG(p, hist) })
	})
	v.csv = widget.NewButtonWithIcon("Losses CSV", theme.DocumentSaveIcon(), func() {
		v.save("Save the losses as CSV", "losses.csv", func(p string) error { return exportLossesCSV(p, hist) })
	})
	v.gifB = widget.NewButtonWithIcon("History GIF", theme.MediaVideoIcon(), func() {
		k := parseScale(v.scale.Selected)
		v.save("Save the grid history as an animated GIF", "history.gif", func(p string) error { return exportGIF(p, hist, k, 20) })
	})
	v.ckpt = widget.NewButtonWithIcon("Checkpoint", theme.DownloadIcon(), func() {
		eng, ckpts := from.engine(), hist.Checkpoints()
		v.save("Save a checkpoint", "gan.ckpt", func(p string) error {
			if eng != nil {
				return eng.SaveCheckpoint(p)
			}
			if len(ckpts) > 0 {
				// An opened run: its newest checkpoint is the state.
				return copyFile(ckpts[len(ckpts)-1], p)
			}
			return fmt.Errorf("there is no network loaded: start or open a run first")
		})
	})
	v.buttons = container.NewGridWithColumns(4, v.grid, v.samples, v.png, v.svg, v.csv, v.gifB, v.ckpt)
	v.content = container.NewVBox(
		heading("Export"),
		container.NewGridWithColumns(4, widget.NewLabel("Scale"), v.scale, widget.NewLabel("Samples"), v.count),
		v.buttons,
	)
	return v
}

// save asks for a path, then writes with write off the UI thread.
func (v *exportView) save(title, name string, write func(path string) error) {
	s := v.host
	v.from.chooser.SaveFile(title, name, func(path string) {
		if path == "" {
			return
		}
		s.setStatus("Writing %s…", path)
		go func() {
			if err := write(path); err != nil {
				s.fail("Could not write "+path, err)
				return
			}
			s.onUI(func() { s.setStatus("Saved %s.", path) })
		}()
	})
}

func (v *exportView) exportGrid() {
	_, g, err := v.from.shown()
	if err != nil {
		v.host.setStatus("%s", err)
		return
	}
	k := parseScale(v.scale.Selected)
	v.save("Save the grid as PNG", "grid.png", func(p string) error { return exportGridPNG(p, g, k) })
}

func (v *exportView) exportSamples() {
	n, err := parseInt(v.count.Text, "Number of samples", 1, 10000)
	if err != nil {
		v.host.setStatus("%s", err)
		return
	}
	eng := v.from.sampler()
	if eng == nil {
		v.host.setStatus("There is no generator loaded: start or open a run first.")
		return
	}
	noise := v.from.noise()
	k, seed, psi := parseScale(v.scale.Selected), v.from.setup.Config().Seed, noise.Psi
	class := -1 // a conditional GAN's trained classes in turn
	if noise.OneClass {
		class = noise.Class
	}
	v.from.chooser.OpenFolder(fmt.Sprintf("Folder for %d new samples", n), func(dir string) {
		if dir == "" {
			return
		}
		v.host.setStatus("Sampling %d images…", n)
		go func() {
			imgs, err := eng.SampleClass(n, seed, psi, class)
			if err == nil {
				err = exportSamples(dir, imgs, k)
			}
			if err != nil {
				v.host.fail("Could not write the samples", err)
				return
			}
			v.host.onUI(func() { v.host.setStatus("Saved %d samples in %s.", n, dir) })
		}()
	})
}

func (v *exportView) setState(st runState) {
	n := v.from.hist.NumGrids()
	steps := 0
	if last, ok := v.from.hist.Last(); ok {
		steps = last.Step
	}
	setEnabled(v.grid, n > 0)
	setEnabled(v.gifB, n > 0)
	setEnabled(v.png, steps > 0)
	setEnabled(v.svg, steps > 0)
	setEnabled(v.csv, steps > 0)
	setEnabled(v.samples, st.hasSampler)
	setEnabled(v.ckpt, (st.hasEngine || len(v.from.hist.Checkpoints()) > 0) && !st.busy)
}

func parseInt(s, what string, lo, hi int) (int, error) {
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%s must be a whole number from %d to %d", what, lo, hi)
	}
	if v < lo || v > hi {
		return 0, fmt.Errorf("%s %d is out of range: use %d to %d", what, v, lo, hi)
	}
	return v, nil
}
