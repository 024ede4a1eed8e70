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
	gan, err := model.New(cfg.Model, cfg.Seed)
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

// Grid samples the fixed preview noise in inference mode and returns the
// 5×5 grid. It is safe to call while training runs.
func (g *Generator) Grid() (*image.NRGBA, error) {
	imgs, err := g.generate(g.previewNoise)
	if err != nil {
		return nil, err
	}
	return GridImage(imgs, 5), nil
}

// Sample returns n new samples from noise seeded with seed.
func (g *Generator) Sample(n int, seed uint64) ([]*image.NRGBA, error) {
	if n < 1 {
		return nil, fmt.Errorf("sample count %d: ask for at least one image", n)
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
		noise := make([]float32, k*nz)
		for i := range noise {
			noise[i] = float32(uniform(src))
		}
		imgs, err := g.generate(noise)
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
