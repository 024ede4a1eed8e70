package dataset

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// cifarJPEGVar names a folder of CIFAR-10 as labelled JPEG folders,
// train/<class>/*.jpg and test/<class>/*.jpg, used when the official
// archive cannot be downloaded.
const cifarJPEGVar = "GANSTUDIO_CIFAR10_JPEG"

// cifarJPEGCopy returns the first CIFAR-10 JPEG copy on this machine:
// $GANSTUDIO_CIFAR10_JPEG, else shared/datasets/cifar10-jpeg beside the
// working folder or one of its parents (where a checkout of GAN Studio
// finds the team's copy, ../shared/datasets), else "".
func cifarJPEGCopy(opts Options) string {
	if opts.SkipLocal {
		return ""
	}
	if dir := os.Getenv(cifarJPEGVar); dir != "" {
		return dir
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if c := filepath.Join(dir, "shared", "datasets", "cifar10-jpeg"); exists(filepath.Join(c, "train")) {
			return c
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
	}
}

// openCIFARJPEG reads CIFAR-10 from a copy as labelled JPEG folders under
// root, after the archive's download failed with why.
func openCIFARJPEG(ctx context.Context, ks *knownSet, spec Spec, root string, why error) (*Dataset, error) {
	split := spec.Split
	if split == "" {
		split = "train"
	}
	// The pictures are CIFAR's 32×32 colour unless the network asks for
	// another shape (a 64×64 DCGAN on CIFAR-10 scaled up).
	sub := spec
	sub.Name, sub.Path, sub.Split = "", filepath.Join(root, split), ""
	if sub.Size == 0 {
		sub.Size = cifarSide
	}
	if sub.Channels == 0 {
		sub.Channels = 3
	}
	d, err := openFolder(ctx, sub)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: the download failed (%v) and the JPEG copy %s cannot be read: %w", ks.name, why, root, err)
	}
	if !slices.Equal(d.classes, ks.classes) {
		return nil, fmt.Errorf("dataset %s: the JPEG copy %s has class folders %v, not CIFAR-10's %v", ks.name, sub.Path, d.classes, ks.classes)
	}
	d.name = ks.name
	d.source = fmt.Sprintf("JPEG copy %s (%d images; the archive could not be downloaded; re-encoded JPEGs, so pixels differ slightly from the official batches; no checksums)", sub.Path, d.Len())
	return d, nil
}
