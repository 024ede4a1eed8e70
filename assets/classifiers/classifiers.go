// Package classifiers embeds the shipped weights of the sample-quality
// classifiers (see README.md in this folder for how they were made).
package classifiers

import (
	"embed"
	"fmt"
	"io/fs"
)

//go:embed README.md *.ckpt
var files embed.FS

// Weights returns the shipped weights file of the classifier for dataset
// ("mnist", "fashion-mnist" or "cifar10"), or an error wrapping
// fs.ErrNotExist.
func Weights(dataset string) ([]byte, error) {
	b, err := files.ReadFile(dataset + ".ckpt")
	if err != nil {
		return nil, fmt.Errorf("no shipped classifier for %q: %w", dataset, fs.ErrNotExist)
	}
	return b, nil
}
