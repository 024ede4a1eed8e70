package dataset

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// TestIDXBadInput feeds broken IDX files, most derived from the real MNIST
// test files, and checks that each error names the file and the problem.
func TestIDXBadInput(t *testing.T) {
	md := mnistDir(t)
	realImages, err := os.ReadFile(filepath.Join(md, "t10k-images-idx3-ubyte.gz"))
	if err != nil {
		t.Fatal(err)
	}
	realLabels, err := os.ReadFile(filepath.Join(md, "t10k-labels-idx1-ubyte.gz"))
	if err != nil {
		t.Fatal(err)
	}
	trainLabels, err := os.ReadFile(filepath.Join(md, "train-labels-idx1-ubyte.gz"))
	if err != nil {
		t.Fatal(err)
	}
	corrupt := bytes.Clone(realImages)
	for i := len(corrupt) / 2; i < len(corrupt)/2+64; i++ {
		corrupt[i] ^= 0x5a
	}
	badCRC := bytes.Clone(realLabels)
	badCRC[len(badCRC)-6] ^= 0xff // inside the CRC-32 of the trailer
	tenImages := append(idxHeader([]int{10, 28, 28}), make([]byte, 10*784)...)
	outOfRange := append(idxHeader([]int{10}), 0, 1, 2, 3, 4, 5, 6, 7, 8, 12)

	tests := []struct {
		name           string
		images, labels []byte
		want           string // in the error, after the file name
		wantFile       string // "images" or "labels": which file the error names
	}{
		{"truncated gzip", realImages[:len(realImages)/2], realLabels, "truncated gzip stream", "images"},
		{"gzip cut in the trailer", realImages, realLabels[:len(realLabels)-3], "truncated gzip stream", "labels"},
		{"corrupt deflate data", corrupt, realLabels, "corrupt gzip data", "images"},
		{"bad gzip CRC", realImages, badCRC, "corrupt gzip data: checksum", "labels"},
		{"labels where images belong", realLabels, realLabels, "wrong IDX magic 0x00000801: expected IDX images", "images"},
		{"images where labels belong", realImages, realImages, "wrong IDX magic 0x00000803: expected IDX labels", "labels"},
		{"not IDX at all", []byte("<html>404 Not Found</html>"), realLabels, "not an IDX file", "images"},
		{"float IDX", []byte{0, 0, 0x0d, 3, 0, 0, 0, 1}, realLabels, "unsupported IDX element type 0x0d", "images"},
		{"2^31 images claimed", append(idxHeader([]int{1 << 31, 28, 28}), 1, 2, 3), realLabels, "claims dimensions [2147483648 28 28]", "images"},
		{"zero images", idxHeader([]int{0, 28, 28}), realLabels, "zero dimension", "images"},
		{"header cut short", idxHeader([]int{10, 28, 28})[:9], realLabels, "reading IDX dimensions", "images"},
		{"fewer pixels than claimed", append(idxHeader([]int{10000, 28, 28}), make([]byte, 784)...), realLabels, "truncated file: the IDX header promises 7840000 data bytes but only 784 follow", "images"},
		{"trailing data", append(bytes.Clone(tenImages), 0), gz(append(idxHeader([]int{10}), make([]byte, 10)...)), "unexpected data after the 7840 bytes", "images"},
		{"labels do not match images", realImages, trainLabels, "holds 10000 images but", "images"},
		{"label out of range", tenImages, outOfRange, "label 12 of item 9 is out of range", "labels"},
		{"labels of 2 dimensions", tenImages, append(idxHeader([]int{10, 1}), make([]byte, 10)...), "wrong IDX magic 0x00000802", "labels"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			img := filepath.Join(dir, "t10k-images-idx3-ubyte.gz")
			lbl := filepath.Join(dir, "t10k-labels-idx1-ubyte.gz")
			os.WriteFile(img, tc.images, 0o644)
			os.WriteFile(lbl, tc.labels, 0o644)
			_, err := Open(t.Context(), Spec{Name: "mnist", Path: dir, Split: "test"}, offline(t))
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			file := map[string]string{"images": img, "labels": lbl}[tc.wantFile]
			if !strings.Contains(msg, file) {
				t.Errorf("error %q does not name %s", msg, file)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q lacks %q", msg, tc.want)
			}
		})
	}
}

// TestIDXNoHugeAllocation checks that headers announcing far more data than
// the file holds do not make the loader allocate it.
func TestIDXNoHugeAllocation(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"2^31 images", append(idxHeader([]int{1 << 31, 28, 28}), make([]byte, 100)...)},
		{"2^31-1 images of one pixel", append(idxHeader([]int{1<<31 - 1, 1, 1}), make([]byte, 100)...)},
		{"1 million images, 784 bytes present", append(idxHeader([]int{1 << 20, 28, 28}), make([]byte, 784)...)},
		{"gzip of the same", gz(append(idxHeader([]int{1 << 20, 28, 28}), make([]byte, 784)...))},
		{"four huge dimensions", append(idxHeader([]int{1 << 31, 1 << 31, 1 << 31})[:4:4], make([]byte, 12)...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, err := decodeIDX(bytes.NewReader(tc.data), nil, idxImagesMagic, maxIDXBytes)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("no error")
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
				t.Errorf("allocated %d MB for a %d-byte input (%v)", grew>>20, len(tc.data), err)
			}
		})
	}
}

// TestIDXRoundTrip decodes a small hand-made IDX file, plain and gzipped.
func TestIDXRoundTrip(t *testing.T) {
	data := append(idxHeader([]int{2, 2, 3}), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
	for _, in := range [][]byte{data, gz(data)} {
		dims, pix, err := decodeIDX(bytes.NewReader(in), nil, idxImagesMagic, maxIDXBytes)
		if err != nil {
			t.Fatal(err)
		}
		if len(dims) != 3 || dims[0] != 2 || dims[1] != 2 || dims[2] != 3 || len(pix) != 12 || pix[11] != 12 {
			t.Errorf("dims %v, pix %v", dims, pix)
		}
	}
}
