package dataset

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	_ "image/gif"  // register GIF
	_ "image/jpeg" // register JPEG
	_ "image/png"  // register PNG
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

const (
	// maxImagePixels rejects decompression bombs: a picture larger than this
	// is skipped as unreadable before it is decoded.
	maxImagePixels = 50_000_000
	// maxFolderBytes bounds the memory an image folder may take once loaded.
	maxFolderBytes = 4 << 30
	// maxFolderFiles bounds the number of files considered in a folder.
	maxFolderFiles = 5_000_000
)

// imageExts are the file extensions the folder loader reads.
var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".gif": true}

func isImageFile(name string) bool {
	return !strings.HasPrefix(name, ".") && imageExts[strings.ToLower(filepath.Ext(name))]
}

// folderFile is one image file and its class (-1 for loose files).
type folderFile struct {
	path  string
	label int32
}

// scanFolder lists the image files under dir. When dir has subfolders that
// hold images, each such subfolder (searched recursively) is a class, named
// after the subfolder; images directly in dir are then unlabelled.
func scanFolder(dir string) (files []folderFile, classes []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("read image folder %s: %w", dir, err)
	}
	var loose []folderFile
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		full := filepath.Join(dir, name)
		isDir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			if st, err := os.Stat(full); err == nil {
				isDir = st.IsDir()
			}
		}
		if !isDir {
			if isImageFile(name) {
				loose = append(loose, folderFile{path: full, label: -1})
			}
			continue
		}
		var inClass []folderFile
		label := int32(len(classes))
		err := filepath.WalkDir(full, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && p != full && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if !d.IsDir() && isImageFile(d.Name()) {
				if len(files)+len(inClass) >= maxFolderFiles {
					return fmt.Errorf("more than %d images", maxFolderFiles)
				}
				inClass = append(inClass, folderFile{path: p, label: label})
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("read image folder %s: %w", full, err)
		}
		if len(inClass) > 0 {
			classes = append(classes, name)
			files = append(files, inClass...)
		}
	}
	if len(loose) > maxFolderFiles {
		return nil, nil, fmt.Errorf("read image folder %s: more than %d images", dir, maxFolderFiles)
	}
	files = append(files, loose...)
	sort.SliceStable(files, func(i, j int) bool { return files[i].path < files[j].path })
	return files, classes, nil
}

// openFolder loads an image folder.
func openFolder(ctx context.Context, spec Spec) (*Dataset, error) {
	if spec.Split == "test" {
		return nil, fmt.Errorf("dataset: %s is an image folder, which has no test split", spec.Path)
	}
	files, classes, err := scanFolder(spec.Path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("dataset: image folder %s holds no PNG, JPEG or GIF files (nor subfolders with some)", spec.Path)
	}
	keep, err := classFilter("image folder "+spec.Path, spec.Classes, classes)
	if err != nil {
		return nil, err
	}
	if keep != nil {
		kept := files[:0:0]
		for _, f := range files {
			if f.label >= 0 && keep[int(f.label)] {
				kept = append(kept, f)
			}
		}
		files = kept
	}
	if spec.HoldOut >= len(files) {
		return nil, fmt.Errorf("dataset: image folder %s: hold-out %d leaves none of its %d images", spec.Path, spec.HoldOut, len(files))
	}
	files = files[spec.HoldOut:]
	if err := CheckFit(spec.Fit); err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	res, err := loadFolder(ctx, spec.Path, files, spec.Size, spec.Channels, spec.Fit)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	src := fmt.Sprintf("image folder %s (%d images", spec.Path, len(res.pix)/(res.size*res.size*res.chans))
	if len(classes) > 0 {
		src += fmt.Sprintf(", %d class folders", len(classes))
	}
	if res.skipped > 0 {
		src += fmt.Sprintf("; %d unreadable files skipped, e.g. %s", res.skipped, res.skippedFiles[0])
	}
	src += "; no checksums for folders)"
	d := &Dataset{
		name: "folder", size: res.size, chans: res.chans, pix: res.pix, labels: res.labels,
		classes: classes, source: src, skipped: res.skipped, skippedFiles: res.skippedFiles,
	}
	return d, nil
}

// folderResult is a loaded image folder.
type folderResult struct {
	pix          []byte
	labels       []int32 // nil when no file has a class
	size, chans  int
	skipped      int
	skippedFiles []string // "name: reason", the first few
}

// loadFolder decodes the images in files (PNG, JPEG or GIF) to size×size×chans
// in parallel; files that fail are skipped and counted. size or chans of 0
// are taken from the first readable image (its shorter side; 1 channel if it
// is grayscale, else 3).
func loadFolder(ctx context.Context, dir string, files []folderFile, size, chans int, fit string) (*folderResult, error) {
	if size == 0 || chans == 0 {
		var err error
		if size, chans, err = firstImageShape(dir, files, size, chans); err != nil {
			return nil, err
		}
	}
	per := size * size * chans
	if int64(per)*int64(len(files)) > maxFolderBytes {
		return nil, fmt.Errorf("image folder %s: %d images of %d×%d×%d would take %s, more than the %s limit; choose a smaller image size or fewer classes",
			dir, len(files), size, size, chans, humanBytes(int64(per)*int64(len(files))), humanBytes(maxFolderBytes))
	}
	pix := make([]byte, len(files)*per)
	errs := renderFiles(ctx, files, pix, size, chans, fit)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("load image folder %s: %w", dir, context.Cause(ctx))
	}
	res := dropUnreadable(files, pix, per, errs)
	if len(res.pix) == 0 {
		return nil, fmt.Errorf("image folder %s: none of its %d image files can be read (%s)", dir, len(files), strings.Join(res.skippedFiles, "; "))
	}
	res.size, res.chans = size, chans
	return res, nil
}

// firstImageShape fills in a size or chans of 0 from the header of the first
// readable image in files.
func firstImageShape(dir string, files []folderFile, size, chans int) (int, int, error) {
	var firstErrs []string
	for _, f := range files {
		cfg, err := decodeConfig(f.path)
		if err != nil {
			if len(firstErrs) < 3 {
				firstErrs = append(firstErrs, err.Error())
			}
			continue
		}
		if size == 0 {
			size = min(cfg.Width, cfg.Height)
		}
		if chans == 0 {
			chans = 3
			if cfg.ColorModel == color.GrayModel || cfg.ColorModel == color.Gray16Model {
				chans = 1
			}
		}
		break
	}
	if size == 0 || chans == 0 {
		return 0, 0, fmt.Errorf("image folder %s: none of its %d image files can be read (%s)", dir, len(files), strings.Join(firstErrs, "; "))
	}
	return size, chans, nil
}

// renderFiles decodes files[i] into pix's i-th image on every core and
// returns each file's error (nil where it was read). It stops early when
// ctx is done.
func renderFiles(ctx context.Context, files []folderFile, pix []byte, size, chans int, fit string) []error {
	per := size * size * chans
	errs := make([]error, len(files))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers(len(files)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := newRenderer(size, chans, fit)
			for {
				i := int(next.Add(1) - 1)
				if i >= len(files) || ctx.Err() != nil {
					return
				}
				img, err := decodeImage(files[i].path)
				if err != nil {
					errs[i] = err
					continue
				}
				r.render(img, pix[i*per:(i+1)*per])
			}
		}()
	}
	wg.Wait()
	return errs
}

// dropUnreadable compacts pix in place to the files that were read, keeping
// their order, and counts the ones that were not.
func dropUnreadable(files []folderFile, pix []byte, per int, errs []error) *folderResult {
	res := &folderResult{}
	kept := 0
	labels := make([]int32, 0, len(files))
	labelled := false
	for i, f := range files {
		if errs[i] != nil {
			res.skipped++
			if len(res.skippedFiles) < 5 {
				res.skippedFiles = append(res.skippedFiles, errs[i].Error())
			}
			continue
		}
		if kept != i {
			copy(pix[kept*per:(kept+1)*per], pix[i*per:(i+1)*per])
		}
		labels = append(labels, f.label)
		labelled = labelled || f.label >= 0
		kept++
	}
	res.pix = pix[: kept*per : kept*per]
	if labelled {
		res.labels = labels
	}
	return res
}

// maxImageFile bounds the size of one image file.
const maxImageFile = 256 << 20

// decodeImage reads and decodes one image file.
func decodeImage(path string) (image.Image, error) {
	name := filepath.Base(path)
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > maxImageFile {
		return nil, fmt.Errorf("%s: file of %s is too large for an image", name, humanBytes(st.Size()))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decodeImageBytes(b, name, maxImagePixels)
}

// decodeImageBytes decodes a PNG, JPEG or GIF after checking that its
// declared size is at most maxPixels, so that a forged header cannot cause a huge
// allocation. name is used in errors.
func decodeImageBytes(b []byte, name string, maxPixels int64) (image.Image, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable PNG, JPEG or GIF: %w", name, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, fmt.Errorf("%s: %s of %d×%d pixels is empty or too large", name, format, cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: corrupt %s: %w", name, format, err)
	}
	if img.Bounds().Empty() {
		return nil, fmt.Errorf("%s: empty image", name)
	}
	return img, nil
}

// decodeConfig reads an image file's header.
func decodeConfig(path string) (image.Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return image.Config{}, err
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil {
		return cfg, fmt.Errorf("%s: not a readable PNG, JPEG or GIF: %w", filepath.Base(path), err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
		return cfg, fmt.Errorf("%s: %s of %d×%d pixels is empty or too large", filepath.Base(path), format, cfg.Width, cfg.Height)
	}
	return cfg, nil
}
