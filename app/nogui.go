//go:build darwin && !cgo

package main

import (
	"fmt"
	"io"
)

// guiCommand explains that this build has no window: on macOS the window
// needs cgo.
func guiCommand(_ []string, stderr io.Writer) int {
	fmt.Fprintln(stderr, "ganstudio: this build has no window (built with CGO_ENABLED=0); build with cgo for the window (README: macOS), or use ganstudio train, sample, eval and bench")
	return 2
}
