package session

import (
	"slices"
	"strings"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/events"
	"github.com/ganstudio/ganstudio/training/metrics"
	"github.com/ganstudio/ganstudio/ui/charts"
)

// Quality is the sample-quality part of a run's history: the trainer's
// measurements, or why there are none, and the warnings shown beside them.
type Quality struct {
	Every   int // steps between measurements (0: metrics are off)
	Samples int // samples per measurement
	// Unavailable says in plain words why the run has no metrics (no
	// classifier for its data set).
	Unavailable string
	Points      []events.Metrics // in step order
	alerts      []alert
	compared    []charts.Compared // other runs' FCD, drawn beside this run's
}

// alert is a warning of the run shown until a measurement clears it: a
// mode-collapse warning stays while the trainer's rule
// (metrics.DefaultCollapse) still judges the run collapsed, any other
// warning until the next measurement.
type alert struct {
	step     int
	msg      string
	collapse bool
}

// Warnings returns the warnings to show, oldest first.
func (q Quality) Warnings() []string {
	out := make([]string, len(q.alerts))
	for i, a := range q.alerts {
		out[i] = a.msg
	}
	return out
}

// Last returns the newest measurement and whether there is one.
func (q Quality) Last() (events.Metrics, bool) {
	if len(q.Points) == 0 {
		return events.Metrics{}, false
	}
	return q.Points[len(q.Points)-1], true
}

// add records one Metrics event.
func (q *Quality) add(e events.Metrics) {
	if e.Unavailable != "" {
		q.Unavailable = e.Unavailable
		return
	}
	q.Unavailable = ""
	// A run continued from an older checkpoint measures again from there.
	n := len(q.Points)
	for n > 0 && q.Points[n-1].Step >= e.Step {
		n--
	}
	// Never write into an array a snapshot may share.
	q.Points = append(q.Points[:n:n], e)
	still := q.collapsed()
	q.alerts = slices.DeleteFunc(q.alerts, func(a alert) bool {
		return a.step < e.Step && (!a.collapse || !still)
	})
}

// collapsed reports whether the trainer's rule judges the run collapsed
// at its newest measurement.
func (q *Quality) collapsed() bool {
	last, ok := q.Last()
	if !ok {
		return false
	}
	cov := make([]metrics.Coverage, len(q.Points))
	for i, p := range q.Points {
		cov[i] = metrics.Coverage{Step: p.Step, Covered: p.Covered}
	}
	return metrics.DefaultCollapse.Judge(cov, charts.RealClasses(last)).Collapsed
}

// warn records a warning of the run. The mode-collapse warning stays
// until the coverage recovers.
func (q *Quality) warn(step int, msg string) {
	if msg == "" {
		return
	}
	a := alert{step: step, msg: msg, collapse: strings.HasPrefix(msg, metrics.CollapsePrefix)}
	alerts := slices.DeleteFunc(slices.Clone(q.alerts), func(o alert) bool { return o.msg == msg })
	q.alerts = append(alerts, a)
}

// clone is a copy that shares nothing the History writes to.
func (q Quality) clone() Quality {
	q.Points = slices.Clone(q.Points)
	q.alerts = slices.Clone(q.alerts)
	return q
}

// Quality returns a copy of the run's sample-quality state.
func (h *History) Quality() Quality {
	others := h.ComparedCurves(1)
	h.mu.Lock()
	defer h.mu.Unlock()
	q := h.quality.clone()
	q.compared = others
	return q
}

// SetMetricsPlan records how often the attached run measures its samples
// and how many (its configuration's MetricsEvery and MetricsSamples).
func (h *History) SetMetricsPlan(every, samples int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.quality.Every, h.quality.Samples = every, samples
	h.version++
}

// SetQuality replaces the sample-quality state (a resumed run keeps the
// measurements so far).
func (h *History) SetQuality(q Quality) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.quality = q.clone()
	h.version++
}

// LoadMetrics shows the measurements of a run read from its folder. The
// warnings the trainer gave are not saved, so the coverage drops are
// found again as the trainer's watch found them.
func (h *History) LoadMetrics(cfg training.Config, points []events.Metrics) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.version++
	h.quality.Every, h.quality.Samples = cfg.MetricsEvery, cfg.MetricsSamples
	if why := training.MetricsUnavailable(cfg); why != "" && len(points) == 0 {
		h.quality.Unavailable = why
		return
	}
	watch := metrics.NewWatch(cfg.LabelSmoothing)
	for _, p := range points {
		h.quality.add(p)
		for _, w := range watch.Metrics(p.Step, metrics.Result{N: p.N, Covered: p.Covered, RealClasses: p.RealClasses, Histogram: p.Histogram}) {
			h.quality.warn(p.Step, w)
		}
	}
}
