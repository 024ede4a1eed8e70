package main

import (
	"fmt"
	"image"
	"image/color"
	_ "image/gif"  // register GIF for colourFolder
	_ "image/jpeg" // register JPEG for colourFolder
	_ "image/png"  // register PNG for colourFolder
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ganstudio/ganstudio/training/dataset"
)

// refuseColour refuses --images of colour pictures against a grey
// reference: they would be turned grey and measured with a digit or garment
// classifier, giving a meaningless number. It is asked before the
// reference is loaded.
func (o *evalOptions) refuseColour(real dataset.Spec) error {
	if o.images == "" || real.Path != "" {
		return nil
	}
	info, ok := dataset.About(real.Name)
	if !ok || info.Channels != 1 || !colourFolder(o.images) {
		return nil
	}
	what := fmt.Sprintf("%s is grey (%d×%d)", info.Name, info.Size, info.Size)
	if o.dataset == "" {
		what = fmt.Sprintf("the default reference is %s (grey %d×%d)", strings.ToUpper(info.Name), info.Size, info.Size)
	}
	return fmt.Errorf("%s holds colour pictures, %s: give --dataset cifar10 (optionally --classes horse) or --against FOLDER", o.images, what)
}

// colourSample is how many of a folder's pictures colourFolder decodes,
// spread evenly over the folder in name order.
const colourSample = 16

// colourFolder tells whether the pictures in dir (PNG, JPEG or GIF,
// directly in it or in its subfolders) are in colour: whether any of up to
// colourSample of them, spread over the folder, has a pixel whose red,
// green and blue differ by more than lossy compression's rounding. It is
// false when dir holds no readable pictures (the loader then says why).
func colourFolder(dir string) bool {
	var files []string
	isImage := func(name string) bool {
		switch strings.ToLower(filepath.Ext(name)) {
		case ".png", ".jpg", ".jpeg", ".gif":
			return !strings.HasPrefix(name, ".")
		}
		return false
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		full := filepath.Join(dir, e.Name())
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		// Subfolders (followed when linked, as the loader does) are classes.
		if st, err := os.Stat(full); err == nil && st.IsDir() {
			filepath.WalkDir(full, func(p string, d fs.DirEntry, err error) error {
				switch {
				case err != nil:
					return nil
				case d.IsDir() && p != full && strings.HasPrefix(d.Name(), "."):
					return filepath.SkipDir
				case !d.IsDir() && isImage(d.Name()):
					files = append(files, p)
				}
				return nil
			})
		} else if isImage(e.Name()) {
			files = append(files, full)
		}
	}
	sort.Strings(files)
	for i := 0; i < min(len(files), colourSample); i++ {
		if colourPicture(files[i*len(files)/min(len(files), colourSample)]) {
			return true
		}
	}
	return false
}

// colourPicture tells whether the picture at path has a coloured pixel;
// false when it cannot be read.
func colourPicture(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > 50_000_000 {
		return false
	}
	if cfg.ColorModel == color.GrayModel || cfg.ColorModel == color.Gray16Model {
		return false
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return false
	}
	img, _, err := image.Decode(f)
	if err != nil {
		return false
	}
	// Grey written as RGB or YCbCr (JPEG) may be off by a level or two.
	const tol = 3 << 8
	diff := func(a, b uint32) bool { return a > b+tol || b > a+tol }
	b := img.Bounds()
	// Look at up to about a million pixels of a large picture.
	step := max(1, int(math.Sqrt(float64(b.Dx())*float64(b.Dy())/1e6)))
	for y := b.Min.Y; y < b.Max.Y; y += step {
		for x := b.Min.X; x < b.Max.X; x += step {
			r, g, bl, _ := img.At(x, y).RGBA()
			if diff(r, g) || diff(g, bl) {
				return true
			}
		}
	}
	return false
}
