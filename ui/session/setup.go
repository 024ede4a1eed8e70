package session

import (
	"reflect"
	"slices"

	"github.com/ganstudio/ganstudio/training"
)

// Setup is the configuration being edited, which the set-up panel shows
// and the window starts runs from. Whoever shows it or acts on it watches
// it: every change that changes something is told to every watcher, and a
// change to the value it already has is told to nobody. So a widget that
// is set to show the configuration, and reports that as an edit, edits
// nothing, and no flag is needed to tell the two apart.
//
// A Setup is used on the UI thread only.
type Setup struct {
	cfg      training.Config
	watchers []func()
}

// NewSetup returns a Setup holding cfg.
func NewSetup(cfg training.Config) *Setup {
	return &Setup{cfg: cfg}
}

// Config returns a copy of the configuration.
func (s *Setup) Config() training.Config {
	c := s.cfg
	c.Data.Classes = slices.Clone(c.Data.Classes)
	return c
}

// Watch calls f after every change, in the order the watchers came.
func (s *Setup) Watch(f func()) {
	s.watchers = append(s.watchers, f)
}

// Load replaces the configuration with cfg as it is: a preset, an opened
// run's, the rates a rollback halved.
func (s *Setup) Load(cfg training.Config) {
	if reflect.DeepEqual(cfg, s.cfg) {
		return
	}
	s.cfg = cfg
	s.changed()
}

// Edit applies the user's edit to the configuration. An edit that changes
// it makes it no longer a preset as shipped.
func (s *Setup) Edit(edit func(c *training.Config)) {
	next := s.Config()
	edit(&next)
	if reflect.DeepEqual(next, s.cfg) {
		return
	}
	next.Preset = ""
	s.cfg = next
	s.changed()
}

func (s *Setup) changed() {
	for _, f := range s.watchers {
		f()
	}
}
