// Package charts draws GAN Studio's plots: the learning curves, the
// sample-quality plots and the histogram of D's verdicts. It knows
// nothing of Fyne: it takes plain values (curves, measurements,
// verdicts) and a colour for text, and gives images or draws on a
// gonum/plot canvas, so that it is tested without widgets and the
// window's views only hand it their state.
//
// Every plot is drawn under a header that holds its title and its legend,
// outside the plotted area: a legend never covers a curve, at any size.
package charts

import (
	"image"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Colours of the series. Each has a contrast of at least 3:1 (WCAG's
// figure for graphics) against both of Fyne's backgrounds, white and
// #171718, so that lines read in the light and the dark theme alike
// (TestColoursReadOnBothThemes).
var (
	ColD      = color.NRGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff} // red: discriminator
	ColG      = color.NRGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff} // blue: generator
	ColFCD    = color.NRGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff} // purple
	ColPrec   = color.NRGBA{R: 0xd9, G: 0x66, B: 0x0b, A: 0xff} // orange
	ColRecall = color.NRGBA{R: 0x12, G: 0x8c, B: 0x98, A: 0xff} // teal
	ColBars   = color.NRGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff} // green

	// CompareColors tell compared runs apart; the attached run keeps red
	// (D) and blue (G), and its FCD purple. A run past the sixth reuses a
	// colour.
	CompareColors = []color.NRGBA{
		{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, // green
		{R: 0xa0, G: 0x62, B: 0x4f, A: 0xff}, // brown
		{R: 0xcc, G: 0x4f, B: 0xa6, A: 0xff}, // pink
		{R: 0x8f, G: 0x90, B: 0x18, A: 0xff}, // olive
		{R: 0x12, G: 0x8c, B: 0x98, A: 0xff}, // teal
		{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff}, // grey
	}
)

// Entry is one line of a legend: a name and how its series is drawn.
type Entry struct {
	Name   string
	Color  color.Color
	Dashed bool // a dashed line (a compared run's D)
	Dot    bool // a point, not a line (a scatter)
}

// styled is an empty plot in the window's colours: a transparent
// background, text and axes in fg, no title (the header holds it).
func styled(xlabel, ylabel string, fg color.Color) *plot.Plot {
	p := plot.New()
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.BackgroundColor = color.Transparent
	for _, c := range []*color.Color{&p.Title.TextStyle.Color, &p.X.Label.TextStyle.Color, &p.Y.Label.TextStyle.Color,
		&p.X.Color, &p.Y.Color, &p.X.Tick.Color, &p.Y.Tick.Color, &p.X.Tick.Label.Color, &p.Y.Tick.Label.Color, &p.Legend.TextStyle.Color} {
		*c = fg
	}
	return p
}

// panel is a plot with its header: a title and a legend drawn above the
// plotted area.
type panel struct {
	p      *plot.Plot
	title  string
	legend []Entry
}

// header measures what a panel's header needs at width w: its height,
// the title's font size (shrunk, down to three quarters, to fit) and the
// title (cut with an ellipsis if even that is too wide), and the legend
// entries in rows.
func (pn panel) header(w vg.Length) (h vg.Length, title string, size vg.Length, rows [][]Entry) {
	ts := pn.p.Title.TextStyle
	size, title = ts.Font.Size, pn.title
	for ts.Font.Size = size; ts.Width(title) > w && ts.Font.Size > size*3/4; ts.Font.Size -= size / 16 {
	}
	size = ts.Font.Size
	for r := []rune(title); ts.Width(title) > w && len(r) > 1; {
		r = r[:len(r)-1]
		title = string(r) + "…"
	}
	if title != "" {
		h += ts.Height(title) + pad
	}
	rows = legendRows(pn.legend, pn.p.Legend.TextStyle, w)
	h += vg.Length(len(rows)) * legendRowHeight(pn.p.Legend.TextStyle)
	return h, title, size, rows
}

const (
	pad      = vg.Length(3)  // between the header's lines, in points
	swatch   = vg.Length(16) // a legend entry's line sample
	entryGap = vg.Length(12) // between legend entries
)

func legendRowHeight(ts draw.TextStyle) vg.Length { return ts.Height("Ag") + pad }

func entryWidth(e Entry, ts draw.TextStyle) vg.Length { return swatch + pad + ts.Width(e.Name) }

// legendRows fills rows of width w with the entries, in order.
func legendRows(entries []Entry, ts draw.TextStyle, w vg.Length) [][]Entry {
	var rows [][]Entry
	var row []Entry
	used := vg.Length(0)
	for _, e := range entries {
		ew := entryWidth(e, ts)
		if len(row) > 0 && used+entryGap+ew > w {
			rows, row, used = append(rows, row), nil, 0
		}
		if len(row) > 0 {
			used += entryGap
		}
		row, used = append(row, e), used+ew
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	return rows
}

// drawHeader draws the header at the top of c, h tall, and returns the
// canvas below it for the plot.
func (pn panel) drawHeader(c draw.Canvas, h vg.Length, title string, size vg.Length, rows [][]Entry) draw.Canvas {
	y := c.Max.Y
	mid := (c.Min.X + c.Max.X) / 2
	if title != "" {
		ts := pn.p.Title.TextStyle
		ts.Font.Size = size
		ts.XAlign, ts.YAlign = draw.XCenter, draw.YTop
		c.FillText(ts, vg.Point{X: mid, Y: y}, title)
		y -= ts.Height(title) + pad
	}
	ts := pn.p.Legend.TextStyle
	ts.XAlign, ts.YAlign = draw.XLeft, draw.YCenter
	rh := legendRowHeight(ts)
	for _, row := range rows {
		width := vg.Length(0)
		for i, e := range row {
			if i > 0 {
				width += entryGap
			}
			width += entryWidth(e, ts)
		}
		x, cy := mid-width/2, y-rh/2
		for _, e := range row {
			ls := draw.LineStyle{Color: e.Color, Width: vg.Points(2)}
			if e.Dashed {
				ls.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			}
			if e.Dot {
				c.DrawGlyph(draw.GlyphStyle{Color: e.Color, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}, vg.Point{X: x + swatch/2, Y: cy})
			} else {
				c.StrokeLine2(ls, x, cy, x+swatch, cy)
			}
			c.FillText(ts, vg.Point{X: x + swatch + pad, Y: cy}, e.Name)
			x += entryWidth(e, ts) + entryGap
		}
		y -= rh
	}
	return draw.Crop(c, 0, 0, 0, -h)
}

// drawPanels draws panels in a grid of rows (rows[i][j]) on c, their
// plotted areas aligned, each under its header.
func drawPanels(c draw.Canvas, rows [][]panel, t draw.Tiles) {
	plots := make([][]*plot.Plot, len(rows))
	for i, row := range rows {
		for _, pn := range row {
			plots[i] = append(plots[i], pn.p)
		}
	}
	canvases := plot.Align(plots, t, c)
	for i, row := range rows {
		// One header height a row, so that side-by-side plots align.
		hmax := vg.Length(0)
		for j, pn := range row {
			h, _, _, _ := pn.header(canvases[i][j].Max.X - canvases[i][j].Min.X)
			hmax = max(hmax, h)
		}
		for j, pn := range row {
			cv := canvases[i][j]
			_, title, size, legend := pn.header(cv.Max.X - cv.Min.X)
			pn.p.Draw(pn.drawHeader(cv, hmax, title, size, legend))
		}
	}
}

// Render runs paint on a canvas of exactly w×h pixels at the given scale
// (the window's canvas scale: text and lines grow with it, so the image is
// crisp when shown at w/scale × h/scale device-independent units) filled
// with bg, and returns the image.
func Render(w, h int, scale float32, bg color.Color, paint func(draw.Canvas)) image.Image {
	if w < 1 || h < 1 {
		return image.NewNRGBA(image.Rect(0, 0, 1, 1))
	}
	if scale <= 0 {
		scale = 1
	}
	dpi := 96 * float64(scale)
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(w)*vg.Inch/vg.Length(dpi), vg.Length(h)*vg.Inch/vg.Length(dpi)),
		vgimg.UseDPI(int(math.Round(dpi))), vgimg.UseBackgroundColor(bg))
	paint(draw.New(c))
	return c.Image()
}
