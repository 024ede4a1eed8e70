package ui

import (
	"context"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/dataset"
)

// BenchmarkTrainingWindow trains the lite-mnist preset alone, with the
// window watching at the default refresh rate, and with the window's lab
// on (verdict frames, a truncated grid drawn by the window, the verdict
// histogram painted); one op is one training step. Compare the ns/op
// (the window must cost under 10%):
//
//	go test -tags ci -run '^$' -bench TrainingWindow -benchtime 40x ./ui/
//
// "window" includes everything the window does while a run trains: the
// event goroutine, redraws at DefaultRefresh, the live previews
// (defaultLivePreview) and, after every redraw, the painting work that
// runs on the CPU in the app: the curves' plot, rendered at the raster's
// pixel size, and in lab mode the verdict histogram. The toolkit's own painting (text, widgets, scaling the grid)
// is the GPU's; the test driver's full-window software render stands in
// poorly for it (about 100 ms of CPU per frame at 1360×860), so it is left
// out. cpu-ns/op is the process's CPU time per step: on a shared machine it
// is steadier than ns/op.
func BenchmarkTrainingWindow(b *testing.B) {
	cfg, err := training.Preset("lite-mnist")
	if err != nil {
		b.Fatal(err)
	}
	ds, err := training.OpenData(context.Background(), cfg, dataset.Options{})
	if err != nil {
		b.Fatal(err)
	}
	// A few untimed steps first: the first run in a process pays for
	// page faults and thread starts that would otherwise count against
	// whichever mode comes first.
	warm := cfg
	warm.Steps, warm.CheckpointEvery = 5, 0
	if eng, err := training.New(warm, ds, b.TempDir()); err == nil && eng.Start() == nil {
		eng.Wait()
	}
	for _, mode := range []string{"alone", "window", "lab"} {
		b.Run(mode, func(b *testing.B) {
			c := cfg
			// A grid every 10 steps, ten times the preset's rate: the
			// window's work per grid (and the lab's grid of its own) is
			// what is measured, in every mode alike.
			c.Steps, c.CheckpointEvery, c.SampleEvery = b.N, 0, 10
			eng, err := training.New(c, ds, b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			stop := func() {}
			if mode != "alone" {
				stop = watchWithWindow(b, eng, mode == "lab")
			}
			b.ResetTimer()
			cpu0 := cpuTime()
			if err := eng.Start(); err != nil {
				b.Fatal(err)
			}
			if err := eng.Wait(); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			// CPU time of the whole process per step: steadier than wall
			// time on a shared machine, and what the window adds to it is
			// what it can take from training.
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
			stop()
		})
	}
}

// watchWithWindow opens a Studio in a test window on eng and paints the
// canvas whenever the Studio redraws, as a real window would.
func watchWithWindow(b *testing.B, eng *training.Trainer, lab bool) (stop func()) {
	a := test.NewApp()
	mu := &uiThread
	painted := make(chan struct{}, 1)
	do := func(f func()) {
		mu.Lock()
		f()
		mu.Unlock()
		select {
		case painted <- struct{}{}:
		default:
		}
	}
	w := test.NewWindow(nil)
	w.Resize(fyne.NewSize(1360, 860))
	var s *Studio
	do(func() {
		var err error
		if s, err = New(w, Options{do: do, RunsDir: b.TempDir()}); err != nil {
			b.Fatal(err)
		}
	})
	// The window opened the preset's data set for its preview when it
	// came up; wait for that, as a user would see it before Start.
	for {
		var ready bool
		do(func() { ready = s.run.phase.Text == "Ready" && s.setup.dataInfo.Text != "Loading the data set…" })
		ready = ready && s.data.Kept()
		if ready {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.attach(eng, "")
	if lab {
		do(func() {
			s.samples.judge.SetChecked(true)
			s.samples.psi.SetValue(0.7)
		})
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			case <-painted:
				mu.Lock()
				sz, hist := s.curves.raster.Size(), s.samples.verdicts.Size()
				mu.Unlock()
				// The GL driver calls the generators on its render thread
				// at the raster's pixel size (scale 1 here).
				s.curves.generate(int(sz.Width), int(sz.Height))
				if lab {
					mu.Lock() // the histogram's generator reads the view
					s.samples.verdicts.Generator(int(hist.Width), int(hist.Height))
					mu.Unlock()
				}
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		s.Close()
		w.Close()
		a.Quit()
	}
}
