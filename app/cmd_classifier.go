package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/ganstudio/ganstudio/model/classifier"
	"github.com/ganstudio/ganstudio/training/dataset"
)

const classifierUsage = `usage: ganstudio classifier train --dataset mnist|fashion-mnist|cifar10 [--out FILE] [--epochs N] [--seed N]
       ganstudio classifier test --dataset mnist|fashion-mnist|cifar10 [--weights FILE]
The shipped weights live in assets/classifiers/NAME.ckpt; train writes there by default.`

// classifierCommand trains or tests the classifiers the sample-quality
// metrics are measured with.
func classifierCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, classifierUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	switch args[0] {
	case "train":
		return classifierTrain(ctx, args[1:], stdout, stderr)
	case "test":
		return classifierTest(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "ganstudio classifier: unknown subcommand %q\n%s\n", args[0], classifierUsage)
	return 2
}

// classifierData resolves a --dataset flag to a canonical name that has a
// classifier.
func classifierData(name string) (string, error) {
	if name == "" {
		return "", errors.New("--dataset is required: mnist, fashion-mnist or cifar10")
	}
	canon, ok := dataset.Lookup(name)
	if !ok {
		canon = name
	}
	if canon != "mnist" && canon != "fashion-mnist" && canon != "cifar10" {
		return "", fmt.Errorf("no classifier for data set %q: mnist, fashion-mnist and cifar10 have one", name)
	}
	return canon, nil
}

func openClassifierData(ctx context.Context, name, split string, stderr io.Writer) (*dataset.Dataset, error) {
	size, chans := classifier.ShapeFor(name)
	d, err := dataset.Open(ctx, dataset.Spec{Name: name, Split: split, Size: size, Channels: chans}, dataset.Options{})
	if err != nil {
		return nil, fmt.Errorf("open %s %s split: %w", name, split, err)
	}
	return d, nil
}

func classifierTrain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ganstudio classifier train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("dataset", "", "mnist, fashion-mnist or cifar10")
	out := fs.String("out", "", "weights file to write (default assets/classifiers/NAME.ckpt)")
	epochs := fs.Int("epochs", 0, "passes over the training set (default: 6 for MNIST, 12 for Fashion-MNIST and CIFAR-10)")
	batch := fs.Int("batch", 64, "images per step")
	lr := fs.Float64("lr", 0.001, "Adam's initial learning rate")
	decay := fs.Float64("decay", 0, "learning-rate factor per epoch (default: 0.7 for MNIST, 0.8 for Fashion-MNIST)")
	keep := fs.Float64("keep", 0, "dropout keep probability after the hidden dense layers (default: 1 for MNIST, 0.6 for Fashion-MNIST)")
	seed := fs.Uint64("seed", 1, "random seed (initial weights, shuffling, dropout)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(code int, err error) int {
		fmt.Fprintf(stderr, "ganstudio classifier train: %v\n", err)
		return code
	}
	if fs.NArg() > 0 {
		return fail(2, fmt.Errorf("unexpected argument %q (flags start with --)", fs.Arg(0)))
	}
	canon, err := classifierData(*name)
	if err != nil {
		return fail(2, err)
	}
	opts := classifier.TrainOptions{Epochs: 6, Decay: 0.7, Keep: 1, Batch: *batch, LearnRate: *lr, Seed: *seed}
	switch canon {
	case "fashion-mnist":
		opts.Epochs, opts.Decay, opts.Keep = 12, 0.8, 0.6
	case "cifar10":
		opts.Epochs, opts.Decay, opts.Keep = 12, 0.8, 0.7
	}
	if *epochs != 0 {
		opts.Epochs = *epochs
	}
	if *decay != 0 {
		opts.Decay = *decay
	}
	if *keep != 0 {
		opts.Keep = float32(*keep)
	}
	if *out == "" {
		*out = filepath.Join("assets", "classifiers", canon+".ckpt")
	}
	train, err := openClassifierData(ctx, canon, "train", stderr)
	if err != nil {
		return fail(1, err)
	}
	test, err := openClassifierData(ctx, canon, "test", stderr)
	if err != nil {
		return fail(1, err)
	}
	net := classifier.New(canon, train.Classes(), *seed)
	fmt.Fprintf(stdout, "training the %s classifier (%s) on %d images: %d epochs, batch %d, lr %g ×%g per epoch, keep %g\n",
		canon, net.Info.Arch, train.Len(), opts.Epochs, opts.Batch, opts.LearnRate, opts.Decay, opts.Keep)
	opts.Progress = func(p classifier.Progress) {
		if p.EpochDone {
			acc, err := net.Accuracy(ctx, test)
			if err != nil {
				return
			}
			fmt.Fprintf(stdout, "epoch %d/%d  loss %.4f  test accuracy %.2f%%  %s\n", p.Epoch, p.Epochs, p.Loss, 100*acc, p.Elapsed.Round(time.Second))
		} else if p.Step%500 == 0 {
			fmt.Fprintf(stdout, "  epoch %d step %d/%d  loss %.4f  %s\n", p.Epoch, p.Step, p.Steps, p.Loss, p.Elapsed.Round(time.Second))
		}
	}
	if err := net.Train(ctx, train, opts); err != nil {
		return fail(1, err)
	}
	acc, err := net.Accuracy(ctx, test)
	if err != nil {
		return fail(1, err)
	}
	net.Info.TestAccuracy = acc
	if err := net.Save(*out); err != nil {
		return fail(1, err)
	}
	fmt.Fprintf(stdout, "test accuracy %.2f%% on %d images; wrote %s\n", 100*acc, test.Len(), *out)
	return 0
}

func classifierTest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ganstudio classifier test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("dataset", "", "mnist or fashion-mnist")
	weights := fs.String("weights", "", "weights file (default: the shipped classifier)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(code int, err error) int {
		fmt.Fprintf(stderr, "ganstudio classifier test: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return code
	}
	if fs.NArg() > 0 {
		return fail(2, fmt.Errorf("unexpected argument %q (flags start with --)", fs.Arg(0)))
	}
	canon, err := classifierData(*name)
	if err != nil {
		return fail(2, err)
	}
	var net *classifier.Net
	if *weights != "" {
		net, err = classifier.Load(*weights)
	} else {
		net, err = classifier.Shipped(canon)
	}
	if err != nil {
		return fail(1, err)
	}
	if net.Info.Dataset != canon {
		return fail(1, fmt.Errorf("the weights are for %q, not %q", net.Info.Dataset, canon))
	}
	test, err := openClassifierData(ctx, canon, "test", stderr)
	if err != nil {
		return fail(1, err)
	}
	acc, err := net.Accuracy(ctx, test)
	if err != nil {
		return fail(1, err)
	}
	fmt.Fprintf(stdout, "%s classifier: test accuracy %.2f%% on %d images\n", canon, 100*acc, test.Len())
	return 0
}
