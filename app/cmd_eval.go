package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	_ "image/gif"  // register GIF for colourFolder
	_ "image/jpeg" // register JPEG for colourFolder
	_ "image/png"  // register PNG for colourFolder
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/dataset"
	"github.com/ganstudio/ganstudio/training/metrics"
)

const evalUsage = `usage: ganstudio eval --checkpoint FILE [--n N] [--seed S]     samples of a generator
       ganstudio eval --images DIR [--dataset NAME]              a folder of images
       ganstudio eval --baseline NAME [--dataset NAME] [--n N]   a reference image set:
             real-test, real-train, noise, blur1, blur2, single-image, single-class, half-classes
       ganstudio eval --calibrate [--dataset NAME] [--n N] [--checkpoint FILE ...]
             a Markdown table of every baseline (and checkpoint)
--dataset (mnist, fashion-mnist or cifar10) and --classes (e.g. horse) pick
the real images to compare with, or --against DIR a folder of pictures (by
FCD only, with the CIFAR-10 classifier's features); a checkpoint's default
is its run's data (a folder run is compared with its folder), else mnist;
colour pictures are refused against mnist or fashion-mnist (grey).
--json prints the metrics as JSON. --save DIR also writes the images each
result was measured on as PNG files (a subfolder per row with --calibrate),
so that another evaluator can score exactly the same images.`

// checkpointList is a repeatable --checkpoint flag.
type checkpointList []string

func (c *checkpointList) String() string     { return strings.Join(*c, ",") }
func (c *checkpointList) Set(v string) error { *c = append(*c, v); return nil }

// evalCommand prints the sample-quality metrics of a generator's samples,
// of a folder of images or of the calibration baselines.
func evalCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ganstudio eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, evalUsage); fs.PrintDefaults() }
	var ckpts checkpointList
	fs.Var(&ckpts, "checkpoint", "generator checkpoint (repeat with --calibrate)")
	images := fs.String("images", "", "folder of images (PNG, JPEG, GIF) to evaluate")
	baseline := fs.String("baseline", "", "a reference image set to evaluate (see above)")
	calibrate := fs.Bool("calibrate", false, "print the calibration table")
	name := fs.String("dataset", "", "data set to compare with: mnist, fashion-mnist or cifar10 (default: the checkpoint's, else mnist)")
	classes := fs.String("classes", "", "compare with these classes of the data set only, comma-separated (e.g. horse)")
	against := fs.String("against", "", "compare with this folder of pictures instead of a data set (FCD only)")
	n := fs.Int("n", 1000, "number of samples (checkpoints and baselines)")
	seed := fs.Uint64("seed", 1, "noise seed of the samples")
	asJSON := fs.Bool("json", false, "print JSON")
	save := fs.String("save", "", "also write the evaluated images as PNG files into this folder")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(code int, err error) int {
		fmt.Fprintf(stderr, "ganstudio eval: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return code
	}
	modes := 0
	for _, set := range []bool{len(ckpts) > 0 && !*calibrate, *images != "", *baseline != "", *calibrate} {
		if set {
			modes++
		}
	}
	switch {
	case fs.NArg() > 0:
		return fail(2, fmt.Errorf("unexpected argument %q (flags start with --)", fs.Arg(0)))
	case modes != 1:
		fail(2, errors.New("give exactly one of --checkpoint FILE, --images DIR, --baseline NAME or --calibrate"))
		fmt.Fprintln(stderr, evalUsage)
		return 2
	case *save != "" && *images != "":
		return fail(2, errors.New("--save writes generated and baseline images; with --images they are on disk already"))
	case len(ckpts) > 1 && !*calibrate:
		return fail(2, errors.New("one --checkpoint at a time (several only with --calibrate)"))
	case *n < 2*metrics.K+2 || *n > 50000:
		return fail(2, fmt.Errorf("--n %d is out of range: use %d to 50000", *n, 2*metrics.K+2))
	case *name != "" && *against != "":
		return fail(2, errors.New("give --dataset or --against, not both"))
	case *classes != "" && (*baseline != "" || *calibrate):
		return fail(2, errors.New("baselines are drawn from a whole data set's test images: leave out --classes"))
	case *against != "" && (*baseline != "" || *calibrate):
		return fail(2, errors.New("baselines are made from a data set's test images: give --dataset mnist, fashion-mnist or cifar10 instead of a folder"))
	}

	// Pick the real images: the checkpoint's run's when there is one.
	var real dataset.Spec
	var gen *training.Generator
	if len(ckpts) == 1 && !*calibrate {
		g, cfg, err := training.LoadGenerator(ckpts[0])
		if err != nil {
			return fail(1, err)
		}
		gen = g
		if why := training.MetricsUnavailable(cfg); why != "" && *name == "" && *against == "" {
			fmt.Fprintln(stdout, why)
			return 3
		}
		real = dataset.Spec{Name: cfg.Data.Name, Path: cfg.Data.Path, Classes: cfg.Data.Classes, Fit: cfg.Data.Fit}
	}
	switch {
	case *name != "":
		real = dataset.Spec{Name: *name}
	case *against != "":
		real = dataset.Spec{Path: *against}
	}
	if real.Name == "" && real.Path == "" {
		real.Name = "mnist"
	}
	if *classes != "" {
		real.Classes = strings.Split(*classes, ",")
	}
	// Colour pictures would be turned grey and measured with a digit or
	// garment classifier, giving a meaningless number: refuse before the
	// reference is loaded.
	if *images != "" && real.Path == "" {
		if info, ok := dataset.About(real.Name); ok && info.Channels == 1 && colourFolder(*images) {
			what := fmt.Sprintf("%s is grey (%d×%d)", info.Name, info.Size, info.Size)
			if *name == "" {
				what = fmt.Sprintf("the default reference is %s (grey %d×%d)", strings.ToUpper(info.Name), info.Size, info.Size)
			}
			return fail(2, fmt.Errorf("%s holds colour pictures, %s: give --dataset cifar10 (optionally --classes horse) or --against FOLDER", *images, what))
		}
	}
	if real.Path == "" && !metrics.Supported(real.Name) {
		fmt.Fprintln(stdout, metrics.NoClassifierMessage(real.Name))
		return 3
	}
	mon, err := metrics.NewMonitor(ctx, real)
	if err != nil {
		return fail(1, err)
	}
	realName := describeData(real)
	if real.Path == "" {
		realName = describeData(dataset.Spec{Name: mon.Dataset(), Classes: real.Classes})
	}
	net := mon.Reference().Classifier()

	print := func(label string, r metrics.Result) {
		if *asJSON {
			b, _ := json.MarshalIndent(struct {
				Label   string `json:"label"`
				Dataset string `json:"dataset"`
				metrics.Result
			}{label, realName, r}, "", "  ")
			fmt.Fprintln(stdout, string(b))
			return
		}
		printResult(stdout, label, realName, r)
	}

	switch {
	case gen != nil:
		imgs, err := gen.Sample(*n, *seed, 1)
		if err != nil {
			return fail(1, err)
		}
		r, err := mon.Evaluate(imgs)
		if err != nil {
			return fail(1, err)
		}
		if err := saveSet(*save, imgs); err != nil {
			return fail(1, err)
		}
		print(fmt.Sprintf("%d samples of %s", *n, ckpts[0]), r)
	case *images != "":
		d, err := dataset.Open(ctx, dataset.Spec{Path: *images, Size: net.ImageSize(), Channels: net.Channels()}, dataset.Options{})
		if err != nil {
			return fail(1, err)
		}
		if d.Len() < 2*metrics.K+2 {
			return fail(1, fmt.Errorf("%s holds %d readable images, need at least %d", *images, d.Len(), 2*metrics.K+2))
		}
		if d.Skipped() > 0 {
			fmt.Fprintf(stderr, "ganstudio eval: skipped %d unreadable files in %s\n", d.Skipped(), *images)
		}
		x := make([]float32, d.Len()*net.InputSize())
		idx := make([]int, d.Len())
		for i := range idx {
			idx[i] = i
		}
		if err := d.Fill(x, idx); err != nil {
			return fail(1, err)
		}
		r, err := mon.Reference().Evaluate(ctx, x, d.Len())
		if err != nil {
			return fail(1, err)
		}
		print(fmt.Sprintf("%d images of %s", d.Len(), *images), r)
	case *baseline != "":
		x, err := baselineImages(ctx, mon, *baseline, *n, *seed)
		if err != nil {
			return fail(2, err)
		}
		r, err := mon.Reference().Evaluate(ctx, x, *n)
		if err != nil {
			return fail(1, err)
		}
		if err := saveSet(*save, training.ToImages(x, *n, net.Channels(), net.ImageSize())); err != nil {
			return fail(1, err)
		}
		print(fmt.Sprintf("baseline %s (%d images)", *baseline, *n), r)
	case *calibrate:
		return calibrateTable(ctx, mon, ckpts, *n, *seed, *save, stdout, stderr)
	}
	return 0
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

func describeData(s dataset.Spec) string {
	switch {
	case s.Path != "":
		return "the image folder " + s.Path
	case len(s.Classes) > 0:
		return fmt.Sprintf("%s (classes %s)", s.Name, strings.Join(s.Classes, ","))
	}
	return s.Name
}

func printResult(w io.Writer, label, ds string, r metrics.Result) {
	if r.FeaturesOnly {
		fmt.Fprintf(w, "%s, against %s:\n", label, ds)
		fmt.Fprintf(w, "  FCD              %8.3f   (Fréchet distance of the CIFAR-10 classifier's features; lower is better)\n", r.FCD)
		fmt.Fprintf(w, "  %s\n", metrics.FolderMeaning)
		return
	}
	fmt.Fprintf(w, "%s, against the %s test set:\n", label, ds)
	fmt.Fprintf(w, "  FCD              %8.3f   (Fréchet distance of classifier features; lower is better, ~0 for real images)\n", r.FCD)
	fmt.Fprintf(w, "  classifier score %8.3f   (1 to %d; higher is better)\n", r.Score, len(r.Histogram))
	fmt.Fprintf(w, "  classes covered  %5d/%d   (imbalance %.3f, mean confidence %.3f)\n", r.Covered, r.RealClasses, r.Imbalance, r.Confidence)
	fmt.Fprintf(w, "  precision        %8.3f   (samples that look real; k=%d, %d vs %d)\n", r.Precision, metrics.K, r.PRSize, r.PRSize)
	fmt.Fprintf(w, "  recall           %8.3f   (real variety the samples reach)\n", r.Recall)
	fmt.Fprintf(w, "  class histogram:\n")
	for i, c := range r.Histogram {
		name := fmt.Sprint(i)
		if i < len(r.Classes) {
			name = r.Classes[i]
		}
		bar := strings.Repeat("#", (c*50+r.N-1)/max(r.N, 1))
		fmt.Fprintf(w, "    %-12s %5d %s\n", name, c, bar)
	}
}

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
				var v float64
				for i, w := range k {
					sx := xx + i - r
					if clamp {
						sx = min(max(sx, 0), s-1)
					}
					pv := -1.0
					if sx >= 0 && sx < s {
						pv = float64(p[y*s+sx])
					}
					v += w * pv
				}
				tmp[y*s+xx] = v
			}
		}
		for y := 0; y < s; y++ {
			for xx := 0; xx < s; xx++ {
				var v float64
				for i, w := range k {
					sy := y + i - r
					if clamp {
						sy = min(max(sy, 0), s-1)
					}
					pv := -1.0
					if sy >= 0 && sy < s {
						pv = tmp[sy*s+xx]
					}
					v += w * pv
				}
				// Quantise as an 8-bit image would be.
				b := float64(int((v+1)*127.5 + 0.5))
				p[y*s+xx] = float32(b/127.5 - 1)
			}
		}
	}
}

func gauss(d, sigma float64) float64 {
	return math.Exp(-d * d / (2 * sigma * sigma))
}

// calibrateTable prints a Markdown table of every baseline and checkpoint.
// With save set, each row's images go to a subfolder of it named after the
// row (the baseline, or the checkpoint's file name).
func calibrateTable(ctx context.Context, mon *metrics.Monitor, ckpts []string, n int, seed uint64, save string, stdout, stderr io.Writer) int {
	net := mon.Reference().Classifier()
	fmt.Fprintf(stdout, "Data set %s, %d images per row (seed %d), reference: the %d test images.\n\n", mon.Dataset(), n, seed, mon.Reference().Len())
	fmt.Fprintln(stdout, "| images | FCD ↓ | score ↑ | classes covered | imbalance ↓ | confidence | precision ↑ | recall ↑ |")
	fmt.Fprintln(stdout, "|---|---:|---:|---:|---:|---:|---:|---:|")
	row := func(label string, r metrics.Result) {
		fmt.Fprintf(stdout, "| %s | %.2f | %.2f | %d/%d | %.3f | %.3f | %.3f | %.3f |\n",
			label, r.FCD, r.Score, r.Covered, r.RealClasses, r.Imbalance, r.Confidence, r.Precision, r.Recall)
	}
	for _, b := range baselines {
		x, err := baselineImages(ctx, mon, b.name, n, seed)
		if err != nil {
			fmt.Fprintf(stderr, "ganstudio eval: %v\n", err)
			return 1
		}
		r, err := mon.Reference().Evaluate(ctx, x, n)
		if err != nil {
			fmt.Fprintf(stderr, "ganstudio eval: %s: %v\n", b.name, err)
			return 1
		}
		if err := saveSet(subfolder(save, b.name), training.ToImages(x, n, net.Channels(), net.ImageSize())); err != nil {
			fmt.Fprintf(stderr, "ganstudio eval: %v\n", err)
			return 1
		}
		row(fmt.Sprintf("%s: %s", b.name, b.what), r)
	}
	for _, c := range ckpts {
		gen, cfg, err := training.LoadGenerator(c)
		if err != nil {
			fmt.Fprintf(stderr, "ganstudio eval: %v\n", err)
			return 1
		}
		if canon, _ := dataset.Lookup(cfg.Data.Name); canon != mon.Dataset() || cfg.Data.Path != "" {
			fmt.Fprintf(stderr, "ganstudio eval: %s was trained on %s, not %s\n", c, describeData(cfg.Data), mon.Dataset())
			return 1
		}
		imgs, err := gen.Sample(n, seed, 1)
		if err != nil {
			fmt.Fprintf(stderr, "ganstudio eval: %v\n", err)
			return 1
		}
		r, err := mon.Evaluate(imgs)
		if err != nil {
			fmt.Fprintf(stderr, "ganstudio eval: %s: %v\n", c, err)
			return 1
		}
		if err := saveSet(subfolder(save, strings.TrimSuffix(filepath.Base(c), filepath.Ext(c))), imgs); err != nil {
			fmt.Fprintf(stderr, "ganstudio eval: %v\n", err)
			return 1
		}
		row(fmt.Sprintf("%s (%s)", c, cfg.Preset), r)
	}
	return 0
}

// saveSet writes imgs as numbered PNG files into dir ("" : nowhere), so
// that another evaluator can score exactly the images a result of ours
// was measured on.
func saveSet(dir string, imgs []*image.NRGBA) error {
	if dir == "" {
		return nil
	}
	if err := training.WriteSampleFolder(dir, imgs); err != nil {
		return fmt.Errorf("save images: %w", err)
	}
	return nil
}

// subfolder is dir/name, or "" when dir is.
func subfolder(dir, name string) string {
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, name)
}
