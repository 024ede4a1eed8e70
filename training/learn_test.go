package training

import (
	"image"
	"math"
	"path/filepath"
	"testing"
)

// imageStats summarises a set of gray images in [0,1]: the mean image, the
// share of saturated pixels (MNIST is mostly pure black with pure white
// strokes) and the mean distance between pairs (zero when collapsed).
type imageStats struct {
	mean      []float64
	saturated float64
	spread    float64
}

func statsOf(imgs [][]float64) imageStats {
	n, p := len(imgs), len(imgs[0])
	st := imageStats{mean: make([]float64, p)}
	var sat int
	for _, im := range imgs {
		for j, v := range im {
			st.mean[j] += v / float64(n)
			if v < 0.1 || v > 0.9 {
				sat++
			}
		}
	}
	st.saturated = float64(sat) / float64(n*p)
	for i := 0; i+1 < n; i += 2 {
		st.spread += dist(imgs[i], imgs[i+1]) / float64(n/2)
	}
	return st
}

func dist(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += (a[i] - b[i]) * (a[i] - b[i])
	}
	return math.Sqrt(s)
}

func grayPixels(imgs []*image.NRGBA) [][]float64 {
	out := make([][]float64, len(imgs))
	for i, im := range imgs {
		px := make([]float64, 0, 28*28)
		for j := 0; j < len(im.Pix); j += 4 {
			px = append(px, float64(im.Pix[j])/255)
		}
		out[i] = px
	}
	return out
}

// TestGeneratorLearnsDigits trains a narrow seed network for a few hundred
// steps on real MNIST and checks that its samples moved from noise-grey
// blobs towards the statistics of real digits. It fails when the
// generator does not learn (a broken gradient, optimiser or data path).
func TestGeneratorLearnsDigits(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("trains for a few hundred steps; run without -race and -short")
	}
	data := realMNIST(t)
	cfg := tinyConfig(t, 400)
	cfg.Model.Width = 64
	cfg.BatchSize = 64
	cfg.SampleEvery = 400
	tr, err := New(cfg, data, filepath.Join(t.TempDir(), "run"))
	if err != nil {
		t.Fatal(err)
	}
	const n = 400
	before, err := tr.Sample(n, 7, 1)
	if err != nil {
		t.Fatal(err)
	}
	runToEnd(t, tr)
	after, err := tr.Sample(n, 7, 1)
	if err != nil {
		t.Fatal(err)
	}
	realImgs := make([]*image.NRGBA, n)
	order := data.Permutation(99, 0)
	for i := range realImgs {
		realImgs[i] = toNRGBA(data.Image(order[i]))
	}
	r, b, a := statsOf(grayPixels(realImgs)), statsOf(grayPixels(before)), statsOf(grayPixels(after))
	t.Logf("mean-image distance to real: before %.2f, after %.2f", dist(b.mean, r.mean), dist(a.mean, r.mean))
	t.Logf("saturated pixels: real %.2f, before %.2f, after %.2f", r.saturated, b.saturated, a.saturated)
	t.Logf("pair distance: real %.2f, before %.2f, after %.2f", r.spread, b.spread, a.spread)

	if dist(a.mean, r.mean) > 0.5*dist(b.mean, r.mean) {
		t.Errorf("mean sample did not approach the mean digit: %.2f → %.2f (real 0)", dist(b.mean, r.mean), dist(a.mean, r.mean))
	}
	if a.saturated < 0.6 {
		t.Errorf("only %.0f%% of sample pixels are near black or white (real digits: %.0f%%)", 100*a.saturated, 100*r.saturated)
	}
	if a.spread < 0.5*r.spread {
		t.Errorf("samples are too alike (pair distance %.2f, real %.2f): the generator collapsed", a.spread, r.spread)
	}
}

func toNRGBA(img image.Image) *image.NRGBA {
	b := img.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			out.Set(x, y, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out
}
