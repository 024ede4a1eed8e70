//go:build unix

package main

import (
	"runtime"
	"syscall"
)

// peakRSSMB returns the process's peak resident set (VmHWM), in MB.
func peakRSSMB() float64 {
	if mb := procStatusMB("VmHWM:"); mb > 0 {
		return mb
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return float64(ru.Maxrss) / (1 << 20) // bytes there, kB elsewhere
	}
	return float64(ru.Maxrss) / 1024
}
