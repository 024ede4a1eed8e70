package session

import (
	"testing"

	"github.com/ganstudio/ganstudio/training"
)

// A Setup tells its watchers of changes only, and an edit that changes
// something makes the configuration a custom one.
func TestSetupTellsChangesOnly(t *testing.T) {
	preset, err := training.Preset("lite-mnist")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := training.Preset("seed-mnist")
	for _, c := range []struct {
		name       string
		change     func(s *Setup)
		told       int
		wantPreset string
	}{
		{"load the same", func(s *Setup) { s.Load(preset) }, 0, "lite-mnist"},
		{"load another", func(s *Setup) { s.Load(other) }, 1, "seed-mnist"},
		{"edit to the same", func(s *Setup) { s.Edit(func(c *training.Config) { c.BatchSize = preset.BatchSize }) }, 0, "lite-mnist"},
		{"edit", func(s *Setup) { s.Edit(func(c *training.Config) { c.BatchSize++ }) }, 1, ""},
		{"edit the classes", func(s *Setup) { s.Edit(func(c *training.Config) { c.Data.Classes = []string{"horse"} }) }, 1, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := NewSetup(preset)
			told := 0
			s.Watch(func() { told++ })
			c.change(s)
			if told != c.told {
				t.Errorf("watchers told %d times, want %d", told, c.told)
			}
			if got := s.Config().Preset; got != c.wantPreset {
				t.Errorf("preset %q, want %q", got, c.wantPreset)
			}
		})
	}
}

// What a caller does to the copy Config returns does not reach the Setup.
func TestSetupConfigIsACopy(t *testing.T) {
	cfg, _ := training.Preset("seed-cifar-horses")
	s := NewSetup(cfg)
	c := s.Config()
	c.Data.Classes[0] = "deer"
	if got := s.Config().Data.Classes[0]; got == "deer" {
		t.Errorf("writing the copy's classes changed the Setup's")
	}
}
