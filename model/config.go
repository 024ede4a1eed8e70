// Package model builds the DCGAN of the seed tutorial on gorgonia: the
// generator and discriminator, their parameters, the graphs of one training
// step, inference sampling and the Adam optimiser whose state can be saved.
package model

import (
	"errors"
	"fmt"

	"github.com/ganstudio/ganstudio/model/nn"
)

// Config is the architecture of a generator/discriminator pair.
type Config struct {
	// ImageSize picks the network: 28 (MNIST layout) and 32 (CIFAR
	// layout) are the seed tutorial's; 64 is Radford et al.'s DCGAN as
	// PyTorch's examples/dcgan builds it (G with ReLU, D with LeakyReLU of
	// slope Alpha; Width is D's widest layer, 8·ndf).
	ImageSize int `json:"image_size"`
	Channels  int `json:"channels"`   // 1 or 3
	NoiseSize int `json:"noise_size"` // length of z
	// Width is the number of filters of the widest layer (512 in the seed);
	// the others are Width/2 and Width/4.
	Width    int     `json:"width"`
	Alpha    float32 `json:"leaky_relu_alpha"`
	KeepProb float32 `json:"dropout_keep_prob"`
	BNDecay  float32 `json:"batchnorm_decay"`
	BNEps    float32 `json:"batchnorm_epsilon"`
	// Loss is the objective D and G are trained on, which also says how
	// D's output reads as a verdict ("" : bce, the seed's).
	Loss Loss `json:"loss,omitempty"`
	// Augment is the DiffAugment policy D sees every image through in
	// training, e.g. "translation,cutout,color" ("" : none).
	Augment string `json:"augment,omitempty"`
	// Classes, when above 0, makes the GAN class-conditional: G takes a
	// one-hot class beside z, and D a projection of its features onto
	// the class's embedding (Miyato & Koyama 2018).
	Classes int `json:"classes,omitempty"`
	// SpectralNorm divides every weight of D by its largest singular
	// value (Miyato et al. 2018; see SpectralNorm), in place of D's
	// BatchNorm.
	SpectralNorm bool `json:"spectral_norm,omitempty"`
}

// DCGAN64 returns Radford et al.'s 64×64 DCGAN as PyTorch's
// examples/dcgan sets it up: nz 100, ngf = ndf = 64 (Width 8·64),
// LeakyReLU 0.2 in D, no dropout, BatchNorm as PyTorch's (momentum 0.1,
// epsilon 1e-5).
func DCGAN64(channels int) Config {
	return Config{ImageSize: 64, Channels: channels, NoiseSize: 100, Width: 512,
		Alpha: 0.2, KeepProb: 1, BNDecay: 0.9, BNEps: 1e-5}
}

// Seed returns the architecture of the 2017 tutorial for the given image
// layout (28×28×1 or 32×32×3).
func Seed(imageSize, channels int) Config {
	return Config{ImageSize: imageSize, Channels: channels, NoiseSize: 100, Width: 512,
		Alpha: 0.01, KeepProb: 0.8, BNDecay: 0.99, BNEps: 0.001}
}

// Validate reports the first value that cannot build a network, in words a
// user can act on.
func (c Config) Validate() error {
	var errs []error
	if c.ImageSize != 28 && c.ImageSize != 32 && c.ImageSize != 64 {
		errs = append(errs, fmt.Errorf("image size %d is not supported: use 28 (MNIST-like), 32 (CIFAR-like) or 64 (DCGAN's own)", c.ImageSize))
	}
	if c.Channels != 1 && c.Channels != 3 {
		errs = append(errs, fmt.Errorf("channels %d is not supported: use 1 (grayscale) or 3 (RGB)", c.Channels))
	}
	if c.NoiseSize < 1 || c.NoiseSize > 4096 {
		errs = append(errs, fmt.Errorf("noise size %d is out of range: use 1 to 4096", c.NoiseSize))
	}
	if c.Width < 4 || c.Width%4 != 0 || c.Width > 2048 {
		errs = append(errs, fmt.Errorf("width %d is invalid: use a multiple of 4 from 4 to 2048 (the seed uses 512)", c.Width))
	} else if c.ImageSize == 64 && c.Width%8 != 0 {
		errs = append(errs, fmt.Errorf("width %d is invalid at 64×64: use a multiple of 8 (DCGAN uses 512)", c.Width))
	}
	if !(c.Alpha >= 0 && c.Alpha < 1) {
		errs = append(errs, fmt.Errorf("LeakyReLU alpha %g is out of range: use 0 ≤ alpha < 1", c.Alpha))
	}
	if !(c.KeepProb > 0 && c.KeepProb <= 1) {
		errs = append(errs, fmt.Errorf("dropout keep probability %g is out of range: use 0 < keep ≤ 1", c.KeepProb))
	}
	if !(c.BNDecay >= 0 && c.BNDecay < 1) {
		errs = append(errs, fmt.Errorf("BatchNorm decay %g is out of range: use 0 ≤ decay < 1", c.BNDecay))
	}
	if !(c.BNEps > 0) {
		errs = append(errs, fmt.Errorf("BatchNorm epsilon %g must be positive", c.BNEps))
	}
	if err := c.Loss.Check(); err != nil {
		errs = append(errs, err)
	}
	if _, err := nn.ParseAugmentations(c.Augment); err != nil {
		errs = append(errs, err)
	}
	if c.Classes < 0 || c.Classes > 1000 {
		errs = append(errs, fmt.Errorf("%d classes is out of range: use 0 (unconditional) to 1000", c.Classes))
	}
	return errors.Join(errs...)
}
