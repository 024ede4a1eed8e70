package training

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ganstudio/ganstudio/training/dataset"
	"github.com/ganstudio/ganstudio/training/events"
)

// firstMetrics starts tr, waits for its first measurement and stops it.
func firstMetrics(t *testing.T, tr *Trainer) *events.Metrics {
	t.Helper()
	sub := tr.Subscribe()
	tr.Start()
	deadline := time.After(5 * time.Minute)
	var got *events.Metrics
	for got == nil {
		select {
		case <-sub.Ready():
			for _, e := range sub.Drain() {
				if m, ok := e.(events.Metrics); ok {
					got = &m
				}
			}
		case <-deadline:
			t.Fatal("no metrics within 5 minutes")
		}
	}
	if err := tr.Stop(); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestMetricsDuringTraining(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the MNIST test set and its classifier features")
	}
	data := realMNIST(t)
	cfg := tinyConfig(t, 100000)
	cfg.MetricsEvery = 5
	cfg.MetricsSamples = 200
	tr := mustNew(t, cfg, data)
	got := firstMetrics(t, tr)
	if got.Unavailable != "" || got.N != 200 || len(got.Classes) != 10 || got.FCD <= 0 {
		t.Fatalf("metrics %+v: want 200 samples over 10 classes with a positive FCD", *got)
	}
	sum := 0
	for _, c := range got.Histogram {
		sum += c
	}
	if sum != 200 {
		t.Fatalf("histogram counts %d samples, want 200", sum)
	}
	b, err := os.ReadFile(filepath.Join(tr.RunDir(), "metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "step,") || !strings.HasPrefix(lines[1], "") {
		t.Fatalf("metrics.csv:\n%s", b)
	}
}

// A run that finishes is measured at its last step, once, even when no
// measurement was due there or the run ended before the first was.
func TestFinishedRunIsMeasuredAtTheEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the MNIST test set and its classifier features")
	}
	data := realMNIST(t)
	tests := []struct {
		name         string
		steps, every int
	}{
		{"ends before the first is due", 3, 1000},
		{"due at the last step too", 6, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tinyConfig(t, tt.steps)
			cfg.MetricsEvery, cfg.MetricsSamples = tt.every, 50
			tr := mustNew(t, cfg, data)
			runToEnd(t, tr)
			rows, err := ReadMetrics(tr.RunDir(), MetricsClasses(cfg))
			if err != nil || len(rows) == 0 {
				t.Fatalf("metrics.csv: %v, %d rows", err, len(rows))
			}
			if last := rows[len(rows)-1]; last.Step != tt.steps || last.N != 50 {
				t.Errorf("newest row is step %d of %d samples, want step %d of 50", last.Step, last.N, tt.steps)
			}
			for i := 1; i < len(rows); i++ {
				if rows[i].Step <= rows[i-1].Step {
					t.Errorf("rows at steps %d then %d", rows[i-1].Step, rows[i].Step)
				}
			}
			// Opened again at its end, the run has its last measurement
			// already and must not write it twice.
			again, err := Resume(tr.RunDir(), data, nil)
			if err != nil {
				t.Fatal(err)
			}
			runToEnd(t, again)
			// ReadMetrics keeps one row a step: count the file's own.
			b, err := os.ReadFile(filepath.Join(tr.RunDir(), MetricsFile))
			if n := strings.Count(string(b), "\n") - 1; err != nil || n != len(rows) {
				t.Errorf("resumed at its end, metrics.csv has %d rows (%v), want the %d it had", n, err, len(rows))
			}
		})
	}
}

// TestColourRunsAreMeasured trains a little on CIFAR horses, as a class
// of CIFAR-10 and as a folder of pictures: the first is measured against
// the test set's horses (coverage out of 1 class), the second by FCD
// alone against the folder, and metrics.csv reads back the same.
func TestColourRunsAreMeasured(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the colour classifier over the horses")
	}
	folder := filepath.Join("..", "..", "shared", "datasets", "cifar10-horse-jpeg")
	if _, err := os.Stat(folder); err != nil {
		t.Skipf("CIFAR horses not found at %s", folder)
	}
	tests := []struct {
		name         string
		data         dataset.Spec
		featuresOnly bool
	}{
		{"class of CIFAR-10", dataset.Spec{Name: "cifar10", Classes: []string{"horse"}}, false},
		{"folder", dataset.Spec{Path: folder}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _ := Preset("seed-cifar-horses")
			cfg.Data = tt.data
			cfg.Model.Width, cfg.Model.NoiseSize, cfg.BatchSize, cfg.Steps = 8, 8, 8, 100000
			cfg.MetricsEvery, cfg.MetricsSamples = 5, 100
			data, err := OpenData(context.Background(), cfg, dataset.Options{})
			if err != nil {
				t.Skipf("data not available: %v", err)
			}
			tr := mustNew(t, cfg, data)
			got := firstMetrics(t, tr)
			t.Logf("%+v", *got)
			switch {
			case got.Unavailable != "":
				t.Fatalf("no metrics: %s", got.Unavailable)
			case got.FCD <= 0 || got.N != 100:
				t.Fatalf("FCD %v of %d samples, want a positive FCD of 100", got.FCD, got.N)
			case got.FeaturesOnly != tt.featuresOnly:
				t.Fatalf("features only: %v, want %v", got.FeaturesOnly, tt.featuresOnly)
			case !tt.featuresOnly && (got.RealClasses != 1 || len(got.Histogram) != 10 || got.Classes[7] != "horse"):
				t.Fatalf("a horses run is counted over %d real classes, histogram %v of %v", got.RealClasses, got.Histogram, got.Classes)
			case tt.featuresOnly && (got.Histogram != nil || got.Score != 0):
				t.Fatalf("a folder run got class counts: %+v", *got)
			}
			back, err := ReadMetrics(tr.RunDir(), MetricsClasses(cfg))
			if err != nil || len(back) == 0 {
				t.Fatalf("metrics.csv: %v, %d rows", err, len(back))
			}
			if b := back[0]; b.FeaturesOnly != tt.featuresOnly || b.RealClasses != got.RealClasses {
				t.Fatalf("metrics.csv reads back %+v", b)
			}
		})
	}
}
