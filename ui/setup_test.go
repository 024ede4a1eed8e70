package ui

import (
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/ganstudio/ganstudio/model"
	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/dataset"
	"github.com/ganstudio/ganstudio/training/events"
	"github.com/ganstudio/ganstudio/ui/session"
)

// dragTo drags sl from its start to the fraction at of its width and
// releases it, as a mouse would.
func dragTo(sl fyne.Draggable, width, at float32) {
	sl.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: fyne.NewPos(width*at, 5)}, Dragged: fyne.NewDelta(width*at, 0)})
	sl.DragEnd()
}

// Every slider, dragged to three quarters of its width and released,
// changes the configuration and the value its box shows.
func TestDraggingEachSliderChangesTheConfig(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	for _, p := range session.Params() {
		if p.HP == nil {
			continue
		}
		h.ui(func() {
			sl := h.s.setup.sliders[p.Key]
			before := p.HP.Get(h.s.cfg.Config())
			at := float32(0.75)
			if int(sl.Value) == int(math.Round(0.75*sl.Max)) {
				at = 0.25 // the value already sits there
			}
			dragTo(sl, sl.Size().Width, at)
			after := p.HP.Get(h.s.cfg.Config())
			if after == before {
				t.Errorf("%s: dragging the slider left the config at %v", p.Key, before)
			}
			pos := p.HP.Positions()
			if want := pos[int(sl.Value)]; math.Abs(after-want) > 1e-6*math.Max(1, want) {
				t.Errorf("%s: config %v, slider stop %v", p.Key, after, want)
			}
			if got := h.s.setup.entries[p.Key].Text; got != p.HP.Format(after) {
				t.Errorf("%s: box shows %q, config %v", p.Key, got, after)
			}
		})
	}
}

// Typing 1e-4 into the live generator rate while a run goes hands the
// trainer no rate but the old one and, after Enter, 1e-4: never the 1 that
// the first keystroke would be. The trainer's own record of the rates each
// step used says so.
func TestTypingALiveRateAppliesOnlyOnEnter(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(1000)
	sub := h.s.engine().Subscribe()
	h.waitFor("some steps", time.Minute, func() bool { return h.shownStep() >= 2 })
	h.ui(func() {
		e := h.s.setup.entries["learn_rate_g"]
		e.SetText("")
		test.Type(e, "1")
	})
	// Steps run while the box holds "1", a valid rate, and then "1e-4".
	at := 0
	h.ui(func() { at = h.shownStep() })
	h.waitFor("steps while typing", time.Minute, func() bool { return h.shownStep() >= at+3 })
	h.ui(func() { test.Type(h.s.setup.entries["learn_rate_g"], "e-4") })
	h.ui(func() { at = h.shownStep() })
	h.waitFor("steps after typing", time.Minute, func() bool { return h.shownStep() >= at+2 })
	h.ui(func() { h.s.setup.entries["learn_rate_g"].TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) })
	h.waitFor("the new rate", 10*time.Second, func() bool { return h.s.engine().Config().LearnRateG == 1e-4 })
	h.ui(func() { at = h.shownStep() })
	h.waitFor("steps at the new rate", time.Minute, func() bool { return h.shownStep() >= at+2 })
	h.stop()
	var used []float64
	for _, e := range sub.Drain() {
		if s, ok := e.(events.Step); ok {
			used = append(used, s.LearnRateG)
		}
	}
	if len(used) == 0 || used[len(used)-1] != 1e-4 {
		t.Fatalf("the last steps used G rates %v, want 1e-4 at the end", used)
	}
	for i, r := range used {
		if r != 0.001 && r != 1e-4 {
			t.Fatalf("step %d used G rate %v while 1e-4 was typed", i+1, r)
		}
	}
}

// After a rollback halves both rates the sliders and boxes show the halved
// rates, and changing one rate keeps the other's halving.
func TestRatesFollowTheTrainerAfterRollback(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.startTiny(1000)
	h.waitFor("some steps", time.Minute, func() bool { return h.shownStep() >= 2 })
	// What the trainer holds, and publishes, when a rollback halves the
	// rates. (The panel hands the trainer only the rate that changes, so
	// the trainer must hold the halving itself, as after a real rollback.)
	for _, key := range []string{"learn_rate_g", "learn_rate_d"} {
		lr, _ := training.HyperparameterByKey(key)
		half, _ := lr.Setting(0.0005)
		if err := h.s.engine().Set(half); err != nil {
			t.Fatal(err)
		}
	}
	h.s.hist.Apply(events.Rates{Step: 2, G: 0.0005, D: 0.0005, Why: "rollback"})
	h.waitFor("the halved rates in the panel", 10*time.Second, func() bool {
		return h.s.setup.entries["learn_rate_g"].Text == "0.0005" && h.s.setup.entries["learn_rate_d"].Text == "0.0005"
	})
	h.ui(func() {
		lr, _ := training.HyperparameterByKey("learn_rate_d")
		if got := h.s.setup.sliders["learn_rate_d"].Value; int(got) != lr.Nearest(0.0005) {
			t.Errorf("D slider at stop %v, want %d (0.0005)", got, lr.Nearest(0.0005))
		}
	})
	h.submit("learn_rate_g", "0.0002")
	h.waitFor("the new G rate", 10*time.Second, func() bool { return h.s.engine().Config().LearnRateG == 0.0002 })
	if d := h.s.engine().Config().LearnRateD; d != 0.0005 {
		t.Fatalf("D rate %v after changing G: the halving was undone", d)
	}
	h.stop()
}

func TestPresetFillsControls(t *testing.T) {
	h := newHarness(t, "seed-mnist")
	for _, name := range training.Presets() {
		t.Run(name, func(t *testing.T) {
			want, _ := training.Preset(name)
			// Disturb a control first, so that the preset must refill it.
			h.set("model.width", "12")
			h.ui(func() { h.s.setup.preset.SetSelected(presetLabel(name)) })
			h.ui(func() {
				for _, p := range session.Params() {
					if got, w := h.s.setup.entries[p.Key].Text, p.Get(&want); got != w {
						t.Errorf("%s shows %q, preset %s has %q", p.Label, got, name, w)
					}
				}
				if got, w := h.s.setup.data.Selected, choiceFor(want.Data); got != w {
					t.Errorf("data set shows %q, want %q", got, w)
				}
				if got := h.s.setup.spectral.Checked; got != want.Model.SpectralNorm {
					t.Errorf("spectral normalisation shows %v, the preset has %v", got, want.Model.SpectralNorm)
				}
				if got := h.s.setup.preset.Selected; got != training.PresetPurpose(name) {
					t.Errorf("preset shows %q, want %q", got, training.PresetPurpose(name))
				}
				if h.s.cfg.Config().Model != want.Model || h.s.cfg.Config().BatchSize != want.BatchSize {
					t.Errorf("config not taken from the preset: %+v", h.s.cfg.Config())
				}
			})
		})
	}
}

// The spectral normalisation check sets the run's D and makes the set-up
// a custom one.
func TestSpectralNormCheck(t *testing.T) {
	h := newHarness(t, "seed-cifar-horses")
	h.ui(func() { test.Tap(h.s.setup.spectral) })
	h.ui(func() {
		if !h.s.cfg.Config().Model.SpectralNorm {
			t.Error("checking spectral normalisation left the config without it")
		}
		if h.s.cfg.Config().Preset != "" || h.s.setup.preset.Selected != "" {
			t.Errorf("a changed preset still shows as %q", h.s.setup.preset.Selected)
		}
	})
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
			h.ui(func() { before = h.s.cfg.Config() })
			h.set(c.key, c.text)
			h.ui(func() {
				l := h.s.setup.errLabel
				if !l.Visible() || !strings.Contains(l.Text, c.want) {
					t.Errorf("message %q (visible %v), want one containing %q", l.Text, l.Visible(), c.want)
				}
				p, _ := session.ParamByKey(c.key)
				if got, w := p.Get(ptr(h.s.cfg.Config())), p.Get(&before); got != w {
					t.Errorf("invalid %q was taken: config has %s", c.text, got)
				}
				if h.s.setup.entries[c.key].Validate() == nil {
					t.Errorf("the entry is not marked invalid")
				}
			})
			// A valid value clears the message.
			p, _ := session.ParamByKey(c.key)
			h.set(c.key, p.Get(&before))
			h.ui(func() {
				if h.s.setup.errLabel.Visible() {
					t.Errorf("message still shown after a valid value: %q", h.s.setup.errLabel.Text)
				}
			})
		})
	}
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
		if got := h.s.cfg.Config().Data.Classes; !slices.Equal(got, []string{"deer", "horse"}) {
			t.Errorf("classes %v after ticking horse and deer", got)
		}
		if got := h.s.setup.class.Selected; got != "deer, horse" {
			t.Errorf("picker shows %q", got)
		}
		h.s.setup.class.SetSelected(someClasses)
		h.s.setup.answerClasses(false) // Cancel keeps the choice
		if got := h.s.setup.class.Selected; got != "deer, horse" || len(h.s.cfg.Config().Data.Classes) != 2 {
			t.Errorf("after Cancel the picker shows %q, classes %v", got, h.s.cfg.Config().Data.Classes)
		}
		h.s.setup.class.SetSelected(allClasses)
		if h.s.cfg.Config().Data.Classes != nil {
			t.Errorf("classes %v after picking all", h.s.cfg.Config().Data.Classes)
		}
	})

	cfg, _ := training.Preset("seed-cifar-horses")
	cfg.Data.Classes = []string{"cat", "dog"}
	test.NewTempApp(t)
	w := test.NewWindow(nil)
	defer w.Close()
	h.ui(func() {
		s, err := New(w, Options{do: h.ui, Config: &cfg, RunsDir: t.TempDir(), livePreview: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if got := s.setup.class.Selected; got != "cat, dog" {
			t.Errorf("a configuration of cat and dog shows %q", got)
		}
	})
}

// The objective and augmentation picked in the set-up panel are the ones
// the run trains with, and they are locked while the run goes.
func TestObjectiveReachesTheRun(t *testing.T) {
	h := newHarness(t, "lite-mnist")
	h.ui(func() {
		if h.s.setup.loss.Selected != lossLabel(model.LossBCE) {
			t.Errorf("the seed's preset shows objective %q", h.s.setup.loss.Selected)
		}
		h.s.setup.loss.SetSelected(lossLabel(model.LossHinge))
		if h.s.cfg.Config().Model.Loss != model.LossHinge {
			t.Fatalf("config loss %q after picking hinge", h.s.cfg.Config().Model.Loss)
		}
		h.s.setup.augment.SetSelected([]string{"cutout", "translation"})
		if h.s.cfg.Config().Model.Augment == "" {
			t.Fatal("ticking augmentations left the config without them")
		}
	})
	h.startTiny(1000)
	h.ui(func() {
		if got := h.s.engine().Config().Model; got.Loss != model.LossHinge || got.Augment != "cutout,translation" {
			t.Errorf("the run trains on %q through %q", got.Loss, got.Augment)
		}
		if !h.s.setup.loss.Disabled() || !h.s.setup.augment.Disabled() {
			t.Error("the objective or the augmentation can change while the run goes")
		}
	})
	h.stop()
}

// A folder's pictures can be cropped or padded to a square; the choice
// shows only for folders, keeps a 64×64 network at 64, and reaches the
// run's configuration.
func TestFolderFitCropOrPad(t *testing.T) {
	dir := t.TempDir()
	for i := range 3 {
		img := image.NewGray(image.Rect(0, 0, 64, 32))
		for p := range img.Pix {
			img.Pix[p] = uint8(255 * (p % 64 / 32))
		}
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%d.png", i)))
		if err != nil {
			t.Fatal(err)
		}
		png.Encode(f, img)
		f.Close()
	}
	h := newHarness(t, "dcgan64-folder")
	h.ui(func() {
		if h.s.setup.fit.Visible() {
			t.Error("the crop/pad choice shows for CIFAR-10")
		}
		h.next = dir
		h.s.setup.data.SetSelected(choiceFolder)
	})
	h.waitFor("the folder's pictures", time.Minute, func() bool {
		return h.s.setup.fit.Visible() && strings.Contains(h.s.setup.dataInfo.Text, "3 images")
	})
	h.ui(func() {
		if h.s.cfg.Config().Model.ImageSize != 64 {
			t.Errorf("picking a folder made the network %d×%d", h.s.cfg.Config().Model.ImageSize, h.s.cfg.Config().Model.ImageSize)
		}
		if h.s.setup.fit.Selected != fitCropLabel {
			t.Errorf("fit shows %q, want crop", h.s.setup.fit.Selected)
		}
		h.s.setup.fit.SetSelected(fitPadLabel)
		if h.s.cfg.Config().Data.Fit != dataset.FitPad {
			t.Errorf("data fit %q after choosing pad", h.s.cfg.Config().Data.Fit)
		}
	})
}

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }
