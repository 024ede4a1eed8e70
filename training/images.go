package training

import (
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
)

// ToImages converts n generated images, NCHW in [−1, 1], to 8-bit images,
// showing x as (x+1)/2 as the seed does.
func ToImages(data []float32, n, channels, size int) []*image.NRGBA {
	out := make([]*image.NRGBA, n)
	plane := size * size
	for i := range out {
		img := image.NewNRGBA(image.Rect(0, 0, size, size))
		base := data[i*channels*plane:]
		for p := 0; p < plane; p++ {
			px := img.Pix[4*p : 4*p+4]
			for c := 0; c < 3; c++ {
				src := c
				if channels == 1 {
					src = 0
				}
				px[c] = toByte(base[src*plane+p])
			}
			px[3] = 255
		}
		out[i] = img
	}
	return out
}

func toByte(x float32) uint8 {
	v := (x + 1) / 2 * 255
	switch {
	case !(v > 0): // also NaN
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}

// GridImage lays samples out in rows of cols with a one-pixel gap, the way
// the preview and exported grids look.
func GridImage(samples []*image.NRGBA, cols int) *image.NRGBA {
	if len(samples) == 0 || cols < 1 {
		return image.NewNRGBA(image.Rect(0, 0, 0, 0))
	}
	s := samples[0].Bounds().Dx()
	rows := (len(samples) + cols - 1) / cols
	const gap = 1
	grid := image.NewNRGBA(image.Rect(0, 0, cols*(s+gap)-gap, rows*(s+gap)-gap))
	for i := 0; i < len(grid.Pix); i += 4 {
		grid.Pix[i], grid.Pix[i+1], grid.Pix[i+2], grid.Pix[i+3] = 0x30, 0x30, 0x30, 0xff
	}
	for i, img := range samples {
		x0, y0 := (i%cols)*(s+gap), (i/cols)*(s+gap)
		for y := 0; y < s; y++ {
			for x := 0; x < s; x++ {
				grid.SetNRGBA(x0+x, y0+y, img.NRGBAAt(x, y))
			}
		}
	}
	return grid
}

// slerp interpolates spherically between noise vectors a and b, which keeps
// the intermediate vectors at a typical length for the generator.
func slerp(a, b []float32, t float64) []float32 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	out := make([]float32, len(a))
	cos := dot / math.Sqrt(na*nb)
	omega := math.Acos(math.Max(-1, math.Min(1, cos)))
	if na == 0 || nb == 0 || math.Abs(math.Sin(omega)) < 1e-6 {
		for i := range a { // nearly parallel: a straight line is the same curve
			out[i] = float32((1-t)*float64(a[i]) + t*float64(b[i]))
		}
		return out
	}
	wa, wb := math.Sin((1-t)*omega)/math.Sin(omega), math.Sin(t*omega)/math.Sin(omega)
	for i := range a {
		out[i] = float32(wa*float64(a[i]) + wb*float64(b[i]))
	}
	return out
}

// WritePNG writes img to path as a PNG, making path's folder if need be.
func WritePNG(path string, img image.Image) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// WriteSampleFolder writes imgs into the folder dir, made if need be, as
// sample-00000.png, sample-00001.png, … in order: the one layout of a
// folder of samples, which `ganstudio sample --out DIR`, `ganstudio eval
// --save` and the window's export write.
func WriteSampleFolder(dir string, imgs []*image.NRGBA) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i, m := range imgs {
		if err := WritePNG(filepath.Join(dir, fmt.Sprintf("sample-%05d.png", i)), m); err != nil {
			return err
		}
	}
	return nil
}
