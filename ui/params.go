package ui

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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
	// hp is the table entry behind a slider; nil for a box alone (seed).
	hp *training.Hyperparameter
}

// params lists the editable hyperparameters in the order they are shown:
// every entry of training's table that has a slider, under the table's
// key and label, and the seed, which has only a box.
var params = windowParams()

func windowParams() []param {
	var out []param
	for _, h := range training.Hyperparameters() {
		if !h.InWindow {
			continue
		}
		h := h
		out = append(out, param{key: h.Key, label: h.Label, live: h.Live, hp: &h,
			get: func(c *training.Config) string { return h.Format(h.Get(*c)) },
			set: func(c *training.Config, s string) error {
				v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
				if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("%s must be a number: use %s", h.Label, h.RangeText())
				}
				if err := h.Check(v); err != nil {
					return capitalised(err)
				}
				h.Set(c, v)
				return nil
			}})
	}
	return append(out, param{key: "seed", label: "Seed",
		get: func(c *training.Config) string { return strconv.FormatUint(c.Seed, 10) },
		set: func(c *training.Config, s string) error {
			v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
			if err != nil {
				return fmt.Errorf("Seed must be a whole number, 0 or more")
			}
			c.Seed = v
			return nil
		}})
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

// capitalised starts err's message with a capital, as the panel's messages
// do (the table's read well inside a sentence of the command line's).
func capitalised(err error) error {
	msg := err.Error()
	r, n := utf8.DecodeRuneInString(msg)
	return errors.New(string(unicode.ToUpper(r)) + msg[n:])
}
