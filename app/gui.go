//go:build !darwin || cgo

// The window needs cgo on macOS (Fyne's widgets call into AppKit even
// under the ci tag); a CGO_ENABLED=0 build there is the headless command
// (nogui.go).

package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/ganstudio/ganstudio/assets"
	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/ui"
)

// appID matches FyneApp.toml: preferences and storage live under it.
const appID = "io.github.ganstudio.ganstudio"

// guiCommand opens the GAN Studio window. It is what `ganstudio` does with
// no subcommand. Flags pre-set the window, so that a run can be started
// from a script (the Xvfb smoke test does).
func guiCommand(args []string, stderr io.Writer) int {
	o, code := parseWindowFlags(args, stderr)
	if code >= 0 {
		return code
	}
	// Without a display GLFW panics inside app.New: decide first.
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		fmt.Fprintln(stderr, "ganstudio: no display: use `ganstudio train ...`, or run under Xvfb (xvfb-run ganstudio)")
		return 1
	}
	return runWindow(o, stderr)
}

// windowOptions are the window's flags, read.
type windowOptions struct {
	ui                           ui.Options
	cfg                          training.Config
	autostart                    bool
	open, layoutReport, uiReport string
}

// parseWindowFlags reads the window's flags; code is the exit code of a
// command that ends here (help, a bad flag), −1 when the window opens.
func parseWindowFlags(args []string, stderr io.Writer) (o windowOptions, code int) {
	fs := flag.NewFlagSet("ganstudio", flag.ContinueOnError)
	fs.SetOutput(stderr)
	preset, apply := configFlags(fs)
	fs.BoolVar(&o.autostart, "autostart", false, "start training as soon as the window opens")
	fs.StringVar(&o.open, "open", "", "run folder or checkpoint to open")
	fs.StringVar(&o.ui.RunsDir, "runs", "", "folder for new runs (default: ./runs)")
	fs.DurationVar(&o.ui.Refresh, "refresh", ui.DefaultRefresh, "how often the window redraws a running run")
	fs.StringVar(&o.layoutReport, "layout-report", "", "write where the grid, curves and quality plots are on screen to this JSON file (for the Xvfb smoke test)")
	fs.BoolVar(&o.ui.Verdicts, "verdicts", false, "frame every generated sample by the discriminator's verdict on it")
	fs.Float64Var(&o.ui.Psi, "psi", 1, "truncation ψ of the shown grid and exported samples, above 0 to 1 (1: the training noise)")
	fs.Func("compare", "a run folder whose curves are overlaid on the run's (repeat for more)", func(dir string) error {
		o.ui.Compare = append(o.ui.Compare, dir)
		return nil
	})
	fs.StringVar(&o.uiReport, "ui-report", "", "write the UI thread's latency, the step and memory to this CSV file every second (for soak tests)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: ganstudio [--preset NAME] [--dataset NAME|FOLDER] [hyperparameter flags] [--autostart] [--open RUN]")
		fmt.Fprintln(stderr, "       ganstudio train ...   (training without a window)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return o, 0
		}
		return o, 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ganstudio: unexpected argument %q: the window takes only flags (see ganstudio --help)\n", fs.Arg(0))
		return o, 2
	}
	if psi := o.ui.Psi; !(psi > 0 && psi <= 1) {
		fmt.Fprintf(stderr, "ganstudio: --psi %g is out of range: use above 0 to 1 (1: no truncation); the window's slider goes down to 0\n", psi)
		return o, 2
	}
	var err error
	if o.cfg, err = training.Preset(*preset); err == nil {
		err = apply(&o.cfg)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ganstudio: %v\n", err)
		return o, 2
	}
	return o, -1
}

// runWindow opens the window of o and runs it until it closes.
func runWindow(o windowOptions, stderr io.Writer) int {
	a := app.NewWithID(appID)
	// `fyne package` compiles the icon in; a plain `go build` does not, so
	// the window sets it itself.
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	w := a.NewWindow("GAN Studio")
	o.ui.Config = &o.cfg
	s, err := ui.New(w, o.ui)
	if err != nil {
		fmt.Fprintf(stderr, "ganstudio: %v\n", err)
		return 1
	}
	// The remembered size, or the default, within the screen. The canvas
	// scale (FYNE_SCALE times the monitor's) is known only once the window
	// shows, so the size is checked again then (SetOnStarted below).
	prefs := a.Preferences()
	fitWindow(w, prefs, a.Settings().Scale())
	w.CenterOnScreen()
	if o.uiReport != "" {
		stop, err := startUIReport(o.uiReport, s, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "ganstudio: %v\n", err)
			return 1
		}
		defer stop()
	}
	w.SetCloseIntercept(func() {
		// Closing saves a running run's checkpoint before the window goes.
		rememberWindowSize(prefs, w.Canvas().Size())
		s.Close()
		w.Close()
	})
	if o.open != "" {
		s.Open(o.open)
	}
	// Once the window is up, on the UI thread: its size for the canvas
	// scale, then the run that --autostart asks for, so that its first
	// frames show, then the layout report, of the window as laid out.
	a.Lifecycle().SetOnStarted(func() {
		fitWindow(w, prefs, w.Canvas().Scale())
		w.CenterOnScreen() // again: the first centring used the size before this fit
		if o.open == "" && o.autostart {
			s.Start()
		}
		if o.layoutReport != "" {
			go reportLayout(o.layoutReport, s, o.open != "" || o.autostart, stderr)
		}
	})
	w.ShowAndRun()
	return 0
}

// reportLayout writes where the window's views are (Studio.Regions) to
// path as JSON, for the Xvfb smoke test. With a run shown (started or
// opened) it waits until the charts have their place, which their tab gets
// only when it is next drawn after the run switched to it (no event says
// so): it looks on the UI thread every tenth of a second, and after 30
// seconds writes what it sees.
func reportLayout(path string, s *ui.Studio, run bool, stderr io.Writer) {
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		var regions map[string][4]int
		fyne.DoAndWait(func() { regions = s.Regions() })
		if c := regions["curves"]; !run || c[0] != 0 || c[1] != 0 || time.Now().After(deadline) {
			b, _ := json.Marshal(regions)
			if err := os.WriteFile(path, b, 0o644); err != nil {
				fmt.Fprintf(stderr, "ganstudio: %v\n", err)
			}
			return
		}
		<-tick.C
	}
}
