package training

import (
	"strings"
	"testing"
)

// The table's keys are config.json's: a preset's flattened configuration
// has every one, with the value Get reads.
func TestHyperparameterKeysAreConfigKeys(t *testing.T) {
	for _, preset := range Presets() {
		c, _ := Preset(preset)
		c.Steps = 7 // omitted when 0
		flat := flatten(c)
		for _, h := range Hyperparameters() {
			v, ok := flat[h.Key]
			if h.Switch { // omitted when off
				if on, _ := v.(bool); on != (h.Get(c) == 1) {
					t.Errorf("%s: %s is %v in config.json, Get says %v", preset, h.Key, v, h.Get(c))
				}
				continue
			}
			if !ok {
				t.Fatalf("%s: config.json has no key %q", preset, h.Key)
			}
			if f, _ := v.(float64); float32(f) != float32(h.Get(c)) {
				t.Errorf("%s: %s is %v in config.json, Get says %v", preset, h.Key, v, h.Get(c))
			}
			if err := h.Check(h.Get(c)); err != nil && !(h.Key == "epochs" && c.Steps > 0) {
				t.Errorf("%s: the preset's own %s fails its check: %v", preset, h.Key, err)
			}
		}
	}
}

func TestHyperparameterCheck(t *testing.T) {
	tests := []struct {
		key  string
		v    float64
		want string // "" valid
	}{
		{"learn_rate_g", 0.001, ""},
		{"learn_rate_g", 0, "generator learning rate 0 is out of range: use above 0 to 1"},
		{"learn_rate_d", 1, ""},
		{"beta1", 1, "adam β1 1 is out of range: use from 0 below 1"},
		{"batch_size", 0, "batch size 0 is out of range: use from 1 to 4096"},
		{"model.width", 66, "width 66 is out of range: use a multiple of 4 from 4 to 2048"},
		{"model.width", 64, ""},
		{"steps", 0, ""},
		{"checkpoint_every", -1, "checkpoint interval -1 is out of range: use 0 or more"},
		{"batch_size", 2.5, "batch size 2.5 is out of range"},
	}
	for _, tt := range tests {
		h, ok := HyperparameterByKey(tt.key)
		if !ok {
			t.Fatalf("no hyperparameter %q", tt.key)
		}
		err := h.Check(tt.v)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s %v: %v", tt.key, tt.v, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s %v: error %v, want %q", tt.key, tt.v, err, tt.want)
		}
	}
}

func TestSliderPositions(t *testing.T) {
	for _, tt := range []struct {
		key         string
		first, last float64
		n           int
	}{
		{"learn_rate_g", 1e-5, 0.1, 13}, // 1, 2, 5 a decade
		{"batch_size", 1, 512, 10},
		{"model.width", 4, 1024, 256},
		{"beta1", 0, 0.99, 100},
		{"label_smoothing", 0, 0.5, 51},
	} {
		h, _ := HyperparameterByKey(tt.key)
		pos := h.Positions()
		if len(pos) != tt.n || pos[0] != tt.first || pos[len(pos)-1] != tt.last {
			t.Errorf("%s: %d positions from %v to %v, want %d from %v to %v", tt.key, len(pos), pos[0], pos[len(pos)-1], tt.n, tt.first, tt.last)
		}
		if i := h.Nearest(pos[len(pos)/2]); i != len(pos)/2 {
			t.Errorf("%s: nearest to position %d is %d", tt.key, len(pos)/2, i)
		}
	}
	lr, _ := HyperparameterByKey("learn_rate_g")
	if p := lr.Positions(); p[lr.Nearest(0.0011)] != 0.001 {
		t.Errorf("0.0011 snaps to %v, want 0.001", p[lr.Nearest(0.0011)])
	}
}
