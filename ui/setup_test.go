package ui

import (
	"math"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/events"
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
	for _, p := range params {
		if p.hp == nil {
			continue
		}
		h.ui(func() {
			sl := h.s.setup.sliders[p.key]
			before := p.hp.Get(h.s.cfg)
			at := float32(0.75)
			if int(sl.Value) == int(math.Round(0.75*sl.Max)) {
				at = 0.25 // the value already sits there
			}
			dragTo(sl, sl.Size().Width, at)
			after := p.hp.Get(h.s.cfg)
			if after == before {
				t.Errorf("%s: dragging the slider left the config at %v", p.key, before)
			}
			pos := p.hp.Positions()
			if want := pos[int(sl.Value)]; math.Abs(after-want) > 1e-6*math.Max(1, want) {
				t.Errorf("%s: config %v, slider stop %v", p.key, after, want)
			}
			if got := h.s.setup.entries[p.key].Text; got != p.hp.Format(after) {
				t.Errorf("%s: box shows %q, config %v", p.key, got, after)
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
	sub := h.s.engine().(*training.Trainer).Subscribe()
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
	// What the trainer publishes when a rollback halves the rates.
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
