package training

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// A Change is one setting that a resumed run changed, by its key in
// config.json (nested keys joined with dots).
type Change struct {
	Key      string
	From, To any
}

func (c Change) String() string {
	show := func(v any) any {
		if v == nil {
			return "unset" // an omitted key, such as steps in a run by epochs
		}
		return v
	}
	return fmt.Sprintf("%s %v → %v", c.Key, show(c.From), show(c.To))
}

// takeResumable copies into c the settings a stopped run may change when it
// resumes: how long it runs, its learning rates (which the window changes
// live anyway) and how often it samples, measures and saves. The network,
// the batch, the data and the seed define what a checkpoint holds and what
// the next step computes, so they stay.
func (c *Config) takeResumable(w Config) {
	for _, h := range hyperparameters {
		if h.Resumable {
			h.Set(c, h.Get(w))
		}
	}
	c.AutosaveSeconds, c.OnDiverge = w.AutosaveSeconds, w.OnDiverge
}

// Amend returns stored with wanted's resumable settings and the list of
// what changed. A difference in any other setting is an error that names
// it: such a run cannot continue from its checkpoint.
func Amend(stored, wanted Config) (Config, []Change, error) {
	// The preset names where a run started from, not a setting: a window
	// whose panel was edited shows none, and that changes nothing.
	wanted.Preset = stored.Preset
	next := stored
	next.takeResumable(wanted)
	if err := next.Validate(); err != nil {
		return stored, nil, err
	}
	refused := diffConfigs(next, wanted)
	if len(refused) > 0 {
		return stored, nil, fmt.Errorf("%s cannot change when a run resumes (it is %v): a run's network, batch, data and seed are fixed; start a new run to change it",
			refused[0].Key, refused[0].From)
	}
	return next, diffConfigs(stored, next), nil
}

// diffConfigs lists the settings in which a and b differ, in key order.
func diffConfigs(a, b Config) []Change {
	fa, fb := flatten(a), flatten(b)
	var out []Change
	for k, va := range fa {
		if vb := fb[k]; fmt.Sprint(va) != fmt.Sprint(vb) {
			out = append(out, Change{Key: k, From: va, To: vb})
		}
	}
	for k, vb := range fb {
		if _, ok := fa[k]; !ok {
			out = append(out, Change{Key: k, From: nil, To: vb})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// flatten maps a configuration's config.json keys (nested ones joined with
// dots) to their values.
func flatten(c Config) map[string]any {
	b, _ := json.Marshal(c) // a Config always marshals
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	out := map[string]any{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if obj, ok := v.(map[string]any); ok {
			for k, x := range obj {
				walk(strings.TrimPrefix(prefix+"."+k, "."), x)
			}
			return
		}
		out[prefix] = v
	}
	walk("", m)
	return out
}

// describeChanges is the log's account of changes: "steps 100000 → 5, …".
func describeChanges(cs []Change) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
	}
	return strings.Join(parts, ", ")
}
