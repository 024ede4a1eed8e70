package dataset

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

const (
	cifarSide    = 32
	cifarPixels  = 3 * cifarSide * cifarSide // 1,024 R, then G, then B
	cifarRecord  = 1 + cifarPixels
	cifarDir     = "cifar-10-batches-bin"
	cifarMeta    = "batches.meta.txt"
	cifarMarker  = ".ganstudio-source"
	maxCIFARFile = 64 << 20  // an official batch is 30,730,000 bytes
	maxCIFARAll  = 512 << 20 // everything extracted from one archive
	maxCIFARMeta = 64 << 10
)

// cifarFiles lists the batch files of each split, in their canonical order.
var cifarFiles = map[string][]string{
	"train": {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"},
	"test":  {"test_batch.bin"},
}

// cifarPart holds the records kept from one batch file.
type cifarPart struct {
	total    int     // records in the file
	pix      []byte  // kept records' pixels, CHW
	labels   []int32 // kept records' labels
	ordinals []int32 // kept records' positions in the file
}

// decodeCIFAR reads size bytes of CIFAR-10 binary records (1 label byte and
// 3,072 pixel bytes each) from r, keeping the records whose label passes
// keep (nil keeps all). The error does not name the file; the caller adds it.
func decodeCIFAR(r io.Reader, size int64, keep func(label int) bool) (*cifarPart, error) {
	if size <= 0 {
		return nil, errors.New("empty CIFAR batch file")
	}
	if size%cifarRecord != 0 {
		return nil, fmt.Errorf("CIFAR record of the wrong length: %d bytes is not a whole number of %d-byte records (1 label + 3,072 pixels); is this CIFAR-10's binary version?", size, cifarRecord)
	}
	if size > maxCIFARFile {
		return nil, fmt.Errorf("CIFAR batch file of %s is larger than the %s limit", humanBytes(size), humanBytes(maxCIFARFile))
	}
	n := int(size / cifarRecord)
	p := &cifarPart{total: n}
	br := bufio.NewReaderSize(r, int(min(size, 256<<10)))
	var rec [cifarRecord]byte
	for i := 0; i < n; i++ {
		if _, err := io.ReadFull(br, rec[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("truncated: record %d of %d is cut short (incomplete file?)", i, n)
			}
			return nil, describeReadErr(err, false)
		}
		label := int(rec[0])
		if label >= len(cifarClasses) {
			return nil, fmt.Errorf("record %d has label %d; CIFAR-10 labels are 0-9 (is this CIFAR-100 or another file?)", i, label)
		}
		if keep != nil && !keep(label) {
			continue
		}
		if p.pix == nil {
			p.pix = make([]byte, 0, min(n, 1024)*cifarPixels)
		}
		p.pix = append(p.pix, rec[1:]...)
		p.labels = append(p.labels, int32(label))
		p.ordinals = append(p.ordinals, int32(i))
	}
	return p, nil
}

// mergeCIFAR joins the parts of a split in order, dropping the first holdOut
// records of the split (counted before the class filter).
func mergeCIFAR(parts []*cifarPart, holdOut int) (pix []byte, labels []int32, total int) {
	kept := 0
	for _, p := range parts {
		kept += len(p.labels)
		total += p.total
	}
	pix = make([]byte, 0, kept*cifarPixels)
	labels = make([]int32, 0, kept)
	offset := 0
	for _, p := range parts {
		for k, ord := range p.ordinals {
			if offset+int(ord) < holdOut {
				continue
			}
			pix = append(pix, p.pix[k*cifarPixels:(k+1)*cifarPixels]...)
			labels = append(labels, p.labels[k])
		}
		offset += p.total
	}
	return pix, labels, total
}

// parseCIFARMeta reads batches.meta.txt: one class name per line. It returns
// nil unless there are exactly ten names.
func parseCIFARMeta(b []byte) []string {
	var names []string
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			names = append(names, line)
		}
	}
	if len(names) != len(cifarClasses) {
		return nil
	}
	return names
}

// safeMemberName returns the cleaned name of a tar member and whether it
// stays inside the extraction folder.
func safeMemberName(name string) (string, bool) {
	clean := path.Clean(strings.ReplaceAll(name, `\`, "/"))
	if clean == "." || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
		return clean, false
	}
	return clean, filepath.IsLocal(filepath.FromSlash(clean))
}

// cifarMember reports which batch or meta file a tar member is, if any.
// Only members directly in cifar-10-batches-bin/ (or at the top level) count.
func cifarMember(clean string) (string, bool) {
	dir, base := path.Split(clean)
	if dir != "" && dir != cifarDir+"/" {
		return "", false
	}
	if base == cifarMeta {
		return base, true
	}
	for _, files := range cifarFiles {
		for _, f := range files {
			if f == base {
				return base, true
			}
		}
	}
	return "", false
}

// walkCIFARArchive reads a gzip-compressed tar archive and calls fn for each
// member that is a CIFAR batch or meta file, with the member's base name,
// size and content. It refuses members whose path would escape the archive's
// folder, and bounds every size.
func walkCIFARArchive(r io.Reader, fn func(base string, size int64, content io.Reader) error) error {
	zr, err := gzip.NewReader(bufio.NewReaderSize(r, 256<<10))
	if err != nil {
		return describeReadErr(err, true)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	var all int64
	seen := map[string]bool{}
	for members := 0; ; members++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, tar.ErrHeader) {
				return fmt.Errorf("corrupt tar archive: %w", err)
			}
			return fmt.Errorf("reading the archive: %w", describeReadErr(err, true))
		}
		if members > 10000 {
			return errors.New("archive has more than 10,000 members; not a CIFAR-10 archive")
		}
		clean, ok := safeMemberName(hdr.Name)
		if !ok {
			return fmt.Errorf("refusing the archive: member %q would be written outside its folder", hdr.Name)
		}
		base, wanted := cifarMember(clean)
		if !wanted || (hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeRegA) {
			continue // directories, links, other files: never extracted
		}
		if seen[base] {
			return fmt.Errorf("archive holds %s twice", clean)
		}
		seen[base] = true
		limit := int64(maxCIFARFile)
		if base == cifarMeta {
			limit = maxCIFARMeta
		}
		if hdr.Size < 0 || hdr.Size > limit {
			return fmt.Errorf("archive member %s claims %d bytes, more than the %s limit", clean, hdr.Size, humanBytes(limit))
		}
		if all += hdr.Size; all > maxCIFARAll {
			return fmt.Errorf("archive members add up to more than %s", humanBytes(maxCIFARAll))
		}
		if err := fn(base, hdr.Size, tr); err != nil {
			return fmt.Errorf("%s: %w", clean, err)
		}
	}
	return nil
}

// readCIFARArchive loads one split straight from a cifar-10-binary.tar.gz
// stream, without writing anything to disk.
func readCIFARArchive(r io.Reader, split string, keep func(int) bool) (parts []*cifarPart, classes []string, err error) {
	want := cifarFiles[split]
	byName := map[string]*cifarPart{}
	err = walkCIFARArchive(r, func(base string, size int64, content io.Reader) error {
		if base == cifarMeta {
			b, err := io.ReadAll(io.LimitReader(content, size))
			if err != nil {
				return describeReadErr(err, true)
			}
			classes = parseCIFARMeta(b)
			return nil
		}
		if !contains(want, base) {
			return nil
		}
		p, err := decodeCIFAR(content, size, keep)
		if err != nil {
			return err
		}
		byName[base] = p
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for _, f := range want {
		p, ok := byName[f]
		if !ok {
			return nil, nil, fmt.Errorf("archive lacks %s/%s: not a complete CIFAR-10 binary archive", cifarDir, f)
		}
		parts = append(parts, p)
	}
	return parts, classes, nil
}

// readCIFARDir loads one split from a folder of extracted batch files.
func readCIFARDir(dir, split string, keep func(int) bool) (parts []*cifarPart, classes []string, err error) {
	for _, f := range cifarFiles[split] {
		p := filepath.Join(dir, f)
		file, err := os.Open(p)
		if err != nil {
			return nil, nil, fmt.Errorf("open %s: %w", p, err)
		}
		st, err := file.Stat()
		if err != nil {
			file.Close()
			return nil, nil, fmt.Errorf("stat %s: %w", p, err)
		}
		part, err := decodeCIFAR(file, st.Size(), keep)
		file.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", p, err)
		}
		parts = append(parts, part)
	}
	if b, err := os.ReadFile(filepath.Join(dir, cifarMeta)); err == nil && len(b) <= maxCIFARMeta {
		classes = parseCIFARMeta(b)
	}
	return parts, classes, nil
}

// extractCIFAR extracts the batch and meta files of a CIFAR-10 archive into
// dest (which must not exist yet), through a temporary folder beside it that
// is renamed into place only when everything has been written and synced.
// Only the known file names are ever written, directly inside dest.
func extractCIFAR(archive, dest, note string) error {
	f, err := os.Open(archive)
	if err != nil {
		return fmt.Errorf("open %s: %w", archive, err)
	}
	defer f.Close()
	tmp, err := os.MkdirTemp(filepath.Dir(dest), ".extract-*")
	if err != nil {
		return fmt.Errorf("extract %s: %w", archive, err)
	}
	defer os.RemoveAll(tmp)
	err = walkCIFARArchive(f, func(base string, size int64, content io.Reader) error {
		if base != cifarMeta && size%cifarRecord != 0 {
			return fmt.Errorf("CIFAR record of the wrong length: %d bytes is not a whole number of %d-byte records", size, cifarRecord)
		}
		out, err := os.OpenFile(filepath.Join(tmp, base), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		if base == cifarMeta {
			_, err = io.CopyN(out, content, size)
		} else {
			// Check every record on the way to disk.
			_, err = decodeCIFAR(io.TeeReader(content, out), size, func(int) bool { return false })
		}
		if err != nil {
			out.Close()
			return describeReadErr(err, true)
		}
		if err := out.Sync(); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		return fmt.Errorf("extract %s: %w", archive, err)
	}
	for _, files := range cifarFiles {
		for _, name := range files {
			if _, err := os.Stat(filepath.Join(tmp, name)); err != nil {
				return fmt.Errorf("extract %s: archive lacks %s/%s", archive, cifarDir, name)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, cifarMarker), []byte(note+"\n"), 0o644); err != nil {
		return fmt.Errorf("extract %s: %w", archive, err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		if _, statErr := os.Stat(filepath.Join(dest, cifarMarker)); statErr == nil {
			return nil // another process finished first
		}
		return fmt.Errorf("extract %s: %w", archive, err)
	}
	syncDir(filepath.Dir(dest))
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
