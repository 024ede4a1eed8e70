package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/ganstudio/ganstudio/model/linear"
	G "gorgonia.org/gorgonia"
)

// Generator maps noise z to an image in [−1, 1].
type Generator struct {
	cfg               Config
	project           *Param // z → 4·4·Width
	bn0, bn1, bn2     *BatchNorm
	bn3               *BatchNorm // 64×64 only
	up1, up2, toImage *Param
	up3               *Param // 64×64 only
	toImageBias       *Param
	params            []*Param
	norms             []*BatchNorm
}

// Discriminator maps an image to one logit: how real it looks.
type Discriminator struct {
	cfg                    Config
	conv1, conv1Bias       *Param
	conv2, conv3           *Param
	bn2, bn3               *BatchNorm
	conv4                  *Param     // 64×64 only
	bn4                    *BatchNorm // 64×64 only
	classify, classifyBias *Param
	embed                  *Param // [Classes, 4·4·Width]: the projection of a conditional D
	// hiddenBias are the biases of conv2, conv3 (and conv4) when spectral
	// normalisation takes BatchNorm's place; nil otherwise.
	hiddenBias []*Param
	params     []*Param
	norms      []*BatchNorm
	// spectral are the weights under spectral normalisation, in the
	// order of params (none unless Config.SpectralNorm).
	spectral []*SpectralNorm
}

// NewGenerator creates a generator with TF's default initial weights
// (Glorot-uniform kernels, zero biases, BatchNorm γ=1, β=0) drawn from rng.
//
// The layers that feed a BatchNorm have no bias: BatchNorm subtracts the
// mean, so a bias there would be cancelled exactly and only cost time.
func NewGenerator(cfg Config, rng *rand.Rand) *Generator {
	w := cfg.Width
	s := &paramSet{rng: rng}
	g := &Generator{cfg: cfg}
	g.project = s.dense("g/project", cfg.NoiseSize+cfg.Classes, 4*4*w)
	g.bn0 = s.batchNorm("g/bn0", w)
	g.up1 = s.kernel("g/up1", w, w/2, 4)
	g.bn1 = s.batchNorm("g/bn1", w/2)
	if cfg.ImageSize == 64 {
		// Radford et al.'s generator: four 4×4 stride-2 transposed
		// convolutions from 4×4, halving the channels each time.
		g.up2 = s.kernel("g/up2", w/2, w/4, 4)
		g.bn2 = s.batchNorm("g/bn2", w/4)
		g.up3 = s.kernel("g/up3", w/4, w/8, 4)
		g.bn3 = s.batchNorm("g/bn3", w/8)
		g.toImage = s.kernel("g/to_image", w/8, cfg.Channels, 4)
	} else {
		g.up2 = s.kernel("g/up2", w/2, w/4, 3)
		g.bn2 = s.batchNorm("g/bn2", w/4)
		g.toImage = s.kernel("g/to_image", w/4, cfg.Channels, 3)
	}
	g.toImageBias = s.bias("g/to_image/bias", cfg.Channels)
	g.params, g.norms = s.params, s.norms
	return g
}

// NewDiscriminator creates a discriminator with TF's default initial
// weights drawn from rng.
//
// With Config.SpectralNorm, every weight of D is spectrally normalised and
// the hidden layers have a bias where they had BatchNorm, as in Miyato et
// al.'s SN discriminators: BatchNorm's rescaling undoes the bound, and
// with it the seed's recipe on CIFAR-10 collapsed after 2,000 steps as it
// does without spectral normalisation (docs/METRICS.md, "Colour recipes").
func NewDiscriminator(cfg Config, rng *rand.Rand) *Discriminator {
	w := cfg.Width
	s := &paramSet{rng: rng}
	d := &Discriminator{cfg: cfg}
	hidden := func(layer, c int) *BatchNorm { // what follows conv<layer>
		if cfg.SpectralNorm {
			d.hiddenBias = append(d.hiddenBias, s.bias(fmt.Sprintf("d/conv%d/bias", layer), c))
			return nil
		}
		return s.batchNorm(fmt.Sprintf("d/bn%d", layer), c)
	}
	if cfg.ImageSize == 64 {
		// Radford et al.'s discriminator: four 4×4 stride-2 convolutions
		// down to 4×4, doubling the channels each time.
		d.conv1 = s.kernel("d/conv1", w/8, cfg.Channels, 4)
		d.conv1Bias = s.bias("d/conv1/bias", w/8)
		d.conv2 = s.kernel("d/conv2", w/4, w/8, 4)
		d.bn2 = hidden(2, w/4)
		d.conv3 = s.kernel("d/conv3", w/2, w/4, 4)
		d.bn3 = hidden(3, w/2)
		d.conv4 = s.kernel("d/conv4", w, w/2, 4)
		d.bn4 = hidden(4, w)
	} else {
		d.conv1 = s.kernel("d/conv1", w/4, cfg.Channels, 3)
		d.conv1Bias = s.bias("d/conv1/bias", w/4)
		d.conv2 = s.kernel("d/conv2", w/2, w/4, 3)
		d.bn2 = hidden(2, w/2)
		d.conv3 = s.kernel("d/conv3", w, w/2, 3)
		d.bn3 = hidden(3, w)
	}
	d.classify = s.dense("d/classify", 4*4*w, 1)
	d.classifyBias = s.bias("d/classify/bias", 1)
	if cfg.Classes > 0 {
		d.embed = s.dense("d/embed", cfg.Classes, 4*4*w)
	}
	d.params, d.norms = s.params, s.norms
	if cfg.SpectralNorm {
		// Drawn after every weight, so that the weights are those of the
		// same network without it.
		for _, p := range []*Param{d.conv1, d.conv2, d.conv3, d.conv4, d.classify, d.embed} {
			if p != nil {
				d.spectral = append(d.spectral, newSpectralNorm(p, p == d.classify, rng))
			}
		}
	}
	return d
}

// Params returns the learnable tensors in a fixed order.
func (g *Generator) Params() []*Param { return g.params }

// Norms returns the BatchNorm layers in a fixed order.
func (g *Generator) Norms() []*BatchNorm { return g.norms }

// Params returns the learnable tensors in a fixed order.
func (d *Discriminator) Params() []*Param { return d.params }

// Norms returns the BatchNorm layers in a fixed order.
func (d *Discriminator) Norms() []*BatchNorm { return d.norms }

// Spectral returns the weights under spectral normalisation, in the order
// of Params (none unless Config.SpectralNorm).
func (d *Discriminator) Spectral() []*SpectralNorm { return d.spectral }

// Normalize starts a training iteration: one power iteration for each
// spectrally normalised weight (nothing without spectral normalisation).
func (d *Discriminator) Normalize() {
	for _, sn := range d.spectral {
		sn.Iterate()
	}
}

// trained returns, for each of Params in order, the node the graphs
// differentiate: W/σ for a spectrally normalised weight (backward turns
// its gradient into W's), the parameter itself otherwise.
func (d *Discriminator) trained() []*Param {
	out := make([]*Param, len(d.params))
	for i, p := range d.params {
		out[i] = d.seen(p)
	}
	return out
}

// backward turns the gradients of trained() into those of Params, in place.
func (d *Discriminator) backward(grads [][]float32) {
	for i, p := range d.params {
		for _, sn := range d.spectral {
			if sn.W == p {
				sn.Backward(grads[i])
			}
		}
	}
}

// refresh sets every W/σ from the current weights: after an optimiser
// step or a restore.
func (d *Discriminator) refresh() {
	for _, sn := range d.spectral {
		sn.Refresh()
	}
}

// seen returns what the graphs read for p: W/σ for a spectrally
// normalised weight, p itself otherwise.
func (d *Discriminator) seen(p *Param) *Param {
	for _, sn := range d.spectral {
		if sn.W == p {
			return sn.Bar
		}
	}
	return p
}

// build adds the generator to b's graph: z [n, NoiseSize] and, for a
// conditional GAN, one-hot classes y [n, Classes] → image [n, C, S, S].
func (g *Generator) build(b *ganGraph, z, y *G.Node) *G.Node {
	n, w := z.Shape()[0], g.cfg.Width
	if y != nil {
		z = b.concat(z, y) // [n, NoiseSize+Classes]
	}
	if g.cfg.ImageSize == 64 {
		x := b.dense(z, g.project, nil)                          // [n, 4·4·w]
		x = b.reshape(x, n, w, 4, 4)                             // [n, w, 4, 4]
		x = b.normAct(x, g.bn0, 0)                               // [n, w, 4, 4]     ReLU
		x = b.convT(x, g.up1, nil, 2, linear.Same)               // [n, w/2, 8, 8]
		x = b.normAct(x, g.bn1, 0)                               // [n, w/2, 8, 8]
		x = b.convT(x, g.up2, nil, 2, linear.Same)               // [n, w/4, 16, 16]
		x = b.normAct(x, g.bn2, 0)                               // [n, w/4, 16, 16]
		x = b.convT(x, g.up3, nil, 2, linear.Same)               // [n, w/8, 32, 32]
		x = b.normAct(x, g.bn3, 0)                               // [n, w/8, 32, 32]
		x = b.convT(x, g.toImage, g.toImageBias, 2, linear.Same) // [n, c, 64, 64]
		return b.tanh(x)                                         // [n, c, 64, 64] in [−1, 1]
	}
	// 28×28 images grow 4→7 with a 'valid' 4×4 kernel; 32×32 ones 4→8 with stride 2.
	stride1, pad1 := 1, linear.Valid
	if g.cfg.ImageSize == 32 {
		stride1, pad1 = 2, linear.Same
	}
	x := b.dense(z, g.project, nil)                          // [n, 4·4·w]
	x = b.reshape(x, n, w, 4, 4)                             // [n, w, 4, 4]
	x = b.normActDrop(x, g.bn0)                              // [n, w, 4, 4]
	x = b.convT(x, g.up1, nil, stride1, pad1)                // [n, w/2, 7, 7]   (CIFAR: 8×8)
	x = b.normActDrop(x, g.bn1)                              // [n, w/2, 7, 7]
	x = b.convT(x, g.up2, nil, 2, linear.Same)               // [n, w/4, 14, 14] (CIFAR: 16×16)
	x = b.normActDrop(x, g.bn2)                              // [n, w/4, 14, 14]
	x = b.convT(x, g.toImage, g.toImageBias, 2, linear.Same) // [n, c, 28, 28]   (CIFAR: 32×32)
	return b.tanh(x)                                         // [n, c, 28, 28] in [−1, 1]
}

// build adds the discriminator to b's graph: image [n, C, S, S] and, for a
// conditional GAN, one-hot classes y [n, Classes] → logit [n, 1].
func (d *Discriminator) build(b *ganGraph, img, y *G.Node) *G.Node {
	n, w := img.Shape()[0], d.cfg.Width
	var x *G.Node
	if d.cfg.ImageSize == 64 {
		x = b.conv(img, d.conv1, d.conv1Bias, 2, linear.Same) // [n, w/8, 32, 32]
		x = b.actDrop(x)                                      // [n, w/8, 32, 32]
		x = b.conv(x, d.conv2, d.bias(0), 2, linear.Same)     // [n, w/4, 16, 16]
		x = b.hiddenTail(x, d.bn2)                            // [n, w/4, 16, 16]
		x = b.conv(x, d.conv3, d.bias(1), 2, linear.Same)     // [n, w/2, 8, 8]
		x = b.hiddenTail(x, d.bn3)                            // [n, w/2, 8, 8]
		x = b.conv(x, d.conv4, d.bias(2), 2, linear.Same)     // [n, w, 4, 4]
		x = b.hiddenTail(x, d.bn4)                            // [n, w, 4, 4]
		return d.judge(b, x, y, n, w)
	}
	x = b.conv(img, d.conv1, d.conv1Bias, 2, linear.Same) // [n, w/4, 14, 14] (CIFAR: 16×16)
	x = b.actDrop(x)                                      // [n, w/4, 14, 14]
	x = b.conv(x, d.conv2, d.bias(0), 2, linear.Same)     // [n, w/2, 7, 7]   (CIFAR: 8×8)
	x = b.hiddenTail(x, d.bn2)                            // [n, w/2, 7, 7]
	x = b.conv(x, d.conv3, d.bias(1), 2, linear.Same)     // [n, w, 4, 4]
	x = b.hiddenTail(x, d.bn3)                            // [n, w, 4, 4]
	return d.judge(b, x, y, n, w)
}

// bias is the bias of the i-th hidden layer after conv1: nil where
// BatchNorm follows it.
func (d *Discriminator) bias(i int) *Param {
	if i < len(d.hiddenBias) {
		return d.hiddenBias[i]
	}
	return nil
}

// judge is the discriminator's head on its last features x [n, w, 4, 4]:
// one logit, plus the projection of a conditional D.
func (d *Discriminator) judge(b *ganGraph, x, y *G.Node, n, w int) *G.Node {
	x = b.reshape(x, n, 4*4*w)                      // [n, 4·4·w]
	logit := b.dense(x, d.classify, d.classifyBias) // [n, 1]
	if y == nil {
		return logit
	}
	return b.add(logit, b.project(x, y, d.embed)) // [n, 1]: + ⟨embed(y), features⟩
}
