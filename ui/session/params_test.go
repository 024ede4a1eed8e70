package session

import (
	"strings"
	"testing"

	"github.com/ganstudio/ganstudio/training"
)

// A box's text becomes its parameter's value, checked once; a refused one
// leaves the configuration as it was and says what to enter.
func TestApplyParam(t *testing.T) {
	for _, c := range []struct {
		key, text string
		want      string // the value the box then shows; "" : refused
		err       string
	}{
		{"seed", "12", "12", ""},
		{"seed", "-1", "", "Seed must be a whole number"},
		{"batch_size", "32", "32", ""},
		{"batch_size", "0", "", "Batch size 0 is out of range"},
		{"learn_rate_g", "5e-4", "0.0005", ""},
		{"learn_rate_d", "abc", "", "Discriminator learning rate must be a number"},
		{"model.width", "10", "", "multiple of 4"},
	} {
		t.Run(c.key+"="+c.text, func(t *testing.T) {
			p, ok := ParamByKey(c.key)
			if !ok {
				t.Fatalf("no parameter %q", c.key)
			}
			cfg, _ := training.Preset("lite-mnist")
			before := p.Get(&cfg)
			_, err := ApplyParam(&cfg, p, c.text)
			switch {
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Errorf("error %v, want one containing %q", err, c.err)
			case c.err != "" && p.Get(&cfg) != before:
				t.Errorf("refused %q was taken: %s", c.text, p.Get(&cfg))
			case c.err == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.err == "" && p.Get(&cfg) != c.want:
				t.Errorf("box shows %q, want %q", p.Get(&cfg), c.want)
			}
		})
	}
}
