package ui

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ganstudio/ganstudio/training"
)

// param is one hyperparameter the set-up panel edits: how to show it, how
// to parse it into a Config, and whether it may change during a run.
type param struct {
	key   string // stable name, used by tests and --set style flags
	label string
	// live parameters can change while a run is going (only the learning
	// rates: the optimiser reads them each step; everything else shapes
	// the network or the data order).
	live bool
	get  func(c *training.Config) string
	set  func(c *training.Config, s string) error
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func parseFloat(s, what string, ok func(float64) bool, rangeText string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%s must be a number, %s", what, rangeText)
	}
	if !ok(v) {
		return 0, fmt.Errorf("%s %s is out of range: use %s", what, strings.TrimSpace(s), rangeText)
	}
	return v, nil
}

func parseInt(s, what string, lo, hi int) (int, error) {
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%s must be a whole number from %d to %d", what, lo, hi)
	}
	if v < lo || v > hi {
		return 0, fmt.Errorf("%s %d is out of range: use %d to %d", what, v, lo, hi)
	}
	return v, nil
}

func floatParam(key, label string, live bool, field func(c *training.Config) *float64, ok func(float64) bool, rangeText string) param {
	return param{key: key, label: label, live: live,
		get: func(c *training.Config) string { return fmtFloat(*field(c)) },
		set: func(c *training.Config, s string) error {
			v, err := parseFloat(s, label, ok, rangeText)
			if err == nil {
				*field(c) = v
			}
			return err
		}}
}

func float32Param(key, label string, field func(c *training.Config) *float32, ok func(float64) bool, rangeText string) param {
	return param{key: key, label: label,
		get: func(c *training.Config) string { return strconv.FormatFloat(float64(*field(c)), 'g', -1, 32) },
		set: func(c *training.Config, s string) error {
			v, err := parseFloat(s, label, ok, rangeText)
			if err == nil {
				*field(c) = float32(v)
			}
			return err
		}}
}

func intParam(key, label string, field func(c *training.Config) *int, lo, hi int) param {
	return param{key: key, label: label,
		get: func(c *training.Config) string { return strconv.Itoa(*field(c)) },
		set: func(c *training.Config, s string) error {
			v, err := parseInt(s, label, lo, hi)
			if err == nil {
				*field(c) = v
			}
			return err
		}}
}

// params lists the editable hyperparameters in the order they are shown.
// Ranges repeat Config.Validate's so that the message names this field;
// Validate still runs after every change as the final word.
var params = []param{
	floatParam("lr_g", "Generator learning rate", true,
		func(c *training.Config) *float64 { return &c.LearnRateG }, func(v float64) bool { return v > 0 && v <= 1 }, "a value above 0 and at most 1, e.g. 0.001"),
	floatParam("lr_d", "Discriminator learning rate", true,
		func(c *training.Config) *float64 { return &c.LearnRateD }, func(v float64) bool { return v > 0 && v <= 1 }, "a value above 0 and at most 1, e.g. 0.001"),
	floatParam("beta1", "Adam β1", false,
		func(c *training.Config) *float64 { return &c.Beta1 }, func(v float64) bool { return v >= 0 && v < 1 }, "0 up to (not including) 1"),
	intParam("batch", "Batch size", func(c *training.Config) *int { return &c.BatchSize }, 1, 4096),
	intParam("epochs", "Epochs", func(c *training.Config) *int { return &c.Epochs }, 1, 100000),
	intParam("noise", "Noise size", func(c *training.Config) *int { return &c.Model.NoiseSize }, 1, 4096),
	{key: "width", label: "Width",
		get: func(c *training.Config) string { return strconv.Itoa(c.Model.Width) },
		set: func(c *training.Config, s string) error {
			v, err := parseInt(s, "Width", 4, 2048)
			if err == nil && v%4 != 0 {
				err = fmt.Errorf("Width %d must be a multiple of 4 (e.g. %d)", v, v/4*4+4)
			}
			if err == nil {
				c.Model.Width = v
			}
			return err
		}},
	float32Param("alpha", "LeakyReLU α", func(c *training.Config) *float32 { return &c.Model.Alpha },
		func(v float64) bool { return v >= 0 && v < 1 }, "0 up to (not including) 1"),
	float32Param("keep", "Dropout keep probability", func(c *training.Config) *float32 { return &c.Model.KeepProb },
		func(v float64) bool { return v > 0 && v <= 1 }, "a value above 0 and at most 1"),
	float32Param("smooth", "Label smoothing", func(c *training.Config) *float32 { return &c.LabelSmoothing },
		func(v float64) bool { return v >= 0 && v < 1 }, "0 up to (not including) 1"),
	intParam("sample", "Sample interval", func(c *training.Config) *int { return &c.SampleEvery }, 1, 1000000),
	{key: "seed", label: "Seed",
		get: func(c *training.Config) string { return strconv.FormatUint(c.Seed, 10) },
		set: func(c *training.Config, s string) error {
			v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
			if err != nil {
				return fmt.Errorf("Seed must be a whole number, 0 or more")
			}
			c.Seed = v
			return nil
		}},
}

// applyParam parses text into a copy of c and validates the whole config;
// on any error c is left as it was and the error says what to enter.
func applyParam(c *training.Config, p param, text string) error {
	next := *c
	next.Data.Classes = append([]string(nil), c.Data.Classes...)
	if err := p.set(&next, text); err != nil {
		return err
	}
	if err := next.Validate(); err != nil {
		return err
	}
	*c = next
	return nil
}

func paramByKey(key string) (param, bool) {
	for _, p := range params {
		if p.key == key {
			return p, true
		}
	}
	return param{}, false
}
