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

func TestMetricsDuringTraining(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the MNIST test set and its classifier features")
	}
	data := realMNIST(t)
	cfg := tinyConfig(t, 100000)
	cfg.MetricsEvery = 5
	cfg.MetricsSamples = 200
	tr := mustNew(t, cfg, data)
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

func TestMetricsUnavailableForFolders(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "datasets", "cifar10-horse-jpeg")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("CIFAR horses not found at %s", dir)
	}
	cfg, _ := Preset("seed-cifar-horses")
	cfg.Data = dataset.Spec{Path: dir}
	cfg.Model.Width, cfg.BatchSize, cfg.Steps = 16, 8, 2
	data, err := OpenData(context.Background(), cfg, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr := mustNew(t, cfg, data)
	sub := tr.Subscribe()
	tr.Start()
	tr.Wait()
	for _, e := range sub.Drain() {
		if m, ok := e.(events.Metrics); ok {
			if m.Unavailable == "" {
				t.Fatalf("a folder of horses got numbers: %+v", m)
			}
			return
		}
	}
	t.Fatal("no word on metrics for a folder")
}
