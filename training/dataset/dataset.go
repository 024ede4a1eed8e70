// Package dataset loads the images GAN Studio trains on: MNIST and
// Fashion-MNIST (IDX files), CIFAR-10 (the official binary archive) and
// folders of PNG, JPEG or GIF images. It finds the files (an explicit path,
// the user's cache, copies already on the machine, or a verified download),
// keeps the pixels as bytes in the shape the model wants, and hands out
// batches as float32 in [−1, 1].
package dataset

import (
	"errors"
	"fmt"
	"image"
	"runtime"
	"strings"
	"sync"
)

// Dataset is a loaded set of images, kept as bytes in the requested shape.
// It is safe for concurrent use once Open returns.
type Dataset struct {
	name         string
	size, chans  int
	pix          []byte  // Len()·chans·size² bytes, each image channel-major
	labels       []int32 // nil when unlabelled; -1 for unlabelled items
	classes      []string
	source       string
	verified     bool
	skipped      int
	skippedFiles []string
}

// lut maps a byte to [−1, 1]: 0 → −1, 255 → 1.
var lut = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(i)/127.5 - 1
	}
	return t
}()

// Len returns the number of images.
func (d *Dataset) Len() int { return len(d.pix) / d.imageBytes() }

func (d *Dataset) imageBytes() int { return d.size * d.size * d.chans }

// Shape returns the side of the square images and their channels (1 or 3).
func (d *Dataset) Shape() (size, channels int) { return d.size, d.chans }

// Name returns the data set's name ("mnist", ...) or "folder".
func (d *Dataset) Name() string { return d.name }

// Source describes where the images came from and whether their checksums
// were verified, for people to read.
func (d *Dataset) Source() string { return d.source }

// Classes returns the names of all the data set's classes; Label(i) indexes
// into it. It is nil for an unlabelled image folder.
func (d *Dataset) Classes() []string { return append([]string(nil), d.classes...) }

// Verified reports whether every file the images came from matched its
// published SHA-256 (for the cached CIFAR-10 files: the archive they were
// extracted from). Image folders are never verified.
func (d *Dataset) Verified() bool { return d.verified }

// Skipped returns how many image files of a folder could not be read and
// were left out.
func (d *Dataset) Skipped() int { return d.skipped }

// SkippedFiles names the first few skipped files and why they were skipped.
func (d *Dataset) SkippedFiles() []string { return append([]string(nil), d.skippedFiles...) }

// Label returns the class of image i, or -1 when it has none (or i is out of
// range).
func (d *Dataset) Label(i int) int {
	if d.labels == nil || i < 0 || i >= len(d.labels) {
		return -1
	}
	return int(d.labels[i])
}

// Image returns image i (an *image.Gray or *image.RGBA) for previews, or nil
// when i is out of range.
func (d *Dataset) Image(i int) image.Image {
	if i < 0 || i >= d.Len() {
		return nil
	}
	n := d.imageBytes()
	return chwImage(d.pix[i*n:(i+1)*n], d.size, d.size, d.chans)
}

// Previews returns n real images, chosen by a seeded shuffle, for showing
// beside generated ones.
func (d *Dataset) Previews(n int, seed uint64) []image.Image {
	perm := d.Permutation(seed, -1)
	n = min(n, len(perm))
	out := make([]image.Image, n)
	for k := range n {
		out[k] = d.Image(perm[k])
	}
	return out
}

// fillParallelMin is the batch size, in values, from which Fill uses
// several goroutines.
const fillParallelMin = 1 << 17

// Fill writes the images at indices into dst as float32 in [−1, 1], NCHW:
// len(dst) must be len(indices)·channels·size². It does not allocate for
// small batches and splits large ones across cores.
func (d *Dataset) Fill(dst []float32, indices []int) error {
	per := d.imageBytes()
	if len(dst) != len(indices)*per {
		return fmt.Errorf("dataset: Fill: dst holds %d values, want %d (%d images of %d×%d×%d)",
			len(dst), len(indices)*per, len(indices), d.size, d.size, d.chans)
	}
	n := d.Len()
	for k, i := range indices {
		if i < 0 || i >= n {
			return fmt.Errorf("dataset: Fill: index %d (position %d) out of range [0, %d)", i, k, n)
		}
	}
	if len(dst) < fillParallelMin {
		d.fill(dst, indices)
		return nil
	}
	parallel(len(indices), func(lo, hi int) { d.fill(dst[lo*per:hi*per], indices[lo:hi]) })
	return nil
}

func (d *Dataset) fill(dst []float32, indices []int) {
	per := d.imageBytes()
	for k, i := range indices {
		src := d.pix[i*per : (i+1)*per]
		out := dst[k*per : (k+1)*per]
		out = out[:len(src)] // lets the compiler drop the bounds checks
		for j, v := range src {
			out[j] = lut[v]
		}
	}
}

// workers returns how many goroutines to use for n items.
func workers(n int) int { return max(1, min(n, runtime.GOMAXPROCS(0))) }

// parallel calls fn on contiguous chunks of [0, n), one per core.
func parallel(n int, fn func(lo, hi int)) {
	w := workers(n)
	if w == 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for k := range w {
		lo, hi := k*n/w, (k+1)*n/w
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// finish converts loaded native images to the requested shape and builds
// the Dataset.
func finish(name string, pix []byte, labels []int32, h, w, c0 int, classes []string, spec Spec, source string) (*Dataset, error) {
	count := 0
	if per := h * w * c0; per > 0 {
		count = len(pix) / per
	}
	if count == 0 {
		return nil, errors.New("dataset: " + source + ": no images left after the hold-out and class filter")
	}
	size, chans := spec.Size, spec.Channels
	if size == 0 {
		size = min(h, w)
	}
	if chans == 0 {
		chans = c0
	}
	return &Dataset{
		name:    name,
		size:    size,
		chans:   chans,
		pix:     reshape(pix, count, h, w, c0, size, chans),
		labels:  labels,
		classes: classes,
		source:  source,
		// Every source that checked its files says so in these words.
		verified: strings.Contains(source, "SHA-256 verified"),
	}, nil
}
