package dataset

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Spec says which images to load.
type Spec struct {
	// Name is "mnist", "fashion-mnist" or "cifar10" (see Lookup for other
	// spellings), or "" when Path is an image folder or a data set's files.
	Name string
	// Path is an explicit file or folder: an image folder, a folder holding
	// the IDX or CIFAR files, or cifar-10-binary.tar.gz. When set, nothing
	// else is searched or downloaded.
	Path string
	// Classes filters by class name or index (e.g. "horse" or "7"); empty
	// keeps every class.
	Classes []string
	// Split is "train" (the default) or "test". Image folders have no split.
	Split string
	// HoldOut skips this many leading training images (before the class
	// filter), as TensorFlow's read_data_sets does with 5,000 validation
	// images, leaving MNIST's 55,000.
	HoldOut int
	// Size and Channels are the image shape the model wants (e.g. 28 and 1,
	// or 32 and 3). Images are centre-cropped and scaled to Size×Size and
	// converted to grayscale (1) or RGB (3) once, at load. 0 keeps the data
	// set's native shape.
	Size, Channels int
	// Fit says how a folder's non-square pictures become square: FitCrop
	// ("" too) keeps the centre square, FitPad the whole picture.
	Fit string `json:",omitempty"`
}

// Options control where files are looked for and how they are downloaded.
type Options struct {
	// CacheDir holds downloaded files; "" means os.UserCacheDir()/ganstudio.
	CacheDir string
	// Progress, if set, is called while downloading with the file name, the
	// bytes received and the total (-1 if unknown); at most every 50 ms and
	// once when a file is complete.
	Progress func(file string, done, total int64)
	// HTTPClient is used for downloads; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Mirrors overrides the base URL a data set is downloaded from, by data
	// set name (e.g. "mnist": "http://127.0.0.1:8080/"); for tests.
	Mirrors map[string]string
	// Timeout is the read-idle timeout of downloads: a server that sends
	// nothing for this long is given up on (after retries). 0 means
	// DefaultTimeout. The whole download is bounded by the context.
	Timeout time.Duration
	// SkipLocal skips the copies already on the machine (the GoMNIST module,
	// Debian's package), so that a download is tried when the cache is empty.
	SkipLocal bool
}

// Open finds, checks and loads the images spec asks for. Files are looked
// for, in order, at spec.Path (only there, if it is set), in the cache
// folder, in copies already on the machine (the GoMNIST Go module, Debian's
// dataset-fashion-mnist), and are otherwise downloaded into the cache from
// the canonical mirror, SHA-256 checked.
func Open(ctx context.Context, spec Spec, opts Options) (*Dataset, error) {
	if spec.Split == "" {
		spec.Split = "train"
	}
	spec.Split = strings.ToLower(spec.Split)
	switch {
	case spec.Split != "train" && spec.Split != "test":
		return nil, fmt.Errorf("dataset: unknown split %q: use train or test", spec.Split)
	case spec.HoldOut < 0:
		return nil, fmt.Errorf("dataset: negative hold-out %d", spec.HoldOut)
	case spec.Size < 0 || spec.Size > 4096:
		return nil, fmt.Errorf("dataset: image size %d out of range (1-4096, or 0 for the native size)", spec.Size)
	case spec.Channels != 0 && spec.Channels != 1 && spec.Channels != 3:
		return nil, fmt.Errorf("dataset: %d channels: use 1 (grayscale) or 3 (RGB)", spec.Channels)
	case spec.Name == "" && spec.Path == "":
		return nil, fmt.Errorf("dataset: no data set given: name one of %s, or give a folder of images", strings.Join(Names(), ", "))
	}
	if spec.Split == "test" {
		spec.HoldOut = 0
	}
	var ks *knownSet
	if spec.Name != "" {
		name, ok := Lookup(spec.Name)
		if !ok {
			return nil, fmt.Errorf("dataset: unknown data set %q: use one of %s, or a folder of images", spec.Name, strings.Join(Names(), ", "))
		}
		ks = catalogue[name]
	}
	if ks == nil {
		kind, err := detectPath(spec.Path)
		if err != nil {
			return nil, err
		}
		switch kind {
		case "idx":
			return openIDX(ctx, nil, spec, opts)
		case "cifar":
			return openCIFAR(ctx, catalogue["cifar10"], spec, opts)
		}
		return openFolder(ctx, spec)
	}
	if ks.kind == "cifar" {
		return openCIFAR(ctx, ks, spec, opts)
	}
	return openIDX(ctx, ks, spec, opts)
}

// detectPath tells what an explicit path without a data set name holds:
// "idx" files, "cifar" files, or else an image "folder".
func detectPath(p string) (string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return "", fmt.Errorf("dataset: %w", err)
	}
	if !st.IsDir() {
		if isArchiveName(p) {
			return "cifar", nil
		}
		return "", fmt.Errorf("dataset: %s is a file; give a folder of images, a folder with MNIST-style IDX files, or cifar-10-binary.tar.gz", p)
	}
	if _, _, ok := findIDXPair(p, "train"); ok {
		return "idx", nil
	}
	if _, _, ok := findIDXPair(p, "test"); ok {
		return "idx", nil
	}
	if cifarDirIn(p) != "" || exists(filepath.Join(p, catalogue["cifar10"].archive.name)) {
		return "cifar", nil
	}
	return "folder", nil
}

func isArchiveName(p string) bool {
	l := strings.ToLower(p)
	return strings.HasSuffix(l, ".tar.gz") || strings.HasSuffix(l, ".tgz")
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
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

// cacheDir returns the cache folder to use.
func (o *Options) cacheDir() (string, error) {
	if o.CacheDir != "" {
		return o.CacheDir, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder (%w); set Options.CacheDir or pass --path", err)
	}
	return filepath.Join(dir, "ganstudio"), nil
}

func (o *Options) mirror(ks *knownSet) string {
	if m, ok := o.Mirrors[ks.name]; ok && m != "" {
		if !strings.HasSuffix(m, "/") {
			m += "/"
		}
		return m
	}
	return ks.mirror
}

func (o *Options) fetchRequest(url, dest string, fi fileInfo) fetchRequest {
	return fetchRequest{url: url, dest: dest, sha: fi.sha, size: fi.size, client: o.HTTPClient, progress: o.Progress, idle: o.Timeout}
}

// classFilter resolves class names or indices against classes.
func classFilter(what string, want []string, classes []string) (map[int]bool, error) {
	if len(want) == 0 {
		return nil, nil
	}
	keep := map[int]bool{}
	for _, w := range want {
		w = strings.TrimSpace(w)
		idx := -1
		for i, c := range classes {
			if strings.EqualFold(c, w) {
				idx = i
				break
			}
		}
		if idx < 0 {
			if n, err := strconv.Atoi(w); err == nil && n >= 0 && n < len(classes) {
				idx = n
			}
		}
		if idx < 0 {
			if len(classes) == 0 {
				return nil, fmt.Errorf("dataset: %s has no classes, so --class %q cannot apply (use one subfolder per class)", what, w)
			}
			list := make([]string, len(classes))
			for i, c := range classes {
				list[i] = c
				if c != strconv.Itoa(i) {
					list[i] = fmt.Sprintf("%d %s", i, c)
				}
			}
			return nil, fmt.Errorf("dataset: %s has no class %q; choose from: %s", what, w, strings.Join(list, ", "))
		}
		keep[idx] = true
	}
	return keep, nil
}
