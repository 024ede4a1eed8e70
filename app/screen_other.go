//go:build !cgo || ci || !(linux || windows || darwin || freebsd)

package main

// screenPixels reports no screen: this build has no GLFW window (the ci
// tag's test driver, or no cgo).
func screenPixels() (w, h int) { return 0, 0 }
