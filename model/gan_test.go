package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ganstudio/ganstudio/model/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestGenerateShapesAndInferenceMode(t *testing.T) {
	for _, tt := range []struct {
		size, channels int
		cfg            Config
	}{{28, 1, Seed(28, 1)}, {32, 3, Seed(32, 3)}, {64, 3, DCGAN64(3)}, {64, 1, DCGAN64(1)}} {
		t.Run(fmt.Sprintf("%dx%dx%d", tt.size, tt.size, tt.channels), func(t *testing.T) {
			cfg := tt.cfg
			cfg.Width = 16
			gan, err := New(cfg, 1)
			if err != nil {
				t.Fatal(err)
			}
			noise := make([]float32, 3*cfg.NoiseSize)
			for i := range noise {
				noise[i] = float32(i%7)/3 - 1
			}
			a, err := gan.Generate(noise)
			if err != nil {
				t.Fatal(err)
			}
			if want := 3 * tt.channels * tt.size * tt.size; len(a) != want {
				t.Fatalf("%d values, want %d", len(a), want)
			}
			// Inference mode: no dropout and no statistics updates, so the
			// same noise in the same batch gives the same images bit for
			// bit. Alone, a sample is the same up to rounding: the BLAS
			// kernels take other paths for other matrix sizes
			// (docs/RELIABILITY.md, "What is bit for bit").
			b, _ := gan.Generate(noise)
			one, _ := gan.Generate(noise[:cfg.NoiseSize])
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("value %d: %v then %v: inference is not deterministic", i, a[i], b[i])
				}
			}
			for i := range one {
				if d := float64(a[i] - one[i]); math.Abs(d) > 1e-5 {
					t.Fatalf("value %d: %v in a batch of 3, %v alone: more than rounding apart", i, a[i], one[i])
				}
			}
			for _, v := range a {
				if v < -1 || v > 1 {
					t.Fatalf("value %v outside tanh's range", v)
				}
			}
		})
	}
	gan, _ := New(Seed(28, 1), 1)
	if _, err := gan.Generate(make([]float32, 150)); err == nil {
		t.Fatal("Generate accepted 1.5 noise rows")
	}
}

func TestAdamMatchesTensorFlowFormula(t *testing.T) {
	p := &paramSet{rng: rand.New(rand.NewPCG(1, 2))}
	w := p.add("w", []int{2}, constant(1))
	opt := NewAdam([]*Param{w}, 0.1, 0.9, 0.999)
	g := []float32{0.5, -2}
	opt.Update([]*Param{w}, [][]float32{g})
	// After one step m/(sqrt(v)) = sign(g), and the corrected rate is lr:
	// every weight moves by lr against its gradient's sign.
	for i, want := range []float32{0.9, 1.1} {
		if d := w.Data()[i] - want; d > 1e-5 || d < -1e-5 {
			t.Fatalf("w[%d] = %v, want %v", i, w.Data()[i], want)
		}
	}
	if opt.Steps != 1 {
		t.Fatalf("steps %d", opt.Steps)
	}
}

// BenchmarkStep times one training iteration (a G update and a D update)
// at batch 64, the unit the PyTorch peer reports.
func BenchmarkStep(b *testing.B) {
	for _, bc := range []struct {
		name  string
		width int
	}{{"seed", 512}, {"lite", 256}} {
		b.Run(bc.name, func(b *testing.B) {
			cfg := Seed(28, 1)
			cfg.Width = bc.width
			gan, err := New(cfg, 1)
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.NewPCG(1, 2)
			step, err := gan.NewStep(64, 0.9, rng)
			if err != nil {
				b.Fatal(err)
			}
			r := rand.New(rng)
			for i := range step.Real() {
				step.Real()[i] = float32(r.Float64()*2 - 1)
			}
			for i := range step.Noise() {
				step.Noise()[i] = float32(r.Float64()*2 - 1)
			}
			optG := NewAdam(gan.G.Params(), 1e-3, 0.4, 0.999)
			optD := NewAdam(gan.D.Params(), 1e-3, 0.4, 0.999)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := step.UpdateG(optG); err != nil {
					b.Fatal(err)
				}
				if _, _, _, err := step.UpdateD(optD); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/step")
		})
	}
}

// The average starts as G, moves toward it with the warm-up decay, and
// travels in snapshots.
func TestAverageFollowsG(t *testing.T) {
	cfg := Seed(28, 1)
	cfg.Width = 8
	gan, err := New(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := gan.EnableAverage(1); err == nil {
		t.Error("decay 1 was accepted")
	}
	if err := gan.EnableAverage(0.999); err != nil {
		t.Fatal(err)
	}
	g, avg := gan.G.params[0].Data(), gan.Avg.params[0].Data()
	if g[0] != avg[0] || &g[0] == &avg[0] {
		t.Fatal("the average does not start as a copy of G")
	}
	before := avg[0]
	g[0] += 1
	gan.UpdateAverage(1) // decay (1+1)/(10+1)
	d := float32(2.0 / 11)
	if want := d*before + (1-d)*g[0]; math.Abs(float64(avg[0]-want)) > 1e-6 {
		t.Fatalf("after one update %v, want %v", avg[0], want)
	}
	snap := gan.Snapshot(NewAdam(gan.G.Params(), 1e-3, 0.5, 0.999), NewAdam(gan.D.Params(), 1e-3, 0.5, 0.999))
	other, _ := New(cfg, 4)
	other.EnableAverage(0.999)
	if err := other.Restore(snap, NewAdam(other.G.Params(), 1e-3, 0.5, 0.999), NewAdam(other.D.Params(), 1e-3, 0.5, 0.999)); err != nil {
		t.Fatal(err)
	}
	if other.Avg.params[0].Data()[0] != avg[0] {
		t.Fatal("the average did not travel in the snapshot")
	}
}

// The projection discriminator's class term has the gradient its finite
// differences give, for the class embedding and for the features below
// it (checked through the last dense layer's weights).
func TestProjectionGradient(t *testing.T) {
	cfg := Seed(28, 1)
	cfg.Width, cfg.Classes, cfg.KeepProb = 8, 3, 1
	gan, err := New(cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range gan.D.embed.Data() {
		gan.D.embed.Data()[i] = float32(r.Float64()*2 - 1)
	}
	const n = 4
	images := tensor.New(tensor.WithShape(n, 1, 28, 28), tensor.Of(tensor.Float32))
	for i := range images.Float32s() {
		images.Float32s()[i] = float32(r.Float64()*2 - 1)
	}
	classes := tensor.New(tensor.WithShape(n, 3), tensor.Of(tensor.Float32))
	if err := OneHot(classes.Float32s(), []int{0, 2, 1, 2}, 3); err != nil {
		t.Fatal(err)
	}
	b := gan.newGraph(false, nil)
	logits := gan.D.build(b, b.Input("x", images), b.classesInput(classes))
	loss := b.loss(logits, term{kind: nn.Squared, target: 0.5})
	wrt := []*Param{gan.D.embed, gan.D.classify}
	grads := b.Grads(loss, wrt)
	m := b.Machine(append(G.Nodes{loss}, grads...)...)
	if err := b.Err(); err != nil {
		t.Fatal(err)
	}
	eval := func() float64 {
		if err := run(m); err != nil {
			t.Fatal(err)
		}
		return float64(Scalar(loss))
	}
	eval()
	for k, p := range wrt {
		analytic := append([]float32(nil), grads[k].Value().Data().([]float32)...)
		d := p.Data()
		for _, i := range []int{0, len(d) / 3, len(d) / 2, len(d) - 1} {
			const h = 1e-2
			old := d[i]
			d[i] = old + h
			up := eval()
			d[i] = old - h
			down := eval()
			d[i] = old
			numeric := (up - down) / (2 * h)
			if math.Abs(numeric-float64(analytic[i])) > 1e-3+1e-2*math.Abs(numeric) {
				t.Errorf("%s[%d]: gradient %v, finite differences %v", p.Name, i, analytic[i], numeric)
			}
		}
	}
}

// One training iteration of each layout runs and gives finite losses
// that move the weights.
func TestStepEveryLayout(t *testing.T) {
	for _, cfg := range []Config{Seed(28, 1), Seed(32, 3), DCGAN64(3)} {
		cfg.Width = 16
		gan, err := New(cfg, 1)
		if err != nil {
			t.Fatal(err)
		}
		step, err := gan.NewStep(4, 0.9, rand.NewPCG(1, 2))
		if err != nil {
			t.Fatalf("%d×%d: %v", cfg.ImageSize, cfg.ImageSize, err)
		}
		for i := range step.Real() {
			step.Real()[i] = float32(i%5)/2 - 1
		}
		for i := range step.Noise() {
			step.Noise()[i] = float32(i%3) - 1
		}
		before := append([]float32(nil), gan.G.params[0].Data()...)
		optG, optD := NewAdam(gan.G.Params(), 1e-3, 0.5, 0.999), NewAdam(gan.D.Params(), 1e-3, 0.5, 0.999)
		g, err := step.UpdateG(optG)
		if err != nil {
			t.Fatal(err)
		}
		d, _, _, err := step.UpdateD(optD)
		if err != nil {
			t.Fatal(err)
		}
		if math.IsNaN(float64(g)) || math.IsNaN(float64(d)) || g <= 0 || d <= 0 {
			t.Fatalf("%d×%d: losses G %v, D %v", cfg.ImageSize, cfg.ImageSize, g, d)
		}
		if slices.Equal(before, gan.G.params[0].Data()) {
			t.Fatalf("%d×%d: G's first layer did not move", cfg.ImageSize, cfg.ImageSize)
		}
	}
}

// Sharing one arena between the graphs changes nothing computed: a GAN
// whose every graph owns its buffers and one whose graphs share an arena
// give bit-identical losses, verdicts, samples and weights, with a
// sampler and a judge run between the two updates of every iteration (as
// the trainer's previews and metrics do) and a new, larger graph compiled
// mid-run, for every objective, augmentation and the conditional GAN.
func TestArenaChangesNothing(t *testing.T) {
	lite := func(c Config) Config { c.Width = 32; return c }
	hinge, augmented, conditional := lite(Seed(28, 1)), lite(Seed(32, 3)), lite(Seed(28, 1))
	hinge.Loss = LossHinge
	augmented.Augment = "translation,cutout,color"
	conditional.Classes = 3
	tests := []struct {
		name string
		cfg  Config
	}{
		{"seed 28×28", lite(Seed(28, 1))},
		{"hinge", hinge},
		{"DiffAugment 32×32", augmented},
		{"conditional", conditional},
		{"64×64", func() Config { c := DCGAN64(3); c.Width = 64; return c }()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			type trace struct {
				losses  []float32
				samples []float32
				weights []float32
			}
			run := func(shared bool) trace {
				gan, err := New(tt.cfg, 7)
				if err != nil {
					t.Fatal(err)
				}
				if !shared {
					gan.arena = nil
				}
				const batch = 8
				step, err := gan.NewStep(batch, 0.9, rand.NewPCG(3, 4))
				if err != nil {
					t.Fatal(err)
				}
				optG, optD := NewAdam(gan.G.Params(), 2e-3, 0.5, 0.999), NewAdam(gan.D.Params(), 2e-3, 0.5, 0.999)
				r := rand.New(rand.NewPCG(5, 6))
				var tr trace
				noise := make([]float32, 3*tt.cfg.NoiseSize)
				var classes []float32
				if tt.cfg.Classes > 0 {
					classes = make([]float32, 3*tt.cfg.Classes)
					if err := OneHot(classes, []int{0, 1, 2}, tt.cfg.Classes); err != nil {
						t.Fatal(err)
					}
				}
				for i := 0; i < 4; i++ {
					for k := range step.Real() {
						step.Real()[k] = float32(r.Float64()*2 - 1)
					}
					for k := range step.Noise() {
						step.Noise()[k] = float32(r.Float64()*2 - 1)
					}
					if err := step.SetClasses([]int{0, 1, 2, 0, 1, 2, 0, 1}); err != nil {
						t.Fatal(err)
					}
					g, err := step.UpdateG(optG)
					if err != nil {
						t.Fatal(err)
					}
					// Other graphs of the arena run between the updates.
					for k := range noise {
						noise[k] = float32(r.Float64()*2 - 1)
					}
					z, y := noise, classes
					if i == 2 { // a graph compiled mid-run, at another batch size
						z, y = append(noise, noise...), append(classes, classes...)
					}
					out, err := gan.GenerateWith(gan.G, z, y)
					if err != nil {
						t.Fatal(err)
					}
					v, err := gan.Judge(out, y)
					if err != nil {
						t.Fatal(err)
					}
					d, dReal, dFake, err := step.UpdateD(optD)
					if err != nil {
						t.Fatal(err)
					}
					tr.losses = append(tr.losses, g, d, dReal, dFake)
					tr.losses = append(tr.losses, v...)
					tr.samples = append(tr.samples, out...)
				}
				for _, p := range append(gan.G.Params(), gan.D.Params()...) {
					tr.weights = append(tr.weights, p.Data()...)
				}
				return tr
			}
			own, shared := run(false), run(true)
			if !slices.Equal(own.losses, shared.losses) {
				t.Errorf("losses and verdicts differ:\nown    %v\nshared %v", own.losses, shared.losses)
			}
			if !slices.Equal(own.samples, shared.samples) {
				t.Error("samples differ")
			}
			if !slices.Equal(own.weights, shared.weights) {
				t.Error("weights differ")
			}
		})
	}
}
