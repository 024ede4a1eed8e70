package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ganstudio/ganstudio/model"
	"github.com/ganstudio/ganstudio/model/kernels"
	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/dataset"
)

// benchResult is what "ganstudio bench" prints, as text or one JSON object.
type benchResult struct {
	Preset        string  `json:"preset"`
	Width         int     `json:"width"`
	Batch         int     `json:"batch"`
	Steps         int     `json:"steps"`
	Data          string  `json:"data"`
	Classes       int     `json:"classes"`   // a conditional network's; 0: unconditional
	EMADecay      float64 `json:"ema_decay"` // the averaged G's decay; 0: none
	SpectralNorm  bool    `json:"spectral_norm"`
	MsPerIter     float64 `json:"ms_per_iter_median"`
	MsMin         float64 `json:"ms_per_iter_min"`
	MsMax         float64 `json:"ms_per_iter_max"`
	ImagesPerSec  float64 `json:"images_per_s"`
	GFLOPPerIter  float64 `json:"gflop_per_iter"`
	GFLOPPerSec   float64 `json:"gflop_per_s"`
	GEMMPeak      float64 `json:"gemm_peak_gflop_per_s"` // this CPU's, measured by kernels.PeakGFLOPs; 0: not measured
	PeakFraction  float64 `json:"peak_fraction"`         // GFLOPPerSec over GEMMPeak
	BytesPerIter  float64 `json:"bytes_alloc_per_iter"`
	AllocsPerIter float64 `json:"allocs_per_iter"`
	PeakRSSMB     float64 `json:"peak_rss_mb"`
	RSSStartMB    float64 `json:"rss_mb_after_warmup"`
	RSSEndMB      float64 `json:"rss_mb_at_end"`
	PreviewMs     float64 `json:"preview_grid_ms_median"`
	Backend       string  `json:"blas"`
	Precision     string  `json:"precision"`     // of the products: f32, the only one the trainer runs yet
	BF16          string  `json:"bf16_products"` // "available", or why this CPU has none
	GOMAXPROCS    int     `json:"gomaxprocs"`
}

func benchCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	// Every flag of train sets up the run whose iterations are timed
	// (--spectral-norm=false times a preset without it); --steps is the
	// number of timed iterations.
	preset, apply := configFlags(fs)
	warmup := fs.Int("warmup", 5, "untimed iterations first")
	previews := fs.Int("previews", 20, "5×5 preview grids to time")
	randomData := fs.Bool("random-data", false, "train on uniform noise instead of the preset's data set")
	asJSON := fs.Bool("json", false, "print one JSON object instead of text")
	peakTime := fs.Duration("peak-time", 2*time.Second, "time spent measuring this CPU's GEMM peak, which the iteration's rate is read against (0: skip)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the timed iterations to this file (go tool pprof)")
	memProfile := fs.String("memprofile", "", "write a heap profile taken after the timed iterations to this file (go tool pprof -sample_index=inuse_space)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `usage: ganstudio bench [--preset P] [--steps N] [--warmup W] [--json]
                       [--cpuprofile FILE] [--memprofile FILE] [train's flags]

Times the iterations "ganstudio train" runs on the preset (a G update, a
D update and, with EMA, the average's, on one batch of the data set; a
conditional preset's with its classes) and prints the median ms per
iteration, images/s, GFLOP/s and the share of this CPU's GEMM peak it
reaches, bytes allocated per iteration, peak RSS and the time of a 5×5
preview grid.`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := training.Preset(*preset)
	if err == nil {
		err = apply(&cfg)
	}
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	steps := 30
	if isSet(fs, "steps") {
		steps = cfg.Steps
	}
	if steps < 1 || *warmup < 0 {
		fmt.Fprintln(stderr, "bench: --steps must be at least 1 and --warmup not negative")
		return 2
	}
	res, err := runBench(cfg, benchOptions{steps, *warmup, *previews, *randomData, *cpuProfile, *memProfile, *peakTime})
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	if *asJSON {
		b, _ := json.Marshal(res)
		fmt.Fprintln(stdout, string(b))
		return 0
	}
	fmt.Fprintf(stdout, "preset %s (width %d, batch %d, %s, %s data), %d iterations after %d warm-up, %s, GOMAXPROCS %d\n",
		res.Preset, res.Width, res.Batch, res.variant(), res.Data, res.Steps, *warmup, res.Backend, res.GOMAXPROCS)
	fmt.Fprintf(stdout, "precision      %s products (bf16 products: %s)\n", res.Precision, res.BF16)
	fmt.Fprintf(stdout, "ms/iteration   %.1f median (min %.1f, max %.1f)\n", res.MsPerIter, res.MsMin, res.MsMax)
	fmt.Fprintf(stdout, "images/s       %.1f\n", res.ImagesPerSec)
	fmt.Fprintf(stdout, "GFLOP/s        %.1f (%.2f GFLOP per iteration, the peer's model: 2·MACs forward, twice that backward)\n", res.GFLOPPerSec, res.GFLOPPerIter)
	if res.GEMMPeak > 0 {
		fmt.Fprintf(stdout, "GEMM peak      %.1f GFLOP/s on this CPU (Sgemm's best on the convolution shapes, measured now): the iteration runs at %.0f%% of it\n", res.GEMMPeak, 100*res.PeakFraction)
	}
	fmt.Fprintf(stdout, "alloc/iter     %.0f bytes, %.1f allocations\n", res.BytesPerIter, res.AllocsPerIter)
	fmt.Fprintf(stdout, "peak RSS       %.1f MB (RSS %.1f MB after the warm-up, %.1f MB after the timed iterations)\n", res.PeakRSSMB, res.RSSStartMB, res.RSSEndMB)
	fmt.Fprintf(stdout, "preview 5×5    %.2f ms median\n", res.PreviewMs)
	return 0
}

// variant says whether the network timed is conditional, spectrally
// normalised and keeps an averaged G: "conditional 10 classes, spectral
// norm, EMA 0.999".
func (r *benchResult) variant() string {
	v := "unconditional"
	if r.Classes > 0 {
		v = fmt.Sprintf("conditional %d classes", r.Classes)
	}
	if r.SpectralNorm {
		v += ", spectral norm"
	}
	if r.EMADecay > 0 {
		return v + fmt.Sprintf(", EMA %g", r.EMADecay)
	}
	return v + ", no EMA"
}

// benchOptions is what bench's flags ask of runBench.
type benchOptions struct {
	steps, warmup, previews int
	randomData              bool
	cpuProfile, memProfile  string        // files to write, or ""
	peakTime                time.Duration // for kernels.PeakGFLOPs; 0: skip
}

// openBench prepares the training iterations bench times: the trainer's
// own, on the preset's data set or, with randomData, on uniform noise.
func openBench(cfg training.Config, randomData bool) (*training.Bench, error) {
	if randomData {
		return training.NewBench(cfg, training.RandomData(cfg))
	}
	data, err := training.OpenData(context.Background(), cfg, dataset.Options{})
	if err != nil {
		return nil, fmt.Errorf("%w (or run with --random-data)", err)
	}
	return training.NewBench(cfg, data)
}

func runBench(cfg training.Config, o benchOptions) (*benchResult, error) {
	b, err := openBench(cfg, o.randomData)
	if err != nil {
		return nil, err
	}
	cfg = b.Config() // with a conditional run's classes
	m, batch := cfg.Model, cfg.BatchSize
	res := &benchResult{Preset: cfg.Preset, Width: m.Width, Batch: batch, Steps: o.steps,
		Classes: m.Classes, EMADecay: cfg.EMADecay, SpectralNorm: m.SpectralNorm, Data: b.Data().Name(),
		Backend: kernels.Backend(), Precision: "f32", BF16: "available", GOMAXPROCS: runtime.GOMAXPROCS(0)}
	if ok, why := kernels.BF16Products(); !ok {
		res.BF16 = why
	}
	if err := timeIterations(b, o, res); err != nil {
		return nil, err
	}
	res.ImagesPerSec = float64(batch) / (res.MsPerIter / 1000)
	res.GFLOPPerIter = iterationFLOPs(m, batch) / 1e9
	res.GFLOPPerSec = res.GFLOPPerIter / (res.MsPerIter / 1000)
	if o.peakTime > 0 {
		// Measured after the iterations, on the same cores under the same
		// load, so that the fraction compares like with like.
		res.GEMMPeak = kernels.PeakGFLOPs(o.peakTime)
		res.PeakFraction = res.GFLOPPerSec / res.GEMMPeak
	}
	if res.PreviewMs, err = timePreviews(b, o.previews); err != nil {
		return nil, err
	}
	res.PeakRSSMB = peakRSSMB()
	return res, nil
}

// timeIterations runs o.warmup iterations, then times o.steps more (under
// the profiles o asks for) into res: ms per iteration, allocations, RSS.
func timeIterations(b *training.Bench, o benchOptions, res *benchResult) error {
	for i := 0; i < o.warmup; i++ {
		if _, err := b.Iterate(); err != nil {
			return err
		}
	}
	times := make([]float64, o.steps)
	res.RSSStartMB = procStatusMB("VmRSS:")
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range times {
		t0 := time.Now()
		if _, err := b.Iterate(); err != nil {
			return err
		}
		times[i] = float64(time.Since(t0).Nanoseconds()) / 1e6
	}
	runtime.ReadMemStats(&after)
	if o.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if o.memProfile != "" {
		if err := writeHeapProfile(o.memProfile); err != nil {
			return err
		}
	}
	res.RSSEndMB = procStatusMB("VmRSS:")
	res.BytesPerIter = float64(after.TotalAlloc-before.TotalAlloc) / float64(o.steps)
	res.AllocsPerIter = float64(after.Mallocs-before.Mallocs) / float64(o.steps)
	sort.Float64s(times)
	res.MsPerIter, res.MsMin, res.MsMax = median(times), times[0], times[len(times)-1]
	return nil
}

// timePreviews times the preview, the run's 25 samples in inference mode
// turned into the 5×5 grid the window shows, n times (at least once) and
// returns the median ms.
func timePreviews(b *training.Bench, n int) (float64, error) {
	pt := make([]float64, max(n, 1))
	for i := range pt {
		t0 := time.Now()
		if _, err := b.Preview(); err != nil {
			return 0, err
		}
		pt[i] = float64(time.Since(t0).Nanoseconds()) / 1e6
	}
	sort.Float64s(pt)
	return median(pt), nil
}

// writeHeapProfile writes the live heap, after a collection, to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	runtime.GC()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("heap profile %s: %w", path, err)
	}
	return f.Close()
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// iterationFLOPs is the FLOP model of one training iteration, the PyTorch
// peer's (../shared/peer/dcgan_torch.py), so that GFLOP/s compare: a
// forward pass costs 2·MACs (a transposed convolution counted on its input
// grid); a backward pass costs twice its forward, less the input gradient
// that nobody needs (D's first layer in the D step, G's dense layer on z).
// One iteration runs G forward twice, D forward three times, D backward
// three times and G backward once: 4·G + 9·D − 2·D.conv1 − G.dense.
//
// A conditional network (m.Classes K > 0) counts its conditioning layers
// too: G's dense layer takes the one-hot class beside z (K more inputs),
// and D's projection adds the class embedding y·E ([n,K]×[K,F], F = 4·4·w
// D's features) and its dot product with the features (F per image).
// y needs no gradient, so each of D's three backward passes costs the
// embedding once, not twice: − 3·D.embed. Elementwise work (activations,
// BatchNorm, Adam, the averaged G's update) is not counted, as the peer
// does not count it.
func iterationFLOPs(m model.Config, batch int) float64 {
	w, c, s, n := float64(m.Width), float64(m.Channels), m.ImageSize, float64(batch)
	k, f := float64(m.Classes), 16*w
	gDense := 2 * n * (float64(m.NoiseSize) + k) * f
	dClassify := 2 * n * f
	var dEmbed, dProject float64
	if m.Classes > 0 {
		dEmbed = 2 * n * k * f
		dProject = dEmbed + 2*n*f
	}
	var gFwd, dFwd, dConv1 float64
	if s == 64 {
		// Every layer a 4×4 kernel: G's transposed convolutions on their
		// input grids 4, 8, 16, 32; D's convolutions on their output grids
		// 32, 16, 8, 4.
		gFwd = gDense
		for i, side := range []float64{4, 8, 16, 32} {
			in := w / float64(int(1)<<i)
			out := in / 2
			if i == 3 {
				out = c
			}
			gFwd += 2 * n * in * side * side * out * 16
		}
		dConv1 = 2 * n * (w / 8) * 32 * 32 * c * 16
		dFwd = dConv1 + dClassify + dProject
		for i, side := range []float64{16, 8, 4} {
			out := w / float64(int(1)<<(2-i))
			dFwd += 2 * n * out * side * side * (out / 2) * 16
		}
	} else {
		s1 := 7.0 // G's first transposed convolution: 4×4 → 7×7 (CIFAR 8×8)
		if s == 32 {
			s1 = 8
		}
		h2 := float64(s / 2)
		gFwd = gDense +
			2*n*w*16*(w/2)*16 + // 4×4 kernel over the 4×4 input
			2*n*(w/2)*s1*s1*(w/4)*9 +
			2*n*(w/4)*h2*h2*c*9
		dConv1 = 2 * n * (w / 4) * h2 * h2 * c * 9
		dFwd = dConv1 +
			2*n*(w/2)*s1*s1*(w/4)*9 +
			2*n*w*16*(w/2)*9 +
			dClassify + dProject
	}
	return 4*gFwd + 9*dFwd - 2*dConv1 - gDense - 3*dEmbed
}

// procStatusMB reads a kB field of /proc/self/status, in MB; 0 if absent.
func procStatusMB(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
			if kb, err := strconv.ParseFloat(f[1], 64); err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}
