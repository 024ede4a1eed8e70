package session

import (
	"context"
	"fmt"
	"sync"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/dataset"
)

// DataSets opens the data sets the window previews and trains on, and
// keeps the last one opened: a run starts on the data set the set-up
// panel showed without reading it again. A new preview stops the one
// still opening. Safe for concurrent use.
type DataSets struct {
	mu      sync.Mutex
	ds      *dataset.Dataset
	key     string             // what ds is (dataKey)
	loading string             // the preview opening now ("": none)
	cancel  context.CancelFunc // stops it
}

// dataKey identifies the data a config trains on, at the network's shape.
func dataKey(c training.Config) string {
	sp := c.Data
	return fmt.Sprintf("%s|%s|%v|%s|%d|%d|%d", sp.Name, sp.Path, sp.Classes, sp.Split, sp.HoldOut, c.Model.ImageSize, c.Model.Channels)
}

// Preview starts a preview of cfg's data set: kept, when it is the one
// kept; else, unless it is opening already, a context for opening it
// (Open), which ends when another preview starts or at Close.
func (d *DataSets) Preview(cfg training.Config) (kept *dataset.Dataset, ctx context.Context, start bool) {
	key := dataKey(cfg)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.key == key && d.ds != nil {
		return d.ds, nil, false
	}
	if d.loading == key {
		return nil, nil, false
	}
	if d.cancel != nil {
		d.cancel()
	}
	ctx, d.cancel = context.WithCancel(context.Background())
	d.loading = key
	return nil, ctx, true
}

// Open returns cfg's data set: the one kept, else opened and then kept.
func (d *DataSets) Open(ctx context.Context, cfg training.Config, opt dataset.Options) (*dataset.Dataset, error) {
	key := dataKey(cfg)
	d.mu.Lock()
	if d.key == key && d.ds != nil {
		ds := d.ds
		d.mu.Unlock()
		return ds, nil
	}
	d.mu.Unlock()
	ds, err := training.OpenData(ctx, cfg, opt)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.loading == key {
		d.loading = ""
	}
	if err == nil {
		d.ds, d.key = ds, key
	}
	return ds, err
}

// Kept reports whether a data set has been opened and kept.
func (d *DataSets) Kept() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ds != nil
}

// Close stops the preview opening now, if any.
func (d *DataSets) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cancel != nil {
		d.cancel()
	}
}
