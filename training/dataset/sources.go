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
	"slices"
	"strconv"
	"strings"
)

// idxBaseNames returns the uncompressed names of a split's IDX files.
func idxBaseNames(split string) (images, labels string) {
	if split == "test" {
		return "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"
	}
	return "train-images-idx3-ubyte", "train-labels-idx1-ubyte"
}

// findIDX looks in dir for an IDX file, gzip-compressed or not, also under
// the common "train-images.idx3-ubyte" spelling.
func findIDX(dir, base string) (string, bool) {
	dotted := strings.Replace(base, "-idx", ".idx", 1)
	for _, name := range []string{base + ".gz", base, dotted + ".gz", dotted} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}

// findIDXPair finds a split's image and label files in dir.
func findIDXPair(dir, split string) (images, labels string, ok bool) {
	ib, lb := idxBaseNames(split)
	images, ok1 := findIDX(dir, ib)
	labels, ok2 := findIDX(dir, lb)
	return images, labels, ok1 && ok2
}

// idxFile is a decoded IDX file and the SHA-256 of its bytes as stored and
// uncompressed.
type idxFile struct {
	path        string
	dims        []int
	data        []byte
	sha, rawSHA string
}

// matches reports whether f is the published file fi (either hash).
func (f *idxFile) matches(fi fileInfo) bool {
	return f.sha == fi.sha || (fi.rawSHA != "" && f.rawSHA == fi.rawSHA)
}

// loadIDXFile reads and hashes one IDX file.
func loadIDXFile(path string, magic uint32) (*idxFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	h, raw := sha256.New(), sha256.New()
	dims, data, err := decodeIDX(io.TeeReader(f, h), raw, magic, maxIDXBytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if _, err := io.Copy(h, f); err != nil { // hash any rest of the file
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return &idxFile{path: path, dims: dims, data: data,
		sha: hex.EncodeToString(h.Sum(nil)), rawSHA: hex.EncodeToString(raw.Sum(nil))}, nil
}

// idxPair is a split's images and labels, checked against each other.
type idxPair struct {
	images, labels *idxFile
	n, rows, cols  int
}

// loadIDXPair reads a split's two IDX files and checks that they agree.
func loadIDXPair(imgPath, lblPath string) (*idxPair, error) {
	img, err := loadIDXFile(imgPath, idxImagesMagic)
	if err != nil {
		return nil, err
	}
	if len(img.dims) != 3 {
		return nil, fmt.Errorf("%s: IDX images need 3 dimensions (count, rows, columns), the header has %d", imgPath, len(img.dims))
	}
	lbl, err := loadIDXFile(lblPath, idxLabelsMagic)
	if err != nil {
		return nil, err
	}
	if len(lbl.dims) != 1 {
		return nil, fmt.Errorf("%s: IDX labels need 1 dimension, the header has %d", lblPath, len(lbl.dims))
	}
	if img.dims[0] != lbl.dims[0] {
		return nil, fmt.Errorf("labels do not match images: %s holds %d images but %s holds %d labels; are they from the same data set and split?",
			imgPath, img.dims[0], lblPath, lbl.dims[0])
	}
	return &idxPair{images: img, labels: lbl, n: img.dims[0], rows: img.dims[1], cols: img.dims[2]}, nil
}

// verify compares the pair's hashes with a known set's; it returns "" when
// both match, else a description of what differs.
func (p *idxPair) verify(ks *knownSet, split string) string {
	fi := ks.files[split]
	var bad []string
	if !p.images.matches(fi[0]) {
		bad = append(bad, filepath.Base(p.images.path))
	}
	if !p.labels.matches(fi[1]) {
		bad = append(bad, filepath.Base(p.labels.path))
	}
	if len(bad) == 0 {
		return ""
	}
	return "SHA-256 of " + strings.Join(bad, " and ") + " differs from the official " + ks.name + " files"
}

// openIDX loads an IDX data set (ks nil: unknown IDX files at spec.Path).
func openIDX(ctx context.Context, ks *knownSet, spec Spec, opts Options) (*Dataset, error) {
	if ks != nil { // check what can be checked before reading 50 MB
		if _, err := classFilter(ks.name, spec.Classes, ks.classes); err != nil {
			return nil, err
		}
		if spec.Split == "train" && spec.HoldOut >= ks.train {
			return nil, fmt.Errorf("dataset: hold-out %d leaves none of the %d %s training images", spec.HoldOut, ks.train, ks.name)
		}
	}
	if spec.Path != "" {
		dir := spec.Path
		if st, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("dataset: %w", err)
		} else if !st.IsDir() {
			return nil, fmt.Errorf("dataset: %s is a file; give the folder that holds the IDX files", dir)
		}
		ib, lb := idxBaseNames(spec.Split)
		imgPath, lblPath, ok := findIDXPair(dir, spec.Split)
		if !ok {
			return nil, fmt.Errorf("dataset: %s lacks %s(.gz) or %s(.gz) for the %s split", dir, ib, lb, spec.Split)
		}
		p, err := loadIDXPair(imgPath, lblPath)
		if err != nil {
			return nil, fmt.Errorf("dataset: %w", err)
		}
		status := "no published checksums to compare"
		if ks != nil {
			if bad := p.verify(ks, spec.Split); bad != "" {
				status = "NOT verified: " + bad
			} else {
				status = "SHA-256 verified"
			}
		} else {
			for _, name := range Names() {
				if k := catalogue[name]; k.kind == "idx" && p.verify(k, spec.Split) == "" {
					ks = k
					status = "SHA-256 verified: the official " + name + " files"
					break
				}
			}
		}
		return buildIDX(ks, p, spec, fmt.Sprintf("folder %s (%s)", dir, status))
	}

	var notes []string
	cache, cacheErr := opts.cacheDir()
	var places []localCopy
	if cacheErr == nil {
		places = append(places, localCopy{dir: filepath.Join(cache, ks.name), what: "cache"})
	}
	if !opts.SkipLocal {
		places = append(places, ks.local()...)
	}
	for _, pl := range places {
		imgPath, lblPath, ok := findIDXPair(pl.dir, spec.Split)
		if !ok {
			continue
		}
		p, err := loadIDXPair(imgPath, lblPath)
		if err != nil {
			notes = append(notes, fmt.Sprintf("%s: %v", pl.what, err))
			continue
		}
		if bad := p.verify(ks, spec.Split); bad != "" {
			notes = append(notes, fmt.Sprintf("%s %s: %s", pl.what, pl.dir, bad))
			continue
		}
		return buildIDX(ks, p, spec, fmt.Sprintf("%s %s (SHA-256 verified)", pl.what, pl.dir))
	}
	if cacheErr != nil {
		return nil, fmt.Errorf("dataset %s: no local copy and %w", ks.name, cacheErr)
	}

	// Download into the cache.
	dir := filepath.Join(cache, ks.name)
	base := opts.mirror(ks)
	for _, fi := range ks.files[spec.Split] {
		dest := filepath.Join(dir, fi.name)
		if sum, err := sha256File(dest); err == nil && sum == fi.sha {
			continue
		}
		if err := fetch(ctx, opts.fetchRequest(base+fi.name, dest, fi)); err != nil {
			if len(notes) > 0 {
				return nil, fmt.Errorf("dataset %s: %w (local copies unusable: %s)", ks.name, err, strings.Join(notes, "; "))
			}
			return nil, fmt.Errorf("dataset %s: %w", ks.name, err)
		}
	}
	imgPath, lblPath, _ := findIDXPair(dir, spec.Split)
	p, err := loadIDXPair(imgPath, lblPath)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", ks.name, err)
	}
	if bad := p.verify(ks, spec.Split); bad != "" {
		return nil, fmt.Errorf("dataset %s: downloaded files in %s: %s", ks.name, dir, bad)
	}
	return buildIDX(ks, p, spec, fmt.Sprintf("downloaded from %s to cache %s (SHA-256 verified)", base, dir))
}

// buildIDX applies the hold-out and class filter to a loaded pair.
func buildIDX(ks *knownSet, p *idxPair, spec Spec, source string) (*Dataset, error) {
	name := "idx"
	var classes []string
	if ks != nil {
		name, classes = ks.name, ks.classes
	} else {
		maxLabel := 0
		for _, l := range p.labels.data {
			maxLabel = max(maxLabel, int(l))
		}
		for i := 0; i <= maxLabel; i++ {
			classes = append(classes, strconv.Itoa(i))
		}
	}
	for i, l := range p.labels.data {
		if int(l) >= len(classes) {
			return nil, fmt.Errorf("dataset: %s: label %d of item %d is out of range (%s has %d classes)", p.labels.path, l, i, name, len(classes))
		}
	}
	if spec.HoldOut >= p.n {
		return nil, fmt.Errorf("dataset: hold-out %d leaves none of the %d images in %s", spec.HoldOut, p.n, p.images.path)
	}
	keep, err := classFilter(name, spec.Classes, classes)
	if err != nil {
		return nil, err
	}
	per := p.rows * p.cols
	var pix []byte
	var labels []int32
	if keep == nil {
		pix = p.images.data[spec.HoldOut*per:]
		labels = make([]int32, 0, p.n-spec.HoldOut)
		for _, l := range p.labels.data[spec.HoldOut:] {
			labels = append(labels, int32(l))
		}
	} else {
		for i := spec.HoldOut; i < p.n; i++ {
			if l := p.labels.data[i]; keep[int(l)] {
				pix = append(pix, p.images.data[i*per:(i+1)*per]...)
				labels = append(labels, int32(l))
			}
		}
	}
	return finish(name, pix, labels, p.rows, p.cols, 1, classes, spec, source)
}

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
	var parts []*cifarPart
	var classes []string
	var source string
	if spec.Path != "" {
		st, err := os.Stat(spec.Path)
		if err != nil {
			return nil, fmt.Errorf("dataset: %w", err)
		}
		archive := spec.Path
		if st.IsDir() {
			archive = ""
			if d := cifarDirIn(spec.Path); d != "" {
				if parts, classes, err = readCIFARDir(d, spec.Split, keepFn); err != nil {
					return nil, fmt.Errorf("dataset: %w", err)
				}
				source = fmt.Sprintf("folder %s (extracted batch files: no published checksums for them)", d)
			} else if a := filepath.Join(spec.Path, ks.archive.name); exists(a) {
				archive = a
			} else {
				return nil, fmt.Errorf("dataset: %s holds neither %s/ with the batch files nor %s (for a folder of images, give the path without the name cifar10)", spec.Path, cifarDir, ks.archive.name)
			}
		}
		if archive != "" {
			parts, classes, source, err = streamCIFAR(archive, ks, spec.Split, keepFn)
			if err != nil {
				return nil, err
			}
		}
	} else {
		cache, err := opts.cacheDir()
		if err != nil {
			return nil, fmt.Errorf("dataset %s: %w", ks.name, err)
		}
		dir := filepath.Join(cache, ks.name)
		ext := filepath.Join(dir, cifarDir)
		archive := filepath.Join(dir, ks.archive.name)
		note, statErr := os.ReadFile(filepath.Join(ext, cifarMarker))
		if statErr != nil {
			verified := false
			if sum, err := sha256File(archive); err == nil {
				verified = sum == ks.archive.sha
			}
			if !verified {
				if err := fetch(ctx, opts.fetchRequest(opts.mirror(ks)+ks.archive.name, archive, ks.archive)); err != nil {
					// A download that came but failed its checksum is news the
					// user must see; one that could not be made is not.
					var bad *ChecksumError
					if root := cifarJPEGCopy(opts); root != "" && ctx.Err() == nil && !errors.As(err, &bad) {
						return openCIFARJPEG(ctx, ks, spec, root, err)
					}
					return nil, fmt.Errorf("dataset %s: %w (offline, a copy as labelled JPEG folders also works: set %s to a folder holding train/<class>/ and test/<class>/)", ks.name, err, cifarJPEGVar)
				}
			}
			note = []byte("extracted from " + ks.archive.name + ", whose SHA-256 verified")
			if err := extractCIFAR(archive, ext, string(note)); err != nil {
				return nil, fmt.Errorf("dataset %s: %w; delete %s and try again", ks.name, err, dir)
			}
			os.Remove(archive) // the extracted files are all we need
		}
		if parts, classes, err = readCIFARDir(ext, spec.Split, keepFn); err != nil {
			return nil, fmt.Errorf("dataset %s: %w; delete %s and run again to download it afresh", ks.name, err, ext)
		}
		source = fmt.Sprintf("cache %s (%s)", ext, strings.TrimSpace(string(note)))
	}
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

// Describe says in one line where a named data set would be loaded from,
// without loading it (for `ganstudio data list`).
func Describe(name string, opts Options) string {
	canon, ok := Lookup(name)
	if !ok {
		return fmt.Sprintf("unknown data set %q", name)
	}
	ks := catalogue[canon]
	cache, cacheErr := opts.cacheDir()
	if ks.kind == "cifar" {
		if cacheErr == nil {
			ext := filepath.Join(cache, ks.name, cifarDir)
			if exists(filepath.Join(ext, cifarMarker)) {
				return "cache " + ext
			}
			if a := filepath.Join(cache, ks.name, ks.archive.name); exists(a) {
				return "cache " + a + " (to be checked and extracted)"
			}
			return fmt.Sprintf("download %s from %s into %s", humanBytes(ks.archive.size), opts.mirror(ks)+ks.archive.name, filepath.Join(cache, ks.name))
		}
		return "not available: " + cacheErr.Error()
	}
	if cacheErr == nil {
		d := filepath.Join(cache, ks.name)
		if _, _, ok := findIDXPair(d, "train"); ok {
			return "cache " + d
		}
	}
	for _, pl := range ks.local() {
		if opts.SkipLocal {
			break
		}
		if _, _, ok := findIDXPair(pl.dir, "train"); ok {
			return pl.what + ": " + pl.dir
		}
	}
	if cacheErr != nil {
		return "not available: " + cacheErr.Error()
	}
	var size int64
	for _, fi := range ks.files["train"] {
		size += fi.size
	}
	what := "download"
	if size > 0 {
		what += " " + humanBytes(size)
	}
	return fmt.Sprintf("%s from %s into %s", what, opts.mirror(ks), filepath.Join(cache, ks.name))
}

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
