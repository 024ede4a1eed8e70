package session

import (
	"slices"
	"testing"

	"github.com/ganstudio/ganstudio/training/events"
)

// A mode-collapse warning stays while the measurements say the run is
// collapsed; any other warning goes at the next measurement.
func TestWarningsUntilAMeasurementClearsThem(t *testing.T) {
	m := func(step, covered int) events.Event {
		return events.Metrics{Step: step, N: 100, FCD: 10, Covered: covered, Histogram: make([]int, 10)}
	}
	warn := func(step int, msg string) events.Event {
		return events.State{Phase: events.Running, Step: step, Warning: true, Message: msg}
	}
	const collapse = "Likely mode collapse: the samples now cover only 4 of 10 classes."
	const vanish = "D's loss has sunk to 0.33: the generator's gradient is vanishing."
	var h History
	for _, c := range []struct {
		what string
		then []events.Event
		want []string
	}{
		{"coverage falls", []events.Event{m(500, 10), m(1000, 4), warn(1000, collapse)}, []string{collapse}},
		{"another warning", []events.Event{warn(1200, vanish)}, []string{collapse, vanish}},
		{"still collapsed", []events.Event{m(1500, 4)}, []string{collapse}},
		{"coverage recovers", []events.Event{m(2000, 9)}, []string{}},
	} {
		for _, e := range c.then {
			h.Apply(e)
		}
		if got := h.Quality().Warnings(); !slices.Equal(got, c.want) {
			t.Errorf("%s: warnings %q, want %q", c.what, got, c.want)
		}
	}
}
