package charts

import (
	"strings"
	"testing"
)

func TestSmoothThinBoundsPoints(t *testing.T) {
	for _, c := range []struct {
		n, buckets, want int
	}{
		{0, 10, 0},
		{5, 10, 5},
		{1000, 500, 500},
		{100000, 1000, 1000},
		{100000, 3, 3},
	} {
		xs := make([]float32, c.n)
		ys := make([]float32, c.n)
		for i := range xs {
			xs[i] = float32(i + 1)
			if i >= c.n/2 {
				ys[i] = 10 // a step change half-way
			}
		}
		pts := SmoothThin(xs, ys, 1, c.buckets)
		if len(pts) != c.want {
			t.Errorf("n=%d buckets=%d: %d points, want %d", c.n, c.buckets, len(pts), c.want)
		}
		for i, p := range pts {
			if i > 0 && p.X <= pts[i-1].X {
				t.Fatalf("n=%d: points out of step order at %d", c.n, i)
			}
		}
		if c.n >= 100 && (pts[0].Y != 0 || pts[len(pts)-1].Y != 10) {
			t.Errorf("n=%d: curve runs from %g to %g, want 0 to 10", c.n, pts[0].Y, pts[len(pts)-1].Y)
		}
	}
}

func TestEMASmooths(t *testing.T) {
	xs := []float32{1, 2, 3, 4}
	ys := []float32{0, 10, 0, 10}
	pts := SmoothThin(xs, ys, 3, 10) // α = 0.5
	want := []float64{0, 5, 2.5, 6.25}
	for i, p := range pts {
		if p.Y != want[i] {
			t.Fatalf("point %d = %g, want %g", i, p.Y, want[i])
		}
	}
}

func TestStepTicksAreWholeNumbers(t *testing.T) {
	for _, r := range [][2]float64{{1, 6}, {1, 137}, {1, 100000}} {
		for _, tk := range (StepTicks{}).Ticks(r[0], r[1]) {
			if strings.Contains(tk.Label, ".") {
				t.Errorf("range %v: tick label %q is not a whole step", r, tk.Label)
			}
		}
	}
	labels := ""
	for _, tk := range (StepTicks{}).Ticks(1, 100000) {
		labels += tk.Label + " "
	}
	if !strings.Contains(labels, "k") {
		t.Errorf("100,000-step axis labels %q: want thousands as k", labels)
	}
}
