package training

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/ganstudio/ganstudio/model/safetensors"
	"github.com/ganstudio/ganstudio/training/dataset"
)

// An export's data file holds the training images exactly as the network
// sees them, so that the PyTorch twin trains on GAN Studio's own pixels
// whatever the source (a folder, CIFAR-10 from the archive or from JPEGs,
// MNIST): after the class filter, the fit and the resizing, in the data
// set's order (the one its batches are drawn from), as bytes. Byte v is
// the value v/127.5 − 1 (dataset.ToUnit).
//
//	images  U8  [N, C, S, S]  channel-major, as Fill reads them
//	labels  I64 [N]           the class of each image, −1 for none
//
// Its metadata (format "ganstudio-data") repeats the class names, so that
// a data file made for another folder stands on its own.
const (
	dataFileName   = "data.safetensors"
	dataFileFormat = "ganstudio-data"
)

// DataFileInfo describes an export's data file in its config.json.
type DataFileInfo struct {
	File     string `json:"file"`
	Images   int    `json:"images"`
	Size     int    `json:"image_size"`
	Channels int    `json:"channels"`
	// Classes are the data set's class names, which labels index; none
	// for an unlabelled folder.
	Classes []string `json:"classes,omitempty"`
	// Source is where the images came from, in words, and Spec what was
	// opened.
	Source string       `json:"source"`
	Spec   dataset.Spec `json:"spec"`
}

// openExportData opens the images a run trains on for its export's data
// file: the run's own data set, or with folder a folder of pictures in
// its place (at the run's size and fit; a conditional run's folder needs
// the same class subfolders).
func openExportData(cfg Config, folder string) (*dataset.Dataset, dataset.Spec, error) {
	spec := cfg.Data
	if folder != "" {
		spec = dataset.Spec{Path: folder, Fit: cfg.Data.Fit}
	}
	spec.Size, spec.Channels = cfg.Model.ImageSize, cfg.Model.Channels
	d, err := dataset.Open(context.Background(), spec, dataset.Options{})
	if err != nil {
		return nil, spec, fmt.Errorf("export the training images: %w", err)
	}
	if d.Len() < cfg.BatchSize {
		return nil, spec, fmt.Errorf("export the training images: %d images, fewer than one batch of %d", d.Len(), cfg.BatchSize)
	}
	if cfg.Model.Classes > 0 && !slices.Equal(d.Classes(), cfg.ClassNames) {
		return nil, spec, fmt.Errorf("export the training images: the run is conditional on the classes %v, the data set has %v", cfg.ClassNames, d.Classes())
	}
	return d, spec, nil
}

// writeDataFile writes d's images and labels to path (see dataFileName).
func writeDataFile(path string, d *dataset.Dataset, spec dataset.Spec) (DataFileInfo, error) {
	size, ch := d.Shape()
	n := d.Len()
	labels := make([]int64, n)
	for i := range labels {
		labels[i] = int64(d.Label(i))
	}
	info := DataFileInfo{File: dataFileName, Images: n, Size: size, Channels: ch, Classes: d.Classes(), Source: d.Source(), Spec: spec}
	classes, err := json.Marshal(info.Classes)
	if err != nil {
		return info, err
	}
	tensors := []safetensors.Tensor{
		safetensors.Uint8("images", []int{n, ch, size, size}, d.Pixels()),
		safetensors.Int64("labels", []int{n}, labels),
	}
	meta := map[string]string{"format": dataFileFormat, "classes": string(classes), "source": d.Source()}
	if err := safetensors.WriteFile(path, tensors, meta); err != nil {
		return info, fmt.Errorf("export the training images: %w", err)
	}
	return info, nil
}
