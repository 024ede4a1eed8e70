package model

import (
	"fmt"
	"math/rand/v2"
)

// EnableAverage gives gan an averaged generator: an exponential moving
// average of G's weights and BatchNorm statistics (Yazıcı et al., ICLR
// 2019; StyleGAN samples from its G_ema). UpdateAverage moves it after
// every iteration, and Generate draws from it. It starts as a copy of G.
func (gan *GAN) EnableAverage(decay float64) error {
	if !(decay > 0 && decay < 1) {
		return fmt.Errorf("generator averaging decay %g is out of range: use above 0 to below 1 (0.999 is usual)", decay)
	}
	// The weights drawn here are overwritten at once: the stream only
	// shapes them.
	avg := NewGenerator(gan.Config, rand.New(rand.NewPCG(0, 0)))
	for i, p := range avg.params {
		copy(p.Data(), gan.G.params[i].Data())
	}
	for i, bn := range avg.norms {
		copy(bn.Stats.Mean, gan.G.norms[i].Stats.Mean)
		copy(bn.Stats.Var, gan.G.norms[i].Stats.Var)
	}
	gan.Avg, gan.avgDecay = avg, decay
	return nil
}

// UpdateAverage moves the averaged generator toward G after iteration
// step (1-based). Early on the decay is lower, (1+step)/(10+step), so
// that the average follows the fast changes of the first steps instead of
// holding on to the untrained weights.
func (gan *GAN) UpdateAverage(step int) {
	if gan.Avg == nil {
		return
	}
	d := min(gan.avgDecay, float64(1+step)/float64(10+step))
	mix := func(avg, cur []float32) {
		a, b := float32(d), float32(1-d)
		for i, v := range cur {
			avg[i] = a*avg[i] + b*v
		}
	}
	for i, p := range gan.Avg.params {
		mix(p.Data(), gan.G.params[i].Data())
	}
	for i, bn := range gan.Avg.norms {
		mix(bn.Stats.Mean, gan.G.norms[i].Stats.Mean)
		mix(bn.Stats.Var, gan.G.norms[i].Stats.Var)
	}
}

// Sampling returns the generator samples come from: the average when
// there is one, G otherwise.
func (gan *GAN) Sampling() *Generator {
	if gan.Avg != nil {
		return gan.Avg
	}
	return gan.G
}
