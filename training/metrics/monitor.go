package metrics

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io/fs"
	"strconv"
	"sync"
	"time"

	"github.com/ganstudio/ganstudio/model/classifier"
	"github.com/ganstudio/ganstudio/training/dataset"
)

// ErrNoClassifier is wrapped by NewMonitor's error for data sets GAN
// Studio has no classifier for (CIFAR-10, image folders, class subsets
// of other shapes): their metrics would be numbers that mean nothing.
var ErrNoClassifier = errors.New("no classifier for this data set")

// Supported reports whether the data set (a canonical name such as
// "mnist", or a spelling dataset.Lookup knows) has a shipped classifier,
// so that the UI can say so plainly instead of showing metrics.
func Supported(name string) bool {
	canon, ok := dataset.Lookup(name)
	if !ok {
		canon = name
	}
	return canon == "mnist" || canon == "fashion-mnist"
}

// NoClassifierMessage is the plain-words text to show in place of metrics
// for a data set without a classifier.
func NoClassifierMessage(name string) string {
	if name == "" {
		name = "this image folder"
	}
	return fmt.Sprintf("Sample-quality metrics are not available for %s: GAN Studio only has classifiers for MNIST and Fashion-MNIST, and without one the numbers would mean nothing. Judge the samples by eye.", name)
}

var refCache struct {
	sync.Mutex
	refs map[string]*Reference
}

// Monitor evaluates generated images against one data set's real test set
// with the shipped classifier. It is safe for concurrent use; evaluations
// are serialised.
type Monitor struct {
	name string
	ref  *Reference
}

// NewMonitor returns a monitor for the named data set ("mnist",
// "fashion-mnist"). The first call for a data set loads its test split and
// runs the classifier over it (a few seconds); later calls in the same
// process reuse those statistics. The error wraps ErrNoClassifier for data
// sets without a classifier.
func NewMonitor(ctx context.Context, name string) (*Monitor, error) {
	canon, ok := dataset.Lookup(name)
	if !ok {
		canon = name
	}
	if !Supported(canon) {
		return nil, fmt.Errorf("metrics for %q: %w", name, ErrNoClassifier)
	}
	refCache.Lock()
	defer refCache.Unlock()
	if ref, ok := refCache.refs[canon]; ok {
		return &Monitor{name: canon, ref: ref}, nil
	}
	net, err := classifier.Shipped(canon)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("metrics for %q: %w (%v)", name, ErrNoClassifier, err)
	}
	if err != nil {
		return nil, fmt.Errorf("metrics for %q: %w", name, err)
	}
	test, err := dataset.Open(ctx, dataset.Spec{Name: canon, Split: "test", Size: classifier.ImageSize, Channels: 1}, dataset.Options{})
	if err != nil {
		return nil, fmt.Errorf("metrics for %q: real test images: %w", name, err)
	}
	ref, err := NewReference(ctx, net, test)
	if err != nil {
		return nil, fmt.Errorf("metrics for %q: %w", name, err)
	}
	if refCache.refs == nil {
		refCache.refs = make(map[string]*Reference)
	}
	refCache.refs[canon] = ref
	return &Monitor{name: canon, ref: ref}, nil
}

// Dataset returns the canonical name of the monitor's data set.
func (m *Monitor) Dataset() string { return m.name }

// Reference returns the statistics the monitor compares against.
func (m *Monitor) Reference() *Reference { return m.ref }

// Evaluate measures generated images (28×28; colour is reduced to its
// luminance, other sizes are rescaled) against the real test set. It takes
// about a second for 1,000 images on two cores; call it from a goroutine
// of its own during training.
func (m *Monitor) Evaluate(samples []*image.NRGBA) (Result, error) {
	imgs := make([]image.Image, len(samples))
	for i, s := range samples {
		if s == nil {
			return Result{}, fmt.Errorf("metrics: sample %d is nil", i)
		}
		imgs[i] = s
	}
	return m.EvaluateImages(context.Background(), imgs)
}

// EvaluateImages is Evaluate for any images, with a context that stops it.
func (m *Monitor) EvaluateImages(ctx context.Context, imgs []image.Image) (Result, error) {
	x, err := Tensor(imgs)
	if err != nil {
		return Result{}, err
	}
	return m.ref.Evaluate(ctx, x, len(imgs))
}

// Tensor converts images to the classifier's input: NCHW [n, 1, 28, 28]
// in [−1, 1], each image's luminance, its centre square box-filtered to
// 28×28 when it has another size. A byte value v becomes v/127.5 − 1, as
// the data sets' pixels do.
func Tensor(imgs []image.Image) ([]float32, error) {
	const s = classifier.ImageSize
	out := make([]float32, len(imgs)*s*s)
	for i, img := range imgs {
		if img == nil {
			return nil, fmt.Errorf("metrics: image %d is nil", i)
		}
		b := img.Bounds()
		if b.Dx() < 1 || b.Dy() < 1 {
			return nil, fmt.Errorf("metrics: image %d is empty (%v)", i, b)
		}
		side := min(b.Dx(), b.Dy())
		x0, y0 := b.Min.X+(b.Dx()-side)/2, b.Min.Y+(b.Dy()-side)/2
		dst := out[i*s*s : (i+1)*s*s]
		for y := 0; y < s; y++ {
			for x := 0; x < s; x++ {
				// The source pixels [sx0, sx1) × [sy0, sy1) map to (x, y).
				sx0, sx1 := x*side/s, max((x+1)*side/s, x*side/s+1)
				sy0, sy1 := y*side/s, max((y+1)*side/s, y*side/s+1)
				var sum, count float64
				for yy := sy0; yy < sy1; yy++ {
					for xx := sx0; xx < sx1; xx++ {
						sum += float64(luma(img.At(x0+xx, y0+yy)))
						count++
					}
				}
				dst[y*s+x] = float32(float64(uint8(sum/count+0.5))/127.5 - 1)
			}
		}
	}
	return out, nil
}

// luma returns a colour's 8-bit luminance (ITU-R 601, as the data set
// loader converts colour images), unpremultiplied over black.
func luma(c color.Color) uint8 {
	switch c := c.(type) {
	case color.Gray:
		return c.Y
	case color.NRGBA:
		if c.R == c.G && c.G == c.B {
			return uint8((uint32(c.R)*uint32(c.A) + 127) / 255)
		}
	}
	r, g, b, _ := c.RGBA() // premultiplied: over black
	y := (19595*r + 38470*g + 7471*b + 1<<15) >> 24
	return uint8(y)
}

// CSVHeader is the header row of a run's metrics.csv, matching CSVRecord.
func CSVHeader() []string {
	h := []string{"step", "samples", "fcd", "score", "covered", "imbalance", "confidence", "precision", "recall", "seconds"}
	for i := 0; i < classifier.NumClasses; i++ {
		h = append(h, "class_"+strconv.Itoa(i))
	}
	return h
}

// CSVRecord returns the result as one row of metrics.csv.
func (r Result) CSVRecord(step int) []string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
	rec := []string{strconv.Itoa(step), strconv.Itoa(r.N), f(r.FCD), f(r.Score), strconv.Itoa(r.Covered), f(r.Imbalance),
		f(r.Confidence), f(r.Precision), f(r.Recall), f(r.Elapsed.Seconds())}
	for i := 0; i < classifier.NumClasses; i++ {
		c := 0
		if i < len(r.Histogram) {
			c = r.Histogram[i]
		}
		rec = append(rec, strconv.Itoa(c))
	}
	return rec
}

// String summarises the result on one line.
func (r Result) String() string {
	return fmt.Sprintf("FCD %.2f  score %.2f  classes %d/%d  precision %.3f  recall %.3f  (%d samples, %s)",
		r.FCD, r.Score, r.Covered, len(r.Histogram), r.Precision, r.Recall, r.N, r.Elapsed.Round(time.Millisecond))
}
