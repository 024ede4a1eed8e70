package session

import (
	"image/color"
	"strconv"
	"testing"
	"time"

	"github.com/ganstudio/ganstudio/training/events"
)

func TestRenderCurvesSize(t *testing.T) {
	var h History
	for i := 1; i <= 300; i++ {
		h.Apply(fakeStep(i))
	}
	for _, c := range []struct {
		w, h  int
		scale float32
	}{{600, 400, 1}, {1200, 800, 2}, {1, 1, 1}} {
		m := RenderCurves(&h, c.w, c.h, c.scale, color.White, color.Black)
		if b := m.Bounds(); b.Dx() != c.w || b.Dy() != c.h {
			t.Errorf("%dx%d@%g: image is %v", c.w, c.h, c.scale, b)
		}
	}
}

// BenchmarkCurves draws the curves of runs of different lengths at a
// typical on-screen size: thinning makes the long run as fast as the
// short one.
func BenchmarkCurves(b *testing.B) {
	for _, n := range []int{100, 1000, 100000} {
		b.Run(strconv.Itoa(n)+"steps", func(b *testing.B) {
			var h History
			for i := 1; i <= n; i++ {
				h.Apply(fakeStep(i))
			}
			b.ResetTimer()
			for range b.N {
				RenderCurves(&h, 600, 500, 1, color.Black, color.White)
			}
		})
	}
}

func fakeStep(i int) events.Step {
	x := float32(i % 97)
	return events.Step{Step: i, DLoss: 1 + x/97, GLoss: 3 - x/50, DReal: 0.7 + x/1000, DFake: 0.3 - x/1000, Time: time.Unix(int64(i), 0)}
}
