package main

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"path/filepath"
	"strings"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/dataset"
	"github.com/ganstudio/ganstudio/training/metrics"
)

// print writes r, measured on the images label names, as words or JSON.
func (e *evaluation) print(label string, r metrics.Result) {
	if e.opts.asJSON {
		b, _ := json.MarshalIndent(struct {
			Label   string `json:"label"`
			Dataset string `json:"dataset"`
			metrics.Result
		}{label, e.against, r}, "", "  ")
		fmt.Fprintln(e.stdout, string(b))
		return
	}
	printResult(e.stdout, label, e.against, r)
}

// referenceName names the real images in words, a named set by its
// canonical name (the monitor's).
func referenceName(real dataset.Spec, mon *metrics.Monitor) string {
	if real.Path == "" {
		return describeData(dataset.Spec{Name: mon.Dataset(), Classes: real.Classes})
	}
	return describeData(real)
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
