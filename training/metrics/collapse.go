package metrics

import "fmt"

// Coverage is one measurement of how many classes a run's samples cover.
type Coverage struct {
	Step, Covered int
}

// CollapseRule judges mode collapse from a run's coverage so far. It is a
// pure function of the measurements, so the warning a run gave can be
// found again from its metrics.csv (docs/METRICS.md has the table of how
// often it fires, and `go run ./training/metrics/warntable RUN...` makes
// it).
//
// Early measurements are noise: a generator that draws blobs at step 60
// covers six classes one time and five the next. So the run's coverage is
// judged against its own best after a warm-up, never against its first
// measurements, and a drop must be large enough and last.
type CollapseRule struct {
	// Warmup is the step before which measurements neither set the best
	// nor warn.
	Warmup int
	// Drop is how many classes below the best count as a collapse for a
	// run of ten classes; runs of fewer classes need Drop·classes/10,
	// but at least one.
	Drop int
	// Floor is the share of the classes at or under which coverage after
	// the warm-up counts as collapsed whatever the best was: a run that
	// collapsed before it was ever good (0: no floor). Runs of fewer than
	// five classes have none.
	Floor float64
	// Persist is how many consecutive measurements the collapse must
	// hold.
	Persist int
}

// DefaultCollapse is the rule the trainer's warnings and the window use:
// after 300 steps, two classes fewer than the best since then, or three
// classes in ten or fewer, in two measurements in a row. docs/METRICS.md
// measures it on normal and collapsing runs.
var DefaultCollapse = CollapseRule{Warmup: 300, Drop: 2, Floor: 0.3, Persist: 2}

// CollapsePrefix begins every mode-collapse warning, so that a reader of
// the trainer's warnings can tell them from the others.
const CollapsePrefix = "Likely mode collapse"

// Collapse is a rule's verdict at a run's newest measurement.
type Collapse struct {
	Collapsed bool
	Now       Coverage // the newest measurement
	Best      Coverage // the best after the warm-up, up to Now
	Classes   int
}

// Judge returns the verdict at the newest of points (in step order) for
// a run whose real images hold classes classes. A run of one class has
// no modes to lose (its coverage falling says the samples look less like
// the class, which FCD shows better) and never collapses.
func (r CollapseRule) Judge(points []Coverage, classes int) Collapse {
	v := Collapse{Classes: classes}
	if len(points) == 0 {
		return v
	}
	v.Now = points[len(points)-1]
	if classes < 2 {
		return v
	}
	drop := max(1, (r.Drop*classes+5)/10)
	floor := -1
	if classes >= 5 {
		floor = int(r.Floor * float64(classes))
	}
	persist := max(1, r.Persist)
	run := 0 // consecutive collapsed measurements
	found := false
	for _, p := range points {
		if p.Step < r.Warmup {
			continue
		}
		if !found || p.Covered > v.Best.Covered {
			v.Best, found = p, true
		}
		if v.Best.Covered-p.Covered >= drop || p.Covered <= floor {
			run++
		} else {
			run = 0
		}
	}
	v.Collapsed = run >= persist
	return v
}

// Message is the warning for a collapsed verdict, in plain words.
func (v Collapse) Message() string {
	if v.Best.Covered <= v.Now.Covered {
		return fmt.Sprintf(
			CollapsePrefix+": the samples cover only %d of %d classes at step %d. The generator is producing a few kinds of image over and over; try a lower learning rate, or go back to an earlier checkpoint.",
			v.Now.Covered, v.Classes, v.Now.Step)
	}
	return fmt.Sprintf(
		CollapsePrefix+": the samples now cover only %d of %d classes (%d at step %d). The generator is producing a few kinds of image over and over; try a lower learning rate, or go back to an earlier checkpoint.",
		v.Now.Covered, v.Classes, v.Best.Covered, v.Best.Step)
}

// Warnings replays the rule over a run's measurements as they came and
// returns the steps at which a collapse warning started: the warnings
// the run gave (or would give under r).
func (r CollapseRule) Warnings(points []Coverage, classes int) []Collapse {
	var out []Collapse
	was := false
	for i := range points {
		v := r.Judge(points[:i+1], classes)
		if v.Collapsed && !was {
			out = append(out, v)
		}
		was = v.Collapsed
	}
	return out
}
