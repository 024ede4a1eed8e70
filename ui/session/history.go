package session

import (
	"fmt"
	"image"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/events"
	"github.com/ganstudio/ganstudio/ui/charts"
)

// GridsInMemory bounds the preview grids kept decoded in memory; older ones
// are read back from the run directory's grids/ folder when scrubbed to.
const GridsInMemory = 64

// GridRef is one preview grid of a run: in memory while it is recent, on
// disk (Path) always once the run directory has it.
type GridRef struct {
	Step int
	Path string
	img  *image.NRGBA
	// D's verdicts on the grid's cells and on real images at the same
	// moment, while the run that made them is attached (not kept on disk).
	fake, real []float32
}

// History is the state of the run shown in the window: every step's losses,
// the preview grids and the phase. It is written by the event goroutine and
// read by the views, so every method locks.
type History struct {
	mu       sync.Mutex
	steps    []events.Step
	cols     charts.Cols // the curves' values, column by column
	grids    []GridRef
	phase    events.Phase
	pauseErr error // why the trainer paused by itself (nil: the user paused)
	started  bool  // a run has been attached (phase is meaningful)
	message  string
	ckpts    []string
	lastSave events.Checkpoint // the newest checkpoint written (zero: none yet)
	rates    events.Rates      // the trainer's newest learning rates
	ratesVer int               // bumped by every Rates event
	runDir   string
	version  int // bumped on every change, so views redraw only when needed

	// live is a preview the window asked for between the trainer's grids
	// (see Options.LivePreview); it is shown until a newer grid comes and
	// is not part of the run's History.
	live     training.Preview
	liveStep int
	lastGrid time.Time // when the newest grid (either kind) arrived

	quality Quality // sample-quality metrics and the warning shown beside them

	compared []comparedRun // other runs overlaid on the curves
}

// Reset forgets everything and attaches the History to runDir, whose grids/
// folder holds the grids evicted from memory.
func (h *History) Reset(runDir string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clear(runDir)
}

// clear empties the History (lock held). The mutex must not be copied
// over, so fields are reset one by one.
func (h *History) clear(runDir string) {
	h.steps, h.cols, h.grids, h.ckpts, h.lastSave = nil, charts.Cols{}, nil, nil, events.Checkpoint{}
	h.phase, h.pauseErr, h.started, h.message = events.Running, nil, false, ""
	h.live, h.liveStep, h.lastGrid = training.Preview{}, 0, time.Time{}
	h.quality = Quality{}
	h.runDir = runDir
	h.version++
}

// gridPath is where the trainer writes the grid of a step ("" for a
// History with no run folder, such as a lone checkpoint's).
func gridPath(runDir string, step int) string {
	if runDir == "" {
		return ""
	}
	return training.GridPath(runDir, step)
}

// Apply records one event.
func (h *History) Apply(e events.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.version++
	switch e := e.(type) {
	case events.Step:
		// A resumed run replays nothing, but a step can only move forward;
		// drop anything at or after it (a run continued from an older
		// checkpoint rewrites that part of the History).
		n := len(h.steps)
		for n > 0 && h.steps[n-1].Step >= e.Step {
			n--
		}
		if n < len(h.steps) {
			h.steps = h.steps[:n]
			h.cols.Truncate(n)
		}
		h.steps = append(h.steps, e)
		h.cols.Add(e)
	case events.Grid:
		if n := len(h.grids); n > 0 && e.Step > h.grids[n-1].Step {
			h.addMissedGrids(h.grids[n-1].Step, e.Step)
		}
		h.addGrid(GridRef{Step: e.Step, Path: gridPath(h.runDir, e.Step), img: e.Image, fake: e.Fake, real: e.Real})
		h.lastGrid = time.Now()
		if h.live.Image != nil && h.liveStep <= e.Step {
			h.live = training.Preview{}
		}
	case events.State:
		h.started = true
		// Most warnings are remarks about a run that goes on; a warning
		// that pauses the run (a checkpoint that could not be written)
		// changes the phase like any other.
		if !e.Warning || e.Phase != events.Running {
			h.phase = e.Phase
			h.pauseErr = nil
			if e.Phase == events.Paused {
				h.pauseErr = e.Err
			}
		}
		// Phases show in the run controls; the status line gets what the
		// user must read: warnings and failures.
		if e.Warning || e.Phase == events.Failed {
			h.message = e.Message
			if h.message == "" && e.Err != nil {
				h.message = e.Err.Error()
			}
		}
		if e.Warning {
			h.quality.warn(e.Step, h.message)
		}
	case events.Metrics:
		h.quality.add(e)
	case events.Rates:
		h.rates = e
		h.ratesVer++
	case events.Checkpoint:
		// Autosaves come every minute: the progress line shows the newest
		// (LastSave), and the status line stays free for what needs reading.
		h.ckpts = append(h.ckpts, e.Path)
		h.lastSave = e
	}
}

// addGrid inserts g in step order and evicts old decoded images. Grids that
// the subscription coalesced away are still on disk: the run directory has
// every grid, so scrubbing can read them later (see AddDiskGrids).
func (h *History) addGrid(g GridRef) {
	i := sort.Search(len(h.grids), func(i int) bool { return h.grids[i].Step >= g.Step })
	if i < len(h.grids) && h.grids[i].Step == g.Step {
		if g.img != nil {
			h.grids[i].img = g.img
		}
		if g.fake != nil {
			h.grids[i].fake, h.grids[i].real = g.fake, g.real
		}
	} else {
		h.grids = append(h.grids, GridRef{})
		copy(h.grids[i+1:], h.grids[i:])
		h.grids[i] = g
	}
	h.evict()
}

// addMissedGrids adds the grids the trainer wrote to disk between two steps
// that reached us: a reader that falls behind gets only the newest grid, but
// the run directory has them all.
func (h *History) addMissedGrids(after, before int) {
	if h.runDir == "" {
		return
	}
	for _, g := range training.GridFiles(h.runDir) {
		if g.Step > after && g.Step < before {
			h.addGrid(GridRef{Step: g.Step, Path: g.Path})
		}
	}
}

func (h *History) evict() {
	n := 0
	for i := len(h.grids) - 1; i >= 0; i-- {
		if h.grids[i].img == nil {
			continue
		}
		n++
		if n <= GridsInMemory {
			continue
		}
		g := &h.grids[i]
		if g.Path == "" {
			continue // nowhere to read it back from: keep it
		}
		if _, err := os.Stat(g.Path); err != nil {
			// The trainer writes every grid; if this one is missing
			// (removed, or the run dir is not the trainer's), write it
			// so that scrubbing back still finds it.
			if training.WritePNG(g.Path, g.img) != nil {
				continue
			}
		}
		g.img = nil
	}
}

// SetRun replaces the History with a run read from disk.
func (h *History) SetRun(runDir string, steps []events.Step, grids []GridRef, ckpts []string, phase events.Phase) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clear(runDir)
	h.steps, h.ckpts, h.phase, h.started = steps, ckpts, phase, true
	if n := len(ckpts); n > 0 {
		h.lastSave = events.Checkpoint{Path: ckpts[n-1]}
		h.lastSave.Step, _ = training.CheckpointStep(ckpts[n-1])
		if st, err := os.Stat(ckpts[n-1]); err == nil {
			h.lastSave.Time = st.ModTime()
		}
	}
	for _, st := range steps {
		h.cols.Add(st)
	}
	for _, g := range grids {
		h.addGrid(g)
	}
}

// SetLive records a preview grid of step taken by the window itself.
func (h *History) SetLive(step int, p training.Preview) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastGrid = time.Now()
	if n := len(h.grids); n > 0 && h.grids[n-1].Step >= step {
		return // a saved grid at least as new is already there
	}
	h.live, h.liveStep = p, step
	h.version++
}

// Live returns the window's own preview if it is newer than every saved
// grid (a zero Preview otherwise).
func (h *History) Live() (step int, p training.Preview) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.liveStep, h.live
}

// WantsLive reports whether a live preview is due: the run is training,
// no grid came for every, and steps were done since the newest one.
func (h *History) WantsLive(every time.Duration) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if every <= 0 || !h.started || h.phase != events.Running || len(h.steps) == 0 || time.Since(h.lastGrid) < every {
		return false
	}
	newest := h.liveStep
	if n := len(h.grids); n > 0 {
		newest = max(newest, h.grids[n-1].Step)
	}
	return h.steps[len(h.steps)-1].Step > newest
}

// Curves returns the four curves smoothed and thinned to buckets.
func (h *History) Curves(buckets int) charts.CurveSet {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cols.Curves(buckets)
}

// Steps returns a copy of the steps recorded so far.
func (h *History) Steps() []events.Step {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]events.Step(nil), h.steps...)
}

// Last returns the newest step and whether there is one.
func (h *History) Last() (events.Step, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.steps) == 0 {
		return events.Step{}, false
	}
	return h.steps[len(h.steps)-1], true
}

// Phase returns the run's phase and whether a run is attached at all.
func (h *History) Phase() (events.Phase, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.phase, h.started
}

// PauseReason returns why the trainer paused the run by itself (a
// divergence, a checkpoint that could not be written), or nil.
func (h *History) PauseReason() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.pauseErr
}

// Message returns the newest message of the run for the status line.
func (h *History) Message() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.message
}

// Checkpoints returns the checkpoints written so far, oldest first.
func (h *History) Checkpoints() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.ckpts...)
}

// Rates returns the learning rates the trainer reported last, and a
// version that changes with every report (0: none yet).
func (h *History) Rates() (events.Rates, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rates, h.ratesVer
}

// LastSave returns the newest checkpoint the run has written, and false
// when it has written none since it was attached.
func (h *History) LastSave() (events.Checkpoint, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastSave, h.lastSave.Path != ""
}

// Version changes whenever the History does.
func (h *History) Version() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.version
}

// RunDir is the directory of the attached run.
func (h *History) RunDir() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.runDir
}

// NumGrids is the number of grids of the run.
func (h *History) NumGrids() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.grids)
}

// GridAt returns the i-th grid (0 = oldest), reading it from disk if it
// was evicted from memory.
func (h *History) GridAt(i int) (step int, img *image.NRGBA, err error) {
	h.mu.Lock()
	if i < 0 || i >= len(h.grids) {
		h.mu.Unlock()
		return 0, nil, fmt.Errorf("no grid %d: the run has %d", i, len(h.grids))
	}
	g := h.grids[i]
	h.mu.Unlock()
	if g.img != nil {
		return g.Step, g.img, nil
	}
	img, err = readPNG(g.Path)
	if err != nil {
		return g.Step, nil, fmt.Errorf("the grid of step %d could not be read back from the run folder (%v)", g.Step, err)
	}
	return g.Step, img, nil
}

// Grids returns a copy of the grid list.
func (h *History) Grids() []GridRef {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]GridRef(nil), h.grids...)
}

// GridSteps returns the step of every grid, oldest first.
func (h *History) GridSteps() []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]int, len(h.grids))
	for i, g := range h.grids {
		out[i] = g.Step
	}
	return out
}

// InMemory counts the grids held decoded in memory (for tests of the
// bound).
func (h *History) InMemory() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, g := range h.grids {
		if g.img != nil {
			n++
		}
	}
	return n
}

// VerdictsAt returns D's verdicts on the i-th grid's cells and on real
// images of the same moment; nil where they were not measured (grids read
// from a run folder).
func (h *History) VerdictsAt(i int) (fake, real []float32) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if i < 0 || i >= len(h.grids) {
		return nil, nil
	}
	return h.grids[i].fake, h.grids[i].real
}

// NewestGrid returns the step of the newest grid the run has, its own or
// the window's live preview; 0 before any.
func (h *History) NewestGrid() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	newest := 0
	if n := len(h.grids); n > 0 {
		newest = h.grids[n-1].Step
	}
	if h.live.Image != nil {
		newest = max(newest, h.liveStep)
	}
	return newest
}
