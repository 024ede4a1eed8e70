package training

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ganstudio/ganstudio/model/atomicfile"
	"github.com/ganstudio/ganstudio/training/events"
)

// The files of a run directory.
const (
	configFile     = "config.json"
	historyFile    = "config-history.jsonl"
	lossesFile     = "losses.csv"
	gridsDir       = "grids"
	checkpointsDir = "checkpoints"
)

var lossesHeader = []string{"step", "epoch", "d_loss", "g_loss", "d_real", "d_fake", "images_per_sec"}

// NewRunDir returns a fresh run directory name under parent, named after
// the preset and the time; a second run started in the same second gets a
// numbered suffix instead of sharing the folder.
func NewRunDir(parent, preset string) string {
	if preset == "" {
		preset = "custom"
	}
	base := filepath.Join(parent, preset+"-"+time.Now().Format("20060102-150405"))
	dir := base
	for n := 2; exists(dir); n++ {
		dir = fmt.Sprintf("%s-%d", base, n)
	}
	return dir
}

// runFiles writes a run directory as training goes.
type runFiles struct {
	dir    string
	losses *os.File
}

// createRunFiles makes dir and its subfolders, writes config.json and opens
// losses.csv, keeping only the rows of steps up to fromStep (a resumed run
// rewrites what came after its checkpoint).
func createRunFiles(dir string, cfg Config, fromStep int) (*runFiles, error) {
	for _, d := range []string{dir, filepath.Join(dir, gridsDir), filepath.Join(dir, checkpointsDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("create run folder: %w", err)
		}
	}
	// A crash mid-write leaves temporary files; they are never read, but
	// they would fill the disk over many crashes.
	for _, sub := range []string{gridsDir, checkpointsDir} {
		stale, _ := filepath.Glob(filepath.Join(dir, sub, ".*"))
		for _, f := range stale {
			os.Remove(f)
		}
	}
	cj, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, configFile), append(cj, '\n')); err != nil {
		return nil, fmt.Errorf("write run configuration: %w", err)
	}
	path := filepath.Join(dir, lossesFile)
	steps, _ := readLosses(path)
	var keep []events.Step
	for _, s := range steps {
		if s.Step <= fromStep {
			keep = append(keep, s)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create losses file: %w", err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, strings.Join(lossesHeader, ","))
	for _, s := range keep {
		w.WriteString(lossRow(s))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &runFiles{dir: dir, losses: f}, nil
}

func lossRow(s events.Step) string {
	return fmt.Sprintf("%d,%d,%.6g,%.6g,%.6g,%.6g,%.1f\n", s.Step, s.Epoch, s.DLoss, s.GLoss, s.DReal, s.DFake, s.ImagesPerSec)
}

func (r *runFiles) writeStep(s events.Step) error {
	if _, err := r.losses.WriteString(lossRow(s)); err != nil {
		return fmt.Errorf("append to %s: %w", r.losses.Name(), err)
	}
	return nil
}

// GridPath is where the run folder runDir keeps the preview grid of a step.
func GridPath(runDir string, step int) string {
	return filepath.Join(runDir, gridsDir, fmt.Sprintf("step-%07d.png", step))
}

func (r *runFiles) gridPath(step int) string { return GridPath(r.dir, step) }

func (r *runFiles) checkpointPath(step int) string {
	return filepath.Join(r.dir, checkpointsDir, fmt.Sprintf("step-%07d.ckpt", step))
}

// writeGrid saves the preview grid of step atomically: a crash leaves the
// grid whole or absent.
func (r *runFiles) writeGrid(step int, img image.Image) error {
	path := r.gridPath(step)
	if err := atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, img) }); err != nil {
		return fmt.Errorf("save grid: %w", err)
	}
	return nil
}

// prune deletes all but the keep newest checkpoints (keep 0: none).
func (r *runFiles) prune(keep int) error {
	if keep <= 0 {
		return nil
	}
	files, err := stepFiles(filepath.Join(r.dir, checkpointsDir), ".ckpt")
	if err != nil {
		return fmt.Errorf("list checkpoints: %w", err)
	}
	for len(files) > keep {
		if err := os.Remove(files[0].path); err != nil {
			return fmt.Errorf("delete old checkpoint: %w", err)
		}
		files = files[1:]
	}
	return nil
}

// appendHistory adds a line to config-history.jsonl: the settings that
// changed when the run resumed at step, with their old and new values.
func (r *runFiles) appendHistory(step int, changes []Change) error {
	type change struct {
		Key  string `json:"key"`
		From any    `json:"from"`
		To   any    `json:"to"`
	}
	entry := struct {
		Time    time.Time `json:"time"`
		Step    int       `json:"step"`
		Changes []change  `json:"changes"`
	}{Time: time.Now().UTC(), Step: step}
	for _, c := range changes {
		entry.Changes = append(entry.Changes, change(c))
	}
	line, err := json.Marshal(entry)
	if err != nil {
		return err
	}
	path := filepath.Join(r.dir, historyFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("record configuration change: %w", err)
	}
	_, err = f.Write(append(line, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("record configuration change in %s: %w", path, err)
	}
	return nil
}

func (r *runFiles) close() error { return r.losses.Close() }

// Run is what a run directory holds, as read back by ReadRun.
type Run struct {
	Dir         string
	Config      Config
	Steps       []events.Step // from losses.csv
	Grids       []GridFile    // in step order
	Checkpoints []string      // paths, in step order
}

// GridFile is one saved preview grid.
type GridFile struct {
	Step int
	Path string
}

// ReadRun reads a run directory written by a Trainer (or `ganstudio
// train`).
func ReadRun(dir string) (*Run, error) {
	cj, err := os.ReadFile(filepath.Join(dir, configFile))
	if err != nil {
		return nil, fmt.Errorf("open run %s: %w (is it a folder written by ganstudio train?)", dir, err)
	}
	r := &Run{Dir: dir}
	if err := json.Unmarshal(cj, &r.Config); err != nil {
		return nil, fmt.Errorf("open run %s: %s is not valid: %w", dir, configFile, err)
	}
	if r.Steps, err = readLosses(filepath.Join(dir, lossesFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("open run %s: %w", dir, err)
	}
	r.Grids = GridFiles(dir)
	for _, c := range runCheckpoints(dir) {
		r.Checkpoints = append(r.Checkpoints, c.path)
	}
	return r, nil
}

type stepFile struct {
	step int
	path string
}

// stepFiles lists the "step-NNNNNNN<ext>" files of dir in step order;
// temporary files of interrupted writes do not match.
func stepFiles(dir, ext string) ([]stepFile, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []stepFile
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, "step-") || !strings.HasSuffix(name, ext) {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(name, "step-"), ext))
		if err != nil {
			continue
		}
		out = append(out, stepFile{n, filepath.Join(dir, name)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].step < out[j].step })
	return out, nil
}

// readLosses parses losses.csv; a torn last line (a crash mid-write) is
// ignored.
func readLosses(path string) ([]events.Step, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var out []events.Step
	for i, row := range rows {
		if i == 0 || len(row) != len(lossesHeader) {
			continue
		}
		v := make([]float64, len(row))
		ok := true
		for j, s := range row {
			if v[j], err = strconv.ParseFloat(s, 64); err != nil {
				ok = false
			}
		}
		if !ok {
			continue
		}
		out = append(out, events.Step{Step: int(v[0]), Epoch: int(v[1]), DLoss: float32(v[2]), GLoss: float32(v[3]),
			DReal: float32(v[4]), DFake: float32(v[5]), ImagesPerSec: v[6]})
	}
	return out, nil
}

// logFile is the run's account in plain words.
const logFile = "log.txt"

// runLog is a run's account in plain words: starts, pauses, warnings,
// rollbacks, checkpoints and how the run ended, one timestamped line each.
// It is appended to across resumes, so that after a night the story of a
// run is there in full, crashes included. Writing it never stops training:
// a line that cannot be written is dropped.
type runLog struct {
	mu sync.Mutex
	f  *os.File
}

func openRunLog(dir string) *runLog {
	f, _ := os.OpenFile(filepath.Join(dir, logFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	return &runLog{f: f}
}

// record writes the line of e, for the events worth a line.
func (l *runLog) record(e events.Event) {
	var step int
	var text string
	switch e := e.(type) {
	case events.State:
		step, text = e.Step, e.Message
		switch {
		case e.Phase == events.Failed:
			text = "failed: " + text
		case e.Warning:
			text = "warning: " + text
		}
	case events.Checkpoint:
		step, text = e.Step, "checkpoint "+e.Path
	case events.Rates:
		if e.Why != "changed" {
			return // a rollback's own line says it
		}
		step, text = e.Step, fmt.Sprintf("learning rates changed: G %g, D %g", e.G, e.D)
	default:
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		fmt.Fprintf(l.f, "%s  step %d  %s\n", time.Now().Format("2006-01-02 15:04:05"), step, text)
	}
}

func (l *runLog) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		l.f.Close()
		l.f = nil
	}
}

// WriteLosses writes steps in losses.csv's layout, header first: what the
// window exports reads like the run folder's own file.
func WriteLosses(w io.Writer, steps []events.Step) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, strings.Join(lossesHeader, ","))
	for _, s := range steps {
		bw.WriteString(lossRow(s))
	}
	return bw.Flush()
}

// RunDirOf returns the run folder of a run folder or of a checkpoint
// inside one (RUN/checkpoints/step-N.ckpt); for a checkpoint elsewhere,
// the folder it is in.
func RunDirOf(path string) string {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return path
	}
	dir := filepath.Dir(path)
	if filepath.Base(dir) == checkpointsDir {
		return filepath.Dir(dir)
	}
	return dir
}

// GridFiles lists the preview grids saved in the run folder dir, in step
// order.
func GridFiles(dir string) []GridFile {
	files, _ := stepFiles(filepath.Join(dir, gridsDir), ".png")
	out := make([]GridFile, len(files))
	for i, f := range files {
		out[i] = GridFile{Step: f.step, Path: f.path}
	}
	return out
}

// CheckpointStep reads the step from a checkpoint's file name
// (step-N.ckpt, or step-N for an export folder); false for a name of
// another form.
func CheckpointStep(path string) (int, bool) {
	name := filepath.Base(path)
	if !strings.HasPrefix(name, "step-") || (!strings.HasSuffix(name, ".ckpt") && strings.Contains(name, ".")) {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(name, "step-"), ".ckpt"))
	return n, err == nil
}
