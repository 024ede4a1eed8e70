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
// Studio has no classifier for: their metrics would be numbers that mean
// nothing.
var ErrNoClassifier = errors.New("no classifier for this data set")

// MaxFolderReference caps the pictures of a folder that its reference
// statistics are computed from (an evenly spaced selection): more moves
// FCD by less than its noise and costs seconds at every start.
const MaxFolderReference = 10000

// colourClassifier is the data set whose classifier measures folders of
// the user's own pictures: the colour one, trained on CIFAR-10.
const colourClassifier = "cifar10"

// Supported reports whether the data set (a canonical name such as
// "mnist", or a spelling dataset.Lookup knows) has a shipped classifier,
// so that the UI can say so plainly instead of showing metrics.
func Supported(name string) bool {
	canon, ok := dataset.Lookup(name)
	if !ok {
		canon = name
	}
	return canon == "mnist" || canon == "fashion-mnist" || canon == "cifar10"
}

// NoClassifierMessage is the plain-words text to show in place of metrics
// for a data set without a classifier.
func NoClassifierMessage(name string) string {
	if name == "" {
		name = "this data set"
	}
	return fmt.Sprintf("Sample-quality metrics are not available for %s: GAN Studio has classifiers for MNIST, Fashion-MNIST and CIFAR-10 (which also measures folders of pictures), and without one the numbers would mean nothing. Judge the samples by eye.", name)
}

// FolderMeaning says in plain words what the one number measured for a
// folder of pictures means.
const FolderMeaning = "For a folder of your own pictures GAN Studio measures FCD only: the distance between the features that its CIFAR-10 classifier sees in the samples and in the folder's pictures. It falls as the samples come to look like the pictures, but the features were learnt on CIFAR-10's small photographs, so on pictures unlike those (drawings, text, faces close up) it is a rougher guide, and its value is not comparable between folders."

var refCache struct {
	sync.Mutex
	refs map[string]*Reference
}

// Monitor evaluates generated images against the real images of a run's
// data with a shipped classifier. It is safe for concurrent use;
// evaluations are serialised.
type Monitor struct {
	name string
	ref  *Reference
}

// NewMonitor returns a monitor for the real images of spec: a data set's
// test split ("mnist", "fashion-mnist", "cifar10"), kept to spec.Classes
// when the run trains on some classes only, or the pictures of a folder
// (spec.Path), measured by FCD only with the CIFAR-10 classifier. The
// first call for a spec loads the images and runs the classifier over
// them (seconds); later calls in the same process reuse those statistics.
// The error wraps ErrNoClassifier for data sets without a classifier.
func NewMonitor(ctx context.Context, spec dataset.Spec) (*Monitor, error) {
	canon, ok := dataset.Lookup(spec.Name)
	if !ok {
		canon = spec.Name
	}
	label := canon
	folder := spec.Path != ""
	switch {
	case folder:
		canon, label = colourClassifier, spec.Path
	case !Supported(canon):
		return nil, fmt.Errorf("metrics for %q: %w", spec.Name, ErrNoClassifier)
	}
	key := fmt.Sprintf("%s|%s|%s|%q", canon, spec.Path, spec.Fit, spec.Classes)
	refCache.Lock()
	defer refCache.Unlock()
	if ref, ok := refCache.refs[key]; ok {
		return &Monitor{name: label, ref: ref}, nil
	}
	net, err := classifier.Shipped(canon)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("metrics for %q: %w (%v)", label, ErrNoClassifier, err)
	}
	if err != nil {
		return nil, fmt.Errorf("metrics for %q: %w", label, err)
	}
	real := dataset.Spec{Name: canon, Split: "test", Classes: spec.Classes, Size: net.ImageSize(), Channels: net.Channels()}
	if folder {
		real = dataset.Spec{Path: spec.Path, Classes: spec.Classes, Fit: spec.Fit, Size: net.ImageSize(), Channels: net.Channels()}
	}
	test, err := dataset.Open(ctx, real, dataset.Options{})
	if err != nil {
		return nil, fmt.Errorf("metrics for %q: real images: %w", label, err)
	}
	var ref *Reference
	if folder {
		ref, err = NewFeatureReference(ctx, net, spread(test, MaxFolderReference))
	} else {
		ref, err = NewReference(ctx, net, test)
	}
	if err != nil {
		return nil, fmt.Errorf("metrics for %q: %w", label, err)
	}
	if refCache.refs == nil {
		refCache.refs = make(map[string]*Reference)
	}
	refCache.refs[key] = ref
	return &Monitor{name: label, ref: ref}, nil
}

// subset is some images of a data set, by index.
type subset struct {
	d   classifier.Data
	idx []int
}

func (s subset) Len() int        { return len(s.idx) }
func (s subset) Label(i int) int { return s.d.Label(s.idx[i]) }
func (s subset) Fill(dst []float32, indices []int) error {
	mapped := make([]int, len(indices))
	for i, j := range indices {
		mapped[i] = s.idx[j]
	}
	return s.d.Fill(dst, mapped)
}

// spread returns at most n images of d, evenly spaced, so that a large
// folder sorted by subject is still represented whole.
func spread(d classifier.Data, n int) classifier.Data {
	if d.Len() <= n {
		return d
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i * d.Len() / n
	}
	return subset{d, idx}
}

// Dataset names what the monitor compares with: a canonical data set
// name, or a folder's path.
func (m *Monitor) Dataset() string { return m.name }

// Reference returns the statistics the monitor compares against.
func (m *Monitor) Reference() *Reference { return m.ref }

// Evaluate measures generated images (any size: they are box-filtered to
// the classifier's; colour and grey are converted to its channels)
// against the real images. It takes about a second for 1,000 images on
// two cores; call it from a goroutine of its own during training.
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
	net := m.ref.Classifier()
	x, err := Tensor(imgs, net.ImageSize(), net.Channels())
	if err != nil {
		return Result{}, err
	}
	return m.ref.Evaluate(ctx, x, len(imgs))
}

// Tensor converts images to a classifier's input: NCHW [n, channels, s, s]
// in [−1, 1], each image's centre square box-filtered to s×s when it has
// another size; with one channel, its luminance, with three, its colours
// (grey images repeat their value). A byte value v becomes v/127.5 − 1, as
// the data sets' pixels do; transparency is composited over black.
func Tensor(imgs []image.Image, s, channels int) ([]float32, error) {
	if channels != 1 && channels != 3 {
		return nil, fmt.Errorf("metrics: %d channels, want 1 or 3", channels)
	}
	plane := s * s
	out := make([]float32, len(imgs)*channels*plane)
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
		dst := out[i*channels*plane : (i+1)*channels*plane]
		for y := 0; y < s; y++ {
			for x := 0; x < s; x++ {
				// The source pixels [sx0, sx1) × [sy0, sy1) map to (x, y).
				sx0, sx1 := x*side/s, max((x+1)*side/s, x*side/s+1)
				sy0, sy1 := y*side/s, max((y+1)*side/s, y*side/s+1)
				var sum [3]float64
				var count float64
				for yy := sy0; yy < sy1; yy++ {
					for xx := sx0; xx < sx1; xx++ {
						c := img.At(x0+xx, y0+yy)
						if channels == 1 {
							sum[0] += float64(luma(c))
						} else {
							r, g, b := rgb(c)
							sum[0], sum[1], sum[2] = sum[0]+float64(r), sum[1]+float64(g), sum[2]+float64(b)
						}
						count++
					}
				}
				for c := 0; c < channels; c++ {
					dst[c*plane+y*s+x] = float32(float64(uint8(sum[c]/count+0.5))/127.5 - 1)
				}
			}
		}
	}
	return out, nil
}

// rgb returns a colour's 8-bit red, green and blue, composited over black.
func rgb(c color.Color) (r, g, b uint8) {
	if c, ok := c.(color.NRGBA); ok && c.A == 0xff {
		return c.R, c.G, c.B
	}
	r32, g32, b32, _ := c.RGBA() // premultiplied: over black
	return uint8(r32 >> 8), uint8(g32 >> 8), uint8(b32 >> 8)
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
	h := []string{"step", "samples", "fcd", "score", "covered", "real_classes", "imbalance", "confidence", "precision", "recall", "seconds"}
	for i := 0; i < classifier.NumClasses; i++ {
		h = append(h, "class_"+strconv.Itoa(i))
	}
	return h
}

// CSVRecord returns the result as one row of metrics.csv. What was not
// measured (everything but FCD for a folder) is left empty.
func (r Result) CSVRecord(step int) []string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
	measured := func(s string) string {
		if r.FeaturesOnly {
			return ""
		}
		return s
	}
	rec := []string{strconv.Itoa(step), strconv.Itoa(r.N), f(r.FCD), measured(f(r.Score)), measured(strconv.Itoa(r.Covered)),
		measured(strconv.Itoa(r.RealClasses)), measured(f(r.Imbalance)), measured(f(r.Confidence)),
		measured(f(r.Precision)), measured(f(r.Recall)), f(r.Elapsed.Seconds())}
	for i := 0; i < classifier.NumClasses; i++ {
		c := 0
		if i < len(r.Histogram) {
			c = r.Histogram[i]
		}
		rec = append(rec, measured(strconv.Itoa(c)))
	}
	return rec
}

// String summarises the result on one line.
func (r Result) String() string {
	if r.FeaturesOnly {
		return fmt.Sprintf("FCD %.2f  (features only; %d samples, %s)", r.FCD, r.N, r.Elapsed.Round(time.Millisecond))
	}
	return fmt.Sprintf("FCD %.2f  score %.2f  classes %d/%d  precision %.3f  recall %.3f  (%d samples, %s)",
		r.FCD, r.Score, r.Covered, r.RealClasses, r.Precision, r.Recall, r.N, r.Elapsed.Round(time.Millisecond))
}
