package ui

import (
	"image"
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// gridPicker shows a grid of generated samples with crisp pixels: the
// image is drawn at the largest whole number of screen pixels per image
// pixel that fits, so every cell is the same size and no pixel is
// blurred. Tapping a cell picks it for the latent walk, and the picked
// cells are outlined. With verdicts set, every cell is framed in the
// colour of D's verdict on it. A class-conditional grid names its rows'
// classes at their left.
type gridPicker struct {
	widget.BaseWidget
	img        *canvas.Image
	rows, cols int
	labels     []*canvas.Text // one per row, when the rows are classes
	marks      [2]*canvas.Rectangle
	frames     []*canvas.Rectangle
	picked     []int
	verdicts   []float32 // D(G(z)) per cell; nil: no frames
	onPick     func(cell int)
	// onShape is called when the grid's size in pixels, rows or labels
	// change: the window lays the samples column out again.
	onShape func()
}

func newGridPicker(onPick func(int)) *gridPicker {
	g := &gridPicker{img: pixelImage(0, 0), rows: 5, cols: 5, onPick: onPick}
	for i := range g.marks {
		r := canvas.NewRectangle(color.Transparent)
		r.StrokeWidth = 2
		r.StrokeColor = []color.Color{color.NRGBA{R: 0xff, G: 0xa0, A: 0xff}, color.NRGBA{R: 0x30, G: 0xd0, B: 0xff, A: 0xff}}[i]
		r.Hide()
		g.marks[i] = r
	}
	g.setFrames(25)
	g.ExtendBaseWidget(g)
	return g
}

func (g *gridPicker) setFrames(n int) {
	if len(g.frames) == n {
		return
	}
	g.frames = make([]*canvas.Rectangle, n)
	for i := range g.frames {
		g.frames[i] = canvas.NewRectangle(color.Transparent)
		g.frames[i].StrokeWidth = 3
		g.frames[i].Hide()
	}
}

func (g *gridPicker) CreateRenderer() fyne.WidgetRenderer {
	return &gridPickerRenderer{g: g}
}

// setImage shows a 5×5 grid (the trainer's).
func (g *gridPicker) setImage(img image.Image) { g.setGrid(img, 5, 5, nil) }

// setGrid shows a grid of rows×cols cells; labels, if any, name the rows.
func (g *gridPicker) setGrid(img image.Image, rows, cols int, labels []string) {
	old := g.img.Image
	reshaped := rows != g.rows || cols != g.cols || len(labels) != len(g.labels) ||
		old == nil || img == nil || old.Bounds().Size() != img.Bounds().Size()
	for i, l := range g.labels {
		if i < len(labels) && l.Text != labels[i] {
			reshaped = true
		}
	}
	g.img.Image = img
	g.img.Refresh()
	if reshaped {
		g.rows, g.cols = rows, cols
		g.setFrames(rows * cols)
		g.verdicts = nil
		g.picked = nil
		g.labels = nil
		for _, name := range labels {
			t := canvas.NewText(name, theme.Color(theme.ColorNameForeground))
			t.Alignment = fyne.TextAlignTrailing
			g.labels = append(g.labels, t)
		}
		if g.onShape != nil {
			g.onShape()
		}
	}
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

// scale is the canvas scale the grid is drawn at (1 before it is shown).
func (g *gridPicker) scale() float32 {
	if app := fyne.CurrentApp(); app != nil {
		if c := app.Driver().CanvasForObject(g); c != nil && c.Scale() > 0 {
			return c.Scale()
		}
	}
	return 1
}

// labelWidth is the room the row labels take at the grid's left.
func (g *gridPicker) labelWidth() float32 {
	w := float32(0)
	for _, l := range g.labels {
		w = max(w, l.MinSize().Width)
	}
	if w > 0 {
		w += theme.Padding()
	}
	return w
}

// drawnSize is the size the image is drawn at in a space of avail (row
// labels not included): a whole number of screen pixels per image pixel,
// the largest that fits; contained, if even one does not fit.
func (g *gridPicker) drawnSize(avail fyne.Size) fyne.Size {
	if g.img.Image == nil {
		return fyne.Size{}
	}
	b := g.img.Image.Bounds()
	if b.Dx() == 0 || b.Dy() == 0 || avail.Width <= 0 || avail.Height <= 0 {
		return fyne.Size{}
	}
	sc := g.scale()
	k := math.Floor(math.Min(float64(avail.Width*sc)/float64(b.Dx()), float64(avail.Height*sc)/float64(b.Dy())))
	if k >= 1 {
		return fyne.NewSize(float32(k)*float32(b.Dx())/sc, float32(k)*float32(b.Dy())/sc)
	}
	aspect := float32(b.Dx()) / float32(b.Dy())
	w, h := avail.Width, avail.Width/aspect
	if h > avail.Height {
		h, w = avail.Height, avail.Height*aspect
	}
	return fyne.NewSize(w, h)
}

// widthFor is the width the grid with its labels needs in a space of
// avail: what the samples column is given.
func (g *gridPicker) widthFor(avail fyne.Size) float32 {
	lw := g.labelWidth()
	return lw + g.drawnSize(fyne.NewSize(avail.Width-lw, avail.Height)).Width
}

// heightFor is the height the grid needs when it is width wide and at
// most avail.Height tall.
func (g *gridPicker) heightFor(avail fyne.Size) float32 {
	lw := g.labelWidth()
	return g.drawnSize(fyne.NewSize(avail.Width-lw, avail.Height)).Height
}

// imageRect is where the image is drawn inside the widget: centred
// across, at the top, on whole screen pixels.
func (g *gridPicker) imageRect() (fyne.Position, fyne.Size) {
	sz := g.Size()
	lw := g.labelWidth()
	d := g.drawnSize(fyne.NewSize(sz.Width-lw, sz.Height))
	sc := g.scale()
	snap := func(v float32) float32 { return float32(math.Round(float64(v*sc))) / sc }
	return fyne.NewPos(snap(lw+(sz.Width-lw-d.Width)/2), 0), d
}

// cellAt is the cell (row-major) under p, or -1.
func (g *gridPicker) cellAt(p fyne.Position) int {
	pos, sz := g.imageRect()
	if sz.Width <= 0 || sz.Height <= 0 || p.X < pos.X || p.Y < pos.Y {
		return -1
	}
	cx := int((p.X - pos.X) / sz.Width * float32(g.cols))
	cy := int((p.Y - pos.Y) / sz.Height * float32(g.rows))
	if cx < 0 || cx >= g.cols || cy < 0 || cy >= g.rows {
		return -1
	}
	return cy*g.cols + cx
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

func (r *gridPickerRenderer) Layout(fyne.Size) {
	g := r.g
	pos, isz := g.imageRect()
	g.img.Move(pos)
	g.img.Resize(isz)
	cw, ch := isz.Width/float32(g.cols), isz.Height/float32(g.rows)
	cell := func(c int) fyne.Position {
		return fyne.NewPos(pos.X+float32(c%g.cols)*cw, pos.Y+float32(c/g.cols)*ch)
	}
	for i, f := range g.frames {
		// Inset, so that neighbouring frames do not merge into one line.
		f.Move(cell(i).AddXY(2, 2))
		f.Resize(fyne.NewSize(cw-4, ch-4))
	}
	for i, l := range g.labels {
		ms := l.MinSize()
		l.Move(fyne.NewPos(pos.X-theme.Padding()-ms.Width, pos.Y+(float32(i)+0.5)*ch-ms.Height/2))
		l.Resize(ms)
	}
	for i, m := range g.marks {
		if i >= len(g.picked) || g.picked[i] >= len(g.frames) {
			m.Hide()
			continue
		}
		m.Move(cell(g.picked[i]))
		m.Resize(fyne.NewSize(cw, ch))
		m.Show()
	}
}

// MinSize is small: the samples column gives the grid the room it has.
func (r *gridPickerRenderer) MinSize() fyne.Size {
	return fyne.NewSize(r.g.labelWidth()+100, 100)
}

func (r *gridPickerRenderer) Refresh() {
	r.Layout(r.g.Size())
	for _, f := range r.g.frames {
		f.Refresh()
	}
	for _, m := range r.g.marks {
		m.Refresh()
	}
	for _, l := range r.g.labels {
		l.Color = theme.Color(theme.ColorNameForeground)
		l.Refresh()
	}
}

func (r *gridPickerRenderer) Objects() []fyne.CanvasObject {
	objs := []fyne.CanvasObject{r.g.img}
	for _, f := range r.g.frames {
		objs = append(objs, f)
	}
	for _, l := range r.g.labels {
		objs = append(objs, l)
	}
	return append(objs, r.g.marks[0], r.g.marks[1])
}

func (r *gridPickerRenderer) Destroy() {}
