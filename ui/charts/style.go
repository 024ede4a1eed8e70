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
	"strings"

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
	// Compared marks a compared run's entry: where the legend is
	// squeezed, its name is cut first (the compare row above the curves
	// names the run in full).
	Compared bool
}

// styled is an empty plot in the window's colours: a transparent
// background, text and axes in fg, no title (the header holds it). Text
// is in a sans-serif face, as the window's is: at 10 points a serif face
// reads worse on screen.
func styled(xlabel, ylabel string, fg color.Color) *plot.Plot {
	p := plot.New()
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.BackgroundColor = color.Transparent
	for _, c := range []*color.Color{&p.Title.TextStyle.Color, &p.X.Label.TextStyle.Color, &p.Y.Label.TextStyle.Color,
		&p.X.Color, &p.Y.Color, &p.X.Tick.Color, &p.Y.Tick.Color, &p.X.Tick.Label.Color, &p.Y.Tick.Label.Color, &p.Legend.TextStyle.Color} {
		*c = fg
	}
	for _, ts := range []*draw.TextStyle{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle,
		&p.X.Tick.Label, &p.Y.Tick.Label, &p.Legend.TextStyle} {
		ts.Font.Variant = "Sans"
	}
	// Short ticks and little padding: in a panel 150 pixels high (the
	// curves at 1280×720) every point goes to the plotted area.
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Tick.Length, a.Padding = vg.Points(4), vg.Points(2)
	}
	return p
}

// panel is a plot with its header: a title and a legend drawn above the
// plotted area.
type panel struct {
	p      *plot.Plot
	title  string
	legend []Entry
	// shortY is the value axis' label where the full one is longer than
	// the axis (none if empty or longer still).
	shortY string
}

// heading is a panel's header laid out for a width: the title (at a
// font size that fits), and the legend either on the title's line or in
// rows below it. Legend names too wide for the width are cut with an
// ellipsis.
type heading struct {
	h      vg.Length // the header's height
	title  string
	size   vg.Length // the title's font size
	inline bool      // the legend is one row, on the title's line
	rows   [][]Entry
}

const (
	pad      = vg.Length(3)  // between the header's lines, in points
	swatch   = vg.Length(16) // a legend entry's line sample
	entryGap = vg.Length(12) // between legend entries
	// headerShare is the most of a panel's height its header takes
	// before the legend is squeezed onto the title's line: a short,
	// wide panel (the curves at 1280×720) keeps its plotted area.
	headerShare = 0.25
	// minName is the fewest characters a legend name is cut to.
	minName = 4
)

// header lays the panel's header out at width w, for a panel of height
// ph: the title shrunk (down to three quarters of its size) and then cut
// to fit; the legend beside the title when the line holds both, else in
// rows under it; and when those rows would take more than headerShare of
// the panel, the compared runs' names cut until the legend fits beside the
// title or in one row.
func (pn panel) header(w, ph vg.Length) heading {
	ts := pn.p.Title.TextStyle
	size, title := ts.Font.Size, pn.title
	for ts.Font.Size = size; ts.Width(title) > w && ts.Font.Size > size*3/4; ts.Font.Size -= size / 16 {
	}
	title = cutText(ts, title, w)
	hd := heading{title: title, size: ts.Font.Size}
	lts := pn.p.Legend.TextStyle
	entries := make([]Entry, len(pn.legend))
	for i, e := range pn.legend {
		e.Name = cutText(lts, e.Name, w-swatch-pad)
		entries[i] = e
	}
	titleW, titleH := vg.Length(0), vg.Length(0)
	if title != "" {
		titleW, titleH = ts.Width(title)+2*entryGap, ts.Height(title)
	}
	line := max(titleH, legendRowHeight(lts)-pad) + pad
	if len(entries) == 0 {
		hd.h = titleH + pad
		if title == "" {
			hd.h = 0
		}
		return hd
	}
	if titleW+rowWidth(entries, lts) <= w {
		hd.inline, hd.rows, hd.h = true, [][]Entry{entries}, line
		return hd
	}
	hd.rows = legendRows(entries, lts, w)
	hd.h = titleH + pad + vg.Length(len(hd.rows))*legendRowHeight(lts)
	if hd.h <= headerShare*ph {
		return hd
	}
	// Too tall for the panel: cut the compared runs' names until the
	// legend fits on the title's line, or else in one row under it.
	rooms := []vg.Length{w - titleW, w}
	if len(hd.rows) == 1 {
		rooms = rooms[:1]
	}
	for _, room := range rooms {
		if cut, ok := squeeze(entries, lts, room); ok {
			hd.rows = [][]Entry{cut}
			hd.inline = room < w
			hd.h = titleH + pad + legendRowHeight(lts)
			if hd.inline {
				hd.h = line
			}
			return hd
		}
	}
	return hd
}

// squeeze cuts the longest of the compared runs' names, a character at a
// time and to no fewer than minName, until the entries fit in one row of
// width w. The run's own series keep their names: "D(x)…" would say
// nothing.
func squeeze(entries []Entry, ts draw.TextStyle, w vg.Length) ([]Entry, bool) {
	out := append([]Entry(nil), entries...)
	runes := make([][]rune, len(out))
	for i, e := range out {
		runes[i] = []rune(strings.TrimSuffix(e.Name, "…"))
	}
	for rowWidth(out, ts) > w {
		longest := -1
		for i, r := range runes {
			if out[i].Compared && len(r) > minName && (longest < 0 || len(r) > len(runes[longest])) {
				longest = i
			}
		}
		if longest < 0 {
			return nil, false
		}
		runes[longest] = runes[longest][:len(runes[longest])-1]
		out[longest].Name = string(runes[longest]) + "…"
	}
	return out, true
}

// cutText cuts s with an ellipsis until it is at most w wide in ts.
func cutText(ts draw.TextStyle, s string, w vg.Length) string {
	for r := []rune(s); ts.Width(s) > w && len(r) > 1; {
		r = r[:len(r)-1]
		s = string(r) + "…"
	}
	return s
}

func legendRowHeight(ts draw.TextStyle) vg.Length { return ts.Height("Ag") + pad }

func entryWidth(e Entry, ts draw.TextStyle) vg.Length { return swatch + pad + ts.Width(e.Name) }

// rowWidth is the width of entries in one row.
func rowWidth(entries []Entry, ts draw.TextStyle) vg.Length {
	w := vg.Length(0)
	for i, e := range entries {
		if i > 0 {
			w += entryGap
		}
		w += entryWidth(e, ts)
	}
	return w
}

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

// drawHeader draws hd from the height top down (the top of the row of
// panels, so that side-by-side titles line up) and returns c less its top
// h for the plot: every panel of a row loses the same height, so their
// plotted areas stay aligned.
func (pn panel) drawHeader(c draw.Canvas, top, h vg.Length, hd heading) draw.Canvas {
	ts := pn.p.Title.TextStyle
	ts.Font.Size = hd.size
	ts.XAlign, ts.YAlign = draw.XLeft, draw.YCenter
	lts := pn.p.Legend.TextStyle
	lts.XAlign, lts.YAlign = draw.XLeft, draw.YCenter
	mid := (c.Min.X + c.Max.X) / 2
	y := top
	rows := hd.rows
	if hd.title != "" {
		lineH := ts.Height(hd.title)
		width := ts.Width(hd.title)
		if hd.inline {
			lineH = max(lineH, legendRowHeight(lts)-pad)
			width += 2*entryGap + rowWidth(rows[0], lts)
		}
		x, cy := mid-width/2, y-lineH/2
		c.FillText(ts, vg.Point{X: x, Y: cy}, hd.title)
		if hd.inline {
			drawEntries(c, lts, rows[0], x+ts.Width(hd.title)+2*entryGap, cy)
			rows = nil
		}
		y -= lineH + pad
	}
	rh := legendRowHeight(lts)
	for _, row := range rows {
		drawEntries(c, lts, row, mid-rowWidth(row, lts)/2, y-rh/2)
		y -= rh
	}
	return draw.Crop(c, 0, 0, 0, -h)
}

// drawEntries draws a row of legend entries from x, centred on the
// height cy.
func drawEntries(c draw.Canvas, ts draw.TextStyle, row []Entry, x, cy vg.Length) {
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
