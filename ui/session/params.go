package session

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

// Param is one hyperparameter the set-up panel edits: how to show it, how
// to parse it into a Config, and whether it may change during a run.
type Param struct {
	Key   string // stable name, used by tests and --set style flags
	Label string
	// Live parameters can change while a run is going (only the learning
	// rates: the optimiser reads them each step; everything else shapes
	// the network or the data order).
	Live bool
	// Get writes the parameter's value in c as its box shows it.
	Get func(c *training.Config) string
	// set parses the seed's box; a slider's parameter goes through HP.
	set func(c *training.Config, s string) error
	// HP is the table entry behind a slider; nil for a box alone (seed).
	HP *training.Hyperparameter
}

// Params lists the editable hyperparameters in the order they are shown:
// every entry of training's table that has a slider, under the table's
// key and label, and the seed, which has only a box. The list is built
// from the table at each call, so that nobody can change it for others.
func Params() []Param {
	var out []Param
	for _, h := range training.Hyperparameters() {
		if !h.InWindow {
			continue
		}
		h := h
		out = append(out, Param{Key: h.Key, Label: h.Label, Live: h.Live, HP: &h,
			Get: func(c *training.Config) string { return h.Format(h.Get(*c)) }})
	}
	return append(out, Param{Key: "seed", Label: "Seed",
		Get: func(c *training.Config) string { return strconv.FormatUint(c.Seed, 10) },
		set: func(c *training.Config, s string) error {
			v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
			if err != nil {
				return fmt.Errorf("Seed must be a whole number, 0 or more")
			}
			c.Seed = v
			return nil
		}})
}

// ApplyParam makes the text of p's box its value in c: the seed's
// parsed by p.set, a slider's parameter by parseValue and then applied as
// ApplyValue does. On any error c is left as it was and the error says
// what to enter; the Setting is a slider parameter's checked value.
func ApplyParam(c *training.Config, p Param, text string) (training.Setting, error) {
	if p.HP != nil {
		v, err := parseValue(*p.HP, text)
		if err != nil {
			return training.Setting{}, err
		}
		return ApplyValue(c, p, v)
	}
	next := *c
	next.Data.Classes = append([]string(nil), c.Data.Classes...)
	if err := p.set(&next, text); err != nil {
		return training.Setting{}, err
	}
	if err := next.Validate(); err != nil {
		return training.Setting{}, err
	}
	*c = next
	return training.Setting{}, nil
}

// ApplyValue makes v, a number from a slider or a box, the value of p in
// c. The hyperparameter table checks it, once, and the checked Setting is
// what a live change hands the trainer as it is. A setting that is not
// live (one that shapes the network or the data) is also checked with the
// rest of the configuration: a width must suit the image size. On any
// error c is left as it was.
func ApplyValue(c *training.Config, p Param, v float64) (training.Setting, error) {
	s, err := p.HP.Setting(v)
	if err != nil {
		return training.Setting{}, capitalised(err)
	}
	next := *c
	next.Data.Classes = append([]string(nil), c.Data.Classes...)
	s.ApplyTo(&next)
	if !p.Live {
		if err := next.Validate(); err != nil {
			return training.Setting{}, err
		}
	}
	*c = next
	return s, nil
}

// parseValue reads the text of h's box as a number.
func parseValue(h training.Hyperparameter, text string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%s must be a number: use %s", h.Label, h.RangeText())
	}
	return v, nil
}

// ParamByKey returns the parameter of that key, and false if there is none.
func ParamByKey(key string) (Param, bool) {
	for _, p := range Params() {
		if p.Key == key {
			return p, true
		}
	}
	return Param{}, false
}

// capitalised starts err's message with a capital, as the panel's messages
// do (the table's read well inside a sentence of the command line's).
func capitalised(err error) error {
	msg := err.Error()
	r, n := utf8.DecodeRuneInString(msg)
	return errors.New(string(unicode.ToUpper(r)) + msg[n:])
}
