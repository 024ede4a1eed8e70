package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/ganstudio/ganstudio/training"
)

func exportCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ganstudio export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ckpt := fs.String("checkpoint", "", "checkpoint file, run folder (its newest checkpoint) or export folder")
	format := fs.String("format", "safetensors", "safetensors: G, D and Adam state for PyTorch (scripts/torch); onnx: the generator alone, for inference")
	out := fs.String("out", "", "safetensors: a new folder; onnx: a .onnx file")
	batch := fs.Int("batch", 0, "onnx: a fixed batch size, or 0 for a dynamic batch dimension")
	trained := fs.Bool("trained", false, "onnx: the generator as trained, not its moving average (EMA runs)")
	data := fs.Bool("data", true, "safetensors: also write data.safetensors, the training images as the network sees them, for the PyTorch twin (--data=false: without)")
	folder := fs.String("dataset", "", "safetensors: take data.safetensors from this folder of pictures instead of the run's data set (a larger folder on the machine that continues the run)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "ganstudio export: "+format+"\n", a...)
		return code
	}
	switch {
	case *ckpt == "":
		return fail(2, "--checkpoint is required")
	case *out == "":
		return fail(2, "--out is required")
	case *batch < 0:
		return fail(2, "--batch %d: use 0 (dynamic) or a positive batch size", *batch)
	}
	if *format != "safetensors" && flagSet(fs, "data", "dataset") {
		return fail(2, "--data and --dataset are for --format safetensors")
	}
	switch *format {
	case "safetensors":
		if *folder != "" && !*data {
			return fail(2, "--dataset %s is for the data file: leave out --data=false", *folder)
		}
		if err := training.ExportTorchWith(*ckpt, *out, training.ExportOptions{Data: *data, Folder: *folder}); err != nil {
			if *data && !strings.Contains(err.Error(), "not empty") {
				return fail(1, "%v (--data=false exports without the training images)", err)
			}
			return fail(1, "%v", err)
		}
		fmt.Fprintf(stdout, "exported %s to %s (continue it with scripts/torch/ganstudio_torch.py train --checkpoint %s --steps N --out RUN)\n", *ckpt, *out, *out)
	case "onnx":
		if err := training.ExportONNX(*ckpt, *out, *batch, *trained); err != nil {
			return fail(1, "%v", err)
		}
		fmt.Fprintf(stdout, "exported the generator of %s to %s\n", *ckpt, *out)
	default:
		return fail(2, "--format %q is unknown: use safetensors or onnx", *format)
	}
	return 0
}

// flagSet reports whether any of the named flags was given.
func flagSet(fs *flag.FlagSet, names ...string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		for _, n := range names {
			set = set || f.Name == n
		}
	})
	return set
}
