// Package ui is GAN Studio's desktop window: set-up, run controls, live
// samples and curves, the lab (D's verdicts, Step, truncation, compared
// runs), exports and the latent walk. Views own their widgets; the run's
// state lives in a history and the configuration being edited in the
// Studio, so that views can be redrawn from state at any time.
package ui

import (
	"image"

	"github.com/ganstudio/ganstudio/training"
)

// sampler draws images from a generator: the attached run's trainer, or
// one loaded from a checkpoint to look at.
type sampler interface {
	Grid(noise training.Noise) (training.Preview, error)
	SampleClass(n int, seed uint64, psi float64, class int) ([]*image.NRGBA, error)
	Interpolate(noise training.Noise, a, b, steps int) ([]*image.NRGBA, error)
}

var (
	_ sampler = (*training.Trainer)(nil)
	_ sampler = (*training.Generator)(nil)
)

// loadGenerator reads a checkpoint's generator. A failed load returns a
// nil sampler, not a sampler holding a nil *Generator.
func loadGenerator(path string) (sampler, training.Config, error) {
	g, cfg, err := training.LoadGenerator(path)
	if err != nil {
		return nil, cfg, err
	}
	return g, cfg, nil
}
