package metrics

import (
	"fmt"
	"strings"
	"testing"
)

func coverage(every int, covered ...int) []Coverage {
	out := make([]Coverage, len(covered))
	for i, c := range covered {
		out[i] = Coverage{Step: every * (i + 1), Covered: c}
	}
	return out
}

// The false alarm of issue 26: a normal MNIST run measured every 20 steps
// covered 6 classes at step 60 and 5 at step 220, on its way to 9. The
// warm-up keeps such early measurements out.
func TestCollapseIgnoresTheWarmUp(t *testing.T) {
	early := coverage(20, 3, 4, 6, 5, 4, 5, 6, 5, 7, 6, 5, 8, 9, 9, 10, 9, 10)
	if w := DefaultCollapse.Warnings(early, 10); len(w) > 0 {
		t.Errorf("a normal run's early wobble warned: %+v", w)
	}
}

func TestCollapseAgainstTheBestAfterWarmUp(t *testing.T) {
	r := CollapseRule{Warmup: 300, Drop: 2, Persist: 1}
	run := coverage(100, 4, 9, 10, 10, 9, 10, 7, 6, 9, 10)
	w := r.Warnings(run, 10)
	if len(w) != 1 || w[0].Now.Step != 700 || w[0].Best.Covered != 10 || w[0].Best.Step != 300 {
		t.Fatalf("warnings %+v, want one at step 700 against 10 classes at step 300", w)
	}
	if msg := w[0].Message(); !strings.Contains(msg, "only 7 of 10 classes (10 at step 300)") {
		t.Errorf("message %q", msg)
	}
	if v := r.Judge(run, 10); v.Collapsed {
		t.Errorf("still collapsed after coverage recovered: %+v", v)
	}
	// Two measurements in a row below the best, with Persist 2.
	r.Persist = 2
	if w := r.Warnings(run, 10); len(w) != 1 || w[0].Now.Step != 800 {
		t.Errorf("persist 2: warnings %+v, want one at step 800", w)
	}
	if w := r.Warnings(coverage(100, 9, 10, 10, 7, 10, 7, 10), 10); len(w) != 0 {
		t.Errorf("persist 2: single dips warned: %+v", w)
	}
}

// A collapse that comes before any good coverage after the warm-up is
// still judged against the best after it; a run of one class never
// warns; five classes count one class lost.
func TestCollapseClassCounts(t *testing.T) {
	if w := DefaultCollapse.Warnings(coverage(100, 0, 1, 1, 0, 0, 1), 1); len(w) > 0 {
		t.Errorf("a one-class run warned: %+v", w)
	}
	if w := DefaultCollapse.Warnings(coverage(100, 5, 5, 5, 5, 4, 4), 5); len(w) != 1 {
		t.Errorf("five classes to four: %d warnings, want 1", len(w))
	}
	if v := DefaultCollapse.Judge(nil, 10); v.Collapsed {
		t.Error("no measurements collapsed")
	}
}

// The runs of docs/METRICS.md's table: coverage measured every 100 steps
// over one epoch of MNIST (859 steps; the last measurement at 859).
func TestCollapseOnTheMeasuredRuns(t *testing.T) {
	measured := func(covered ...int) []Coverage {
		c := coverage(100, covered...)
		c[len(c)-1].Step = 859
		return c
	}
	for _, tt := range []struct {
		name string
		cov  []Coverage
		at   []int // the steps the warnings start at
	}{
		{"lite-mnist lr 0.01", measured(8, 10, 10, 10, 10, 10, 10, 10, 10), nil},
		{"seed-mnist lr 0.01", measured(7, 9, 10, 10, 10, 10, 10, 10, 10), nil},
		{"lite-mnist, D a thousand times slower than G", measured(4, 5, 2, 1, 1, 1, 2, 4, 1), []int{400}},
		{"lite-mnist, D slowed after 300 steps", measured(5, 7, 9, 3, 1, 2, 2, 1, 2), []int{500}},
	} {
		var at []int
		for _, w := range DefaultCollapse.Warnings(tt.cov, 10) {
			at = append(at, w.Now.Step)
		}
		if fmt.Sprint(at) != fmt.Sprint(tt.at) {
			t.Errorf("%s: warnings at steps %v, want %v", tt.name, at, tt.at)
		}
	}
}
