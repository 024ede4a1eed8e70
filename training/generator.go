package training

import (
	"fmt"
	"image"
	"math/rand/v2"
	"sync"

	"github.com/ganstudio/ganstudio/model"
	"github.com/ganstudio/ganstudio/model/checkpoint"
)

// Generator draws images from a GAN's generator in inference mode
// (BatchNorm on running statistics, no dropout). It is safe for concurrent
// use, also while a Trainer that embeds it trains.
type Generator struct {
	mu           sync.Mutex
	gan          *model.GAN
	previewNoise []float32 // PreviewSamples × NoiseSize, fixed for the run
	// realSeen holds real images of the newest batch, for D's verdict on
	// them beside its verdict on the grid; nil for a generator loaded
	// from a checkpoint, which has no data set.
	realSeen []float32
}

// Noise chooses the noise a preview grid is drawn from.
type Noise struct {
	// Psi truncates the noise distribution, uniform on [−1, 1) in
	// training, to [−Psi, Psi): each noise vector is pulled toward the
	// mean, trading variety for typical-looking samples. 1 is the
	// training distribution; 0 gives every cell the mean vector.
	Psi float64
	// Fresh draws new noise from Seed instead of the run's fixed preview
	// noise, to see more of what the generator makes.
	Fresh bool
	Seed  uint64
	// Trained draws from the generator as trained rather than from its
	// moving average, in runs that keep one (Config.EMADecay).
	Trained bool
}

// TrainingNoise is the fixed preview noise, untruncated: the grids a run
// saves.
var TrainingNoise = Noise{Psi: 1}

// Check reports a ψ outside [0, 1].
func (n Noise) Check() error {
	if !(n.Psi >= 0 && n.Psi <= 1) {
		return fmt.Errorf("truncation ψ %g is outside 0 to 1: 1 is the training noise, smaller values pull samples toward the mean", n.Psi)
	}
	return nil
}

// Preview is a 5×5 grid of samples with the discriminator's verdicts.
type Preview struct {
	Image *image.NRGBA
	// Fake is D(G(z)) for each cell, row by row: the probability D gives
	// that the cell is a real image.
	Fake []float32
	// Real is D(x) on real images of the newest training batch; nil when
	// there is no data set (a generator loaded from a checkpoint).
	Real []float32
}

// newGAN creates the networks of cfg, with the averaged generator when
// the run keeps one.
func newGAN(cfg Config) (*model.GAN, error) {
	gan, err := model.New(cfg.Model, cfg.Seed)
	if err != nil {
		return nil, err
	}
	if cfg.EMADecay > 0 {
		if err := gan.EnableAverage(cfg.EMADecay); err != nil {
			return nil, err
		}
	}
	return gan, nil
}

// LoadGenerator reads the generator of a checkpoint file, with the run's
// configuration.
func LoadGenerator(path string) (*Generator, Config, error) {
	f, err := checkpoint.Read(path)
	if err != nil {
		return nil, Config{}, err
	}
	cfg, err := ReadCheckpointConfig(f)
	if err != nil {
		return nil, cfg, fmt.Errorf("%s: %w", path, err)
	}
	gan, err := newGAN(cfg)
	if err != nil {
		return nil, cfg, err
	}
	g := &Generator{gan: gan, previewNoise: make([]float32, PreviewSamples*cfg.Model.NoiseSize)}
	optG := model.NewAdam(gan.G.Params(), cfg.LearnRateG, cfg.Beta1, cfg.Beta2)
	optD := model.NewAdam(gan.D.Params(), cfg.LearnRateD, cfg.Beta1, cfg.Beta2)
	if err := gan.Restore(f.Tensors, optG, optD); err != nil {
		return nil, cfg, fmt.Errorf("%s: %w", path, err)
	}
	if err := g.restoreNoise(f); err != nil {
		return nil, cfg, fmt.Errorf("%s: %w", path, err)
	}
	return g, cfg, nil
}

func (g *Generator) restoreNoise(f *checkpoint.File) error {
	noise, ok := f.Find(previewNoiseTensor)
	if !ok || len(noise.Data) != len(g.previewNoise) {
		return fmt.Errorf("checkpoint has no preview noise of %d values", len(g.previewNoise))
	}
	copy(g.previewNoise, noise.Data)
	return nil
}

// Grid draws the 5×5 preview grid from noise in inference mode, with D's
// verdicts on it and on real images. It is safe to call while training
// runs.
func (g *Generator) Grid(noise Noise) (Preview, error) {
	if err := noise.Check(); err != nil {
		return Preview{}, err
	}
	z := g.previewNoise
	if noise.Fresh {
		z = drawNoise(rand.NewPCG(noise.Seed, 0x73616d70), len(z))
	}
	z = truncate(z, noise.Psi)
	g.mu.Lock()
	defer g.mu.Unlock()
	gen := g.gan.Sampling()
	if noise.Trained {
		gen = g.gan.G
	}
	out, err := g.gan.GenerateWith(gen, z)
	if err != nil {
		return Preview{}, err
	}
	p := Preview{}
	if p.Fake, err = g.gan.Judge(out); err != nil {
		return Preview{}, err
	}
	if g.realSeen != nil {
		if p.Real, err = g.gan.Judge(g.realSeen); err != nil {
			return Preview{}, err
		}
	}
	m := g.gan.Config
	p.Image = GridImage(ToImages(out, PreviewSamples, m.Channels, m.ImageSize), 5)
	return p, nil
}

// truncate returns z scaled by psi (z itself when psi is 1): uniform noise
// on [−1, 1) becomes uniform on [−psi, psi).
func truncate(z []float32, psi float64) []float32 {
	if psi == 1 {
		return z
	}
	out := make([]float32, len(z))
	for i, v := range z {
		out[i] = float32(float64(v) * psi)
	}
	return out
}

func drawNoise(src *rand.PCG, n int) []float32 {
	z := make([]float32, n)
	for i := range z {
		z[i] = float32(uniform(src))
	}
	return z
}

// Sample returns n new samples from noise seeded with seed and truncated
// by psi (1: the training distribution; see Noise).
func (g *Generator) Sample(n int, seed uint64, psi float64) ([]*image.NRGBA, error) {
	if n < 1 {
		return nil, fmt.Errorf("sample count %d: ask for at least one image", n)
	}
	if err := (Noise{Psi: psi}).Check(); err != nil {
		return nil, err
	}
	src := rand.NewPCG(seed, 0x73616d70)
	nz := g.gan.Config.NoiseSize
	var out []*image.NRGBA
	// Chunks keep each hold on the weights short while training runs, and
	// chunks of the preview's size reuse its graph: a graph per batch size
	// holds that batch's activations and im2col buffers (~150 MB for 100
	// samples at seed width).
	const chunk = PreviewSamples
	for len(out) < n {
		k := min(chunk, n-len(out))
		imgs, err := g.generate(truncate(drawNoise(src, k*nz), psi))
		if err != nil {
			return nil, err
		}
		out = append(out, imgs...)
	}
	return out, nil
}

// Interpolate returns steps images along the spherical path between the
// noise of preview cells a and b (0 to 24, row by row).
func (g *Generator) Interpolate(a, b, steps int) ([]*image.NRGBA, error) {
	if a < 0 || a >= PreviewSamples || b < 0 || b >= PreviewSamples {
		return nil, fmt.Errorf("interpolate: cells %d and %d must be 0 to %d", a, b, PreviewSamples-1)
	}
	if steps < 2 {
		return nil, fmt.Errorf("interpolate: %d steps, need at least 2", steps)
	}
	nz := g.gan.Config.NoiseSize
	za, zb := g.previewNoise[a*nz:(a+1)*nz], g.previewNoise[b*nz:(b+1)*nz]
	noise := make([]float32, 0, steps*nz)
	for i := 0; i < steps; i++ {
		noise = append(noise, slerp(za, zb, float64(i)/float64(steps-1))...)
	}
	return g.generate(noise)
}

func (g *Generator) generate(noise []float32) ([]*image.NRGBA, error) {
	g.mu.Lock()
	out, err := g.gan.Generate(noise)
	g.mu.Unlock()
	if err != nil {
		return nil, err
	}
	m := g.gan.Config
	return ToImages(out, len(noise)/m.NoiseSize, m.Channels, m.ImageSize), nil
}
