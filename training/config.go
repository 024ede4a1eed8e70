package training

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/ganstudio/ganstudio/model"
	"github.com/ganstudio/ganstudio/training/dataset"
)

// Config is everything that defines a training run. It is stored in the run
// directory (config.json) and in every checkpoint.
type Config struct {
	Preset string       `json:"preset,omitempty"`
	Model  model.Config `json:"model"`
	Data   dataset.Spec `json:"data"`

	BatchSize int `json:"batch_size"`
	// Epochs is the run's length in passes over the data; Steps, when
	// positive, overrides it with a number of iterations.
	Epochs int `json:"epochs"`
	Steps  int `json:"steps,omitempty"`

	LearnRateG float64 `json:"learn_rate_g"`
	LearnRateD float64 `json:"learn_rate_d"`
	Beta1      float64 `json:"beta1"`
	Beta2      float64 `json:"beta2"`
	// LabelSmoothing lowers the real targets of D and the targets of G
	// from 1 to 1−LabelSmoothing (one-sided, as the seed does).
	LabelSmoothing float32 `json:"label_smoothing"`
	// EMADecay, when above 0, keeps a moving average of G's weights with
	// this decay (0.999: about the last thousand steps); grids, samples,
	// metrics and exports then come from the average.
	EMADecay float64 `json:"ema_decay"`
	// Conditional trains a class-conditional GAN on the data set's labels.
	// When the run starts, ClassNames gets the data set's classes and
	// TrainClasses the indices of those it has images of (all, or the
	// class filter's).
	Conditional  bool     `json:"conditional,omitempty"`
	ClassNames   []string `json:"class_names,omitempty"`
	TrainClasses []int    `json:"train_classes,omitempty"`

	// SampleEvery is the number of iterations between preview grids.
	SampleEvery int `json:"sample_every"`
	// CheckpointEvery is the number of iterations between checkpoints
	// (0: only when the run stops or ends).
	CheckpointEvery int `json:"checkpoint_every"`
	// AutosaveSeconds also saves a checkpoint when this much time has
	// passed since the last one (0: never by time), so that a crash loses
	// at most about this much training at any width.
	AutosaveSeconds float64 `json:"autosave_seconds"`
	// KeepCheckpoints is how many of the newest checkpoints a run keeps;
	// older ones are deleted (0: keep all).
	KeepCheckpoints int `json:"keep_checkpoints"`
	// OnDiverge says what a NaN or infinite loss does: "stop" ends the run
	// at once; "rollback" reloads the last checkpoint, halves both learning
	// rates and goes on.
	OnDiverge string `json:"on_diverge"`
	// MetricsEvery is the number of iterations between sample-quality
	// measurements (FCD, coverage…), made in the background on
	// MetricsSamples samples; 0 turns them off.
	MetricsEvery   int    `json:"metrics_every"`
	MetricsSamples int    `json:"metrics_samples"`
	Seed           uint64 `json:"seed"`
}

// UnmarshalJSON reads a configuration, including one written before
// autosave was set in seconds: its "autosave_minutes" carries over.
func (c *Config) UnmarshalJSON(b []byte) error {
	type plain Config
	aux := struct {
		*plain
		AutosaveMinutes *float64 `json:"autosave_minutes"`
	}{plain: (*plain)(c)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	if aux.AutosaveMinutes != nil && !bytes.Contains(b, []byte(`"autosave_seconds"`)) {
		c.AutosaveSeconds = *aux.AutosaveMinutes * 60
	}
	return nil
}

// Presets returns the names of the built-in presets, sorted.
func Presets() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// PresetPurpose says in a few words what a built-in preset is for, as
// the window offers it ("CIFAR-10, class-conditional, stable"); the
// preset's own name for an unknown one.
func PresetPurpose(name string) string {
	if p, ok := presetPurposes[name]; ok {
		return p
	}
	return name
}

var presetPurposes = map[string]string{
	"seed-mnist":                     "MNIST, the 2017 tutorial's DCGAN",
	"lite-mnist":                     "MNIST, quick (a quarter of the tutorial's width)",
	"lite-mnist-conditional":         "MNIST, class-conditional",
	"lite-mnist-ttur":                "MNIST, two time-scale learning rates",
	"lite-fashion-mnist":             "Fashion-MNIST, quick",
	"lite-fashion-mnist-conditional": "Fashion-MNIST, class-conditional",
	"seed-cifar-horses":              "CIFAR-10 horses or your pictures, the tutorial's colour DCGAN",
	"cifar10-stable":                 "CIFAR-10, stable",
	"cifar10-conditional-stable":     "CIFAR-10, class-conditional, stable",
	"dcgan64-cifar10":                "CIFAR-10 at 64×64, examples/dcgan's recipe",
	"dcgan64-folder":                 "Your pictures at 64×64, the tutorial's recipe",
	"folder-augment":                 "Your pictures, with DiffAugment",
}

// ShapeFor is the image layout of the network that trains on a data set:
// a built-in data set's own (MNIST and Fashion-MNIST 28×28 grey, CIFAR-10
// 32×32 colour), and for a folder of images the seed's 32×32 colour. A
// network of size 64 (DCGAN's own) stays 64×64, with the data set's
// channels: its images are scaled to it.
func ShapeFor(spec dataset.Spec, network int) (size, channels int) {
	size, channels = 32, 3
	if info, ok := dataset.About(spec.Name); ok && spec.Path == "" {
		size, channels = info.Size, info.Channels
	}
	if network == 64 {
		size = 64
	}
	return size, channels
}

// Preset returns the configuration of a built-in preset.
func Preset(name string) (Config, error) {
	mk, ok := presets[name]
	if !ok {
		return Config{}, fmt.Errorf("unknown preset %q: choose one of %v", name, Presets())
	}
	c := mk()
	c.Preset = name
	return c, nil
}

// seedRun is the seed tutorial's training set-up around a given network.
func seedRun(m model.Config, data dataset.Spec, epochs int) Config {
	return Config{
		Model: m, Data: data, BatchSize: 64, Epochs: epochs,
		LearnRateG: 0.001, LearnRateD: 0.001, Beta1: 0.4, Beta2: 0.999,
		LabelSmoothing: 0.1, SampleEvery: 100, CheckpointEvery: 1000,
		AutosaveSeconds: 60, KeepCheckpoints: 5, OnDiverge: "rollback",
		MetricsEvery: 500, MetricsSamples: 1000, Seed: 1,
	}
}

// dcgan64Run is PyTorch examples/dcgan's training set-up around the
// 64×64 DCGAN.
func dcgan64Run(data dataset.Spec) Config {
	c := seedRun(model.DCGAN64(3), data, 25)
	c.LearnRateG, c.LearnRateD, c.Beta1, c.LabelSmoothing = 2e-4, 2e-4, 0.5, 0
	return c
}

// stableRun is the colour recipe: the seed's 32×32 network at width 128
// trained the seed's way, with spectral normalisation of every weight of D
// in place of D's BatchNorm. It was
// measured against the seed's own recipe, against spectral normalisation
// beside D's BatchNorm (which collapsed as the seed's did) and against
// the SN paper's hinge and Adam 2e-4 (stable, far slower in a few thousand
// steps) in docs/METRICS.md, "Colour recipes".
func stableRun(data dataset.Spec) Config {
	m := model.Seed(32, 3)
	m.Width = 128
	m.SpectralNorm = true
	return seedRun(m, data, 20)
}

var presets = map[string]func() Config{
	"seed-mnist": func() Config {
		// TF's read_data_sets holds out the first 5,000 training images
		// for validation; the seed trains on the other 55,000.
		return seedRun(model.Seed(28, 1), dataset.Spec{Name: "mnist", HoldOut: 5000}, 5)
	},
	"lite-mnist": func() Config {
		m := model.Seed(28, 1)
		m.Width = 256
		return seedRun(m, dataset.Spec{Name: "mnist", HoldOut: 5000}, 5)
	},
	"lite-fashion-mnist": func() Config {
		m := model.Seed(28, 1)
		m.Width = 256
		return seedRun(m, dataset.Spec{Name: "fashion-mnist"}, 5)
	},
	// The lite network trained class-conditionally: after one epoch its
	// FCD is a quarter of lite-mnist's (docs/METRICS.md), and any digit
	// can be asked for.
	"lite-mnist-conditional": func() Config {
		m := model.Seed(28, 1)
		m.Width = 256
		c := seedRun(m, dataset.Spec{Name: "mnist", HoldOut: 5000}, 5)
		c.Conditional = true
		return c
	},
	// Radford et al.'s 64×64 DCGAN with examples/dcgan's training set-up
	// (Adam 2e-4, β1 0.5, batch 64, plain BCE), on CIFAR-10 scaled up to
	// 64×64: a test set at that size. --dataset PATH trains it on a folder.
	"dcgan64-cifar10": func() Config {
		return dcgan64Run(dataset.Spec{Name: "cifar10"})
	},
	// The 64×64 DCGAN trained the seed's way, for a folder of your own
	// pictures (--dataset PATH; the CIFAR-10 horses by default).
	// examples/dcgan's recipe lets D win within 100 steps on 5,000
	// pictures, here and in PyTorch alike, and G then draws one texture for
	// every z; the seed's faster Adam, label smoothing, dropout in D and
	// LeakyReLU 0.01 keep the game balanced (docs/METRICS.md).
	"dcgan64-folder": func() Config {
		m := model.DCGAN64(3)
		m.Alpha, m.KeepProb = 0.01, 0.8
		return seedRun(m, dataset.Spec{Name: "cifar10", Classes: []string{"horse"}}, 25)
	},
	// Class-conditional Fashion-MNIST with the averaged generator: after
	// one epoch the best option measured on Fashion-MNIST (docs/METRICS.md).
	"lite-fashion-mnist-conditional": func() Config {
		m := model.Seed(28, 1)
		m.Width = 256
		c := seedRun(m, dataset.Spec{Name: "fashion-mnist"}, 5)
		c.Conditional, c.EMADecay = true, 0.999
		return c
	},
	// Two time-scale updates (Heusel et al. 2017): D learns at 4× G's
	// rate. At the seed's rates over one lite epoch it does worse than the
	// seed's equal rates (docs/METRICS.md); it is here to try on longer runs.
	"lite-mnist-ttur": func() Config {
		m := model.Seed(28, 1)
		m.Width = 256
		c := seedRun(m, dataset.Spec{Name: "mnist", HoldOut: 5000}, 5)
		c.LearnRateG, c.LearnRateD = 0.00025, 0.001
		return c
	},
	// The colour recipe (see stableRun): the seed's recipe on CIFAR-10
	// rose again after 1,500 steps, with D winning; spectral
	// normalisation of D holds it (docs/METRICS.md).
	"cifar10-stable": func() Config {
		return stableRun(dataset.Spec{Name: "cifar10"})
	},
	"cifar10-conditional-stable": func() Config {
		c := stableRun(dataset.Spec{Name: "cifar10"})
		c.Conditional = true
		return c
	},
	"seed-cifar-horses": func() Config {
		return seedRun(model.Seed(32, 3), dataset.Spec{Name: "cifar10", Classes: []string{"horse"}}, 50)
	},
	// The seed's recipe for a folder of your own pictures (--dataset PATH;
	// the CIFAR-10 horses by default) at width 128, with D seeing every
	// image, real and fake, through DiffAugment (Zhao et al. 2020). On the
	// 5,000 horses over 3,000 steps it reached lower FCD than the seed's
	// recipe alone and rose again on one seed of three (1.73× its best)
	// where the seed's rose on two (1.83× and 3.45×); spectral
	// normalisation learnt far slower and an averaged G did not hold it
	// (docs/METRICS.md, "Colour recipes"). 40 epochs are those 3,000 steps.
	"folder-augment": func() Config {
		m := model.Seed(32, 3)
		m.Width = 128
		m.Augment = "translation,cutout,color"
		return seedRun(m, dataset.Spec{Name: "cifar10", Classes: []string{"horse"}}, 40)
	},
}

// Validate reports every value that cannot start a run, each saying what
// to change.
func (c Config) Validate() error {
	var errs []error
	if err := c.Model.Validate(); err != nil {
		errs = append(errs, err)
	}
	for _, h := range hyperparameters {
		switch {
		case strings.HasPrefix(h.Key, "model."):
			continue // model.Config.Validate checks the network's own
		case h.Key == "epochs" && c.Steps > 0:
			continue // the run is measured in steps
		case h.Key == "metrics_samples" && c.MetricsEvery == 0:
			continue // no measurements
		}
		if err := h.Check(h.Get(c)); err != nil {
			errs = append(errs, err)
		}
	}
	if !(c.AutosaveSeconds >= 0) || math.IsInf(c.AutosaveSeconds, 0) {
		errs = append(errs, fmt.Errorf("autosave interval %gs is invalid: use 0 (off) or a duration such as 60s", c.AutosaveSeconds))
	}
	if err := dataset.CheckFit(c.Data.Fit); err != nil {
		errs = append(errs, err)
	}
	if c.OnDiverge != "" && c.OnDiverge != "stop" && c.OnDiverge != "rollback" {
		errs = append(errs, fmt.Errorf("on-diverge %q is unknown: use stop or rollback", c.OnDiverge))
	}
	return errors.Join(errs...)
}
