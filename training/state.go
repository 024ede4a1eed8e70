package training

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/ganstudio/ganstudio/model/checkpoint"
	"github.com/ganstudio/ganstudio/training/dataset"
	"github.com/ganstudio/ganstudio/training/events"
)

// state is the part of a checkpoint that is neither configuration nor
// tensors: where the run is and what its random generator will draw next.
type state struct {
	Step       int    `json:"step"`
	RNG        []byte `json:"rng"`
	AdamStepsG int    `json:"adam_steps_g"`
	AdamStepsD int    `json:"adam_steps_d"`
}

const previewNoiseTensor = "preview_noise"

// ErrNonFinite is returned for a checkpoint of weights that hold NaN or Inf:
// the run has diverged and the previous checkpoint is the one to keep.
var ErrNonFinite = errors.New("weights hold NaN or Inf values; not saved")

// SaveCheckpoint writes the run's complete state to path atomically: a
// resumed run continues exactly as if it had never stopped.
func (t *Trainer) SaveCheckpoint(path string) error {
	f, _, err := t.snapshot()
	if err != nil {
		return err
	}
	return checkpoint.Write(path, f)
}

// snapshot copies the run's complete state, holding the weights only for
// the copy, so that the file can be written while training goes on. It
// also returns the step the state belongs to.
func (t *Trainer) snapshot() (*checkpoint.File, int, error) {
	cfg := t.Config()
	t.mu.Lock()
	tensors := t.gan.Snapshot(t.optG, t.optD)
	rng, err := t.rng.MarshalBinary()
	st := state{Step: t.StepsDone(), RNG: rng, AdamStepsG: t.optG.Steps, AdamStepsD: t.optD.Steps}
	noise := append([]float32(nil), t.previewNoise...)
	t.mu.Unlock()
	if err != nil {
		return nil, st.Step, fmt.Errorf("save checkpoint: %w", err)
	}
	// A diverging update can leave NaN weights behind a finite loss; such
	// a checkpoint would make every rollback diverge again.
	for _, tn := range tensors {
		for _, v := range tn.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, st.Step, fmt.Errorf("save checkpoint at step %d: %w (%s)", st.Step, ErrNonFinite, tn.Name)
			}
		}
	}
	tensors = append(tensors, checkpoint.Tensor{Name: previewNoiseTensor, Shape: []int{PreviewSamples, cfg.Model.NoiseSize}, Data: noise})
	cj, err := json.Marshal(cfg)
	if err != nil {
		return nil, st.Step, err
	}
	sj, err := json.Marshal(st)
	if err != nil {
		return nil, st.Step, err
	}
	return &checkpoint.File{Config: cj, State: sj, Tensors: tensors}, st.Step, nil
}

// ReadCheckpointConfig returns the configuration stored in a checkpoint.
func ReadCheckpointConfig(f *checkpoint.File) (Config, error) {
	var cfg Config
	if err := json.Unmarshal(f.Config, &cfg); err != nil {
		return cfg, fmt.Errorf("checkpoint configuration: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("checkpoint configuration: %w", err)
	}
	return cfg, nil
}

// Resume continues the run saved at path: a run directory (its newest
// readable checkpoint) or a checkpoint file. A checkpoint inside a run
// directory continues that directory; any other starts a new one under
// runs/. data nil opens the data set the run was trained on.
//
// amend, when not nil, edits the stored configuration: what a stopped run
// may change (its length, learning rates and cadences; see Amend) applies
// and is recorded in log.txt and config-history.jsonl, and a change to
// anything else is refused with an error that names it.
//
// A run folder killed before its first checkpoint starts over from step 0
// with its configuration: nothing was saved, so nothing more is lost.
func Resume(path string, data *dataset.Dataset, amend func(*Config) error) (*Trainer, error) {
	return ResumeInto(path, "", data, amend)
}

// ResumeInto is Resume with the folder that a checkpoint outside any run
// folder (a lone file, an export folder) continues in; "" picks a new one
// under runs/. A run folder's checkpoint always continues its own folder,
// and naming another is an error.
func ResumeInto(path, out string, data *dataset.Dataset, amend func(*Config) error) (*Trainer, error) {
	f, ckpt, dir, err := findCheckpoint(path)
	if errors.Is(err, errNoCheckpoint) {
		run, rerr := ReadRun(path)
		if rerr != nil {
			return nil, err
		}
		cfg, changes, err := amended(run.Config, amend)
		if err != nil {
			return nil, fmt.Errorf("resume %s: %w", path, err)
		}
		t, err := New(cfg, data, path)
		if err != nil {
			return nil, err
		}
		t.recordChanges(0, "started over (no checkpoint)", changes)
		return t, nil
	}
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	stored, err := ReadCheckpointConfig(f)
	if err != nil {
		return nil, fmt.Errorf("resume %s: %w", ckpt, err)
	}
	cfg, changes, err := amended(stored, amend)
	if err != nil {
		return nil, fmt.Errorf("resume %s: %w", ckpt, err)
	}
	t, err := newTrainer(cfg, data)
	if err != nil {
		return nil, fmt.Errorf("resume %s: %w", ckpt, err)
	}
	if err := t.restore(f); err != nil {
		return nil, fmt.Errorf("resume %s: %w", ckpt, err)
	}
	t.saves.newest = t.StepsDone()
	switch {
	case dir != "" && out != "" && filepath.Clean(out) != filepath.Clean(dir):
		return nil, fmt.Errorf("resume %s: it continues in its own run folder %s; a new folder is only for a checkpoint outside a run folder", ckpt, dir)
	case dir == "" && out != "":
		dir = out
	case dir == "":
		dir = NewRunDir("runs", cfg.Preset)
	}
	if t.files, err = createRunFiles(dir, cfg, t.StepsDone()); err != nil {
		return nil, err
	}
	t.log = openRunLog(dir)
	t.recordChanges(t.StepsDone(), "resumed from "+ckpt, changes)
	return t, nil
}

// amended applies amend (nil: none) to stored under Amend's rules.
func amended(stored Config, amend func(*Config) error) (Config, []Change, error) {
	if amend == nil {
		return stored, nil, nil
	}
	wanted := stored
	if err := amend(&wanted); err != nil {
		return stored, nil, err
	}
	return Amend(stored, wanted)
}

// recordChanges writes how the run (re)started, and the settings it
// changed, to log.txt and config-history.jsonl.
func (t *Trainer) recordChanges(step int, how string, changes []Change) {
	msg := how
	if len(changes) > 0 {
		msg += "; changed " + describeChanges(changes)
	}
	t.log.record(events.State{Step: step, Message: msg})
	if len(changes) == 0 {
		return
	}
	if err := t.files.appendHistory(step, changes); err != nil {
		t.log.record(events.State{Step: step, Warning: true, Message: err.Error()})
	}
}

func (t *Trainer) restore(f *checkpoint.File) error {
	var st state
	if err := json.Unmarshal(f.State, &st); err != nil {
		return fmt.Errorf("checkpoint state: %w", err)
	}
	// A step past the end is no error: a run resumed with a shorter
	// length has nothing left to do, and says so.
	if st.Step < 0 {
		return fmt.Errorf("checkpoint is at step %d: a step count cannot be negative", st.Step)
	}
	if err := t.gan.Restore(f.Tensors, t.optG, t.optD); err != nil {
		return err
	}
	if err := t.restoreNoise(f); err != nil {
		return err
	}
	if err := t.rng.UnmarshalBinary(st.RNG); err != nil {
		return fmt.Errorf("checkpoint random state: %w", err)
	}
	t.optG.Steps, t.optD.Steps = st.AdamStepsG, st.AdamStepsD
	t.stepsDone.Store(int64(st.Step))
	return nil
}

// findCheckpoint reads the checkpoint path names (a file, an export
// folder, or a run folder's newest checkpoint that verifies) and returns it with its path
// and the run folder it belongs to ("" when it belongs to none).
func findCheckpoint(path string) (f *checkpoint.File, ckpt, runDir string, err error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, "", "", err
	}
	if IsExport(path) {
		f, err := readExport(path)
		return f, path, exportRunDir(path), err
	}
	if !info.IsDir() {
		if f, err = checkpoint.Read(path); err != nil {
			return nil, "", "", err
		}
		dir := filepath.Dir(filepath.Dir(path))
		if filepath.Base(filepath.Dir(path)) == checkpointsDir && exists(filepath.Join(dir, configFile)) {
			return f, path, dir, nil
		}
		return f, path, "", nil
	}
	files := runCheckpoints(path)
	// The newest file that verifies wins: a crash can leave the last one
	// damaged only if the disk lied about fsync, but we do not bet on it.
	var firstErr error
	for i := len(files) - 1; i >= 0; i-- {
		f, err := readCheckpointAt(files[i].path)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		return f, files[i].path, path, nil
	}
	if firstErr != nil {
		return nil, "", "", fmt.Errorf("%s: no readable checkpoint: %w", path, firstErr)
	}
	return nil, "", "", fmt.Errorf("%s: %w in %s (is it a run folder written by ganstudio train?)", path, errNoCheckpoint, filepath.Join(path, checkpointsDir))
}

var errNoCheckpoint = errors.New("no checkpoints")

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
