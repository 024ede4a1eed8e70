package training

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/ganstudio/ganstudio/model/classifier"
	"github.com/ganstudio/ganstudio/training/dataset"
	"github.com/ganstudio/ganstudio/training/events"
	"github.com/ganstudio/ganstudio/training/metrics"
)

// MetricsFile is the CSV in a run folder where the sample-quality
// measurements go, one row per measurement (see ReadMetrics).
const MetricsFile = "metrics.csv"

// metricsSeed fixes the noise of the measured samples, so that the
// numbers of one run change only because the generator does.
const metricsSeed = 0x6d6574726963

// monitor measures sample quality in the background and turns losses and
// metrics into plain-words warnings. Evaluations never block a step: one
// that would start while the previous is still running is skipped.
type monitor struct {
	t    *Trainer
	mon  *metrics.Monitor // nil when the data set has no classifier
	file *os.File         // metrics.csv

	mu       sync.Mutex // guards watch, mon, busy and measured
	watch    *metrics.Watch
	busy     bool
	measured int // the step of the newest measurement written
	wg       sync.WaitGroup
	cancel   context.CancelFunc // stops a classifier still loading when the run ends
}

// startMonitor prepares the run's monitor; a data set without a
// classifier gets a plain message instead of numbers.
func (t *Trainer) startMonitor() *monitor {
	m := &monitor{t: t, watch: metrics.NewWatch(t.cfg.LabelSmoothing), cancel: func() {}}
	if t.cfg.MetricsEvery == 0 {
		return m
	}
	if why := MetricsUnavailable(t.cfg); why != "" {
		t.bus.Publish(events.Metrics{Unavailable: why})
		return m
	}
	f, kept, err := openMetricsFile(filepath.Join(t.files.dir, MetricsFile), t.StepsDone())
	if err != nil {
		t.warn(t.StepsDone(), err)
		return m
	}
	m.file, m.measured = f, kept
	real := t.cfg.Data
	// Loading the test set and its features takes seconds: do it in the
	// background like every evaluation.
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		mon, err := metrics.NewMonitor(ctx, real)
		m.mu.Lock()
		defer m.mu.Unlock()
		if ctx.Err() != nil {
			return // the run ended first
		}
		if err != nil {
			t.warn(t.StepsDone(), fmt.Errorf("sample-quality metrics are off: %w", err))
			return
		}
		m.mon = mon
	}()
	return m
}

// step feeds one iteration's losses to the watch and starts an evaluation
// when one is due.
func (m *monitor) step(s events.Step) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, w := range m.watch.Losses(s.Step, float64(s.DLoss)) {
		m.t.notice(s.Step, w)
	}
	every := m.t.cfg.MetricsEvery
	if m.mon == nil || every == 0 || s.Step%every != 0 || m.busy {
		return
	}
	m.busy = true
	m.wg.Add(1)
	go m.evaluate(s.Step)
}

func (m *monitor) evaluate(step int) {
	defer m.wg.Done()
	defer func() {
		m.mu.Lock()
		m.busy = false
		m.mu.Unlock()
	}()
	imgs, err := m.t.Sample(m.t.cfg.MetricsSamples, metricsSeed, 1)
	if err != nil {
		m.t.warn(step, fmt.Errorf("metrics: %w", err))
		return
	}
	res, err := m.mon.Evaluate(imgs)
	if err != nil {
		m.t.warn(step, fmt.Errorf("metrics: %w", err))
		return
	}
	w := csv.NewWriter(m.file)
	w.Write(res.CSVRecord(step))
	if w.Flush(); w.Error() != nil {
		m.t.warn(step, fmt.Errorf("write %s: %w", m.file.Name(), w.Error()))
	}
	m.mu.Lock()
	m.measured = max(m.measured, step)
	m.mu.Unlock()
	m.t.bus.Publish(events.Metrics{Step: step, N: res.N, FCD: res.FCD, Score: res.Score,
		Precision: res.Precision, Recall: res.Recall, Covered: res.Covered, Classes: res.Classes, Histogram: res.Histogram,
		RealClasses: res.RealClasses, FeaturesOnly: res.FeaturesOnly})
	m.mu.Lock()
	warnings := m.watch.Metrics(step, res)
	m.mu.Unlock()
	for _, w := range warnings {
		m.t.notice(step, w)
	}
}

// final measures the generator a finished run ends with, unless the
// newest measurement is of that step: the last number of a run is the one
// its user reports, and a short run (a small folder) may end before its
// first measurement is due or its classifier has loaded. Unlike Stop, a
// run that finishes waits for the classifier: seconds, once.
func (m *monitor) final(step int) {
	m.wg.Wait() // the classifier's loading and the evaluation in flight
	m.mu.Lock()
	if m.mon == nil || m.measured >= step {
		m.mu.Unlock()
		return
	}
	m.busy = true
	m.wg.Add(1)
	m.mu.Unlock()
	m.evaluate(step)
}

// close waits for the evaluation in flight and closes metrics.csv. A
// classifier that is still loading is abandoned: Stop must not wait for
// it.
func (m *monitor) close() {
	m.cancel()
	m.wg.Wait()
	if m.file != nil {
		m.file.Close()
	}
}

// openMetricsFile opens metrics.csv for appending, keeping only the rows of
// steps up to fromStep (a resumed run measures the rest again), and returns
// the newest step kept (0: none). Rows written by a version with other
// columns are moved to today's, by name.
func openMetricsFile(path string, fromStep int) (f *os.File, newest int, err error) {
	header := metrics.CSVHeader()
	var keep [][]string
	if old, err := os.Open(path); err == nil {
		r := csv.NewReader(old)
		r.FieldsPerRecord = -1
		rows, _ := r.ReadAll()
		old.Close()
		for i, row := range rows {
			if i == 0 || len(row) != len(rows[0]) {
				continue
			}
			if s, err := strconv.Atoi(row[0]); err == nil && s <= fromStep {
				keep = append(keep, reorder(row, rows[0], header))
				newest = max(newest, s)
			}
		}
	}
	f, err = os.Create(path)
	if err != nil {
		return nil, 0, fmt.Errorf("create %s: %w", path, err)
	}
	w := csv.NewWriter(f)
	w.Write(header)
	w.WriteAll(keep)
	if err := w.Error(); err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("write %s: %w", path, err)
	}
	return f, newest, nil
}

// reorder returns row, whose columns are named by from, with the columns
// of to ("" for those from lacks).
func reorder(row, from, to []string) []string {
	at := make(map[string]int, len(from))
	for i, name := range from {
		at[name] = i
	}
	out := make([]string, len(to))
	for i, name := range to {
		if j, ok := at[name]; ok {
			out[i] = row[j]
		}
	}
	return out
}

// MetricsUnavailable says in plain words why a run of cfg gets no
// sample-quality metrics (no classifier for its data set), or "" when it
// gets them. Samples of any size and colour are measured: they are
// converted to the classifier's shape.
func MetricsUnavailable(cfg Config) string {
	if cfg.Data.Path != "" || metrics.Supported(cfg.Data.Name) {
		return ""
	}
	return metrics.NoClassifierMessage(cfg.Data.Name)
}

// MetricsClasses returns the names of the classes the metrics of cfg's
// data set count ("0"…"9" for MNIST), or nil when it has none (a folder
// is measured by FCD only).
func MetricsClasses(cfg Config) []string {
	if MetricsUnavailable(cfg) != "" || cfg.Data.Path != "" {
		return nil
	}
	canon, _ := dataset.Lookup(cfg.Data.Name)
	net, err := classifier.Shipped(canon)
	if err != nil {
		return nil
	}
	return net.Info.Classes
}
