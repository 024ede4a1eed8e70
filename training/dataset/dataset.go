// Package dataset loads the images GAN Studio trains on: MNIST and
// Fashion-MNIST (IDX files), CIFAR-10 (the official binary archive) and
// folders of PNG, JPEG or GIF images. It finds the files (an explicit path,
// the user's cache, copies already on the machine, or a verified download),
// keeps the pixels as bytes in the shape the model wants, and hands out
// batches as float32 in [−1, 1].
package dataset

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Spec says which images to load.
type Spec struct {
	// Name is "mnist", "fashion-mnist" or "cifar10" (see Lookup for other
	// spellings), or "" when Path is an image folder or a data set's files.
	Name string
	// Path is an explicit file or folder: an image folder, a folder holding
	// the IDX or CIFAR files, or cifar-10-binary.tar.gz. When set, nothing
	// else is searched or downloaded.
	Path string
	// Classes filters by class name or index (e.g. "horse" or "7"); empty
	// keeps every class.
	Classes []string
	// Split is "train" (the default) or "test". Image folders have no split.
	Split string
	// HoldOut skips this many leading training images (before the class
	// filter), as TensorFlow's read_data_sets does with 5,000 validation
	// images, leaving MNIST's 55,000.
	HoldOut int
	// Size and Channels are the image shape the model wants (e.g. 28 and 1,
	// or 32 and 3). Images are centre-cropped and scaled to Size×Size and
	// converted to grayscale (1) or RGB (3) once, at load. 0 keeps the data
	// set's native shape.
	Size, Channels int
	// Fit says how a folder's non-square pictures become square: FitCrop
	// ("" too) keeps the centre square, FitPad the whole picture.
	Fit string `json:",omitempty"`
}

// Options control where files are looked for and how they are downloaded.
type Options struct {
	// CacheDir holds downloaded files; "" means os.UserCacheDir()/ganstudio.
	CacheDir string
	// Progress, if set, is called while downloading with the file name, the
	// bytes received and the total (-1 if unknown); at most every 50 ms and
	// once when a file is complete.
	Progress func(file string, done, total int64)
	// HTTPClient is used for downloads; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Mirrors overrides the base URL a data set is downloaded from, by data
	// set name (e.g. "mnist": "http://127.0.0.1:8080/"); for tests.
	Mirrors map[string]string
	// Timeout is the read-idle timeout of downloads: a server that sends
	// nothing for this long is given up on (after retries). 0 means
	// DefaultTimeout. The whole download is bounded by the context.
	Timeout time.Duration
	// SkipLocal skips the copies already on the machine (the GoMNIST module,
	// Debian's package), so that a download is tried when the cache is empty.
	SkipLocal bool
}

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

// Permutation returns a shuffled order of 0..Len()-1 that depends only on
// seed and epoch (a Fisher–Yates shuffle driven by PCG), so a training run
// can be repeated exactly.
func (d *Dataset) Permutation(seed uint64, epoch int) []int {
	n := d.Len()
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	rng := rand.NewPCG(seed, uint64(int64(epoch))^0x9e3779b97f4a7c15)
	for i := n - 1; i > 0; i-- {
		j := int(boundedRand(rng, uint64(i+1)))
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// boundedRand returns a uniform value in [0, n) (Lemire's method), written
// out here so that the shuffle never changes with the Go version.
func boundedRand(src *rand.PCG, n uint64) uint64 {
	for {
		x := src.Uint64()
		hi, lo := mul64(x, n)
		if lo < n {
			if thresh := -n % n; lo < thresh {
				continue
			}
		}
		return hi
	}
}

func mul64(a, b uint64) (hi, lo uint64) {
	const mask32 = 1<<32 - 1
	a0, a1 := a&mask32, a>>32
	b0, b1 := b&mask32, b>>32
	w0 := a0 * b0
	t := a1*b0 + w0>>32
	w1 := t&mask32 + a0*b1
	return a1*b1 + t>>32 + w1>>32, a * b
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

// cacheDir returns the cache folder to use.
func (o *Options) cacheDir() (string, error) {
	if o.CacheDir != "" {
		return o.CacheDir, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder (%w); set Options.CacheDir or pass --path", err)
	}
	return filepath.Join(dir, "ganstudio"), nil
}

func (o *Options) mirror(ks *knownSet) string {
	if m, ok := o.Mirrors[ks.name]; ok && m != "" {
		if !strings.HasSuffix(m, "/") {
			m += "/"
		}
		return m
	}
	return ks.mirror
}

func (o *Options) fetchRequest(url, dest string, fi fileInfo) fetchRequest {
	return fetchRequest{url: url, dest: dest, sha: fi.sha, size: fi.size, client: o.HTTPClient, progress: o.Progress, idle: o.Timeout}
}

// Open finds, checks and loads the images spec asks for. Files are looked
// for, in order, at spec.Path (only there, if it is set), in the cache
// folder, in copies already on the machine (the GoMNIST Go module, Debian's
// dataset-fashion-mnist), and are otherwise downloaded into the cache from
// the canonical mirror, SHA-256 checked.
func Open(ctx context.Context, spec Spec, opts Options) (*Dataset, error) {
	if spec.Split == "" {
		spec.Split = "train"
	}
	spec.Split = strings.ToLower(spec.Split)
	switch {
	case spec.Split != "train" && spec.Split != "test":
		return nil, fmt.Errorf("dataset: unknown split %q: use train or test", spec.Split)
	case spec.HoldOut < 0:
		return nil, fmt.Errorf("dataset: negative hold-out %d", spec.HoldOut)
	case spec.Size < 0 || spec.Size > 4096:
		return nil, fmt.Errorf("dataset: image size %d out of range (1-4096, or 0 for the native size)", spec.Size)
	case spec.Channels != 0 && spec.Channels != 1 && spec.Channels != 3:
		return nil, fmt.Errorf("dataset: %d channels: use 1 (grayscale) or 3 (RGB)", spec.Channels)
	case spec.Name == "" && spec.Path == "":
		return nil, fmt.Errorf("dataset: no data set given: name one of %s, or give a folder of images", strings.Join(Names(), ", "))
	}
	if spec.Split == "test" {
		spec.HoldOut = 0
	}
	var ks *knownSet
	if spec.Name != "" {
		name, ok := Lookup(spec.Name)
		if !ok {
			return nil, fmt.Errorf("dataset: unknown data set %q: use one of %s, or a folder of images", spec.Name, strings.Join(Names(), ", "))
		}
		ks = catalogue[name]
	}
	if ks == nil {
		kind, err := detectPath(spec.Path)
		if err != nil {
			return nil, err
		}
		switch kind {
		case "idx":
			return openIDX(ctx, nil, spec, opts)
		case "cifar":
			return openCIFAR(ctx, catalogue["cifar10"], spec, opts)
		}
		return openFolder(ctx, spec)
	}
	if ks.kind == "cifar" {
		return openCIFAR(ctx, ks, spec, opts)
	}
	return openIDX(ctx, ks, spec, opts)
}

// detectPath tells what an explicit path without a data set name holds:
// "idx" files, "cifar" files, or else an image "folder".
func detectPath(p string) (string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return "", fmt.Errorf("dataset: %w", err)
	}
	if !st.IsDir() {
		if isArchiveName(p) {
			return "cifar", nil
		}
		return "", fmt.Errorf("dataset: %s is a file; give a folder of images, a folder with MNIST-style IDX files, or cifar-10-binary.tar.gz", p)
	}
	if _, _, ok := findIDXPair(p, "train"); ok {
		return "idx", nil
	}
	if _, _, ok := findIDXPair(p, "test"); ok {
		return "idx", nil
	}
	if cifarDirIn(p) != "" || exists(filepath.Join(p, catalogue["cifar10"].archive.name)) {
		return "cifar", nil
	}
	return "folder", nil
}

func isArchiveName(p string) bool {
	l := strings.ToLower(p)
	return strings.HasSuffix(l, ".tar.gz") || strings.HasSuffix(l, ".tgz")
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// classFilter resolves class names or indices against classes.
func classFilter(what string, want []string, classes []string) (map[int]bool, error) {
	if len(want) == 0 {
		return nil, nil
	}
	keep := map[int]bool{}
	for _, w := range want {
		w = strings.TrimSpace(w)
		idx := -1
		for i, c := range classes {
			if strings.EqualFold(c, w) {
				idx = i
				break
			}
		}
		if idx < 0 {
			if n, err := strconv.Atoi(w); err == nil && n >= 0 && n < len(classes) {
				idx = n
			}
		}
		if idx < 0 {
			if len(classes) == 0 {
				return nil, fmt.Errorf("dataset: %s has no classes, so --class %q cannot apply (use one subfolder per class)", what, w)
			}
			list := make([]string, len(classes))
			for i, c := range classes {
				list[i] = c
				if c != strconv.Itoa(i) {
					list[i] = fmt.Sprintf("%d %s", i, c)
				}
			}
			return nil, fmt.Errorf("dataset: %s has no class %q; choose from: %s", what, w, strings.Join(list, ", "))
		}
		keep[idx] = true
	}
	return keep, nil
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

// openFolder loads an image folder.
func openFolder(ctx context.Context, spec Spec) (*Dataset, error) {
	if spec.Split == "test" {
		return nil, fmt.Errorf("dataset: %s is an image folder, which has no test split", spec.Path)
	}
	files, classes, err := scanFolder(spec.Path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("dataset: image folder %s holds no PNG, JPEG or GIF files (nor subfolders with some)", spec.Path)
	}
	keep, err := classFilter("image folder "+spec.Path, spec.Classes, classes)
	if err != nil {
		return nil, err
	}
	if keep != nil {
		kept := files[:0:0]
		for _, f := range files {
			if f.label >= 0 && keep[int(f.label)] {
				kept = append(kept, f)
			}
		}
		files = kept
	}
	if spec.HoldOut >= len(files) {
		return nil, fmt.Errorf("dataset: image folder %s: hold-out %d leaves none of its %d images", spec.Path, spec.HoldOut, len(files))
	}
	files = files[spec.HoldOut:]
	if err := CheckFit(spec.Fit); err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	res, err := loadFolder(ctx, spec.Path, files, spec.Size, spec.Channels, spec.Fit)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	src := fmt.Sprintf("image folder %s (%d images", spec.Path, len(res.pix)/(res.size*res.size*res.chans))
	if len(classes) > 0 {
		src += fmt.Sprintf(", %d class folders", len(classes))
	}
	if res.skipped > 0 {
		src += fmt.Sprintf("; %d unreadable files skipped, e.g. %s", res.skipped, res.skippedFiles[0])
	}
	src += "; no checksums for folders)"
	d := &Dataset{
		name: "folder", size: res.size, chans: res.chans, pix: res.pix, labels: res.labels,
		classes: classes, source: src, skipped: res.skipped, skippedFiles: res.skippedFiles,
	}
	return d, nil
}

// Describe says in one line where a named data set would be loaded from,
// without loading it (for `ganstudio data list`).
func Describe(name string, opts Options) string {
	canon, ok := Lookup(name)
	if !ok {
		return fmt.Sprintf("unknown data set %q", name)
	}
	ks := catalogue[canon]
	cache, cacheErr := opts.cacheDir()
	if ks.kind == "cifar" {
		if cacheErr == nil {
			ext := filepath.Join(cache, ks.name, cifarDir)
			if exists(filepath.Join(ext, cifarMarker)) {
				return "cache " + ext
			}
			if a := filepath.Join(cache, ks.name, ks.archive.name); exists(a) {
				return "cache " + a + " (to be checked and extracted)"
			}
			return fmt.Sprintf("download %s from %s into %s", humanBytes(ks.archive.size), opts.mirror(ks)+ks.archive.name, filepath.Join(cache, ks.name))
		}
		return "not available: " + cacheErr.Error()
	}
	if cacheErr == nil {
		d := filepath.Join(cache, ks.name)
		if _, _, ok := findIDXPair(d, "train"); ok {
			return "cache " + d
		}
	}
	for _, pl := range ks.local() {
		if opts.SkipLocal {
			break
		}
		if _, _, ok := findIDXPair(pl.dir, "train"); ok {
			return pl.what + ": " + pl.dir
		}
	}
	if cacheErr != nil {
		return "not available: " + cacheErr.Error()
	}
	var size int64
	for _, fi := range ks.files["train"] {
		size += fi.size
	}
	what := "download"
	if size > 0 {
		what += " " + humanBytes(size)
	}
	return fmt.Sprintf("%s from %s into %s", what, opts.mirror(ks), filepath.Join(cache, ks.name))
}
