package main

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/events"
)

// benchConfig is a preset at a width and batch small enough for a test.
func benchConfig(t *testing.T, preset string) training.Config {
	t.Helper()
	cfg, err := training.Preset(preset)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Model.Width, cfg.BatchSize = 16, 8
	cfg.Steps, cfg.CheckpointEvery, cfg.MetricsEvery = 3, 0, 0
	return cfg
}

// TestBenchTimesTrainsIteration: what bench times is the iteration train
// runs. For every preset, three iterations through bench give exactly the
// losses and verdicts of a real run's first three steps, and the same
// grid afterwards (which the averaged G of an EMA preset draws), with the
// conditional presets' classes.
func TestBenchTimesTrainsIteration(t *testing.T) {
	type benchCase struct {
		preset string
		random bool
	}
	var cases []benchCase
	for _, p := range training.Presets() {
		cases = append(cases, benchCase{p, true})
	}
	if !testing.Short() {
		// Real batches and labels too: MNIST is on every machine the tests run on.
		cases = append(cases, benchCase{"lite-mnist", false}, benchCase{"lite-mnist-conditional", false})
	}
	for _, tc := range cases {
		name := tc.preset + "/random"
		if !tc.random {
			name = tc.preset + "/real"
		}
		t.Run(name, func(t *testing.T) {
			cfg := benchConfig(t, tc.preset)
			b, err := openBench(cfg, tc.random)
			if err != nil {
				t.Fatal(err)
			}
			var benched []events.Step
			for range cfg.Steps {
				s, err := b.Iterate()
				if err != nil {
					t.Fatal(err)
				}
				benched = append(benched, s)
			}

			tr, err := training.New(cfg, b.Data(), filepath.Join(t.TempDir(), "run"))
			if err != nil {
				t.Fatal(err)
			}
			sub := tr.Subscribe()
			if err := tr.Start(); err != nil {
				t.Fatal(err)
			}
			if err := tr.Wait(); err != nil {
				t.Fatal(err)
			}
			var trained []events.Step
			for _, e := range sub.Drain() {
				if s, ok := e.(events.Step); ok {
					trained = append(trained, s)
				}
			}

			bc, tcfg := b.Config(), tr.Config()
			if bc.Model.Classes != tcfg.Model.Classes || bc.EMADecay != tcfg.EMADecay {
				t.Fatalf("bench trains %d classes with EMA %g, train %d with EMA %g",
					bc.Model.Classes, bc.EMADecay, tcfg.Model.Classes, tcfg.EMADecay)
			}
			if cfg.Conditional && bc.Model.Classes == 0 {
				t.Fatal("a conditional preset was benched unconditionally")
			}
			if len(trained) != len(benched) {
				t.Fatalf("train ran %d steps, bench %d", len(trained), len(benched))
			}
			for i, s := range benched {
				r := trained[i]
				if s.Step != r.Step || s.DLoss != r.DLoss || s.GLoss != r.GLoss || s.DReal != r.DReal || s.DFake != r.DFake {
					t.Fatalf("step %d: bench D %v G %v D(x) %v D(G(z)) %v, train D %v G %v D(x) %v D(G(z)) %v",
						i+1, s.DLoss, s.GLoss, s.DReal, s.DFake, r.DLoss, r.GLoss, r.DReal, r.DFake)
				}
			}
			grid, err := b.Preview()
			if err != nil {
				t.Fatal(err)
			}
			want, err := tr.Grid(training.TrainingNoise)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(grid.Pix, want.Image.Pix) {
				t.Fatal("bench's preview grid after three steps differs from the run's")
			}
		})
	}
}

// The FLOP model keeps the seed's and lite's figures (docs/PERFORMANCE.md)
// and counts a conditional network's conditioning layers: K more inputs to
// G's dense layer, and D's projection (the [n,K]×[K,F] embedding, with no
// gradient for the one-hot input, and an F-long dot product per image).
func TestBenchFLOPsCountConditioning(t *testing.T) {
	for _, tc := range []struct {
		preset string
		gflop  float64 // docs/PERFORMANCE.md, to 0.1
	}{{"seed-mnist", 63.6}, {"lite-mnist", 16.1}} {
		cfg, _ := training.Preset(tc.preset)
		if got := iterationFLOPs(cfg.Model, cfg.BatchSize) / 1e9; math.Abs(got-tc.gflop) > 0.05 {
			t.Errorf("%s: %.2f GFLOP per iteration, want %.1f", tc.preset, got, tc.gflop)
		}
	}
	plain, _ := training.Preset("lite-mnist")
	m, n := plain.Model, float64(plain.BatchSize)
	m.Classes = 10 // as conditionOn sets it for MNIST and Fashion-MNIST
	k, f := float64(m.Classes), float64(16*m.Width)
	// G's dense layer: forward twice, backward (weights only) once.
	gDense := 3 * 2 * n * k * f
	// D's projection: forward three times, backward three times, at 1× for
	// the embedding (weights only) and 2× for the dot product.
	dProject := 3*(2*n*k*f+2*n*f) + 3*(2*n*k*f+2*2*n*f)
	base := iterationFLOPs(plain.Model, plain.BatchSize)
	if got, want := iterationFLOPs(m, plain.BatchSize), base+gDense+dProject; math.Abs(got-want) > 1 {
		t.Errorf("conditional lite: %.0f FLOP per iteration, want lite-mnist's %.0f + %.0f (G's class inputs) + %.0f (D's projection)",
			got, base, gDense, dProject)
	}
}

// bench's header says what is timed: conditional or not, EMA or not.
func TestBenchHeaderSaysConditionalAndEMA(t *testing.T) {
	for _, tc := range []struct{ preset, want string }{
		{"lite-mnist", "unconditional, no EMA"},
		{"lite-fashion-mnist-conditional", "conditional 10 classes, EMA 0.999"},
	} {
		code, stdout, stderr := runCLI("bench", "--preset", tc.preset, "--random-data", "--steps", "1", "--warmup", "0", "--previews", "1")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.preset, code, stderr)
		}
		if header, _, _ := strings.Cut(stdout, "\n"); !strings.Contains(header, tc.want) {
			t.Errorf("%s: header %q does not say %q", tc.preset, header, tc.want)
		}
	}
}

// bench reads the iteration's rate against this CPU's GEMM peak, measured
// in the same run, and skips the measurement when asked to.
func TestBenchReadsItsRateAgainstThePeak(t *testing.T) {
	for _, tc := range []struct {
		peakTime string
		measured bool
	}{{"100ms", true}, {"0", false}} {
		code, stdout, stderr := runCLI("bench", "--preset", "lite-mnist", "--width", "16", "--random-data", "--steps", "1", "--warmup", "0", "--previews", "1", "--json", "--peak-time", tc.peakTime)
		if code != 0 {
			t.Fatalf("--peak-time %s: exit %d: %s", tc.peakTime, code, stderr)
		}
		var res benchResult
		if err := json.Unmarshal([]byte(stdout), &res); err != nil {
			t.Fatalf("--peak-time %s: %v in %q", tc.peakTime, err, stdout)
		}
		if got := res.GEMMPeak > 0; got != tc.measured {
			t.Fatalf("--peak-time %s: GEMM peak %v, want measured %v", tc.peakTime, res.GEMMPeak, tc.measured)
		}
		if tc.measured && math.Abs(res.PeakFraction-res.GFLOPPerSec/res.GEMMPeak) > 1e-9 {
			t.Errorf("peak fraction %v is not %v GFLOP/s over the %v peak", res.PeakFraction, res.GFLOPPerSec, res.GEMMPeak)
		}
	}
}
