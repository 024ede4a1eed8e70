//go:build !darwin || cgo

package main

import (
	"fyne.io/fyne/v2"
)

// defaultWindow is the size the window opens at when the screen's size is
// unknown (a build without GLFW).
var defaultWindow = fyne.NewSize(1360, 860)

// Room left on the screen for a title bar and a taskbar, in pixels: a
// 1366×768 laptop keeps its taskbar visible.
const (
	screenMarginW = 16
	screenMarginH = 80
)

// A screen up to fullScreenWidth units wide (a laptop, a 1080p monitor, a
// 4K monitor at scale 2) gets the whole of it, less the margins: the
// generated grid takes the window's height, and every unit of it makes
// the grid larger. A larger screen gets bigShare of it each way, and at
// least fullScreenWidth×1000 units.
const (
	fullScreenWidth = 1920
	bigShare        = 0.75
)

// Preference keys of the window's remembered size, in Fyne units.
const (
	prefWidth  = "window.width"
	prefHeight = "window.height"
)

// windowSize is the size to open the window at: the remembered one, or
// one that suits the screen of screenW×screenH pixels at the canvas scale
// (when the screen is known: screenW > 0), no larger than the screen and
// no smaller than the content's minimum.
func windowSize(prefs fyne.Preferences, minimum fyne.Size, screenW, screenH int, scale float32) fyne.Size {
	want := defaultWindow
	remembered := prefs.Float(prefWidth) > 0 && prefs.Float(prefHeight) > 0
	if remembered {
		want = fyne.NewSize(float32(prefs.Float(prefWidth)), float32(prefs.Float(prefHeight)))
	}
	if screenW > 0 && screenH > 0 && scale > 0 {
		fit := fyne.NewSize(float32(screenW-screenMarginW)/scale, float32(screenH-screenMarginH)/scale)
		if !remembered {
			want = fit
			if fit.Width > fullScreenWidth {
				want = fyne.NewSize(fit.Width*bigShare, fit.Height*bigShare).Max(fyne.NewSize(fullScreenWidth, 1000))
			}
		}
		want = want.Min(fit)
	}
	return want.Max(minimum)
}

// rememberWindowSize stores the window's size for the next launch.
func rememberWindowSize(prefs fyne.Preferences, size fyne.Size) {
	if size.Width > 0 && size.Height > 0 {
		prefs.SetFloat(prefWidth, float64(size.Width))
		prefs.SetFloat(prefHeight, float64(size.Height))
	}
}

// fitWindow sizes w for the screen it is on (see windowSize), at scale.
func fitWindow(w fyne.Window, prefs fyne.Preferences, scale float32) {
	sw, sh := screenPixels()
	w.Resize(windowSize(prefs, w.Content().MinSize(), sw, sh, scale))
}
