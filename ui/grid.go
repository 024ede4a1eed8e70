package ui

import (
	"image"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// gridPicker shows a 5×5 grid with crisp pixels; tapping a cell picks it
// for the latent walk, and the picked cells are outlined. With verdicts
// set, every cell is framed in the colour of D's verdict on it.
type gridPicker struct {
	widget.BaseWidget
	img      *canvas.Image
	marks    [2]*canvas.Rectangle
	frames   [25]*canvas.Rectangle
	picked   []int
	verdicts []float32 // D(G(z)) per cell; nil: no frames
	onPick   func(cell int)
}

func newGridPicker(onPick func(int)) *gridPicker {
	g := &gridPicker{img: pixelImage(160, 160), onPick: onPick}
	for i := range g.marks {
		r := canvas.NewRectangle(color.Transparent)
		r.StrokeWidth = 2
		r.StrokeColor = []color.Color{color.NRGBA{R: 0xff, G: 0xa0, A: 0xff}, color.NRGBA{R: 0x30, G: 0xd0, B: 0xff, A: 0xff}}[i]
		r.Hide()
		g.marks[i] = r
	}
	for i := range g.frames {
		g.frames[i] = canvas.NewRectangle(color.Transparent)
		g.frames[i].StrokeWidth = 3
		g.frames[i].Hide()
	}
	g.ExtendBaseWidget(g)
	return g
}

func (g *gridPicker) CreateRenderer() fyne.WidgetRenderer {
	return &gridPickerRenderer{g: g}
}

func (g *gridPicker) setImage(img image.Image) {
	g.img.Image = img
	g.img.Refresh()
	g.Refresh()
}

// setVerdicts frames each cell in the colour of D's verdict on it (nil,
// or not one per cell: no frames).
func (g *gridPicker) setVerdicts(v []float32) {
	if len(v) != len(g.frames) {
		v = nil
	}
	g.verdicts = v
	for i, f := range g.frames {
		if v == nil {
			f.Hide()
			continue
		}
		c := verdictColor(v[i])
		f.StrokeColor = c
		c.A = 0x38 // a wash over the cell; the frame carries the colour
		f.FillColor = c
		f.Show()
	}
	g.Refresh()
}

// verdictColor runs from orange (D is sure the image is fake) through grey
// to green (D takes it for real).
func verdictColor(p float32) color.NRGBA {
	fake, mid, real := [3]float32{0xff, 0x7f, 0x0e}, [3]float32{0x90, 0x90, 0x90}, [3]float32{0x2c, 0xc0, 0x2c}
	p = min(max(p, 0), 1)
	from, to, t := fake, mid, p*2
	if p > 0.5 {
		from, to, t = mid, real, (p-0.5)*2
	}
	var c [3]uint8
	for i := range c {
		c[i] = uint8(from[i] + (to[i]-from[i])*t)
	}
	return color.NRGBA{R: c[0], G: c[1], B: c[2], A: 0xff}
}

// imageRect is where the contained image is drawn inside the widget.
func (g *gridPicker) imageRect() (fyne.Position, fyne.Size) {
	sz := g.Size()
	b := g.img.Image.Bounds()
	if b.Dx() == 0 || b.Dy() == 0 || sz.Width == 0 || sz.Height == 0 {
		return fyne.Position{}, sz
	}
	aspect := float32(b.Dx()) / float32(b.Dy())
	w, h := sz.Width, sz.Width/aspect
	if h > sz.Height {
		h, w = sz.Height, sz.Height*aspect
	}
	return fyne.NewPos((sz.Width-w)/2, (sz.Height-h)/2), fyne.NewSize(w, h)
}

// cellAt is the cell (0..24, row-major) under p, or -1.
func (g *gridPicker) cellAt(p fyne.Position) int {
	pos, sz := g.imageRect()
	if sz.Width <= 0 || sz.Height <= 0 {
		return -1
	}
	cx := int((p.X - pos.X) / sz.Width * 5)
	cy := int((p.Y - pos.Y) / sz.Height * 5)
	if p.X < pos.X || p.Y < pos.Y || cx < 0 || cx > 4 || cy < 0 || cy > 4 {
		return -1
	}
	return cy*5 + cx
}

// Tapped picks the cell under the pointer.
func (g *gridPicker) Tapped(e *fyne.PointEvent) {
	if c := g.cellAt(e.Position); c >= 0 && g.onPick != nil {
		g.onPick(c)
	}
}

// setPicked outlines the picked cells.
func (g *gridPicker) setPicked(cells []int) {
	g.picked = append([]int(nil), cells...)
	g.Refresh()
}

type gridPickerRenderer struct{ g *gridPicker }

func (r *gridPickerRenderer) Layout(sz fyne.Size) {
	g := r.g
	g.img.Resize(sz)
	g.img.Move(fyne.Position{})
	pos, isz := g.imageRect()
	cw, ch := isz.Width/5, isz.Height/5
	cell := func(c int) fyne.Position { return fyne.NewPos(pos.X+float32(c%5)*cw, pos.Y+float32(c/5)*ch) }
	for i, f := range g.frames {
		// Inset, so that neighbouring frames do not merge into one line.
		f.Move(cell(i).AddXY(2, 2))
		f.Resize(fyne.NewSize(cw-4, ch-4))
	}
	for i, m := range g.marks {
		if i >= len(g.picked) {
			m.Hide()
			continue
		}
		m.Move(cell(g.picked[i]))
		m.Resize(fyne.NewSize(cw, ch))
		m.Show()
	}
}
func (r *gridPickerRenderer) MinSize() fyne.Size { return r.g.img.MinSize() }
func (r *gridPickerRenderer) Refresh() {
	r.Layout(r.g.Size())
	for _, f := range r.g.frames {
		f.Refresh()
	}
	for _, m := range r.g.marks {
		m.Refresh()
	}
}
func (r *gridPickerRenderer) Objects() []fyne.CanvasObject {
	objs := []fyne.CanvasObject{r.g.img}
	for _, f := range r.g.frames {
		objs = append(objs, f)
	}
	return append(objs, r.g.marks[0], r.g.marks[1])
}
func (r *gridPickerRenderer) Destroy() {}
