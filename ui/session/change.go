package session

import (
	"fmt"
	"sort"

	"github.com/ganstudio/ganstudio/training/events"
)

// Change is what one stretch of training did, between the two newest grids
// that carry D's verdicts: after a Step, exactly one update.
type Change struct {
	From, To         events.Step
	FakeFrom, FakeTo float64 // mean D(G(z)) over the grid's cells
	Up, Cells        int     // cells D now judges more real, of Cells
}

// String puts the change in one line.
func (c Change) String() string {
	what := fmt.Sprintf("steps %d → %d", c.From.Step, c.To.Step)
	if c.To.Step == c.From.Step+1 {
		what = fmt.Sprintf("one update, step %d → %d", c.From.Step, c.To.Step)
	}
	return fmt.Sprintf("%s: D(G(z)) on the grid %.3f → %.3f (%d of %d cells judged more real) · D loss %.3f → %.3f · G loss %.3f → %.3f",
		what, c.FakeFrom, c.FakeTo, c.Up, c.Cells, c.From.DLoss, c.To.DLoss, c.From.GLoss, c.To.GLoss)
}

// LastChange returns the change between the two newest grids with verdicts
// whose steps are both recorded, and false when there are not two.
func (h *History) LastChange() (Change, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var picked []GridRef
	for i := len(h.grids) - 1; i >= 0 && len(picked) < 2; i-- {
		if g := h.grids[i]; len(g.fake) > 0 && g.Step > 0 {
			picked = append(picked, g)
		}
	}
	if len(picked) < 2 || len(picked[0].fake) != len(picked[1].fake) {
		return Change{}, false
	}
	to, from := picked[0], picked[1]
	c := Change{Cells: len(to.fake), FakeFrom: mean32(from.fake), FakeTo: mean32(to.fake)}
	var okFrom, okTo bool
	c.From, okFrom = h.stepLocked(from.Step)
	c.To, okTo = h.stepLocked(to.Step)
	for i := range to.fake {
		if to.fake[i] > from.fake[i] {
			c.Up++
		}
	}
	return c, okFrom && okTo
}

// stepLocked finds the recorded step n (h.mu held).
func (h *History) stepLocked(n int) (events.Step, bool) {
	i := sort.Search(len(h.steps), func(i int) bool { return h.steps[i].Step >= n })
	if i < len(h.steps) && h.steps[i].Step == n {
		return h.steps[i], true
	}
	return events.Step{}, false
}

func mean32(v []float32) float64 {
	var sum float64
	for _, x := range v {
		sum += float64(x)
	}
	return sum / float64(max(len(v), 1))
}
