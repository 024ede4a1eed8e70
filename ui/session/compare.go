package session

import (
	"math"
	"path/filepath"

	"gonum.org/v1/plot/plotter"

	"github.com/ganstudio/ganstudio/training/events"
	"github.com/ganstudio/ganstudio/ui/charts"
)

// comparedRun is another run folder whose curves are overlaid on the
// attached run's, aligned on step.
type comparedRun struct {
	name, dir string
	cols      charts.Cols
	fcd       plotter.XYs
}

// AddComparison overlays the run read from dir on the curves (replacing
// an earlier reading of the same folder). Comparisons stay when another
// run is attached: they are what the user compares it with.
func (h *History) AddComparison(dir string, steps []events.Step, points []events.Metrics) {
	c := comparedRun{name: filepath.Base(filepath.Clean(dir)), dir: dir}
	for _, s := range steps {
		c.cols.Add(s)
	}
	for _, p := range points {
		if !math.IsNaN(p.FCD) && !math.IsInf(p.FCD, 0) {
			c.fcd = append(c.fcd, plotter.XY{X: float64(p.Step), Y: p.FCD})
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.version++
	for i, old := range h.compared {
		if old.dir == dir {
			h.compared[i] = c
			return
		}
	}
	h.compared = append(h.compared, c)
}

// RemoveComparison takes the run read from dir off the curves.
func (h *History) RemoveComparison(dir string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, c := range h.compared {
		if c.dir == dir {
			h.compared = append(h.compared[:i:i], h.compared[i+1:]...)
			h.version++
			return
		}
	}
}

// Comparisons returns the folders of the compared runs, in the order they
// were added.
func (h *History) Comparisons() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, c := range h.compared {
		out = append(out, c.dir)
	}
	return out
}

// ComparedCurves returns the compared runs ready to draw, each smoothed
// over its own length as the attached run's curves are.
func (h *History) ComparedCurves(buckets int) []charts.Compared {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]charts.Compared, len(h.compared))
	for i, c := range h.compared {
		out[i] = charts.Compared{Name: c.name, Color: charts.CompareColors[i%len(charts.CompareColors)], Cs: c.cols.Curves(buckets), FCD: c.fcd}
	}
	return out
}
