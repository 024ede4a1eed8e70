package charts

import (
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// drawPanels draws panels in a grid of rows (rows[i][j]) on c, their
// plotted areas aligned, each under its header. It lays them out three
// times: to learn whether the plotted areas are short (and the step axes
// give up their labels), then how tall they are (so that the value axes
// label only as many ticks as fit), then to draw.
func drawPanels(c draw.Canvas, rows [][]panel, t draw.Tiles) {
	g := panelGrid{c: c, rows: rows, t: t, plots: make([][]*plot.Plot, len(rows))}
	for i, row := range rows {
		for _, pn := range row {
			g.plots[i] = append(g.plots[i], pn.p)
		}
	}
	canvases := g.layout()
	g.dropStepLabels(canvases, g.headers(canvases))
	canvases = g.layout()
	g.fitAxes(canvases, g.headers(canvases))
	canvases = g.layout()
	for i, hs := range g.headers(canvases) {
		for j, hd := range hs {
			pn := rows[i][j]
			pn.p.Draw(pn.drawHeader(canvases[i][j], hd.top, hd.h, hd.hd))
		}
	}
}

// panelGrid is the panels drawPanels lays out, in rows.
type panelGrid struct {
	c     draw.Canvas
	rows  [][]panel
	plots [][]*plot.Plot // rows' plots
	t     draw.Tiles
}

// placed is a panel's header where the grid puts it: the header's top,
// the height the row's headers take, and the header laid out.
type placed struct {
	top, h vg.Length
	hd     heading
}

// layout gives each panel its canvas, the plotted areas aligned.
func (g panelGrid) layout() [][]draw.Canvas {
	return plot.Align(g.plots, g.t, g.c)
}

// headers lays every panel's header out on its canvas.
func (g panelGrid) headers(canvases [][]draw.Canvas) [][]placed {
	out := make([][]placed, len(g.rows))
	for i, row := range g.rows {
		// One header height and top a row, so that side-by-side plots
		// and their titles line up.
		top, hmax := math.Inf(-1), vg.Length(0)
		for j, pn := range row {
			cv := canvases[i][j]
			hd := pn.header(cv.Max.X-cv.Min.X, cv.Max.Y-cv.Min.Y)
			out[i] = append(out[i], placed{hd: hd})
			top, hmax = math.Max(top, float64(cv.Max.Y)), max(hmax, hd.h)
		}
		if hmax > 0 {
			// A gap under the header: the value axis' top label stands
			// half above the plotted area.
			hmax += pad
		}
		for j := range out[i] {
			out[i][j].top, out[i][j].h = vg.Length(top), hmax
		}
	}
	return out
}

// plotted is the plotted area of panel (i, j) under its header.
func (g panelGrid) plotted(canvases [][]draw.Canvas, hs [][]placed, i, j int) draw.Canvas {
	return g.rows[i][j].p.DataCanvas(draw.Crop(canvases[i][j], 0, 0, 0, -hs[i][j].h))
}

// dropStepLabels takes the step axis' label off a row of short panels:
// the numbers under a curve of a run are plainly steps, and the plotted
// area needs the line more.
func (g panelGrid) dropStepLabels(canvases [][]draw.Canvas, hs [][]placed) {
	for i, row := range g.rows {
		short := false
		for j := range row {
			da, cv := g.plotted(canvases, hs, i, j), canvases[i][j]
			short = short || da.Max.Y-da.Min.Y < (cv.Max.Y-cv.Min.Y)/2
		}
		for _, pn := range row {
			if short && pn.p.X.Label.Text == "step" {
				pn.p.X.Label.Text = ""
			}
		}
	}
}

// fitAxes makes the axes label as many ticks as fit, and the value axis
// a label no longer than itself (or none).
func (g panelGrid) fitAxes(canvases [][]draw.Canvas, hs [][]placed) {
	for i, row := range g.rows {
		for j, pn := range row {
			da := g.plotted(canvases, hs, i, j)
			dw, dh := da.Max.X-da.Min.X, da.Max.Y-da.Min.Y
			fitTicks(&pn.p.X, dw, false)
			fitTicks(&pn.p.Y, dh, true)
			if l := &pn.p.Y.Label; l.TextStyle.Width(l.Text) > dh {
				l.Text = pn.shortY
				if l.TextStyle.Width(l.Text) > dh {
					l.Text = "" // the title says what the values are
				}
			}
		}
	}
}

// roomTicks keeps, of a ticker's labels, as many as fit along an axis
// room long: every k-th, so that no two labels touch. A short plot's value
// axis, or a narrow histogram's classes, would otherwise print their labels
// over each other.
type roomTicks struct {
	plot.Ticker
	room vg.Length
	// extent is a label's length along the axis.
	extent func(label string) vg.Length
}

// fitTicks makes axis a of a plotted area room long label only the ticks
// that fit.
func fitTicks(a *plot.Axis, room vg.Length, vertical bool) {
	ts := a.Tick.Label
	extent := ts.Width
	if vertical != (ts.Rotation != 0) {
		extent = ts.Height
	}
	a.Tick.Marker = roomTicks{Ticker: a.Tick.Marker, room: room, extent: extent}
}

func (t roomTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := t.Ticker.Ticks(lo, hi)
	n, widest := 0, vg.Length(0)
	for _, tk := range ticks {
		if tk.Label != "" {
			n++
			widest = max(widest, t.extent(tk.Label))
		}
	}
	if n < 2 || widest == 0 {
		return ticks
	}
	// Labels stand at least half a label apart; an axis too short for
	// two keeps its first.
	most := int(t.room/(widest*3/2)) + 1
	if n <= most {
		return ticks
	}
	k := n
	if most >= 2 {
		k = (n - 1 + most - 2) / (most - 1)
	}
	j := 0
	for i := range ticks {
		if ticks[i].Label == "" {
			continue
		}
		if j%k != 0 {
			ticks[i].Label = ""
		}
		j++
	}
	return ticks
}
