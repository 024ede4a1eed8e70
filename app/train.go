package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ganstudio/ganstudio/model"
	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/dataset"
	"github.com/ganstudio/ganstudio/training/events"
)

// configFlags registers a flag for every hyperparameter and returns a
// function that applies the ones the user set on top of a preset.
func configFlags(fs *flag.FlagSet) (preset *string, apply func(*training.Config) error) {
	preset = fs.String("preset", "lite-mnist", "preset to start from: "+strings.Join(training.Presets(), ", "))
	var (
		data      = fs.String("dataset", "", "data set name ("+strings.Join(dataset.Names(), ", ")+") or a folder of images")
		class     = fs.String("class", "", "class filter, comma-separated names or indices (e.g. horse)")
		seed      = fs.Uint64("seed", 0, "random seed")
		autosave  = fs.Duration("autosave", 0, "also checkpoint when this much time has passed since the last one, e.g. 60s (0: off)")
		onDiverge = fs.String("on-diverge", "", "on a NaN or infinite loss: rollback (to the last checkpoint, halving the learning rates) or stop")
		loss      = fs.String("loss", "", "objective: bce (the seed's), hinge or ls (least squares)")
		augment   = fs.String("augment", "", "DiffAugment policy D sees images through: translation,cutout,color (any of them)")
		fit       = fs.String("fit", "", "a folder's pictures that are not square: crop (their centre square, the default) or pad (whole, with black bars)")
		cond      = fs.Bool("conditional", false, "train a class-conditional GAN on the data set's labels (sample --class K then draws class K)")
	)
	fs.StringVar(class, "classes", "", "the same as --class")
	// Every hyperparameter has the flag its table entry names.
	ints, floats, switches := map[string]*int{}, map[string]*float64{}, map[string]*bool{}
	for _, h := range training.Hyperparameters() {
		if h.Switch {
			switches[h.Flag] = fs.Bool(h.Flag, false, h.Help)
		} else if h.Integer {
			ints[h.Flag] = fs.Int(h.Flag, 0, h.Help)
		} else {
			floats[h.Flag] = fs.Float64(h.Flag, 0, h.Help)
		}
	}
	apply = func(c *training.Config) error {
		var err error
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "dataset":
				c.Data = dataset.SpecFor(*data)
				c.Data.Classes = splitList(*class)
				c.Model.ImageSize, c.Model.Channels = training.ShapeFor(c.Data, c.Model.ImageSize)
			case "class", "classes":
				c.Data.Classes = splitList(*class)
			case "seed":
				c.Seed = *seed
			case "autosave":
				c.AutosaveSeconds = autosave.Seconds()
			case "on-diverge":
				c.OnDiverge = *onDiverge
			case "loss":
				c.Model.Loss = model.Loss(*loss)
			case "augment":
				c.Model.Augment = *augment
			case "conditional":
				c.Conditional = *cond
			case "fit":
				c.Data.Fit = *fit
			}
		})
		for _, h := range training.Hyperparameters() {
			if !isSet(fs, h.Flag) {
				continue
			}
			if p, ok := switches[h.Flag]; ok {
				on := 0.0
				if *p {
					on = 1
				}
				h.Set(c, on)
			} else if p, ok := ints[h.Flag]; ok {
				h.Set(c, float64(*p))
			} else {
				h.Set(c, *floats[h.Flag])
			}
			switch {
			case h.Flag == "epochs":
				c.Steps = 0 // a run is measured in epochs or in steps
			case h.Flag == "steps" && c.Steps == 0:
				err = errors.New("--steps 0 runs nothing: give a positive number, or use --epochs")
			}
		}
		if err != nil {
			return err
		}
		return c.Validate()
	}
	return preset, apply
}

// isSet reports whether the flag name was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// resumableFlags are the flags that may come with --resume: what
// training.Amend lets a stopped run change.
func resumableFlags() []string {
	names := []string{"autosave", "on-diverge"}
	for _, h := range training.Hyperparameters() {
		if h.Resumable {
			names = append(names, h.Flag)
		}
	}
	return names
}

// fixedOnResume returns the first flag set on fs that a resumed run cannot
// take, or "".
func fixedOnResume(fs *flag.FlagSet) string {
	allowed := map[string]bool{"resume": true, "retry-checkpoint": true, "out": true}
	for _, name := range resumableFlags() {
		allowed[name] = true
	}
	bad := ""
	fs.Visit(func(f *flag.Flag) {
		if bad == "" && !allowed[f.Name] {
			bad = f.Name
		}
	})
	return bad
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func trainCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ganstudio train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	preset, apply := configFlags(fs)
	out := fs.String("out", "", "run folder to write (default: runs/PRESET-TIME); with --resume, the folder that a checkpoint outside a run folder (a file, an export folder) continues in")
	resume := fs.String("resume", "", "continue the run in this folder (or from this checkpoint file)")
	retry := fs.Duration("retry-checkpoint", 30*time.Second, "when a checkpoint cannot be written (disk full), training pauses and tries again after this long")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ganstudio train: unexpected argument %q (flags start with --)\n", fs.Arg(0))
		return 2
	}
	fail := func(code int, err error) int {
		fmt.Fprintf(stderr, "ganstudio train: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return code
	}

	var tr *training.Trainer
	if *resume != "" {
		if name := fixedOnResume(fs); name != "" {
			return fail(2, fmt.Errorf("--%s cannot change when a run resumes: a run's network, batch, data and seed are fixed (start a new run without --resume to change it); what can change: %s",
				name, "--"+strings.Join(resumableFlags(), ", --")))
		}
		var err error
		if tr, err = training.ResumeInto(*resume, *out, nil, apply); err != nil {
			return fail(1, err)
		}
		if done, total := tr.StepsDone(), tr.TotalSteps(); done >= total {
			tr.Stop()
			fmt.Fprintf(stdout, "%s is at step %d, at or past its end (%d steps): nothing to train. Give a larger --steps or --epochs to go on.\n", tr.RunDir(), done, total)
			return 0
		}
	} else {
		cfg, err := training.Preset(*preset)
		if err != nil {
			return fail(2, err)
		}
		if err := apply(&cfg); err != nil {
			return fail(2, err)
		}
		data, err := training.OpenData(ctx, cfg, dataset.Options{Progress: progressBar(stderr)})
		if err != nil {
			return fail(1, err)
		}
		if tr, err = training.New(cfg, data, *out); err != nil {
			return fail(1, err)
		}
	}
	fmt.Fprintf(stdout, "training %s on %s, writing %s\n", tr.Config().Preset, tr.Data().Source(), tr.RunDir())
	sub := tr.Subscribe()
	if err := tr.Start(); err != nil {
		return fail(1, err)
	}
	return followTraining(ctx, tr, sub, *retry, stdout, fail)
}

// followTraining prints the run's progress until it ends or ctx is
// cancelled (Ctrl-C), which stops it with a checkpoint; a checkpoint that
// cannot be written is tried again every retry. It returns the exit code.
func followTraining(ctx context.Context, tr *training.Trainer, sub *events.Subscription, retry time.Duration, stdout io.Writer, fail func(int, error) int) int {
	printer := newProgressPrinter(stdout)
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(stdout, "\ninterrupted: saving a checkpoint…")
			err := tr.Stop()
			printer.show(sub.Drain())
			printer.finish()
			if err != nil {
				return fail(1, err)
			}
			fmt.Fprintf(stdout, "resume with: ganstudio train --resume %s\n", tr.RunDir())
			return 130
		case <-sub.Ready():
			evs := sub.Drain()
			printer.show(evs)
			if checkpointFailed(evs) {
				fmt.Fprintf(stdout, "trying the checkpoint again in %s (Ctrl-C stops; the earlier checkpoints are kept)\n", retry)
				time.AfterFunc(retry, tr.Resume)
			}
		case <-tr.Done():
			printer.show(sub.Drain())
			printer.finish()
			if err := tr.Wait(); err != nil {
				return fail(1, err)
			}
			fmt.Fprintf(stdout, "done: %s\n", tr.RunDir())
			return 0
		}
	}
}

// checkpointFailed reports whether evs hold the pause that a checkpoint
// which could not be written causes.
func checkpointFailed(evs []events.Event) bool {
	for _, e := range evs {
		if st, ok := e.(events.State); ok && st.Warning && st.Phase == events.Paused {
			return true
		}
	}
	return false
}

// progressPrinter keeps one live line on a terminal; elsewhere (a log
// file) it prints a line every few seconds instead.
type progressPrinter struct {
	w        io.Writer
	terminal bool
	last     time.Time
	line     string
}

func newProgressPrinter(w io.Writer) *progressPrinter {
	return &progressPrinter{w: w, terminal: isTerminal(w)}
}

func (p *progressPrinter) show(evs []events.Event) {
	for _, e := range evs {
		switch e := e.(type) {
		case events.Step:
			p.line = fmt.Sprintf("step %d/%d  epoch %d/%d  D loss %.3f  G loss %.3f  D(x) %.2f  D(G(z)) %.2f  %.0f img/s  ETA %s",
				e.Step, e.TotalSteps, e.Epoch, e.Epochs, e.DLoss, e.GLoss, e.DReal, e.DFake, e.ImagesPerSec, e.ETA.Round(time.Second))
		case events.State:
			if e.Warning || e.Phase == events.Failed {
				p.clear()
				fmt.Fprintf(p.w, "warning: %s\n", e.Message)
			}
		case events.Checkpoint:
			p.clear()
			fmt.Fprintf(p.w, "checkpoint: %s\n", e.Path)
		}
	}
	if p.line == "" {
		return
	}
	if p.terminal {
		fmt.Fprintf(p.w, "\r\033[K%s", p.line)
	} else if time.Since(p.last) > 5*time.Second {
		fmt.Fprintln(p.w, p.line)
		p.last = time.Now()
	}
}

func (p *progressPrinter) clear() {
	if p.terminal {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func (p *progressPrinter) finish() {
	if p.line != "" {
		if p.terminal {
			fmt.Fprintln(p.w)
		} else {
			fmt.Fprintln(p.w, p.line)
		}
	}
}
