// Package training runs a GAN's training loop in a goroutine and reports
// it as a stream of events; it also writes the run directory (configuration,
// losses, preview grids, checkpoints) that the CLI and the app share.
//
// The Trainer is told in chapters, a file each:
//
//	trainer.go   construction and what a run is (this file)
//	control.go   Start, Pause, Resume, Step, Stop and live settings
//	loop.go      the training goroutine: batches, events, cadences
//	iterate.go   one iteration, top to bottom: (1) update G, (2) update D
//	saving.go    checkpoints in the background, a full disk pausing the run
//	rollback.go  a NaN loss rolling the run back to its last checkpoint
//	state.go     what a checkpoint holds, and resuming from one
package training

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"

	"github.com/ganstudio/ganstudio/model"
	"github.com/ganstudio/ganstudio/training/dataset"
	"github.com/ganstudio/ganstudio/training/events"
)

// PreviewSamples is the number of images in a preview grid (5×5).
const PreviewSamples = 25

// Trainer runs one training run. Its methods are safe to call from any
// goroutine.
type Trainer struct {
	cfg   Config // guarded by ctl (the learning rates change live)
	data  *dataset.Dataset
	files *runFiles
	log   *runLog
	bus   *events.Bus

	// Generator's lock (mu) guards the weights: iterations, checkpoint
	// snapshots and grids hold it. No control waits for it.
	Generator
	optG, optD  *model.Adam
	step        *model.Step
	rng         *rand.PCG // dropout masks and the noise of every batch
	batchLabels []int     // the classes of the batch (conditional GANs)
	// stepsDone counts the iterations finished. It changes under mu, with
	// the weights, and is read without it: a control never waits for an
	// iteration to know where the run is.
	stepsDone atomic.Int64

	control           // ctl and what the controls ask for (control.go)
	saves    saver    // the loop's checkpoints (saving.go)
	rollback rollback // the loop's way back from a divergence (rollback.go)
	finished chan struct{}
	err      error // guarded by ctl
}

// New prepares a run of cfg on data (nil: open cfg.Data), writing into
// runDir ("" : a new folder under runs/). Training starts with Start.
func New(cfg Config, data *dataset.Dataset, runDir string) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if runDir == "" {
		runDir = NewRunDir("runs", cfg.Preset)
	}
	t, err := newTrainer(cfg, data)
	if err != nil {
		return nil, err
	}
	t.drawPreviewNoise()
	if t.files, err = createRunFiles(runDir, t.cfg, 0); err != nil {
		return nil, err
	}
	t.log = openRunLog(runDir)
	return t, nil
}

func newTrainer(cfg Config, data *dataset.Dataset) (*Trainer, error) {
	if data == nil {
		var err error
		if data, err = OpenData(context.Background(), cfg, dataset.Options{}); err != nil {
			return nil, err
		}
	}
	size, ch := data.Shape()
	if size != cfg.Model.ImageSize || ch != cfg.Model.Channels {
		return nil, fmt.Errorf("data set images are %d×%d×%d, the network makes %d×%d×%d: pick a preset for this data set",
			size, size, ch, cfg.Model.ImageSize, cfg.Model.ImageSize, cfg.Model.Channels)
	}
	if data.Len() < cfg.BatchSize {
		return nil, fmt.Errorf("data set has %d images, fewer than one batch of %d: lower the batch size", data.Len(), cfg.BatchSize)
	}
	cfg, err := conditionOn(cfg, data)
	if err != nil {
		return nil, err
	}
	gan, err := newGAN(cfg)
	if err != nil {
		return nil, err
	}
	t := &Trainer{
		cfg: cfg, data: data, bus: events.NewBus(),
		Generator: Generator{gan: gan, previewNoise: make([]float32, PreviewSamples*cfg.Model.NoiseSize)},
		optG:      model.NewAdam(gan.G.Params(), cfg.LearnRateG, cfg.Beta1, cfg.Beta2),
		optD:      model.NewAdam(gan.D.Params(), cfg.LearnRateD, cfg.Beta1, cfg.Beta2),
		rng:       rand.NewPCG(cfg.Seed, 0x747261696e),
		finished:  make(chan struct{}),
	}
	t.wake.L = &t.ctl
	t.saves = saver{t: t, newest: -1}
	t.rollback = rollback{t: t}
	t.setClasses(cfg)
	t.batchLabels = make([]int, cfg.BatchSize)
	if t.step, err = gan.NewStep(cfg.BatchSize, 1-cfg.LabelSmoothing, t.rng); err != nil {
		return nil, err
	}
	return t, nil
}

// drawPreviewNoise draws the fixed noise of a new run's preview grids.
func (t *Trainer) drawPreviewNoise() {
	rng := rand.New(rand.NewPCG(t.cfg.Seed, 0x707265)) // its own stream: the preview noise does not shift the batches
	for i := range t.previewNoise {
		t.previewNoise[i] = float32(rng.Float64()*2 - 1)
	}
}

// conditionOn fills in a conditional run's classes from its data set: a
// data set without labels cannot train one.
func conditionOn(cfg Config, data *dataset.Dataset) (Config, error) {
	if !cfg.Conditional {
		cfg.Model.Classes, cfg.ClassNames, cfg.TrainClasses = 0, nil, nil
		return cfg, nil
	}
	names := data.Classes()
	if len(names) == 0 {
		return cfg, fmt.Errorf("the data set has no labels, and conditional training needs them: use MNIST, Fashion-MNIST, CIFAR-10 or a folder with a subfolder per class")
	}
	seen := make([]bool, len(names))
	for i := 0; i < data.Len(); i++ {
		if l := data.Label(i); l >= 0 && l < len(seen) {
			seen[l] = true
		}
	}
	cfg.TrainClasses = nil
	for c, ok := range seen {
		if ok {
			cfg.TrainClasses = append(cfg.TrainClasses, c)
		}
	}
	if len(cfg.TrainClasses) == 0 {
		return cfg, fmt.Errorf("no image of the data set has a class: conditional training needs labelled images")
	}
	cfg.Model.Classes, cfg.ClassNames = len(names), names
	return cfg, nil
}

// OpenData opens the data set cfg trains on, at the network's image shape.
func OpenData(ctx context.Context, cfg Config, opts dataset.Options) (*dataset.Dataset, error) {
	spec := cfg.Data
	spec.Size, spec.Channels = cfg.Model.ImageSize, cfg.Model.Channels
	return dataset.Open(ctx, spec, opts)
}

// Config returns the run's configuration, with the learning rates now in use.
func (t *Trainer) Config() Config {
	t.ctl.Lock()
	defer t.ctl.Unlock()
	return t.cfg
}

// RunDir returns the folder the run writes to.
func (t *Trainer) RunDir() string { return t.files.dir }

// Data returns the data set the run trains on.
func (t *Trainer) Data() *dataset.Dataset { return t.data }

// Subscribe returns a new reader of the run's events.
func (t *Trainer) Subscribe() *events.Subscription { return t.bus.Subscribe() }

// StepsDone returns the number of iterations finished. It answers at once,
// also while an iteration runs.
func (t *Trainer) StepsDone() int { return int(t.stepsDone.Load()) }

// TotalSteps returns the number of iterations the run does in all.
func (t *Trainer) TotalSteps() int {
	if t.cfg.Steps > 0 {
		return t.cfg.Steps
	}
	return t.cfg.Epochs * t.stepsPerEpoch()
}

func (t *Trainer) stepsPerEpoch() int { return t.data.Len() / t.cfg.BatchSize }

// report publishes e and writes it to the run's log.
func (t *Trainer) report(e events.Event) {
	t.bus.Publish(e)
	t.log.record(e)
}

func (t *Trainer) warn(step int, err error) {
	t.report(events.State{Phase: events.Running, Step: step, Warning: true, Err: err,
		Message: err.Error() + " (training goes on)"})
}

// notice publishes a plain-words observation about the run (likely mode
// collapse, vanishing gradients).
func (t *Trainer) notice(step int, msg string) {
	t.report(events.State{Phase: events.Running, Step: step, Warning: true, Message: msg})
}
