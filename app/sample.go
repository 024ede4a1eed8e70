package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/ganstudio/ganstudio/model/safetensors"
	"github.com/ganstudio/ganstudio/training"
)

func sampleCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ganstudio sample", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ckpt := fs.String("checkpoint", "", "checkpoint file (a run folder's checkpoints/step-*.ckpt) or export folder")
	n := fs.Int("n", 25, "number of samples")
	out := fs.String("out", "", "a .png file for one grid, a .safetensors file for the numbers (noise, classes, images), or a folder for one PNG per sample")
	seed := fs.Uint64("seed", 1, "noise seed")
	class := fs.String("class", "", "class to draw, by name or number (a generator trained with --conditional)")
	psi := fs.Float64("psi", 1, "truncation ψ, 0 to 1: 1 samples the training noise, smaller values pull samples toward the mean (more typical, less varied)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "ganstudio sample: "+format+"\n", a...)
		return code
	}
	switch {
	case *ckpt == "":
		return fail(2, "--checkpoint FILE is required")
	case *out == "":
		return fail(2, "--out PATH is required (a .png file or a folder)")
	case *n < 1 || *n > 100000:
		return fail(2, "--n %d is out of range: use 1 to 100000", *n)
	case !(*psi >= 0 && *psi <= 1):
		return fail(2, "--psi %g is out of range: use 0 to 1 (1: no truncation)", *psi)
	}
	gen, cfg, err := training.LoadGenerator(*ckpt)
	if err != nil {
		return fail(1, "%v", err)
	}
	c := -1
	if *class != "" {
		if c, err = training.ClassIndex(cfg, *class); err != nil {
			return fail(2, "--class: %v", err)
		}
	}
	if strings.EqualFold(filepath.Ext(*out), ".safetensors") {
		s, err := gen.SampleValues(*n, *seed, *psi, c)
		if err != nil {
			return fail(1, "%v", err)
		}
		if err := writeSamples(*out, s, cfg); err != nil {
			return fail(1, "%v", err)
		}
		fmt.Fprintf(stdout, "wrote %d samples (noise, images) to %s\n", *n, *out)
		return 0
	}
	imgs, err := gen.SampleClass(*n, *seed, *psi, c)
	if err != nil {
		return fail(1, "%v", err)
	}
	if strings.EqualFold(filepath.Ext(*out), ".png") {
		cols := 1
		for cols*cols < len(imgs) {
			cols++
		}
		if err := training.WritePNG(*out, training.GridImage(imgs, cols)); err != nil {
			return fail(1, "%v", err)
		}
		fmt.Fprintf(stdout, "wrote a grid of %d samples to %s\n", len(imgs), *out)
		return 0
	}
	if err := training.WriteSampleFolder(*out, imgs); err != nil {
		return fail(1, "%v", err)
	}
	fmt.Fprintf(stdout, "wrote %d samples to %s\n", len(imgs), *out)
	return 0
}

// writeSamples saves samples as safetensors: "noise" [n, NoiseSize],
// "images" [n, C, S, S] in [−1, 1] and, conditional, "labels" [n], so that
// another runtime (ONNX, PyTorch) can be given the same inputs.
func writeSamples(path string, s training.Samples, cfg training.Config) error {
	m := cfg.Model
	n := len(s.Noise) / m.NoiseSize
	tensors := []safetensors.Tensor{
		safetensors.Float32("noise", []int{n, m.NoiseSize}, s.Noise),
		safetensors.Float32("images", []int{n, m.Channels, m.ImageSize, m.ImageSize}, s.Images),
	}
	if s.Classes != nil {
		labels := make([]int64, len(s.Classes))
		for i, c := range s.Classes {
			labels[i] = int64(c)
		}
		tensors = append(tensors, safetensors.Int64("labels", []int{n}, labels))
	}
	return safetensors.WriteFile(path, tensors, nil)
}
