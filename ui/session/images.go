package session

import (
	"image"
	"image/png"
	"os"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/dataset"
)

// readPNG reads a grid back from the run folder.
func readPNG(path string) (*image.NRGBA, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		return nil, err
	}
	return toNRGBA(m), nil
}

// toNRGBA converts any image to *image.NRGBA (no copy if it is one).
func toNRGBA(m image.Image) *image.NRGBA {
	if n, ok := m.(*image.NRGBA); ok {
		return n
	}
	b := m.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.Set(x-b.Min.X, y-b.Min.Y, m.At(x, y))
		}
	}
	return out
}

// RealImages builds a strip of 10 and a 5×5 grid of real images of ds.
func RealImages(ds *dataset.Dataset) (strip, grid image.Image) {
	pre := ds.Previews(25, 1)
	if len(pre) == 0 {
		return nil, nil
	}
	imgs := make([]*image.NRGBA, len(pre))
	for i, m := range pre {
		imgs[i] = toNRGBA(m)
	}
	return training.GridImage(imgs[:min(len(imgs), 10)], 10), training.GridImage(imgs, 5)
}
