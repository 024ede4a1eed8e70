// Package ui is GAN Studio's desktop window: set-up, run controls, live
// samples and curves, exports and the latent walk. Views own their widgets;
// the run's state lives in a History and the configuration being edited in
// the Studio, so that views can be redrawn from state at any time.
package ui

import (
	"context"
	"image"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/dataset"
	"github.com/ganstudio/ganstudio/training/events"
)

// Sampler draws images from a generator: a running trainer, or one loaded
// from a checkpoint to look at. *training.Generator satisfies it.
type Sampler interface {
	Grid(noise training.Noise) (training.Preview, error)
	Sample(n int, seed uint64, psi float64) ([]*image.NRGBA, error)
	Interpolate(a, b, steps int) ([]*image.NRGBA, error)
}

// Engine is what the window needs from a training run. *training.Trainer
// satisfies it; the window never reaches into the trainer otherwise.
type Engine interface {
	Sampler
	Config() training.Config
	RunDir() string
	Subscribe() *events.Subscription
	Start() error
	Pause()
	Resume()
	Step() error
	Stop() error
	Wait() error
	SetLearningRates(g, d float64) error
	SaveCheckpoint(path string) error
	PauseOnDivergence()
}

var (
	_ Engine  = (*training.Trainer)(nil)
	_ Sampler = (*training.Generator)(nil)
)

// Backend creates engines and opens data sets. DefaultBackend uses the
// training package; the fields exist so that the app can point runs
// elsewhere, not to fake training.
type Backend struct {
	New func(cfg training.Config, ds *dataset.Dataset, runDir string) (Engine, error)
	// Resume continues a stopped run; amend (nil: none) edits its
	// configuration under training.Amend's rules.
	Resume        func(path string, ds *dataset.Dataset, amend func(*training.Config) error) (Engine, error)
	ReadRun       func(dir string) (*training.Run, error)
	LoadGenerator func(checkpoint string) (Sampler, training.Config, error)
	// OpenData opens the data set of cfg at the network's image shape.
	OpenData func(ctx context.Context, cfg training.Config, opt dataset.Options) (*dataset.Dataset, error)
	// RunsDir is where new runs are written ("" : ./runs).
	RunsDir string
}

// DefaultBackend is the real training engine and data set loader.
func DefaultBackend() Backend {
	return Backend{
		New: func(cfg training.Config, ds *dataset.Dataset, runDir string) (Engine, error) {
			t, err := training.New(cfg, ds, runDir)
			if err != nil {
				return nil, err // a nil *Trainer in an Engine would not be nil
			}
			return t, nil
		},
		Resume: func(path string, ds *dataset.Dataset, amend func(*training.Config) error) (Engine, error) {
			t, err := training.Resume(path, ds, amend)
			if err != nil {
				return nil, err
			}
			return t, nil
		},
		ReadRun: training.ReadRun,
		LoadGenerator: func(path string) (Sampler, training.Config, error) {
			g, cfg, err := training.LoadGenerator(path)
			if err != nil {
				return nil, cfg, err
			}
			return g, cfg, nil
		},
		OpenData: training.OpenData,
	}
}
