package dataset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
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

// openIDX loads an IDX data set (ks nil: unknown IDX files at spec.Path)
// from spec.Path, else the first verified copy in the cache or on the
// machine, else a download into the cache.
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
		return openIDXFolder(ks, spec)
	}
	cache, cacheErr := opts.cacheDir()
	var places []localCopy
	if cacheErr == nil {
		places = append(places, localCopy{dir: filepath.Join(cache, ks.name), what: "cache"})
	}
	if !opts.SkipLocal {
		places = append(places, ks.local()...)
	}
	p, place, notes := firstVerifiedIDX(ks, spec.Split, places)
	if p != nil {
		return buildIDX(ks, p, spec, fmt.Sprintf("%s %s (SHA-256 verified)", place.what, place.dir))
	}
	if cacheErr != nil {
		return nil, fmt.Errorf("dataset %s: no local copy and %w", ks.name, cacheErr)
	}
	return downloadIDX(ctx, ks, spec, opts, filepath.Join(cache, ks.name), notes)
}

// openIDXFolder loads the IDX files in the folder spec.Path, saying in the
// source whether they are a known set's (ks, or when ks is nil any
// catalogued set whose checksums they match).
func openIDXFolder(ks *knownSet, spec Spec) (*Dataset, error) {
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
	} else if known := recogniseIDX(p, spec.Split); known != nil {
		ks = known
		status = "SHA-256 verified: the official " + known.name + " files"
	}
	return buildIDX(ks, p, spec, fmt.Sprintf("folder %s (%s)", dir, status))
}

// recogniseIDX returns the catalogued IDX set whose published checksums p
// matches, or nil.
func recogniseIDX(p *idxPair, split string) *knownSet {
	for _, name := range Names() {
		if k := catalogue[name]; k.kind == "idx" && p.verify(k, split) == "" {
			return k
		}
	}
	return nil
}

// firstVerifiedIDX loads the split from the first place whose files match
// ks's checksums. Places whose files are unreadable or differ are passed
// over with a note, for the error should the download fail too.
func firstVerifiedIDX(ks *knownSet, split string, places []localCopy) (*idxPair, localCopy, []string) {
	var notes []string
	for _, pl := range places {
		imgPath, lblPath, ok := findIDXPair(pl.dir, split)
		if !ok {
			continue
		}
		p, err := loadIDXPair(imgPath, lblPath)
		if err != nil {
			notes = append(notes, fmt.Sprintf("%s: %v", pl.what, err))
			continue
		}
		if bad := p.verify(ks, split); bad != "" {
			notes = append(notes, fmt.Sprintf("%s %s: %s", pl.what, pl.dir, bad))
			continue
		}
		return p, pl, notes
	}
	return nil, localCopy{}, notes
}

// downloadIDX fetches the split's files that dir lacks (or holds corrupt)
// from ks's mirror and loads them; notes say why the local copies were
// passed over.
func downloadIDX(ctx context.Context, ks *knownSet, spec Spec, opts Options, dir string, notes []string) (*Dataset, error) {
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
