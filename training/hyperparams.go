package training

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Scale says how a slider's positions map to a hyperparameter's values.
type Scale int

const (
	// Linear positions are Step apart.
	Linear Scale = iota
	// Log positions are evenly spaced in log₁₀, three a decade (1, 2, 5):
	// learning rates.
	Log
	// PowerOfTwo positions are 1, 2, 4, 8, …: batch and noise sizes.
	PowerOfTwo
	// MultipleOf4 positions are 4 apart: network widths.
	MultipleOf4
)

// A Hyperparameter is one numeric setting of a run, under the names the
// command line (Flag), config.json (Key) and the window (Label) give it.
// Config.Validate checks its range, the window draws its slider from it,
// and Amend lets it change on resume when Resumable.
type Hyperparameter struct {
	Key   string // config.json key; nested keys joined with dots
	Flag  string // command-line flag, without the dashes
	Label string // the window's label, capitalised
	Unit  string // shown after the value ("" for none)
	Help  string // the flag's usage text

	// Min and Max bound the valid values; MinOpen and MaxOpen exclude the
	// bound itself.
	Min, Max         float64
	MinOpen, MaxOpen bool
	// SliderMin and SliderMax are the slider's ends, inside the valid
	// range; the box beside it takes any valid value.
	SliderMin, SliderMax float64
	Scale                Scale
	Step                 float64 // Linear only
	Integer              bool
	// Switch settings are on or off (1 or 0): a bare flag, a check box
	// in the window.
	Switch bool

	// Live settings apply to a running run (the optimiser reads them every
	// step); Resumable ones may change when a stopped run resumes.
	Live, Resumable bool
	// InWindow settings have a slider in the set-up panel; the others are
	// for the command line and the run folder (cadences).
	InWindow bool

	field func(c *Config) any // *float64, *float32, *int or, for a Switch, *bool
}

// Get returns the setting's value in c.
func (h Hyperparameter) Get(c Config) float64 {
	switch p := h.field(&c).(type) {
	case *float64:
		return *p
	case *float32:
		return float64(*p)
	case *int:
		return float64(*p)
	case *bool:
		if *p {
			return 1
		}
		return 0
	}
	panic("training: hyperparameter " + h.Key + " has a field of no known type")
}

// Set stores v in c (rounded to a whole number for Integer settings); it
// does not check the range (Check and Config.Validate do).
func (h Hyperparameter) Set(c *Config, v float64) {
	switch p := h.field(c).(type) {
	case *float64:
		*p = v
	case *float32:
		*p = float32(v)
	case *int:
		*p = int(math.Round(v))
	case *bool:
		*p = v != 0
	}
}

// Default returns the setting's value in a preset.
func (h Hyperparameter) Default(preset string) (float64, error) {
	c, err := Preset(preset)
	if err != nil {
		return 0, err
	}
	return h.Get(c), nil
}

// Format writes v as the box beside the slider and the flag show it.
func (h Hyperparameter) Format(v float64) string {
	if h.Switch {
		return strconv.FormatBool(v != 0)
	}
	if h.Integer {
		return strconv.Itoa(int(math.Round(v)))
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// RangeText says in words which values are valid, for error messages.
func (h Hyperparameter) RangeText() string {
	lo, hi := "from "+h.Format(h.Min), "to "+h.Format(h.Max)
	if h.MinOpen {
		lo = "above " + h.Format(h.Min)
	}
	if h.MaxOpen {
		hi = "below " + h.Format(h.Max)
	}
	if math.IsInf(h.Max, 1) {
		return h.Format(h.Min) + " or more"
	}
	if h.Scale == MultipleOf4 {
		return "a multiple of 4 " + lo + " " + hi
	}
	return lo + " " + hi
}

// Check reports whether v is valid, with an error naming the setting and
// the range.
func (h Hyperparameter) Check(v float64) error {
	ok := !math.IsNaN(v) &&
		(v > h.Min || !h.MinOpen && v == h.Min) &&
		(v < h.Max || !h.MaxOpen && v == h.Max)
	if ok && h.Integer && v != math.Round(v) {
		ok = false
	}
	if ok && h.Scale == MultipleOf4 && int(v)%4 != 0 {
		ok = false
	}
	if !ok {
		return fmt.Errorf("%s %s is out of range: use %s", strings.ToLower(h.Label[:1])+h.Label[1:], strconv.FormatFloat(v, 'g', 6, 64), h.RangeText())
	}
	return nil
}

// A Setting is a value of one hyperparameter that the table has checked:
// only Hyperparameter.Setting makes one, so whoever is handed one need not
// check it again. The window's sliders and boxes make them; a live one
// goes to the running Trainer as it is (Trainer.Set).
type Setting struct {
	h Hyperparameter
	v float64
}

// Setting checks v (Check) and returns it as a value of h.
func (h Hyperparameter) Setting(v float64) (Setting, error) {
	if err := h.Check(v); err != nil {
		return Setting{}, err
	}
	return Setting{h: h, v: v}, nil
}

// Hyperparameter returns the table entry s is a value of.
func (s Setting) Hyperparameter() Hyperparameter { return s.h }

// Value returns the checked value.
func (s Setting) Value() float64 { return s.v }

// ApplyTo stores the value in c.
func (s Setting) ApplyTo(c *Config) { s.h.Set(c, s.v) }

// Positions returns the values a slider stops at, from SliderMin to
// SliderMax.
func (h Hyperparameter) Positions() []float64 {
	var out []float64
	switch h.Scale {
	case Log:
		for e := math.Floor(math.Log10(h.SliderMin)); ; e++ {
			for _, m := range []float64{1, 2, 5} {
				v, _ := strconv.ParseFloat(strconv.FormatFloat(m*math.Pow(10, e), 'g', 6, 64), 64)
				if v > h.SliderMax*(1+1e-9) {
					return out
				}
				if v >= h.SliderMin*(1-1e-9) {
					out = append(out, v)
				}
			}
		}
	case PowerOfTwo:
		for v := 1.0; v <= h.SliderMax; v *= 2 {
			if v >= h.SliderMin {
				out = append(out, v)
			}
		}
	case MultipleOf4:
		for v := math.Ceil(h.SliderMin/4) * 4; v <= h.SliderMax; v += 4 {
			out = append(out, v)
		}
	default:
		n := int(math.Round((h.SliderMax - h.SliderMin) / h.Step))
		for i := 0; i <= n; i++ {
			v, _ := strconv.ParseFloat(strconv.FormatFloat(h.SliderMin+float64(i)*h.Step, 'g', 10, 64), 64)
			out = append(out, v)
		}
	}
	return out
}

// Nearest returns the index of the position closest to v (on the slider's
// own scale).
func (h Hyperparameter) Nearest(v float64) int {
	pos := h.Positions()
	dist := func(a float64) float64 {
		if h.Scale == Log || h.Scale == PowerOfTwo {
			return math.Abs(math.Log(a) - math.Log(math.Max(v, 1e-300)))
		}
		return math.Abs(a - v)
	}
	best := 0
	for i, p := range pos {
		if dist(p) < dist(pos[best]) {
			best = i
		}
	}
	return best
}

// Hyperparameters returns the table of every numeric setting, in the order
// the window shows them.
func Hyperparameters() []Hyperparameter { return hyperparameters }

// HyperparameterByKey returns the setting with config.json key key.
func HyperparameterByKey(key string) (Hyperparameter, bool) {
	for _, h := range hyperparameters {
		if h.Key == key {
			return h, true
		}
	}
	return Hyperparameter{}, false
}

var inf = math.Inf(1)

var hyperparameters = []Hyperparameter{
	{Key: "learn_rate_g", Flag: "lr-g", Label: "Generator learning rate", Help: "generator learning rate",
		Min: 0, MinOpen: true, Max: 1, SliderMin: 1e-5, SliderMax: 1e-1, Scale: Log,
		Live: true, Resumable: true, InWindow: true,
		field: func(c *Config) any { return &c.LearnRateG }},
	{Key: "learn_rate_d", Flag: "lr-d", Label: "Discriminator learning rate", Help: "discriminator learning rate",
		Min: 0, MinOpen: true, Max: 1, SliderMin: 1e-5, SliderMax: 1e-1, Scale: Log,
		Live: true, Resumable: true, InWindow: true,
		field: func(c *Config) any { return &c.LearnRateD }},
	{Key: "beta1", Flag: "beta1", Label: "Adam β1", Help: "Adam β1",
		Min: 0, Max: 1, MaxOpen: true, SliderMin: 0, SliderMax: 0.99, Scale: Linear, Step: 0.01, InWindow: true,
		field: func(c *Config) any { return &c.Beta1 }},
	{Key: "beta2", Flag: "beta2", Label: "Adam β2", Help: "Adam β2",
		Min: 0, MinOpen: true, Max: 1, MaxOpen: true, SliderMin: 0.9, SliderMax: 0.999, Scale: Linear, Step: 0.001,
		field: func(c *Config) any { return &c.Beta2 }},
	{Key: "batch_size", Flag: "batch", Label: "Batch size", Unit: "images", Help: "batch size",
		Min: 1, Max: 4096, SliderMin: 1, SliderMax: 512, Scale: PowerOfTwo, Integer: true, InWindow: true,
		field: func(c *Config) any { return &c.BatchSize }},
	{Key: "epochs", Flag: "epochs", Label: "Epochs", Help: "passes over the data",
		Min: 1, Max: 100000, SliderMin: 1, SliderMax: 100, Scale: Linear, Step: 1, Integer: true,
		Resumable: true, InWindow: true,
		field: func(c *Config) any { return &c.Epochs }},
	{Key: "steps", Flag: "steps", Label: "Steps", Unit: "iterations", Help: "iterations to run (overrides --epochs)",
		Min: 0, Max: inf, Integer: true, Resumable: true,
		field: func(c *Config) any { return &c.Steps }},
	{Key: "model.noise_size", Flag: "noise", Label: "Noise size", Help: "noise size (length of z)",
		Min: 1, Max: 4096, SliderMin: 1, SliderMax: 512, Scale: PowerOfTwo, Integer: true, InWindow: true,
		field: func(c *Config) any { return &c.Model.NoiseSize }},
	{Key: "model.width", Flag: "width", Label: "Width", Unit: "filters", Help: "widest layer's filters (seed 512, lite 256)",
		Min: 4, Max: 2048, SliderMin: 4, SliderMax: 1024, Scale: MultipleOf4, Integer: true, InWindow: true,
		field: func(c *Config) any { return &c.Model.Width }},
	{Key: "model.spectral_norm", Flag: "spectral-norm", Label: "Spectral normalisation in D",
		Help: "spectral normalisation of every weight of D, in place of its BatchNorm (Miyato et al. 2018)",
		Min:  0, Max: 1, Integer: true, Switch: true,
		field: func(c *Config) any { return &c.Model.SpectralNorm }},
	{Key: "model.leaky_relu_alpha", Flag: "alpha", Label: "LeakyReLU α", Help: "LeakyReLU α",
		Min: 0, Max: 1, MaxOpen: true, SliderMin: 0, SliderMax: 0.5, Scale: Linear, Step: 0.01, InWindow: true,
		field: func(c *Config) any { return &c.Model.Alpha }},
	{Key: "model.dropout_keep_prob", Flag: "keep", Label: "Dropout keep probability", Help: "dropout keep probability",
		Min: 0, MinOpen: true, Max: 1, SliderMin: 0.01, SliderMax: 1, Scale: Linear, Step: 0.01, InWindow: true,
		field: func(c *Config) any { return &c.Model.KeepProb }},
	{Key: "label_smoothing", Flag: "smoothing", Label: "Label smoothing", Help: "one-sided label smoothing",
		Min: 0, Max: 1, MaxOpen: true, SliderMin: 0, SliderMax: 0.5, Scale: Linear, Step: 0.01, InWindow: true,
		field: func(c *Config) any { return &c.LabelSmoothing }},
	{Key: "ema_decay", Flag: "ema", Label: "Generator averaging (EMA decay)",
		Help: "keep a moving average of G's weights with this decay and sample from it, e.g. 0.999 (0: off)",
		Min:  0, Max: 1, MaxOpen: true, SliderMin: 0, SliderMax: 0.999, Scale: Linear, Step: 0.001, InWindow: true,
		field: func(c *Config) any { return &c.EMADecay }},
	{Key: "sample_every", Flag: "sample-every", Label: "Sample interval", Unit: "steps", Help: "iterations between preview grids",
		Min: 1, Max: 1000000, SliderMin: 1, SliderMax: 1024, Scale: PowerOfTwo, Integer: true, Resumable: true, InWindow: true,
		field: func(c *Config) any { return &c.SampleEvery }},
	{Key: "checkpoint_every", Flag: "checkpoint-every", Label: "Checkpoint interval", Unit: "steps",
		Help: "iterations between checkpoints (0: by time and at the end only)",
		Min:  0, Max: inf, Integer: true, Resumable: true,
		field: func(c *Config) any { return &c.CheckpointEvery }},
	{Key: "keep_checkpoints", Flag: "keep-checkpoints", Label: "Checkpoints kept", Help: "newest checkpoints to keep (0: all)",
		Min: 0, Max: inf, Integer: true, Resumable: true,
		field: func(c *Config) any { return &c.KeepCheckpoints }},
	{Key: "metrics_every", Flag: "metrics-every", Label: "Metrics interval", Unit: "steps",
		Help: "iterations between sample-quality measurements (0: off)",
		Min:  0, Max: inf, Integer: true, Resumable: true,
		field: func(c *Config) any { return &c.MetricsEvery }},
	{Key: "metrics_samples", Flag: "metrics-samples", Label: "Metrics samples", Help: "samples per quality measurement",
		Min: 10, Max: 10000, Integer: true, Resumable: true,
		field: func(c *Config) any { return &c.MetricsSamples }},
}
