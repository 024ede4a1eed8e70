package ui

import (
	"image/color"
	"testing"
)

func TestRenderCurvesSize(t *testing.T) {
	var h history
	for i := 1; i <= 300; i++ {
		h.Apply(fakeStep(i))
	}
	for _, c := range []struct {
		w, h  int
		scale float32
	}{{600, 400, 1}, {1200, 800, 2}, {1, 1, 1}} {
		m := renderCurves(&h, c.w, c.h, c.scale, color.White, color.Black)
		if b := m.Bounds(); b.Dx() != c.w || b.Dy() != c.h {
			t.Errorf("%dx%d@%g: image is %v", c.w, c.h, c.scale, b)
		}
	}
}
