package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/ganstudio/ganstudio/model/graphop"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// GAN is a generator and a discriminator of one architecture.
type GAN struct {
	Config Config
	G      *Generator
	D      *Discriminator
	// Avg is the moving average of G's weights, nil unless EnableAverage
	// made one.
	Avg      *Generator
	avgDecay float64

	samplers map[samplerKey]*sampler
	judges   map[int]*judge
	// arena holds the buffers of all the graphs above, which run one at a
	// time: an iteration's two training graphs need the memory of the
	// larger, not of both.
	arena *graphop.Arena
}

// New creates a GAN with initial weights drawn from a generator seeded
// with seed.
func New(cfg Config, seed uint64) (*GAN, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x6e6574)) // a stream of its own: weights do not move when dropout draws change
	return &GAN{Config: cfg, G: NewGenerator(cfg, rng), D: NewDiscriminator(cfg, rng), samplers: make(map[samplerKey]*sampler), judges: make(map[int]*judge), arena: graphop.NewArena()}, nil
}

// Step holds the two compiled graphs of one training iteration at a fixed
// batch size. Fill Noise and Real, then call UpdateG and UpdateD.
type Step struct {
	batch      int
	noise      *tensor.Dense // [batch, NoiseSize]
	real       *tensor.Dense // [batch, C, S, S]
	classes    *tensor.Dense // [batch, Classes] one-hot; nil when unconditional
	noiseData  []float32     // noise's and real's backing arrays: Dense.Data allocates on every call
	realData   []float32
	gParams    []*Param
	dParams    []*Param
	d          *Discriminator
	gMachine   G.VM
	gLoss      *G.Node
	gGrads     []*G.Node
	dMachine   G.VM
	dLoss      *G.Node
	dGrads     []*G.Node
	realLogits *G.Node
	fakeLogits *G.Node
	loss       Loss
	gradBuf    [][]float32
}

// NewStep compiles the graphs of one iteration of the objective of the
// GAN's Config.Loss (see Loss). realLabel is r, the label of real images
// (1 − label smoothing); dropout masks come from rng.
func (gan *GAN) NewStep(batch int, realLabel float32, rng *rand.PCG) (*Step, error) {
	cfg := gan.Config
	s := &Step{
		batch:   batch,
		noise:   tensor.New(tensor.WithShape(batch, cfg.NoiseSize), tensor.Of(tensor.Float32)),
		real:    tensor.New(tensor.WithShape(batch, cfg.Channels, cfg.ImageSize, cfg.ImageSize), tensor.Of(tensor.Float32)),
		gParams: gan.G.Params(),
		dParams: gan.D.Params(),
		d:       gan.D,
		loss:    cfg.Loss,
	}
	s.noiseData, s.realData = s.noise.Float32s(), s.real.Float32s()
	if cfg.Classes > 0 {
		s.classes = tensor.New(tensor.WithShape(batch, cfg.Classes), tensor.Of(tensor.Float32))
	}
	onReal, onFake, forG := cfg.Loss.terms(realLabel)

	// G's graph: how far D is from calling G's fakes real. D sees every
	// image through the augmentation, if any, in both graphs.
	b := gan.newGraph(true, rng)
	y := b.classesInput(s.classes)
	fake := gan.G.build(b, b.Input("z", s.noise), y)
	s.gLoss = b.loss(gan.D.build(b, b.augment(fake), y), forG)
	s.gGrads = b.Grads(s.gLoss, s.gParams)
	s.gMachine = b.Machine(append(G.Nodes{s.gLoss}, s.gGrads...)...)
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("build generator step: %w", err)
	}

	// D's graph: real images against fresh fakes from the same noise.
	b = gan.newGraph(true, rng)
	// A conditional GAN's fakes are of the real batch's classes.
	y = b.classesInput(s.classes)
	fake = gan.G.build(b, b.Input("z", s.noise), y)
	s.realLogits = gan.D.build(b, b.augment(b.Input("x", s.real)), y)
	s.fakeLogits = gan.D.build(b, b.augment(fake), y)
	s.dLoss = b.add(b.loss(s.realLogits, onReal), b.loss(s.fakeLogits, onFake))
	s.dGrads = b.Grads(s.dLoss, gan.D.trained())
	s.dMachine = b.Machine(append(G.Nodes{s.dLoss, s.realLogits, s.fakeLogits}, s.dGrads...)...)
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("build discriminator step: %w", err)
	}
	return s, nil
}

// Batch returns the batch size the step was compiled for.
func (s *Step) Batch() int { return s.batch }

// Noise is the z batch both updates use, [batch, NoiseSize], row-major.
func (s *Step) Noise() []float32 { return s.noiseData }

// Real is the batch of real images, NCHW in [−1, 1].
func (s *Step) Real() []float32 { return s.realData }

// SetClasses sets the classes of the real batch, which a conditional
// GAN's fakes also take; it does nothing for an unconditional one.
func (s *Step) SetClasses(labels []int) error {
	if s.classes == nil {
		return nil
	}
	return OneHot(s.classes.Float32s(), labels, s.classes.Shape()[1])
}

// OneHot writes labels as one-hot rows of k values into dst.
func OneHot(dst []float32, labels []int, k int) error {
	if len(dst) != len(labels)*k {
		return fmt.Errorf("one-hot: %d labels of %d classes need %d values, have %d", len(labels), k, len(labels)*k, len(dst))
	}
	clear(dst)
	for i, l := range labels {
		if l < 0 || l >= k {
			return fmt.Errorf("class %d is not one of the %d classes (0 to %d)", l, k, k-1)
		}
		dst[i*k+l] = 1
	}
	return nil
}

// UpdateG runs G's graph and applies one Adam step to G. The graph is
// the G column of the objective's table (Loss; bce, the seed's:
// BCE(d(G(z)), r)), which NewStep builds with Loss.terms. It returns G's
// loss.
func (s *Step) UpdateG(opt *Adam) (float32, error) {
	if err := run(s.gMachine); err != nil {
		return 0, fmt.Errorf("generator step: %w", err)
	}
	loss := Scalar(s.gLoss)
	opt.Update(s.gParams, s.gradients(s.gGrads))
	return loss, nil
}

// UpdateD runs D's graph and applies one Adam step to D. The graph is
// the D column of the objective's table (Loss; bce: BCE(d(x), r) +
// BCE(d(G(z)), 0)) on the real batch and fresh fakes of the same noise,
// built by NewStep. It returns D's loss and the mean verdicts D(x) and
// D(G(z)) (see Loss.verdict).
func (s *Step) UpdateD(opt *Adam) (loss, dReal, dFake float32, err error) {
	if err := run(s.dMachine); err != nil {
		return 0, 0, 0, fmt.Errorf("discriminator step: %w", err)
	}
	verdict := s.loss.verdict
	loss, dReal, dFake = Scalar(s.dLoss), meanOf(s.realLogits, verdict), meanOf(s.fakeLogits, verdict)
	grads := s.gradients(s.dGrads)
	s.d.backward(grads)
	opt.Update(s.dParams, grads)
	s.d.refresh()
	return loss, dReal, dFake, nil
}

func (s *Step) gradients(nodes []*G.Node) [][]float32 {
	s.gradBuf = s.gradBuf[:0]
	for _, n := range nodes {
		s.gradBuf = append(s.gradBuf, n.Value().(*tensor.Dense).Float32s())
	}
	return s.gradBuf
}

func run(m G.VM) error {
	defer m.Reset()
	return m.RunAll()
}

// meanOf returns the mean of f over the values of n.
func meanOf(n *G.Node, f func(float32) float32) float32 {
	d := n.Value().Data().([]float32)
	var sum float64
	for _, x := range d {
		sum += float64(f(x))
	}
	return float32(sum / float64(len(d)))
}

// samplerKey names an inference graph: which generator, what batch size.
type samplerKey struct {
	g *Generator
	n int
}

// sampler is an inference graph of a generator at one batch size.
type sampler struct {
	noise   *tensor.Dense
	classes *tensor.Dense // nil when unconditional
	out     *G.Node
	m       G.VM
}

// Generate runs the sampling generator (see Sampling) in inference mode
// (BatchNorm on running statistics, no dropout) on noise, n rows of
// NoiseSize values, and returns n images NCHW in [−1, 1] in a new slice.
//
// Generate shares weights with training: callers serialise it with
// training steps.
func (gan *GAN) Generate(noise []float32) ([]float32, error) {
	return gan.GenerateWith(gan.Sampling(), noise, nil)
}

// GenerateWith is Generate with the given generator, G or Avg, and for a
// conditional GAN the classes of the samples: n rows of Classes values,
// one-hot (or blends of classes, for a walk between them).
func (gan *GAN) GenerateWith(g *Generator, noise, classes []float32) ([]float32, error) {
	nz := gan.Config.NoiseSize
	if len(noise) == 0 || len(noise)%nz != 0 {
		return nil, fmt.Errorf("generate: %d noise values is not a whole number of %d-value rows", len(noise), nz)
	}
	n := len(noise) / nz
	k := gan.Config.Classes
	if len(classes) != n*k {
		return nil, fmt.Errorf("generate: %d class values for %d samples of %d classes", len(classes), n, k)
	}
	key := samplerKey{g, n}
	s, ok := gan.samplers[key]
	if !ok {
		s = &sampler{noise: tensor.New(tensor.WithShape(n, nz), tensor.Of(tensor.Float32))}
		if k > 0 {
			s.classes = tensor.New(tensor.WithShape(n, k), tensor.Of(tensor.Float32))
		}
		b := gan.newGraph(false, nil)
		s.out = g.build(b, b.Input("z", s.noise), b.classesInput(s.classes))
		s.m = b.Machine(s.out)
		if err := b.Err(); err != nil {
			return nil, fmt.Errorf("build sampler: %w", err)
		}
		gan.samplers[key] = s
	}
	copy(s.noise.Data().([]float32), noise)
	if k > 0 {
		copy(s.classes.Data().([]float32), classes)
	}
	if err := run(s.m); err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	return append([]float32(nil), s.out.Value().Data().([]float32)...), nil
}

// judge is an inference graph of the discriminator at one batch size.
type judge struct {
	images  *tensor.Dense
	classes *tensor.Dense // nil when unconditional
	logits  *G.Node
	m       G.VM
}

// Judge runs the discriminator in inference mode on images (NCHW in
// [−1, 1], a whole number of images), of the given classes for a
// conditional GAN (one-hot rows; nil otherwise), and returns D's verdict
// on each: the probability it gives that the image is real.
//
// Judge shares weights with training: callers serialise it with training
// steps.
func (gan *GAN) Judge(images, classes []float32) ([]float32, error) {
	c := gan.Config
	size := c.Channels * c.ImageSize * c.ImageSize
	if len(images) == 0 || len(images)%size != 0 {
		return nil, fmt.Errorf("judge: %d values is not a whole number of %d×%d×%d images", len(images), c.Channels, c.ImageSize, c.ImageSize)
	}
	n := len(images) / size
	if len(classes) != n*c.Classes {
		return nil, fmt.Errorf("judge: %d class values for %d images of %d classes", len(classes), n, c.Classes)
	}
	j, ok := gan.judges[n]
	if !ok {
		j = &judge{images: tensor.New(tensor.WithShape(n, c.Channels, c.ImageSize, c.ImageSize), tensor.Of(tensor.Float32))}
		if c.Classes > 0 {
			j.classes = tensor.New(tensor.WithShape(n, c.Classes), tensor.Of(tensor.Float32))
		}
		b := gan.newGraph(false, nil)
		j.logits = gan.D.build(b, b.Input("x", j.images), b.classesInput(j.classes))
		j.m = b.Machine(j.logits)
		if err := b.Err(); err != nil {
			return nil, fmt.Errorf("build judge: %w", err)
		}
		gan.judges[n] = j
	}
	copy(j.images.Data().([]float32), images)
	if c.Classes > 0 {
		copy(j.classes.Data().([]float32), classes)
	}
	if err := run(j.m); err != nil {
		return nil, fmt.Errorf("judge: %w", err)
	}
	logits := j.logits.Value().Data().([]float32)
	out := make([]float32, n)
	for i, x := range logits {
		out[i] = c.Loss.verdict(x)
	}
	return out, nil
}
