//go:build cgo && !ci && (linux || windows || darwin || freebsd)

package main

import "github.com/go-gl/glfw/v3.3/glfw"

// screenPixels returns the primary monitor's size in pixels, or zeros when
// it cannot be read. Fyne has no API for it; GLFW, which Fyne initialises
// with its first window, does. It must run on the main thread (main before
// ShowAndRun, or in fyne.Do).
func screenPixels() (w, h int) {
	defer func() { recover() }() // go-gl panics on GLFW errors: no screen size then
	m := glfw.GetPrimaryMonitor()
	if m == nil {
		return 0, 0
	}
	if mode := m.GetVideoMode(); mode != nil {
		return mode.Width, mode.Height
	}
	return 0, 0
}
