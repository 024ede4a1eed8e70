//go:build !darwin || cgo

package main

import (
	"fyne.io/fyne/v2"
)

// defaultWindow is the size the window first opens at where the screen has
// room for it; smaller screens get the screen's size less the room below.
var defaultWindow = fyne.NewSize(1360, 860)

// Room left on the screen for a title bar and a taskbar, in pixels: a
// 1366×768 laptop keeps its taskbar visible.
const (
	screenMarginW = 16
	screenMarginH = 80
)

// Preference keys of the window's remembered size, in Fyne units.
const (
	prefWidth  = "window.width"
	prefHeight = "window.height"
)

// windowSize is the size to open the window at: the remembered one (or
// the default), no larger than the screen of screenW×screenH pixels at the
// canvas scale (when the screen is known: screenW > 0), and no smaller than
// the content's minimum.
func windowSize(prefs fyne.Preferences, minimum fyne.Size, screenW, screenH int, scale float32) fyne.Size {
	want := defaultWindow
	if w, h := prefs.Float(prefWidth), prefs.Float(prefHeight); w > 0 && h > 0 {
		want = fyne.NewSize(float32(w), float32(h))
	}
	if screenW > 0 && screenH > 0 && scale > 0 {
		fit := fyne.NewSize(float32(screenW-screenMarginW)/scale, float32(screenH-screenMarginH)/scale)
		if prefs.Float(prefWidth) <= 0 {
			// First launch on a large screen: two thirds of it, so that
			// the grid and plots get room on a 4K monitor.
			want = want.Max(fyne.NewSize(fit.Width*2/3, fit.Height*2/3))
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
