package ui

import (
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

func heading(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.TextStyle.Bold = true
	return l
}

func hint(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.LowImportance
	return l
}

// pixelImage is an image shown with crisp, blocky pixels at a minimum size.
func pixelImage(minW, minH float32) *canvas.Image {
	img := canvas.NewImageFromImage(image.NewNRGBA(image.Rect(0, 0, 1, 1)))
	img.ScaleMode = canvas.ImageScalePixels
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(minW, minH))
	return img
}

func setEnabled(w fyne.Disableable, on bool) {
	if on {
		w.Enable()
	} else {
		w.Disable()
	}
}

// besideOrBelow lays out a main object and a side column: the column to
// the right of the main object when that leaves the main object at least
// minMain wide, under it otherwise (a narrow panel on a small screen),
// where the panel's scroll reaches it. Stacked, the main object is square:
// the layout asks for the height that needs, from the width it last had.
type besideOrBelow struct {
	minMain   float32
	lastWidth float32
}

func (l *besideOrBelow) beside(width float32, side fyne.CanvasObject) bool {
	return width-side.MinSize().Width-theme.Padding() >= l.minMain
}

func (l *besideOrBelow) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	main, side := objs[0], objs[1]
	sm := side.MinSize()
	l.lastWidth = size.Width
	main.Move(fyne.Position{})
	if l.beside(size.Width, side) {
		w := size.Width - sm.Width - theme.Padding()
		main.Resize(fyne.NewSize(w, size.Height))
		side.Move(fyne.NewPos(w+theme.Padding(), 0))
		side.Resize(fyne.NewSize(sm.Width, size.Height))
		return
	}
	h := max(size.Height-sm.Height-theme.Padding(), main.MinSize().Height)
	main.Resize(fyne.NewSize(size.Width, h))
	side.Move(fyne.NewPos(0, h+theme.Padding()))
	side.Resize(fyne.NewSize(size.Width, sm.Height))
}

func (l *besideOrBelow) MinSize(objs []fyne.CanvasObject) fyne.Size {
	main, side := objs[0].MinSize(), objs[1].MinSize()
	if l.lastWidth > 0 && !l.beside(l.lastWidth, objs[1]) {
		return fyne.NewSize(max(main.Width, side.Width), max(main.Height, l.lastWidth)+side.Height+theme.Padding())
	}
	return fyne.NewSize(max(main.Width, side.Width), max(main.Height, side.Height))
}
