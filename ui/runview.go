package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ganstudio/ganstudio/training/events"
	"github.com/ganstudio/ganstudio/ui/session"
)

// runView is the top bar: Start, Pause/Resume, Stop, Continue, progress.
type runView struct {
	hist                           *session.History
	start, pause, step, stop, cont *widget.Button
	open, openCkpt                 *widget.Button
	progress                       *widget.ProgressBar
	info, phase                    *widget.Label
	// bar is the row of buttons across the window's top; progressRow the
	// progress bar with the line of epoch, speed and last save.
	bar, progressRow fyne.CanvasObject
}

// runActions are what the run controls' buttons do.
type runActions struct {
	start, pauseOrResume, step, stop, continueRun, openRun, openCheckpoint func()
}

func newRunView(hist *session.History, do runActions) *runView {
	v := &runView{hist: hist}
	v.start = widget.NewButtonWithIcon("Start", theme.MediaPlayIcon(), do.start)
	v.start.Importance = widget.HighImportance
	v.pause = widget.NewButtonWithIcon("Pause", theme.MediaPauseIcon(), do.pauseOrResume)
	v.step = widget.NewButtonWithIcon("Step", theme.MediaSkipNextIcon(), do.step)
	v.stop = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), do.stop)
	v.cont = widget.NewButtonWithIcon("Continue", theme.MediaFastForwardIcon(), do.continueRun)
	v.open = widget.NewButtonWithIcon("Open run…", theme.FolderOpenIcon(), do.openRun)
	v.openCkpt = widget.NewButtonWithIcon("Open checkpoint…", theme.FileIcon(), do.openCheckpoint)
	v.progress = widget.NewProgressBar()
	v.progress.TextFormatter = func() string {
		last, ok := hist.Last()
		if !ok {
			return "not started"
		}
		if last.TotalSteps <= 0 {
			return fmt.Sprintf("step %d", last.Step) // an opened run's steps say no total
		}
		return fmt.Sprintf("step %d of %d", last.Step, last.TotalSteps)
	}
	v.info = widget.NewLabel("")
	v.phase = widget.NewLabel("Ready")
	v.phase.TextStyle.Bold = true
	v.bar = container.NewHBox(v.start, v.pause, v.step, v.stop, v.cont, widget.NewSeparator(), v.open, v.openCkpt, widget.NewSeparator(), v.phase)
	v.progressRow = container.NewBorder(nil, nil, nil, v.info, v.progress)
	return v
}

// refresh shows the newest step (UI thread).
func (v *runView) refresh() {
	last, ok := v.hist.Last()
	if !ok {
		v.progress.SetValue(0)
		v.info.SetText("")
		return
	}
	if last.TotalSteps > 0 {
		v.progress.SetValue(float64(last.Step) / float64(last.TotalSteps))
	} else {
		v.progress.Refresh() // the text says the step
	}
	save, saved := v.hist.LastSave()
	v.info.SetText(stepInfo(last, save, saved))
}

// stepInfo is the progress line: epoch, speed, time left, and when the run
// was last saved (what a crash would go back to).
func stepInfo(s events.Step, save events.Checkpoint, saved bool) string {
	out := fmt.Sprintf("epoch %d of %d · %.1f images/s", s.Epoch, s.Epochs, s.ImagesPerSec)
	if s.Epochs <= 0 { // read back from a run folder's losses.csv
		out = fmt.Sprintf("epoch %d · %.1f images/s", s.Epoch, s.ImagesPerSec)
	}
	if s.ETA > 0 {
		out += " · " + eta(s.ETA) + " left"
	}
	if saved {
		out += fmt.Sprintf(" · saved %s (step %d)", save.Time.Format("15:04:05"), save.Step)
	} else {
		out += " · not saved yet"
	}
	return out
}

func eta(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()+0.5))
	case d < time.Hour:
		return fmt.Sprintf("%dm %02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh %02dm", int(d.Hours()), int(d.Minutes())%60)
}

// setState enables the controls that st allows and names the phase.
func (v *runView) setState(st runState, phase string) {
	setEnabled(v.start, !st.busy && !st.running && !st.paused)
	setEnabled(v.pause, !st.busy && (st.running || st.paused))
	setEnabled(v.step, !st.busy && st.paused && !st.diverged)
	setEnabled(v.stop, !st.busy && (st.running || st.paused))
	setEnabled(v.cont, !st.busy && st.canContinue)
	setEnabled(v.open, !st.busy && !st.running && !st.paused)
	setEnabled(v.openCkpt, !st.busy && !st.running && !st.paused)
	v.phase.SetText(phase)
	if st.diverged {
		v.pause.SetText("Roll back")
		v.pause.SetIcon(theme.HistoryIcon())
	} else if st.paused {
		v.pause.SetText("Resume")
		v.pause.SetIcon(theme.MediaPlayIcon())
	} else {
		v.pause.SetText("Pause")
		v.pause.SetIcon(theme.MediaPauseIcon())
	}
}
