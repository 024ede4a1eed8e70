package training

import (
	"fmt"
	"image"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
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
	// A conditional GAN's classes, as one-hot rows: the grid's (one row
	// of the grid per class), the real images', and the classes the run
	// trains on (all, or its class filter's); k is the number of classes.
	previewClasses, realClasses []float32
	trainClasses                []int
	k                           int
}

// setClasses prepares a conditional GAN's classes: the grid's row r shows
// the r-th class trained on (cycling when there are fewer than five).
func (g *Generator) setClasses(cfg Config) {
	g.k, g.trainClasses = cfg.Model.Classes, cfg.TrainClasses
	if g.k == 0 || len(g.trainClasses) == 0 {
		g.k = 0
		return
	}
	labels := make([]int, PreviewSamples)
	for i := range labels {
		labels[i] = g.trainClasses[(i/5)%len(g.trainClasses)]
	}
	g.previewClasses = make([]float32, PreviewSamples*g.k)
	model.OneHot(g.previewClasses, labels, g.k)
}

// classRows returns one-hot rows for samples start to start+n−1 of
// class c, or, for c < 0, of the trained classes in turn; nil for an
// unconditional GAN.
func (g *Generator) classRows(start, n, c int) []float32 {
	if g.k == 0 {
		return nil
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = c
		if c < 0 {
			labels[i] = g.trainClasses[(start+i)%len(g.trainClasses)]
		}
	}
	out := make([]float32, n*g.k)
	model.OneHot(out, labels, g.k)
	return out
}

// ClassIndex finds a class of a conditional run by name ("horse", "7") or
// by number, with an error that lists the classes.
func ClassIndex(cfg Config, class string) (int, error) {
	if cfg.Model.Classes == 0 {
		return 0, fmt.Errorf("this generator was not trained with --conditional: it draws no chosen class")
	}
	for i, name := range cfg.ClassNames {
		if strings.EqualFold(name, class) {
			return i, nil
		}
	}
	if i, err := strconv.Atoi(class); err == nil && i >= 0 && i < cfg.Model.Classes {
		return i, nil
	}
	return 0, fmt.Errorf("no class %q: use one of %s, or a number from 0 to %d", class, strings.Join(cfg.ClassNames, ", "), cfg.Model.Classes-1)
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
	// OneClass makes every cell of a conditional GAN's grid of Class
	// (0-based); otherwise each row shows one class.
	OneClass bool
	Class    int
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

// LoadGenerator reads the generator of a checkpoint file or export folder,
// with the run's configuration.
func LoadGenerator(path string) (*Generator, Config, error) {
	r, err := loadCheckpoint(path)
	if err != nil {
		return nil, r.cfg, err
	}
	g := &Generator{gan: r.gan, previewNoise: make([]float32, PreviewSamples*r.cfg.Model.NoiseSize)}
	if err := g.restoreNoise(r.file); err != nil {
		return nil, r.cfg, fmt.Errorf("%s: %w", path, err)
	}
	g.setClasses(r.cfg)
	return g, r.cfg, nil
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
	z, classes, err := g.gridInputs(noise)
	if err != nil {
		return Preview{}, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	out, err := g.gan.GenerateWith(g.drawer(noise), z, classes)
	if err != nil {
		return Preview{}, err
	}
	p := Preview{}
	if p.Fake, err = g.gan.Judge(out, classes); err != nil {
		return Preview{}, err
	}
	if g.realSeen != nil {
		if p.Real, err = g.gan.Judge(g.realSeen, g.realClasses); err != nil {
			return Preview{}, err
		}
	}
	m := g.gan.Config
	p.Image = GridImage(ToImages(out, PreviewSamples, m.Channels, m.ImageSize), 5)
	return p, nil
}

// gridInputs returns the noise and classes of the 25 cells that noise
// describes.
func (g *Generator) gridInputs(noise Noise) (z, classes []float32, err error) {
	if err := noise.Check(); err != nil {
		return nil, nil, err
	}
	z = g.previewNoise
	if noise.Fresh {
		z = drawNoise(rand.NewPCG(noise.Seed, 0x73616d70), len(z))
	}
	classes = g.previewClasses
	if noise.OneClass {
		if g.k == 0 || noise.Class < 0 || noise.Class >= g.k {
			return nil, nil, fmt.Errorf("class %d: this generator has %d classes", noise.Class, g.k)
		}
		classes = g.classRows(0, PreviewSamples, noise.Class)
	}
	return truncate(z, noise.Psi), classes, nil
}

// drawer is the generator noise asks for: the average, or G as trained.
func (g *Generator) drawer(noise Noise) *model.Generator {
	if noise.Trained {
		return g.gan.G
	}
	return g.gan.Sampling()
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
// by psi (1: the training distribution; see Noise); a conditional GAN's
// take the trained classes in turn.
func (g *Generator) Sample(n int, seed uint64, psi float64) ([]*image.NRGBA, error) {
	return g.SampleClass(n, seed, psi, -1)
}

// SampleClass is Sample with every sample of class c (0-based) of a
// conditional GAN; c < 0 is Sample's classes in turn.
func (g *Generator) SampleClass(n int, seed uint64, psi float64, c int) ([]*image.NRGBA, error) {
	s, err := g.SampleValues(n, seed, psi, c)
	if err != nil {
		return nil, err
	}
	m := g.gan.Config
	return ToImages(s.Images, n, m.Channels, m.ImageSize), nil
}

// Samples are generated images with what made them, for tools that
// need the numbers rather than pictures.
type Samples struct {
	Noise   []float32 // [n, NoiseSize], after truncation
	Classes []int     // a conditional GAN's class of each sample; nil otherwise
	Images  []float32 // [n, C, S, S] in [−1, 1]
}

// SampleValues is SampleClass's samples as numbers.
func (g *Generator) SampleValues(n int, seed uint64, psi float64, c int) (Samples, error) {
	if c >= 0 && c >= g.k {
		if g.k == 0 {
			return Samples{}, fmt.Errorf("class %d: this generator is not class-conditional (train with --conditional)", c)
		}
		return Samples{}, fmt.Errorf("class %d: this generator has classes 0 to %d", c, g.k-1)
	}
	if n < 1 {
		return Samples{}, fmt.Errorf("sample count %d: ask for at least one image", n)
	}
	if err := (Noise{Psi: psi}).Check(); err != nil {
		return Samples{}, err
	}
	src := rand.NewPCG(seed, 0x73616d70)
	nz := g.gan.Config.NoiseSize
	var s Samples
	// Chunks keep each hold on the weights short while training runs, and
	// chunks of the preview's size reuse its graph: a graph per batch size
	// holds that batch's activations and im2col buffers (~150 MB for 100
	// samples at seed width).
	const chunk = PreviewSamples
	for done := 0; done < n; {
		k := min(chunk, n-done)
		z, classes := truncate(drawNoise(src, k*nz), psi), g.classRows(done, k, c)
		g.mu.Lock()
		imgs, err := g.gan.GenerateWith(g.gan.Sampling(), z, classes)
		g.mu.Unlock()
		if err != nil {
			return Samples{}, err
		}
		s.Noise, s.Images = append(s.Noise, z...), append(s.Images, imgs...)
		for i := 0; i < k && g.k > 0; i++ {
			s.Classes = append(s.Classes, slices.Index(classes[i*g.k:(i+1)*g.k], 1))
		}
		done += k
	}
	return s, nil
}

// Interpolate returns steps images along the spherical path between
// cells a and b (0 to 24, row by row) of the grid that noise draws; a
// conditional GAN's walk between cells of two classes blends the classes.
func (g *Generator) Interpolate(noise Noise, a, b, steps int) ([]*image.NRGBA, error) {
	if a < 0 || a >= PreviewSamples || b < 0 || b >= PreviewSamples {
		return nil, fmt.Errorf("interpolate: cells %d and %d must be 0 to %d", a, b, PreviewSamples-1)
	}
	if steps < 2 {
		return nil, fmt.Errorf("interpolate: %d steps, need at least 2", steps)
	}
	cells, cellClasses, err := g.gridInputs(noise)
	if err != nil {
		return nil, err
	}
	nz := g.gan.Config.NoiseSize
	za, zb := cells[a*nz:(a+1)*nz], cells[b*nz:(b+1)*nz]
	z := make([]float32, 0, steps*nz)
	var classes []float32
	for i := 0; i < steps; i++ {
		t := float64(i) / float64(steps-1)
		z = append(z, slerp(za, zb, t)...)
		if g.k > 0 {
			ya, yb := cellClasses[a*g.k:(a+1)*g.k], cellClasses[b*g.k:(b+1)*g.k]
			for j := range ya {
				classes = append(classes, float32((1-t)*float64(ya[j])+t*float64(yb[j])))
			}
		}
	}
	g.mu.Lock()
	out, err := g.gan.GenerateWith(g.drawer(noise), z, classes)
	g.mu.Unlock()
	if err != nil {
		return nil, err
	}
	m := g.gan.Config
	return ToImages(out, steps, m.Channels, m.ImageSize), nil
}
