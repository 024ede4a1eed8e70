package ui

import (
	"fmt"
	"image"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// uiThread is the tests' UI thread: every access to widgets, from a test
// or from a Studio's goroutines, holds it. That is what fyne.Do guarantees
// in the app, and what keeps -race quiet here. It is one for all windows,
// since Fyne's caches (fonts, textures) are shared.
var uiThread sync.Mutex

// harness is a Studio in a test window with the real trainer.
type harness struct {
	t    *testing.T
	s    *Studio
	w    fyne.Window
	dir  string
	next string // the path the fake file dialog answers with
}

func newHarness(t *testing.T, preset string) *harness {
	t.Helper()
	test.NewTempApp(t)
	h := &harness{t: t, dir: t.TempDir()}
	h.w = test.NewWindow(nil)
	h.w.Resize(fyne.NewSize(1360, 860))
	h.ui(func() {
		s, err := New(h.w, Options{
			do:          h.ui,
			Refresh:     20 * time.Millisecond,
			livePreview: -1, // tests look at the trainer's own grids
			chooser:     h,
			preset:      preset,
			RunsDir:     filepath.Join(h.dir, "runs"),
		})
		if err != nil {
			t.Fatal(err)
		}
		h.s = s
	})
	t.Cleanup(func() {
		h.s.Close()
		h.ui(h.w.Close)
	})
	return h
}

// ui runs f with the UI lock held.
func (h *harness) ui(f func()) {
	uiThread.Lock()
	defer uiThread.Unlock()
	f()
}

// SaveFile and OpenFolder answer the Studio's file dialogs with h.next.
func (h *harness) SaveFile(_, _ string, cb func(string)) { cb(h.next) }

func (h *harness) OpenFolder(_ string, cb func(string)) { cb(h.next) }

func (h *harness) OpenFile(_ string, _ []string, cb func(string)) { cb(h.next) }

// waitFor polls cond (under the UI lock) until it holds.
func (h *harness) waitFor(what string, timeout time.Duration, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var ok bool
		h.ui(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			var status, phase string
			h.ui(func() { status, phase = h.s.status.Text, h.s.run.phase.Text })
			p, _ := h.s.hist.Phase()
			h.t.Fatalf("timed out after %v waiting for %s (status: %q; shows %q; run %v, %+v)", timeout, what, status, phase, p, h.s.state())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// set types text into the entry of a hyperparameter.
func (h *harness) set(key, text string) {
	h.t.Helper()
	h.ui(func() { h.s.setup.entries[key].SetText(text) })
}

// submit types text into the entry of a hyperparameter and presses Enter,
// which is what applies a live value while a run goes.
func (h *harness) submit(key, text string) {
	h.t.Helper()
	h.ui(func() {
		e := h.s.setup.entries[key]
		e.SetText(text)
		e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	})
}

// shownStep is the step count in the progress bar's text. The caller
// holds the UI lock (waitFor's conditions do).
func (h *harness) shownStep() int {
	txt := h.s.run.progress.TextFormatter()
	var n, total int
	if _, err := fmt.Sscanf(txt, "step %d of %d", &n, &total); err != nil {
		return 0
	}
	return n
}

// startTiny starts a run of a tiny network (fast steps) on MNIST with a
// grid every `every` steps.
func (h *harness) startTiny(every int) {
	h.t.Helper()
	// The trainer's sample-quality metrics load a classifier and a test set
	// at the start of a run, and Stop waits for that (seconds, a minute
	// under -race); these tests are about the window, not the metrics.
	h.startTinyMetrics(every, 0, 0)
}

// startTinyMetrics is startTiny with sample-quality measurements of
// metricsSamples samples every metricsEvery steps (0: off).
func (h *harness) startTinyMetrics(every, metricsEvery, metricsSamples int) {
	h.t.Helper()
	// Epochs without end: a folder of 40 pictures is 2 steps an epoch, and
	// the run must outlast the classifier's loading; every test stops it.
	for k, v := range map[string]string{"model.width": "8", "model.noise_size": "8", "batch_size": "16", "epochs": "100000", "sample_every": strconv.Itoa(every)} {
		h.set(k, v)
	}
	h.ui(func() {
		c := h.s.cfg.Config()
		c.MetricsEvery, c.MetricsSamples = metricsEvery, metricsSamples
		h.s.cfg.Load(c)
	})
	h.ui(func() { test.Tap(h.s.run.start) })
	h.waitFor("the run to train", 2*time.Minute, func() bool { return h.s.run.phase.Text == "Training" })
}

func (h *harness) stop() {
	h.t.Helper()
	h.ui(func() {
		if h.s.run.stop.Disabled() {
			h.t.Fatal("Stop is disabled")
		}
		test.Tap(h.s.run.stop)
	})
	h.waitFor("the run to stop", time.Minute, func() bool { return h.s.run.phase.Text == "Stopped" })
}

// pause taps Pause on a running run and waits until the step count holds.
func (h *harness) pause() int {
	h.t.Helper()
	h.ui(func() { test.Tap(h.s.run.pause) })
	h.waitFor("the run to pause", 10*time.Second, func() bool { return h.s.run.pause.Text == "Resume" })
	time.Sleep(200 * time.Millisecond) // the step in flight when Pause came
	var n int
	h.ui(func() { n = h.shownStep() })
	return n
}

func shownImage(h *harness) image.Image {
	var m image.Image
	h.ui(func() { m = h.s.samples.grid.img.Image })
	return m
}

func sameImage(a, b image.Image) bool {
	if a == nil || b == nil || a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}
