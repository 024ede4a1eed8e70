package main

import (
	"flag"
	"fmt"
	"io"

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
	switch *format {
	case "safetensors":
		if err := training.ExportTorch(*ckpt, *out); err != nil {
			return fail(1, "%v", err)
		}
		fmt.Fprintf(stdout, "exported %s to %s (continue it with scripts/torch/ganstudio_torch.py train --checkpoint %s)\n", *ckpt, *out, *out)
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
