package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/ganstudio/ganstudio/training/dataset"
	"github.com/ganstudio/ganstudio/training/metrics"
)

// Baselines are the reference image sets of the calibration table, in
// the order it lists them.
var baselines = []struct{ name, what string }{
	{"real-test", "real test images (the reference itself)"},
	{"real-train", "real training images"},
	{"blur1", "real test images, Gaussian blur σ = 1"},
	{"blur2", "real test images, Gaussian blur σ = 2"},
	{"half-classes", "real test images of the first 5 classes only"},
	{"single-class", "real test images of class 0 only"},
	{"single-image", "one real test image repeated"},
	{"noise", "uniform noise"},
}

// baselineImages makes n images of a baseline from the real images of
// mon's data set, NCHW in [−1, 1] at its classifier's shape.
func baselineImages(ctx context.Context, mon *metrics.Monitor, name string, n int, seed uint64) ([]float32, error) {
	net := mon.Reference().Classifier()
	rng := rand.New(rand.NewPCG(seed, 0x62617365))
	x := make([]float32, n*net.InputSize())
	if name == "noise" {
		for i := range x {
			x[i] = rng.Float32()*2 - 1
		}
		return x, nil
	}
	known := false
	for _, b := range baselines {
		known = known || b.name == name
	}
	if !known {
		names := make([]string, len(baselines))
		for i, b := range baselines {
			names[i] = b.name
		}
		return nil, fmt.Errorf("unknown baseline %q: choose one of %s", name, strings.Join(names, ", "))
	}
	split := "test"
	if name == "real-train" {
		split = "train"
	}
	d, err := dataset.Open(ctx, dataset.Spec{Name: mon.Dataset(), Split: split, Size: net.ImageSize(), Channels: net.Channels()}, dataset.Options{})
	if err != nil {
		return nil, fmt.Errorf("baseline %s: %w", name, err)
	}
	// Candidates: every image, or those of the wanted classes.
	var pool []int
	for i := 0; i < d.Len(); i++ {
		l := d.Label(i)
		if (name == "single-class" && l != 0) || (name == "half-classes" && l >= 5) {
			continue
		}
		pool = append(pool, i)
	}
	if len(pool) == 0 {
		return nil, fmt.Errorf("baseline %s: no images", name)
	}
	rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	idx := make([]int, n)
	for i := range idx {
		idx[i] = pool[i%len(pool)]
		if name == "single-image" {
			idx[i] = pool[0]
		}
	}
	if err := d.Fill(x, idx); err != nil {
		return nil, fmt.Errorf("baseline %s: %w", name, err)
	}
	// Grey digits and garments lie on a black background; a photograph's
	// border continues beyond its edge.
	clamp := net.Channels() == 3
	switch name {
	case "blur1":
		blur(x, n*net.Channels(), net.ImageSize(), 1, clamp)
	case "blur2":
		blur(x, n*net.Channels(), net.ImageSize(), 2, clamp)
	}
	return x, nil
}

// blur applies a separable Gaussian blur of standard deviation sigma to n
// s×s planes in place, treating the border as background (−1), or as the
// nearest edge pixel when clamp is set.
func blur(x []float32, n, s int, sigma float64, clamp bool) {
	r := int(3*sigma + 0.5)
	k := make([]float64, 2*r+1)
	var sum float64
	for i := range k {
		d := float64(i - r)
		k[i] = gauss(d, sigma)
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	tmp := make([]float64, s*s)
	for img := 0; img < n; img++ {
		p := x[img*s*s : (img+1)*s*s]
		for y := 0; y < s; y++ {
			for xx := 0; xx < s; xx++ {
				tmp[y*s+xx] = convolveAt(k, xx, s, clamp, func(sx int) float64 { return float64(p[y*s+sx]) })
			}
		}
		for y := 0; y < s; y++ {
			for xx := 0; xx < s; xx++ {
				v := convolveAt(k, y, s, clamp, func(sy int) float64 { return tmp[sy*s+xx] })
				// Quantise as an 8-bit image would be.
				b := float64(int((v+1)*127.5 + 0.5))
				p[y*s+xx] = float32(b/127.5 - 1)
			}
		}
	}
}

// convolveAt applies the kernel k, centred, at position i of a line of s
// values that at reads; past the line's ends a value is background (−1),
// or the nearest end's when clamp is set.
func convolveAt(k []float64, i, s int, clamp bool, at func(int) float64) float64 {
	r := len(k) / 2
	var v float64
	for t, w := range k {
		j := i + t - r
		if clamp {
			j = min(max(j, 0), s-1)
		}
		pv := -1.0
		if j >= 0 && j < s {
			pv = at(j)
		}
		v += w * pv
	}
	return v
}

func gauss(d, sigma float64) float64 {
	return math.Exp(-d * d / (2 * sigma * sigma))
}
