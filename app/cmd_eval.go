package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
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

// evalOptions are eval's flags, read and checked.
type evalOptions struct {
	ckpts                     checkpointList
	images, baseline, save    string
	dataset, classes, against string // the reference
	calibrate, asJSON         bool
	n                         int
	seed                      uint64
}

// parseEvalFlags reads and checks eval's flags; code is the exit code of a
// command that ends here (a bad flag), −1 when the evaluation runs.
func parseEvalFlags(args []string, stderr io.Writer) (o evalOptions, code int) {
	fs := flag.NewFlagSet("ganstudio eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, evalUsage); fs.PrintDefaults() }
	fs.Var(&o.ckpts, "checkpoint", "generator checkpoint (repeat with --calibrate)")
	fs.StringVar(&o.images, "images", "", "folder of images (PNG, JPEG, GIF) to evaluate")
	fs.StringVar(&o.baseline, "baseline", "", "a reference image set to evaluate (see above)")
	fs.BoolVar(&o.calibrate, "calibrate", false, "print the calibration table")
	fs.StringVar(&o.dataset, "dataset", "", "data set to compare with: mnist, fashion-mnist or cifar10 (default: the checkpoint's, else mnist)")
	fs.StringVar(&o.classes, "classes", "", "compare with these classes of the data set only, comma-separated (e.g. horse)")
	fs.StringVar(&o.against, "against", "", "compare with this folder of pictures instead of a data set (FCD only)")
	fs.IntVar(&o.n, "n", 1000, "number of samples (checkpoints and baselines)")
	fs.Uint64Var(&o.seed, "seed", 1, "noise seed of the samples")
	fs.BoolVar(&o.asJSON, "json", false, "print JSON")
	fs.StringVar(&o.save, "save", "", "also write the evaluated images as PNG files into this folder")
	if err := fs.Parse(args); err != nil {
		return o, 2
	}
	modes := 0
	for _, set := range []bool{len(o.ckpts) > 0 && !o.calibrate, o.images != "", o.baseline != "", o.calibrate} {
		if set {
			modes++
		}
	}
	switch {
	case fs.NArg() > 0:
		return o, evalFail(stderr, 2, fmt.Errorf("unexpected argument %q (flags start with --)", fs.Arg(0)))
	case modes != 1:
		evalFail(stderr, 2, errors.New("give exactly one of --checkpoint FILE, --images DIR, --baseline NAME or --calibrate"))
		fmt.Fprintln(stderr, evalUsage)
		return o, 2
	case o.save != "" && o.images != "":
		return o, evalFail(stderr, 2, errors.New("--save writes generated and baseline images; with --images they are on disk already"))
	case len(o.ckpts) > 1 && !o.calibrate:
		return o, evalFail(stderr, 2, errors.New("one --checkpoint at a time (several only with --calibrate)"))
	case o.n < 2*metrics.K+2 || o.n > 50000:
		return o, evalFail(stderr, 2, fmt.Errorf("--n %d is out of range: use %d to 50000", o.n, 2*metrics.K+2))
	case o.dataset != "" && o.against != "":
		return o, evalFail(stderr, 2, errors.New("give --dataset or --against, not both"))
	case o.classes != "" && (o.baseline != "" || o.calibrate):
		return o, evalFail(stderr, 2, errors.New("baselines are drawn from a whole data set's test images: leave out --classes"))
	case o.against != "" && (o.baseline != "" || o.calibrate):
		return o, evalFail(stderr, 2, errors.New("baselines are made from a data set's test images: give --dataset mnist, fashion-mnist or cifar10 instead of a folder"))
	}
	return o, -1
}

// evalFail prints err as eval's one-line complaint and returns code.
func evalFail(stderr io.Writer, code int, err error) int {
	fmt.Fprintf(stderr, "ganstudio eval: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
	return code
}

// evalCommand prints the sample-quality metrics of a generator's samples,
// of a folder of images or of the calibration baselines.
func evalCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, code := parseEvalFlags(args, stderr)
	if code >= 0 {
		return code
	}
	var gen *training.Generator
	var trained dataset.Spec // the checkpoint's run's images, the default reference
	if len(o.ckpts) == 1 && !o.calibrate {
		g, cfg, err := training.LoadGenerator(o.ckpts[0])
		if err != nil {
			return evalFail(stderr, 1, err)
		}
		if why := training.MetricsUnavailable(cfg); why != "" && o.dataset == "" && o.against == "" {
			fmt.Fprintln(stdout, why)
			return 3
		}
		gen = g
		trained = dataset.Spec{Name: cfg.Data.Name, Path: cfg.Data.Path, Classes: cfg.Data.Classes, Fit: cfg.Data.Fit}
	}
	real := o.reference(trained)
	if err := o.refuseColour(real); err != nil {
		return evalFail(stderr, 2, err)
	}
	if real.Path == "" && !metrics.Supported(real.Name) {
		fmt.Fprintln(stdout, metrics.NoClassifierMessage(real.Name))
		return 3
	}
	mon, err := metrics.NewMonitor(ctx, real)
	if err != nil {
		return evalFail(stderr, 1, err)
	}
	if o.calibrate {
		return calibrateTable(ctx, mon, o.ckpts, o.n, o.seed, o.save, stdout, stderr)
	}
	e := &evaluation{opts: o, mon: mon, against: referenceName(real, mon), stdout: stdout, stderr: stderr}
	switch {
	case gen != nil:
		return e.samples(gen)
	case o.images != "":
		return e.folder(ctx)
	}
	return e.baseline(ctx)
}

// reference says which real images to compare with: --dataset's or
// --against's, else those the checkpoint's run trained on (trained), else
// MNIST's; --classes narrows any of them.
func (o *evalOptions) reference(trained dataset.Spec) dataset.Spec {
	real := trained
	switch {
	case o.dataset != "":
		real = dataset.Spec{Name: o.dataset}
	case o.against != "":
		real = dataset.Spec{Path: o.against}
	}
	if real.Name == "" && real.Path == "" {
		real.Name = "mnist"
	}
	if o.classes != "" {
		real.Classes = strings.Split(o.classes, ",")
	}
	return real
}

// evaluation measures one set of images against the reference and prints
// the result.
type evaluation struct {
	opts           evalOptions
	mon            *metrics.Monitor
	against        string // the reference, in words
	stdout, stderr io.Writer
}

// samples measures --n samples of the checkpoint's generator.
func (e *evaluation) samples(gen *training.Generator) int {
	imgs, err := gen.Sample(e.opts.n, e.opts.seed, 1)
	if err != nil {
		return evalFail(e.stderr, 1, err)
	}
	r, err := e.mon.Evaluate(imgs)
	if err != nil {
		return evalFail(e.stderr, 1, err)
	}
	if err := saveSet(e.opts.save, imgs); err != nil {
		return evalFail(e.stderr, 1, err)
	}
	e.print(fmt.Sprintf("%d samples of %s", e.opts.n, e.opts.ckpts[0]), r)
	return 0
}

// folder measures the pictures in --images, read at the classifier's shape.
func (e *evaluation) folder(ctx context.Context) int {
	net := e.mon.Reference().Classifier()
	dir := e.opts.images
	d, err := dataset.Open(ctx, dataset.Spec{Path: dir, Size: net.ImageSize(), Channels: net.Channels()}, dataset.Options{})
	if err != nil {
		return evalFail(e.stderr, 1, err)
	}
	if d.Len() < 2*metrics.K+2 {
		return evalFail(e.stderr, 1, fmt.Errorf("%s holds %d readable images, need at least %d", dir, d.Len(), 2*metrics.K+2))
	}
	if d.Skipped() > 0 {
		fmt.Fprintf(e.stderr, "ganstudio eval: skipped %d unreadable files in %s\n", d.Skipped(), dir)
	}
	x := make([]float32, d.Len()*net.InputSize())
	idx := make([]int, d.Len())
	for i := range idx {
		idx[i] = i
	}
	if err := d.Fill(x, idx); err != nil {
		return evalFail(e.stderr, 1, err)
	}
	r, err := e.mon.Reference().Evaluate(ctx, x, d.Len())
	if err != nil {
		return evalFail(e.stderr, 1, err)
	}
	e.print(fmt.Sprintf("%d images of %s", d.Len(), dir), r)
	return 0
}

// baseline measures --n images of the reference set --baseline.
func (e *evaluation) baseline(ctx context.Context) int {
	net := e.mon.Reference().Classifier()
	n := e.opts.n
	x, err := baselineImages(ctx, e.mon, e.opts.baseline, n, e.opts.seed)
	if err != nil {
		return evalFail(e.stderr, 2, err)
	}
	r, err := e.mon.Reference().Evaluate(ctx, x, n)
	if err != nil {
		return evalFail(e.stderr, 1, err)
	}
	if err := saveSet(e.opts.save, training.ToImages(x, n, net.Channels(), net.ImageSize())); err != nil {
		return evalFail(e.stderr, 1, err)
	}
	e.print(fmt.Sprintf("baseline %s (%d images)", e.opts.baseline, n), r)
	return 0
}
