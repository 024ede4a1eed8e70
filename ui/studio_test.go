package ui

import (
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"image"
	"image/gif"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/events"
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
			Do:          h.ui,
			Refresh:     20 * time.Millisecond,
			LivePreview: -1, // tests look at the trainer's own grids
			Chooser:     h,
			Preset:      preset,
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
func (h *harness) SaveFile(_, _ string, cb func(string))          { cb(h.next) }
func (h *harness) OpenFolder(_ string, cb func(string))           { cb(h.next) }
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
	for k, v := range map[string]string{"model.width": "8", "model.noise_size": "8", "batch_size": "16", "epochs": "100", "sample_every": strconv.Itoa(every)} {
		h.set(k, v)
	}
	h.ui(func() { h.s.cfg.MetricsEvery, h.s.cfg.MetricsSamples = metricsEvery, metricsSamples })
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

func TestPresetFillsControls(t *testing.T) {
	h := newHarness(t, "seed-mnist")
	for _, name := range training.Presets() {
		t.Run(name, func(t *testing.T) {
			want, _ := training.Preset(name)
			// Disturb a control first, so that the preset must refill it.
			h.set("model.width", "12")
			h.ui(func() { h.s.setup.preset.SetSelected(name) })
			h.ui(func() {
				for _, p := range params {
					if got, w := h.s.setup.entries[p.key].Text, p.get(&want); got != w {
						t.Errorf("%s shows %q, preset %s has %q", p.label, got, name, w)
					}
				}
				if got, w := h.s.setup.data.Selected, choiceFor(want.Data); got != w {
					t.Errorf("data set shows %q, want %q", got, w)
				}
				if h.s.cfg.Model != want.Model || h.s.cfg.BatchSize != want.BatchSize {
					t.Errorf("config not taken from the preset: %+v", h.s.cfg)
				}
			})
		})
	}
}

func TestInvalidEntryShowsMessage(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	for _, c := range []struct{ key, text, want string }{
		{"batch_size", "0", "Batch size 0 is out of range"},
		{"batch_size", "many", "Batch size must be a number"},
		{"learn_rate_g", "-0.1", "Generator learning rate -0.1 is out of range"},
		{"learn_rate_d", "abc", "Discriminator learning rate must be a number"},
		{"beta1", "1", "Adam β1 1 is out of range"},
		{"model.width", "10", "multiple of 4"},
		{"model.dropout_keep_prob", "0", "Dropout keep probability 0 is out of range"},
		{"label_smoothing", "1.5", "Label smoothing 1.5 is out of range"},
		{"epochs", "0", "Epochs 0 is out of range"},
		{"sample_every", "0", "Sample interval 0 is out of range"},
		{"seed", "-1", "Seed must be a whole number"},
		{"model.noise_size", "0", "Noise size 0 is out of range"},
		{"model.leaky_relu_alpha", "2", "LeakyReLU α 2 is out of range"},
	} {
		t.Run(c.key+"="+c.text, func(t *testing.T) {
			var before training.Config
			h.ui(func() { before = h.s.cfg })
			h.set(c.key, c.text)
			h.ui(func() {
				l := h.s.setup.errLabel
				if !l.Visible() || !strings.Contains(l.Text, c.want) {
					t.Errorf("message %q (visible %v), want one containing %q", l.Text, l.Visible(), c.want)
				}
				p, _ := paramByKey(c.key)
				if got, w := p.get(&h.s.cfg), p.get(&before); got != w {
					t.Errorf("invalid %q was taken: config has %s", c.text, got)
				}
				if h.s.setup.entries[c.key].Validate() == nil {
					t.Errorf("the entry is not marked invalid")
				}
			})
			// A valid value clears the message.
			p, _ := paramByKey(c.key)
			h.set(c.key, p.get(&before))
			h.ui(func() {
				if h.s.setup.errLabel.Visible() {
					t.Errorf("message still shown after a valid value: %q", h.s.setup.errLabel.Text)
				}
			})
		})
	}
}

func TestStartMakesGridChange(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	before := shownImage(h)
	h.startTiny(3)
	h.waitFor("a grid from training", time.Minute, func() bool { return h.s.hist.NumGrids() >= 3 })
	h.waitFor("the newest grid on screen", 10*time.Second, func() bool { return h.s.samples.shown == h.s.hist.NumGrids()-1 })
	after := shownImage(h)
	if sameImage(before, after) {
		t.Fatal("the grid on screen did not change after Start")
	}
	if b := after.Bounds(); b.Dx() < 5*28 || b.Dy() < 5*28 {
		t.Errorf("grid is %v, want a 5×5 grid of 28×28 samples", b)
	}
	h.ui(func() {
		if h.s.setup.entries["batch_size"].Disabled() == false || h.s.setup.preset.Disabled() == false {
			t.Error("batch size and preset should be locked while the run trains")
		}
		if h.s.setup.entries["learn_rate_g"].Disabled() {
			t.Error("the learning rate should stay editable while the run trains")
		}
	})
	h.stop()
}

func TestLearningRateChangesLive(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(1000)
	h.submit("learn_rate_g", "0.0005")
	h.waitFor("the trainer to take the new rate", 10*time.Second, func() bool {
		return h.s.engine().Config().LearnRateG == 0.0005
	})
	h.stop()
}

func TestPauseStopsStepCount(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(1000)
	h.waitFor("some steps", time.Minute, func() bool { return h.shownStep() >= 3 })
	h.ui(func() { test.Tap(h.s.run.pause) })
	h.waitFor("the run to pause", 10*time.Second, func() bool { return h.s.run.pause.Text == "Resume" })
	time.Sleep(100 * time.Millisecond) // the step in flight when Pause came
	var paused, got int
	h.ui(func() { paused = h.shownStep() })
	time.Sleep(700 * time.Millisecond)
	if h.ui(func() { got = h.shownStep() }); got != paused {
		t.Fatalf("step count moved from %d to %d while paused", paused, got)
	}
	h.ui(func() { test.Tap(h.s.run.pause) })
	h.waitFor("steps after Resume", time.Minute, func() bool { return h.shownStep() > paused })
	h.stop()
}

func TestStopWritesCheckpoint(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(1000)
	h.waitFor("some steps", time.Minute, func() bool { return h.shownStep() >= 2 })
	h.stop()
	dir := h.s.hist.RunDir()
	files, _ := filepath.Glob(filepath.Join(dir, "checkpoints", "*.ckpt"))
	if len(files) == 0 {
		t.Fatalf("no checkpoint in %s after Stop", dir)
	}
	if _, _, err := training.LoadGenerator(files[len(files)-1]); err != nil {
		t.Fatalf("the checkpoint does not load: %v", err)
	}
	h.ui(func() {
		if h.s.run.cont.Disabled() || h.s.run.start.Disabled() {
			t.Error("after Stop, Continue and Start should be enabled")
		}
	})
	// Continue trains on in the same folder from the checkpoint.
	var stopped int
	h.ui(func() { stopped = h.shownStep() })
	h.ui(func() { test.Tap(h.s.run.cont) })
	h.waitFor("steps after Continue", time.Minute, func() bool { return h.shownStep() > stopped })
	h.stop()
	if got := h.s.hist.RunDir(); got != dir {
		t.Errorf("Continue wrote to %s, want the same run folder %s", got, dir)
	}
	// Start after Stop is a new run in a new folder, even within the
	// same second.
	h.ui(func() { test.Tap(h.s.run.start) })
	h.waitFor("the new run", time.Minute, func() bool { return h.s.run.phase.Text == "Training" })
	if got := h.s.hist.RunDir(); got == dir {
		t.Errorf("the new run writes into the stopped run's folder %s", dir)
	}
	h.stop()
}

func TestScrubberShowsEarlierGrid(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(1)
	// More grids than are kept in memory, so that scrubbing back reads
	// the run folder.
	h.waitFor("many grids", 2*time.Minute, func() bool { return h.s.hist.NumGrids() > gridsInMemory+5 })
	h.stop()
	if n := h.s.hist.InMemory(); n > gridsInMemory {
		t.Errorf("%d grids in memory, want at most %d", n, gridsInMemory)
	}
	newest := shownImage(h)
	var label string
	h.ui(func() {
		h.s.samples.scrub.SetValue(1) // an early grid, evicted from memory
		label = h.s.samples.scrubLbl.Text
	})
	early := shownImage(h)
	_, want, err := h.s.hist.GridAt(1)
	if err != nil {
		t.Fatal(err)
	}
	if !sameImage(early, want) {
		t.Error("the scrubber did not show grid 1")
	}
	if sameImage(early, newest) {
		t.Error("the early grid looks like the newest one")
	}
	if !strings.Contains(label, "grid 2 of") {
		t.Errorf("scrubber label %q does not say which grid", label)
	}
	// The window keeps evicted grids where the trainer wrote them: one
	// file per grid, none written twice under another name.
	files, _ := filepath.Glob(filepath.Join(h.s.hist.RunDir(), "grids", "*.png"))
	for _, step := range h.s.hist.GridSteps() {
		if _, err := os.Stat(training.GridPath(h.s.hist.RunDir(), step)); err != nil {
			t.Errorf("grid of step %d: %v", step, err)
		}
	}
	if n := h.s.hist.NumGrids(); len(files) != n {
		t.Errorf("%d grid files in the run folder for %d grids", len(files), n)
	}
}

func TestExportsDecode(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(2)
	h.waitFor("a few grids", time.Minute, func() bool { return h.s.hist.NumGrids() >= 3 })
	h.stop()
	out := t.TempDir()
	decodePNG := func(path string) error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = png.Decode(f)
		return err
	}
	for _, c := range []struct {
		name   string
		button func() *widget.Button
		path   string
		check  func(path string) error
	}{
		{"grid PNG", func() *widget.Button { return h.s.export.grid }, "grid.png", func(p string) error {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			m, err := png.Decode(f)
			if want := 4 * shownImage(h).Bounds().Dx(); err == nil && m.Bounds().Dx() != want {
				err = fmt.Errorf("grid PNG is %d wide, want ×4 scale: %d", m.Bounds().Dx(), want)
			}
			return err
		}},
		{"samples", func() *widget.Button { return h.s.export.samples }, "samples", func(p string) error {
			files, _ := filepath.Glob(filepath.Join(p, "*.png"))
			if len(files) != 64 {
				return fmt.Errorf("%d sample files, want 64", len(files))
			}
			return decodePNG(files[0])
		}},
		{"curves PNG", func() *widget.Button { return h.s.export.png }, "curves.png", decodePNG},
		{"curves SVG", func() *widget.Button { return h.s.export.svg }, "curves.svg", func(p string) error {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			d := xml.NewDecoder(f)
			n := 0
			for {
				tok, err := d.Token()
				if err != nil {
					if n < 10 {
						return fmt.Errorf("SVG ended after %d elements: %v", n, err)
					}
					return nil
				}
				if _, ok := tok.(xml.StartElement); ok {
					n++
				}
			}
		}},
		{"losses CSV", func() *widget.Button { return h.s.export.csv }, "losses.csv", func(p string) error {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			rows, err := csv.NewReader(f).ReadAll()
			if err != nil {
				return err
			}
			if len(rows) < 2 || rows[0][0] != "step" || len(rows)-1 != len(h.s.hist.Steps()) {
				return fmt.Errorf("%d rows for %d steps", len(rows), len(h.s.hist.Steps()))
			}
			return nil
		}},
		{"history GIF", func() *widget.Button { return h.s.export.gifB }, "history.gif", func(p string) error {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			g, err := gif.DecodeAll(f)
			if err == nil && len(g.Image) != h.s.hist.NumGrids() {
				err = fmt.Errorf("%d frames for %d grids", len(g.Image), h.s.hist.NumGrids())
			}
			return err
		}},
		{"checkpoint", func() *widget.Button { return h.s.export.ckpt }, "gan.ckpt", func(p string) error {
			_, _, err := training.LoadGenerator(p)
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(out, c.path)
			h.ui(func() {
				h.next = path
				if c.button().Disabled() {
					t.Fatal("button disabled")
				}
				test.Tap(c.button())
			})
			h.waitFor("the export", time.Minute, func() bool { return strings.HasPrefix(h.s.status.Text, "Saved ") })
			if err := c.check(path); err != nil {
				t.Fatal(err)
			}
			h.ui(func() { h.s.setStatus("") })
		})
	}
}

func TestOpenRunAndWalk(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(2)
	h.waitFor("a few grids", time.Minute, func() bool { return h.s.hist.NumGrids() >= 3 })
	h.stop()
	dir := h.s.hist.RunDir()
	steps, grids := len(h.s.hist.Steps()), h.s.hist.NumGrids()

	// A fresh window opens the run folder: curves, grids, generator.
	o := newHarness(t, "seed-mnist")
	o.ui(func() {
		o.next = dir
		test.Tap(o.s.run.open)
	})
	o.waitFor("the generator", time.Minute, func() bool { return o.s.sampler() != nil && !o.s.state().busy })
	if got := len(o.s.hist.Steps()); got != steps {
		t.Errorf("opened run has %d steps, want %d", got, steps)
	}
	if got := o.s.hist.NumGrids(); got < grids {
		t.Errorf("opened run has %d grids, want %d", got, grids)
	}
	o.ui(func() {
		if o.s.setup.entries["model.width"].Text != "8" {
			t.Errorf("set-up shows width %q, not the run's 8", o.s.setup.entries["model.width"].Text)
		}
		if o.s.run.cont.Disabled() {
			t.Error("Continue is disabled for an opened run")
		}
	})

	// Latent walk: tap two cells of the grid.
	o.ui(func() {
		g := o.s.samples.grid
		pos, sz := g.imageRect()
		cell := func(i int) *fyne.PointEvent {
			return &fyne.PointEvent{Position: fyne.NewPos(pos.X+(float32(i%5)+0.5)*sz.Width/5, pos.Y+(float32(i/5)+0.5)*sz.Height/5)}
		}
		g.Tapped(cell(0))
		g.Tapped(cell(24))
		if got := o.s.walk.picked; len(got) != 2 || got[0] != 0 || got[1] != 24 {
			t.Fatalf("picked %v, want [0 24]", got)
		}
	})
	o.waitFor("the walk", time.Minute, func() bool { return o.s.walk.strip.Image.Bounds().Dx() == walkSteps*29-1 })

	// A checkpoint on its own, outside any run folder: generator and
	// configuration, no curves.
	ckpts, _ := filepath.Glob(filepath.Join(dir, "checkpoints", "*.ckpt"))
	if len(ckpts) == 0 {
		t.Fatal("no checkpoint in the run")
	}
	lone := filepath.Join(t.TempDir(), "lone.ckpt")
	if err := copyFile(ckpts[len(ckpts)-1], lone); err != nil {
		t.Fatal(err)
	}
	c := newHarness(t, "seed-mnist")
	c.ui(func() {
		c.next = lone
		test.Tap(c.s.run.openCkpt)
	})
	c.waitFor("the lone checkpoint's grid", time.Minute, func() bool {
		return c.s.sampler() != nil && c.s.hist.NumGrids() == 1 && c.s.samples.shown == 0
	})
	c.ui(func() {
		if c.s.setup.entries["model.width"].Text != "8" {
			t.Errorf("set-up shows width %q, not the checkpoint's 8", c.s.setup.entries["model.width"].Text)
		}
	})
}

// A checkpoint that cannot be written pauses the run and says why;
// Resume, once space is free, writes it and training goes on.
func TestFullDiskPausesRun(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root (CI runs as root)")
	}
	h := newHarness(t, "lite-mnist")
	runs := filepath.Join(h.dir, "runs")
	os.MkdirAll(runs, 0o755)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", runs).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", runs).Run() })
	h.ui(func() { h.s.cfg.CheckpointEvery = 40 })
	h.startTiny(1000)
	h.waitFor("the first checkpoint", time.Minute, func() bool { return len(h.s.hist.Checkpoints()) == 1 })
	filler := filepath.Join(runs, "download.iso")
	if err := os.WriteFile(filler, make([]byte, 2<<20), 0o644); err == nil {
		t.Fatal("2 MiB fitted on a 2 MiB disk that already holds a run")
	}
	h.waitFor("the run to pause", time.Minute, func() bool {
		return h.s.run.phase.Text == "Paused" && strings.Contains(h.s.status.Text, "no space left")
	})
	os.Remove(filler)
	h.ui(func() { test.Tap(h.s.run.pause) })
	h.waitFor("the checkpoint written on Resume", time.Minute, func() bool { return len(h.s.hist.Checkpoints()) == 2 })
	h.waitFor("training again", time.Minute, func() bool { return h.s.run.phase.Text == "Training" && h.shownStep() > 80 })
	h.stop()
}

// A run that diverged waits for the user: the run controls offer to roll
// back, and the status line says what happened. (The trainer's side, a
// real NaN and the rollback, is training's TestDivergencePausesWhenAsked;
// here the trainer is paused and told about the divergence by its event.)
func TestDivergenceOffersRollback(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(1000)
	h.waitFor("some steps", time.Minute, func() bool { return h.shownStep() >= 3 })
	h.ui(func() { test.Tap(h.s.run.pause) })
	h.waitFor("the run to pause", 10*time.Second, func() bool { return h.s.run.pause.Text == "Resume" })
	h.s.hist.Apply(events.State{Phase: events.Paused, Step: 5, Warning: true,
		Err:     fmt.Errorf("%w at step 5 (D loss NaN, G loss NaN)", training.ErrDiverged),
		Message: "training diverged at step 5 (D loss NaN, G loss NaN). Resume rolls back to the last good checkpoint (step-0000000.ckpt) and halves the learning rates; Stop ends the run there"})
	h.waitFor("the offer to roll back", 10*time.Second, func() bool {
		return h.s.run.pause.Text == "Roll back" && strings.Contains(h.s.status.Text, "diverged at step 5")
	})
	h.ui(func() { test.Tap(h.s.run.pause) })
	h.waitFor("training again", 10*time.Second, func() bool { return h.s.run.pause.Text == "Pause" && h.s.run.phase.Text == "Training" })
	h.stop()
}

// The class picker trains on one CIFAR class, several, or all, and shows a
// configuration of several classes (from `ganstudio --class deer,horse`).
func TestClassPicker(t *testing.T) {
	h := newHarness(t, "seed-cifar-horses")
	h.ui(func() {
		if got := h.s.setup.class.Selected; got != "horse" {
			t.Errorf("picker shows %q for the horses preset", got)
		}
		h.s.setup.class.SetSelected(someClasses)
		if h.s.setup.classChecks == nil || h.w.Canvas().Overlays().Top() == nil {
			t.Fatal("choosing several classes opened no dialog")
		}
		h.s.setup.classChecks.SetSelected([]string{"horse", "deer"})
		h.s.setup.answerClasses(true)
	})
	h.ui(func() {
		if got := h.s.cfg.Data.Classes; !slices.Equal(got, []string{"deer", "horse"}) {
			t.Errorf("classes %v after ticking horse and deer", got)
		}
		if got := h.s.setup.class.Selected; got != "deer, horse" {
			t.Errorf("picker shows %q", got)
		}
		h.s.setup.class.SetSelected(someClasses)
		h.s.setup.answerClasses(false) // Cancel keeps the choice
		if got := h.s.setup.class.Selected; got != "deer, horse" || len(h.s.cfg.Data.Classes) != 2 {
			t.Errorf("after Cancel the picker shows %q, classes %v", got, h.s.cfg.Data.Classes)
		}
		h.s.setup.class.SetSelected(allClasses)
		if h.s.cfg.Data.Classes != nil {
			t.Errorf("classes %v after picking all", h.s.cfg.Data.Classes)
		}
	})

	cfg, _ := training.Preset("seed-cifar-horses")
	cfg.Data.Classes = []string{"cat", "dog"}
	test.NewTempApp(t)
	w := test.NewWindow(nil)
	defer w.Close()
	h.ui(func() {
		s, err := New(w, Options{Do: h.ui, Config: &cfg, RunsDir: t.TempDir(), LivePreview: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if got := s.setup.class.Selected; got != "cat, dog" {
			t.Errorf("a configuration of cat and dog shows %q", got)
		}
	})
}

// Continue follows the command line's rules for --resume: a new length
// applies, a new batch size is refused by name and the run stays as it is.
// The progress line says when the run was last saved.
func TestContinueFollowsResumeRules(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(1000)
	h.waitFor("some steps", time.Minute, func() bool { return h.shownStep() >= 2 })
	h.stop()
	dir := h.s.hist.RunDir()
	h.waitFor("the save in the progress line", 10*time.Second, func() bool { return strings.Contains(h.s.run.info.Text, "· saved ") })

	h.set("batch_size", "32")
	h.ui(func() { test.Tap(h.s.run.cont) })
	h.waitFor("the refusal", time.Minute, func() bool { return strings.Contains(h.s.status.Text, "batch_size cannot change") })
	h.ui(func() {
		if h.s.run.phase.Text != "Stopped" {
			t.Errorf("phase %q after a refused Continue", h.s.run.phase.Text)
		}
	})

	h.set("batch_size", "16")
	h.set("epochs", "200")
	h.ui(func() { test.Tap(h.s.run.cont) })
	h.waitFor("training again", time.Minute, func() bool { return h.s.run.phase.Text == "Training" })
	h.stop()
	cfg, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil || !strings.Contains(string(cfg), `"epochs": 200`) {
		t.Fatalf("config.json after Continue with 200 epochs (%v):\n%s", err, cfg)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "log.txt"))
	if !strings.Contains(string(log), "changed epochs 100 → 200") {
		t.Fatalf("log.txt does not record the change:\n%s", log)
	}
}
