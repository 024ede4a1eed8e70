//go:build !unix

package main

// peakRSSMB returns 0 where the peak resident set cannot be read this
// simply (Windows); bench then reports no peak.
func peakRSSMB() float64 { return 0 }
