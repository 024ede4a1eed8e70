package session

import (
	"image"

	"github.com/ganstudio/ganstudio/training"
)

// Sampler draws images from a generator: the attached run's trainer, or
// one loaded from a checkpoint to look at.
type Sampler interface {
	Grid(noise training.Noise) (training.Preview, error)
	SampleClass(n int, seed uint64, psi float64, class int) ([]*image.NRGBA, error)
	Interpolate(noise training.Noise, a, b, steps int) ([]*image.NRGBA, error)
}

var (
	_ Sampler = (*training.Trainer)(nil)
	_ Sampler = (*training.Generator)(nil)
)

// LoadGenerator reads a checkpoint's generator. A failed load returns a
// nil Sampler, not a Sampler holding a nil *Generator.
func LoadGenerator(path string) (Sampler, training.Config, error) {
	g, cfg, err := training.LoadGenerator(path)
	if err != nil {
		return nil, cfg, err
	}
	return g, cfg, nil
}
