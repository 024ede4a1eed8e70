package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/ganstudio/ganstudio/training/dataset"
)

const dataUsage = `usage: ganstudio data list
       ganstudio data info NAME|FOLDER [--class C[,C...]] [--path P] [--split train|test] [--size N] [--channels 1|3]`

// dataCommand runs `ganstudio data list` and `ganstudio data info`. It
// returns the exit code: 0 on success, 1 when a data set cannot be loaded,
// 2 for a usage error.
func dataCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintf(stderr, "ganstudio data: missing subcommand: list or info\n%s\n", dataUsage)
		return 2
	}
	switch args[0] {
	case "list":
		return dataList(args[1:], stdout, stderr)
	case "info":
		return dataInfo(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, dataUsage)
		return 0
	}
	fmt.Fprintf(stderr, "ganstudio data: unknown subcommand %q: use list or info\n%s\n", args[0], dataUsage)
	return 2
}

// dataList prints the named data sets and where each would come from.
func dataList(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("data list", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "usage: ganstudio data list")
			return 0
		}
		fmt.Fprintf(stderr, "ganstudio data list: %v\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ganstudio data list: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tIMAGES (train/test)\tSHAPE\tCLASSES\tSOURCE")
	for _, name := range dataset.Names() {
		info, _ := dataset.About(name)
		fmt.Fprintf(tw, "%s\t%d/%d\t%d×%d×%d\t%d\t%s\n", name, info.Train, info.Test,
			info.Size, info.Size, info.Channels, len(info.Classes), dataset.Describe(name, dataset.Options{}))
	}
	tw.Flush()
	fmt.Fprintln(stdout, "\nAny folder of PNG, JPEG or GIF images works too (one subfolder per class for --class):")
	fmt.Fprintln(stdout, "  ganstudio data info FOLDER    ganstudio train --dataset FOLDER")
	return 0
}

// classList is a flag.Value collecting class names or indices, given as
// repeated flags or comma-separated lists.
type classList []string

func (c *classList) String() string { return strings.Join(*c, ",") }

func (c *classList) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*c = append(*c, part)
		}
	}
	if len(*c) == 0 {
		return errors.New("empty class")
	}
	return nil
}

// parseInterleaved parses flags that may come before or after the
// positional arguments (`data info cifar10 --class horse`).
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// dataInfo loads one data set and describes it.
func dataInfo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("data info", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported below, in one line
	var classes classList
	fs.Var(&classes, "class", "keep only this class, by name or index (repeat or separate with commas)")
	path := fs.String("path", "", "explicit file or folder: an image folder, a folder with the IDX or CIFAR files, or cifar-10-binary.tar.gz")
	split := fs.String("split", "train", "train or test")
	size := fs.Int("size", 0, "image side the model wants (0: native)")
	channels := fs.Int("channels", 0, "1 (grayscale) or 3 (RGB) (0: native)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "usage: ganstudio data info NAME|FOLDER [flags]")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return 0
		}
		fmt.Fprintf(stderr, "ganstudio data info: %v (see ganstudio data info -h)\n", err)
		return 2
	}
	var spec dataset.Spec
	switch {
	case len(pos) > 1:
		fmt.Fprintf(stderr, "ganstudio data info: one data set at a time, got %q\n", pos)
		return 2
	case len(pos) == 1:
		spec = dataset.SpecFor(pos[0])
		if *path != "" {
			if spec.Name == "" {
				fmt.Fprintf(stderr, "ganstudio data info: %q is not a data set name (%s); with --path, name one or leave the name out\n", pos[0], strings.Join(dataset.Names(), ", "))
				return 2
			}
			spec.Path = *path
		}
	case *path != "":
		spec.Path = *path
	default:
		fmt.Fprintf(stderr, "ganstudio data info: name a data set (%s) or a folder of images\n", strings.Join(dataset.Names(), ", "))
		return 2
	}
	if *split != "train" && *split != "test" {
		fmt.Fprintf(stderr, "ganstudio data info: --split %q: use train or test\n", *split)
		return 2
	}
	if *channels != 0 && *channels != 1 && *channels != 3 {
		fmt.Fprintf(stderr, "ganstudio data info: --channels %d: use 1 or 3\n", *channels)
		return 2
	}
	if *size < 0 {
		fmt.Fprintf(stderr, "ganstudio data info: --size %d: use a positive size, or 0 for the native one\n", *size)
		return 2
	}
	spec.Classes, spec.Split, spec.Size, spec.Channels = classes, *split, *size, *channels

	bar := progressBar(stderr)
	d, err := dataset.Open(ctx, spec, dataset.Options{Progress: bar})
	if err != nil {
		fmt.Fprintf(stderr, "ganstudio data info: %v\n", err)
		return 1
	}
	printInfo(stdout, d, spec)
	return 0
}

// printInfo writes what `data info` shows.
func printInfo(w io.Writer, d *dataset.Dataset, spec dataset.Spec) {
	size, chans := d.Shape()
	tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)
	title := d.Name()
	if info, ok := dataset.About(d.Name()); ok {
		title += " (" + info.Title + ")"
	}
	fmt.Fprintf(tw, "data set:\t%s\n", title)
	fmt.Fprintf(tw, "source:\t%s\n", d.Source())
	switch {
	case d.Verified():
		fmt.Fprintf(tw, "checksums:\tverified (SHA-256)\n")
	case d.Name() == "folder":
		fmt.Fprintf(tw, "checksums:\tnone (image folders have no published checksums)\n")
	default:
		fmt.Fprintf(tw, "checksums:\tNOT verified\n")
	}
	if d.Name() != "folder" {
		fmt.Fprintf(tw, "split:\t%s\n", spec.Split)
	}
	fmt.Fprintf(tw, "images:\t%d\n", d.Len())
	kind := "RGB"
	if chans == 1 {
		kind = "grayscale"
	}
	fmt.Fprintf(tw, "shape:\t%d×%d×%d (%s)\n", size, size, chans, kind)
	names := d.Classes()
	if len(names) == 0 {
		fmt.Fprintf(tw, "classes:\tnone (a flat folder; use one subfolder per class to filter by class)\n")
	} else {
		counts := make([]int, len(names))
		unlabelled := 0
		for i := range d.Len() {
			if l := d.Label(i); l >= 0 && l < len(counts) {
				counts[l]++
			} else {
				unlabelled++
			}
		}
		list := make([]string, len(names))
		for i, n := range names {
			list[i] = n
			if n != strconv.Itoa(i) {
				list[i] = fmt.Sprintf("%d %s", i, n)
			}
		}
		fmt.Fprintf(tw, "classes:\t%d: %s\n", len(names), strings.Join(list, ", "))
		var used []string
		for i, c := range counts {
			if c > 0 {
				used = append(used, fmt.Sprintf("%s %d", names[i], c))
			}
		}
		if unlabelled > 0 {
			used = append(used, fmt.Sprintf("no class %d", unlabelled))
		}
		label := "per class:"
		if len(spec.Classes) > 0 {
			label = "selected:"
		}
		fmt.Fprintf(tw, "%s\t%s\n", label, strings.Join(used, ", "))
	}
	if d.Skipped() > 0 {
		fmt.Fprintf(tw, "skipped:\t%d unreadable files, e.g. %s\n", d.Skipped(), strings.Join(d.SkippedFiles(), "; "))
	}
	tw.Flush()
}

// progressBar returns a dataset.Options.Progress callback that draws a
// download bar on w: one redrawn line on a terminal, a few plain lines
// elsewhere (logs, pipes).
func progressBar(w io.Writer) func(file string, done, total int64) {
	tty := isTerminal(w)
	var mu sync.Mutex
	var last time.Time
	lastFile, lastQuarter := "", -1
	return func(file string, done, total int64) {
		mu.Lock()
		defer mu.Unlock()
		complete := total > 0 && done >= total
		if !tty {
			if file != lastFile {
				lastFile, lastQuarter = file, -1
				fmt.Fprintf(w, "downloading %s (%s)\n", file, sizeText(total))
			}
			if total > 0 {
				if q := int(4 * done / total); q > lastQuarter && q > 0 {
					lastQuarter = q
					fmt.Fprintf(w, "  %s: %d%% of %s\n", file, 25*q, sizeText(total))
				}
			}
			return
		}
		now := time.Now()
		if !complete && file == lastFile && now.Sub(last) < 100*time.Millisecond {
			return
		}
		last, lastFile = now, file
		const width = 30
		var line string
		if total > 0 {
			frac := min(float64(done)/float64(total), 1)
			n := int(frac * width)
			bar := strings.Repeat("=", n)
			if n < width {
				bar += ">" + strings.Repeat(" ", width-n-1)
			}
			line = fmt.Sprintf("%s [%s] %5.1f%% %s/%s", file, bar, 100*frac, sizeText(done), sizeText(total))
		} else {
			line = fmt.Sprintf("%s %s", file, sizeText(done))
		}
		fmt.Fprintf(w, "\r%-78s", line)
		if complete {
			fmt.Fprintln(w)
		}
	}
}

// sizeText formats a byte count for the progress bar.
func sizeText(n int64) string {
	switch {
	case n < 0:
		return "size unknown"
	case n < 1000*1000:
		return strconv.FormatInt((n+999)/1000, 10) + " kB"
	default:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
