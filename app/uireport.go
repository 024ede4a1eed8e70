//go:build !darwin || cgo

// The window needs cgo on macOS (Fyne's widgets call into AppKit even
// under the ci tag); a CGO_ENABLED=0 build there is the headless command
// (nogui.go).

package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"time"

	"fyne.io/fyne/v2"

	"github.com/ganstudio/ganstudio/ui"
)

// probeEvery is how often the UI report posts a function to the UI thread:
// often enough to catch a stall of a frame or two.
const probeEvery = 20 * time.Millisecond

// reportUI measures, until stop is closed, how long the UI thread takes to
// run a function posted to it (what a click waits for) and writes a CSV row
// each second with the run's step and the process's memory. A window that
// stays responsive over a long run shows flat latency and memory columns.
func reportUI(w io.Writer, s *ui.Studio, stop <-chan struct{}) error {
	if _, err := fmt.Fprintln(w, "seconds,step,grids_in_memory,rss_mib,heap_mib,ui_p50_ms,ui_p99_ms,ui_max_ms,probes"); err != nil {
		return err
	}
	start, windowStart := time.Now(), time.Now()
	var lat []float64
	tick := time.NewTicker(probeEvery)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return nil
		case <-tick.C:
		}
		posted, ran := time.Now(), make(chan float64, 1)
		fyne.Do(func() { ran <- float64(time.Since(posted).Microseconds()) / 1000 })
		select {
		case <-stop: // the app may have quit with the function never run
			return nil
		case ms := <-ran:
			lat = append(lat, ms)
		}
		if time.Since(windowStart) < time.Second {
			continue
		}
		slices.Sort(lat)
		step, grids := s.Progress()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		_, err := fmt.Fprintf(w, "%.0f,%d,%d,%.0f,%.0f,%.2f,%.2f,%.2f,%d\n", time.Since(start).Seconds(), step, grids,
			procStatusMB("VmRSS:"), float64(ms.HeapInuse)/(1<<20),
			lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1], len(lat))
		if err != nil {
			return err
		}
		lat, windowStart = lat[:0], time.Now()
	}
}

// startUIReport runs reportUI into the file at path in the background; the
// returned function ends it and closes the file.
func startUIReport(path string, s *ui.Studio, stderr io.Writer) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("UI report: %w", err)
	}
	done, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		if err := reportUI(f, s, done); err != nil {
			fmt.Fprintf(stderr, "ganstudio: UI report %s: %v\n", path, err)
		}
	}()
	return func() {
		close(done)
		<-ended
		f.Close()
	}, nil
}
