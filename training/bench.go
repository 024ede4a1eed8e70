package training

import (
	"fmt"
	"image"

	"github.com/ganstudio/ganstudio/training/dataset"
	"github.com/ganstudio/ganstudio/training/events"
)

// Bench runs a configuration's training iterations as a run does, to time
// them: the Trainer's own construction (classes, networks with the
// averaged G, Adam, random streams), its batches and its iterate, at the
// configuration's learning rates, with no run folder, events or
// checkpoints around them. It is not safe for concurrent use.
type Bench struct {
	t     *Trainer
	order batchOrder
}

// NewBench prepares the iterations of cfg on data (nil: open cfg.Data).
func NewBench(cfg Config, data *dataset.Dataset) (*Bench, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t, err := newTrainer(cfg, data)
	if err != nil {
		return nil, err
	}
	t.drawPreviewNoise()
	return &Bench{t: t, order: batchOrder{epoch: -1}}, nil
}

// RandomData is a data set of uniform noise in cfg's image shape, eight
// batches long, labelled with the classes of cfg's data set (so that a
// conditional configuration trains its conditional networks): what
// "ganstudio bench --random-data" trains on.
func RandomData(cfg Config) *dataset.Dataset {
	info, _ := dataset.About(cfg.Data.Name)
	return dataset.Random(cfg.Model.ImageSize, cfg.Model.Channels, 8*max(cfg.BatchSize, 1), info.Classes, cfg.Seed)
}

// Iterate runs the next training iteration, the one Trainer runs: the
// next batch of the epoch's shuffle, then iterate (G's update, D's, the
// average's).
func (b *Bench) Iterate() (events.Step, error) {
	if _, err := b.t.readBatch(&b.order); err != nil {
		return events.Step{}, err
	}
	return b.t.iterate(b.t.cfg.LearnRateG, b.t.cfg.LearnRateD)
}

// Config returns the configuration as trained: a conditional one's
// classes filled in from the data set.
func (b *Bench) Config() Config { return b.t.Config() }

// Data returns the data set the iterations read.
func (b *Bench) Data() *dataset.Dataset { return b.t.data }

// Preview draws the 5×5 grid a run shows, from its fixed noise (and
// classes) with the generator grids draw from (the average, in EMA runs),
// but without D's verdicts on it: G's forward pass and the grid image,
// what the PyTorch peer's preview times too.
func (b *Bench) Preview() (*image.NRGBA, error) {
	g := &b.t.Generator
	z, classes, err := g.gridInputs(TrainingNoise)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	out, err := g.gan.GenerateWith(g.drawer(TrainingNoise), z, classes)
	g.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	m := g.gan.Config
	return GridImage(ToImages(out, PreviewSamples, m.Channels, m.ImageSize), 5), nil
}
