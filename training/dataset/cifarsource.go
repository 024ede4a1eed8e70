package dataset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// cifarDirIn returns the folder under dir that holds CIFAR batch files
// (dir/cifar-10-batches-bin or dir itself), or "".
func cifarDirIn(dir string) string {
	for _, d := range []string{filepath.Join(dir, cifarDir), dir} {
		if exists(filepath.Join(d, "data_batch_1.bin")) || exists(filepath.Join(d, "test_batch.bin")) {
			return d
		}
	}
	return ""
}

// openCIFAR loads CIFAR-10 from spec.Path, the cache, or a download.
func openCIFAR(ctx context.Context, ks *knownSet, spec Spec, opts Options) (*Dataset, error) {
	keep, err := classFilter(ks.name, spec.Classes, ks.classes)
	if err != nil {
		return nil, err
	}
	var keepFn func(int) bool
	if keep != nil {
		keepFn = func(l int) bool { return keep[l] }
	}
	if spec.Path != "" {
		return openCIFARPath(ks, spec, keepFn)
	}
	return openCIFARCache(ctx, ks, spec, opts, keepFn)
}

// openCIFARPath loads CIFAR-10 from spec.Path: the archive, a folder holding
// it, or a folder of extracted batch files.
func openCIFARPath(ks *knownSet, spec Spec, keep func(int) bool) (*Dataset, error) {
	st, err := os.Stat(spec.Path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	archive := spec.Path
	if st.IsDir() {
		if d := cifarDirIn(spec.Path); d != "" {
			parts, classes, err := readCIFARDir(d, spec.Split, keep)
			if err != nil {
				return nil, fmt.Errorf("dataset: %w", err)
			}
			return buildCIFAR(ks, parts, classes, spec, fmt.Sprintf("folder %s (extracted batch files: no published checksums for them)", d))
		}
		archive = filepath.Join(spec.Path, ks.archive.name)
		if !exists(archive) {
			return nil, fmt.Errorf("dataset: %s holds neither %s/ with the batch files nor %s (for a folder of images, give the path without the name cifar10)", spec.Path, cifarDir, ks.archive.name)
		}
	}
	parts, classes, source, err := streamCIFAR(archive, ks, spec.Split, keep)
	if err != nil {
		return nil, err
	}
	return buildCIFAR(ks, parts, classes, spec, source)
}

// openCIFARCache loads CIFAR-10 from the batch files extracted in the cache,
// downloading and extracting the archive first when they are not there. A
// download that cannot be made falls back to a JPEG copy on the machine.
func openCIFARCache(ctx context.Context, ks *knownSet, spec Spec, opts Options, keep func(int) bool) (*Dataset, error) {
	cache, err := opts.cacheDir()
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", ks.name, err)
	}
	dir := filepath.Join(cache, ks.name)
	ext := filepath.Join(dir, cifarDir)
	archive := filepath.Join(dir, ks.archive.name)
	note, statErr := os.ReadFile(filepath.Join(ext, cifarMarker))
	if statErr != nil {
		if err := fetchCIFARArchive(ctx, ks, opts, archive); err != nil {
			// A download that came but failed its checksum is news the
			// user must see; one that could not be made is not.
			var bad *ChecksumError
			if root := cifarJPEGCopy(opts); root != "" && ctx.Err() == nil && !errors.As(err, &bad) {
				return openCIFARJPEG(ctx, ks, spec, root, err)
			}
			return nil, fmt.Errorf("dataset %s: %w (offline, a copy as labelled JPEG folders also works: set %s to a folder holding train/<class>/ and test/<class>/)", ks.name, err, cifarJPEGVar)
		}
		note = []byte("extracted from " + ks.archive.name + ", whose SHA-256 verified")
		if err := extractCIFAR(archive, ext, string(note)); err != nil {
			return nil, fmt.Errorf("dataset %s: %w; delete %s and try again", ks.name, err, dir)
		}
		os.Remove(archive) // the extracted files are all we need
	}
	parts, classes, err := readCIFARDir(ext, spec.Split, keep)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w; delete %s and run again to download it afresh", ks.name, err, ext)
	}
	return buildCIFAR(ks, parts, classes, spec, fmt.Sprintf("cache %s (%s)", ext, strings.TrimSpace(string(note))))
}

// fetchCIFARArchive downloads the archive to path unless a verified copy is
// there already (left by an extraction that was cut short).
func fetchCIFARArchive(ctx context.Context, ks *knownSet, opts Options, path string) error {
	if sum, err := sha256File(path); err == nil && sum == ks.archive.sha {
		return nil
	}
	return fetch(ctx, opts.fetchRequest(opts.mirror(ks)+ks.archive.name, path, ks.archive))
}

// buildCIFAR applies the hold-out to the split's batches; classes nil means
// the catalogue's.
func buildCIFAR(ks *knownSet, parts []*cifarPart, classes []string, spec Spec, source string) (*Dataset, error) {
	if classes == nil {
		classes = ks.classes
	}
	pix, labels, total := mergeCIFAR(parts, spec.HoldOut)
	if spec.HoldOut >= total {
		return nil, fmt.Errorf("dataset: hold-out %d leaves none of the %d %s images", spec.HoldOut, total, spec.Split)
	}
	return finish(ks.name, pix, labels, cifarSide, cifarSide, 3, classes, spec, source)
}

// streamCIFAR reads a split straight from a CIFAR-10 archive, hashing it.
func streamCIFAR(archive string, ks *knownSet, split string, keep func(int) bool) ([]*cifarPart, []string, string, error) {
	f, err := os.Open(archive)
	if err != nil {
		return nil, nil, "", fmt.Errorf("dataset: open %s: %w", archive, err)
	}
	defer f.Close()
	h := sha256.New()
	tee := io.TeeReader(f, h)
	parts, classes, err := readCIFARArchive(tee, split, keep)
	if err != nil {
		return nil, nil, "", fmt.Errorf("dataset: %s: %w", archive, err)
	}
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return nil, nil, "", fmt.Errorf("dataset: read %s: %w", archive, err)
	}
	status := "SHA-256 verified"
	if hex.EncodeToString(h.Sum(nil)) != ks.archive.sha {
		status = "NOT verified: SHA-256 differs from the official " + ks.archive.name
	}
	return parts, classes, fmt.Sprintf("archive %s (%s)", archive, status), nil
}
