package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// samplesFirst lays the window's body out with the generated grid first:
// the grid at the top left, as large as the body's height allows at a
// whole-number scale, its controls right under it, and the side panel in
// the rest of the width, never narrower than its minimum or minSide.
// Objects: grid, the grid's controls, the side panel.
//
// The controls get all the height the grid leaves, but the grid is sized
// for reserve of them only, so that it keeps its size whatever the
// controls' text says.
type samplesFirst struct {
	grid *gridPicker
	// reserve is the height the controls need at least.
	reserve func() float32
	// minColumn is the least width of the samples column (the history
	// slider's row needs some); minSide the least width of the side panel.
	minColumn, minSide float32
}

// column is the width of the samples column and the height of the grid
// in a body of size.
func (l *samplesFirst) column(size fyne.Size, side fyne.CanvasObject) (width, gridH float32) {
	pad := theme.Padding()
	avail := fyne.NewSize(size.Width-max(l.minSide, side.MinSize().Width)-pad, size.Height-l.reserve()-pad)
	width = min(max(l.grid.widthFor(avail), l.minColumn), max(avail.Width, l.minColumn))
	return width, l.grid.heightFor(fyne.NewSize(width, avail.Height))
}

func (l *samplesFirst) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	grid, controls, side := objs[0], objs[1], objs[2]
	pad := theme.Padding()
	w, gh := l.column(size, side)
	grid.Move(fyne.Position{})
	grid.Resize(fyne.NewSize(w, gh))
	controls.Move(fyne.NewPos(0, gh+pad))
	controls.Resize(fyne.NewSize(w, size.Height-gh-pad))
	side.Move(fyne.NewPos(w+pad, 0))
	side.Resize(fyne.NewSize(size.Width-w-pad, size.Height))
}

func (l *samplesFirst) MinSize(objs []fyne.CanvasObject) fyne.Size {
	grid, controls, side := objs[0].MinSize(), objs[1].MinSize(), objs[2].MinSize()
	col := max(l.minColumn, controls.Width, grid.Width)
	return fyne.NewSize(col+theme.Padding()+max(l.minSide, side.Width),
		max(grid.Height+theme.Padding()+l.reserve(), side.Height))
}

// oneLine is the height of a label of one line of text.
func oneLine() float32 { return widget.NewLabel("Ag").MinSize().Height }
