package dataset

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// testRecord is one CIFAR record the tests put in an archive.
type testRecord struct {
	label byte
	pix   []byte // 3,072 bytes, CHW
}

func (r testRecord) bytes() []byte { return append([]byte{r.label}, r.pix...) }

// testBatches builds five training batches and a test batch of recordsPer
// records each; labels cycle through the ten classes, pixels are real horse
// images so that every record differs.
func testBatches(t testing.TB, recordsPer int) map[string][]testRecord {
	out := map[string][]testRecord{}
	k := 0
	for _, split := range []string{"train", "test"} {
		for _, f := range cifarFiles[split] {
			for range recordsPer {
				out[f] = append(out[f], testRecord{label: byte((k * 3) % 10), pix: horseCHW(t, k)})
				k++
			}
		}
	}
	return out
}

// tarEntry is a member of a test archive.
type tarEntry struct {
	name     string
	body     []byte
	typeflag byte
	link     string
	size     int64 // header size if not len(body)
}

// makeArchive writes entries as a tar.gz.
func makeArchive(t testing.TB, entries []tarEntry) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: e.typeflag, Linkname: e.link}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag != tar.TypeReg {
			h.Size = 0
		}
		if e.size != 0 {
			h.Size = e.size
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg && e.size == 0 {
			tw.Write(e.body)
		}
	}
	if !slices.ContainsFunc(entries, func(e tarEntry) bool { return e.size != 0 }) {
		tw.Close()
	}
	zw.Close()
	return buf.Bytes()
}

// cifarEntries lays out batches as the official archive does, members out of
// order, with the meta file and a readme.
func cifarEntries(batches map[string][]testRecord) []tarEntry {
	file := func(name string) []byte {
		var b []byte
		for _, r := range batches[name] {
			b = append(b, r.bytes()...)
		}
		return b
	}
	order := []string{"data_batch_1.bin", cifarMeta, "data_batch_3.bin", "data_batch_4.bin", "test_batch.bin", "readme.html", "data_batch_2.bin", "data_batch_5.bin"}
	entries := []tarEntry{{name: cifarDir + "/", typeflag: tar.TypeDir}}
	for _, name := range order {
		var body []byte
		switch name {
		case cifarMeta:
			body = []byte(strings.Join(cifarClasses, "\n") + "\n\n")
		case "readme.html":
			body = []byte("<html></html>")
		default:
			body = file(name)
		}
		entries = append(entries, tarEntry{name: cifarDir + "/" + name, body: body})
	}
	return entries
}

// expect returns the records of a split that pass keep, after holdOut.
func expect(batches map[string][]testRecord, split string, holdOut int, keep func(byte) bool) []testRecord {
	var out []testRecord
	i := 0
	for _, f := range cifarFiles[split] {
		for _, r := range batches[f] {
			if i >= holdOut && keep(r.label) {
				out = append(out, r)
			}
			i++
		}
	}
	return out
}

// TestCIFARClassFilter builds a CIFAR-format archive with records of all
// ten classes and checks the class filter, hold-out and splits, reading the
// archive directly and from an extracted copy.
func TestCIFARClassFilter(t *testing.T) {
	batches := testBatches(t, 20)
	dir := t.TempDir()
	archive := filepath.Join(dir, "cifar-10-binary.tar.gz")
	os.WriteFile(archive, makeArchive(t, cifarEntries(batches)), 0o644)
	extracted := filepath.Join(t.TempDir(), cifarDir)
	if err := extractCIFAR(archive, extracted, "test"); err != nil {
		t.Fatal(err)
	}
	is := func(ls ...byte) func(byte) bool { return func(l byte) bool { return slices.Contains(ls, l) } }
	all := func(byte) bool { return true }

	tests := []struct {
		name    string
		spec    Spec
		keep    func(byte) bool
		holdOut int
	}{
		{"horses by name", Spec{Classes: []string{"horse"}}, is(7), 0},
		{"horses by index", Spec{Classes: []string{"7"}}, is(7), 0},
		{"several classes", Spec{Classes: []string{"Horse", "cat", "9"}}, is(7, 3, 9), 0},
		{"all classes", Spec{}, all, 0},
		{"hold-out before filter", Spec{Classes: []string{"horse"}, HoldOut: 30}, is(7), 30},
		{"test split", Spec{Split: "test", Classes: []string{"airplane", "ship"}}, is(0, 8), 0},
	}
	for _, src := range []struct{ name, path string }{{"archive", archive}, {"folder with archive", dir}, {"extracted", filepath.Dir(extracted)}} {
		for _, tc := range tests {
			t.Run(src.name+"/"+tc.name, func(t *testing.T) {
				spec := tc.spec
				spec.Name, spec.Path = "cifar10", src.path
				d, err := Open(t.Context(), spec, offline(t))
				if err != nil {
					t.Fatal(err)
				}
				split := spec.Split
				if split == "" {
					split = "train"
				}
				want := expect(batches, split, tc.holdOut, tc.keep)
				if d.Len() != len(want) {
					t.Fatalf("Len = %d, want %d", d.Len(), len(want))
				}
				for i, r := range want {
					if d.Label(i) != int(r.label) || !bytes.Equal(d.pix[i*cifarPixels:(i+1)*cifarPixels], r.pix) {
						t.Fatalf("image %d: label %d, want %d (or pixels differ)", i, d.Label(i), r.label)
					}
				}
				if !slices.Equal(d.Classes(), cifarClasses) {
					t.Errorf("classes %v", d.Classes())
				}
				if d.Verified() {
					t.Error("the test archive passed for the official one")
				}
				if src.name != "extracted" && !strings.Contains(d.Source(), "NOT verified") {
					t.Errorf("source %q should say the test archive is not the official one", d.Source())
				}
			})
		}
	}

	t.Run("cache", func(t *testing.T) {
		// What a verified download leaves in the cache, extracted.
		opts := offline(t)
		ext := filepath.Join(opts.CacheDir, "cifar10", cifarDir)
		os.MkdirAll(filepath.Dir(ext), 0o755)
		if err := extractCIFAR(archive, ext, "extracted from cifar-10-binary.tar.gz, whose SHA-256 verified"); err != nil {
			t.Fatal(err)
		}
		if got := Describe("cifar10", opts); got != "cache "+ext {
			t.Errorf("Describe = %q", got)
		}
		d, err := Open(t.Context(), Spec{Name: "cifar10", Classes: []string{"horse"}}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if d.Len() != len(expect(batches, "train", 0, is(7))) || !d.Verified() || !strings.HasPrefix(d.Source(), "cache "+ext) {
			t.Errorf("len %d, verified %v, source %q", d.Len(), d.Verified(), d.Source())
		}
	})

	t.Run("unnamed archive path", func(t *testing.T) {
		d, err := Open(t.Context(), Spec{Path: archive, Classes: []string{"horse"}, Size: 16, Channels: 1}, offline(t))
		if err != nil {
			t.Fatal(err)
		}
		if s, c := d.Shape(); d.Name() != "cifar10" || s != 16 || c != 1 || d.Len() != len(expect(batches, "train", 0, is(7))) {
			t.Errorf("name %s, shape %d×%d, len %d", d.Name(), s, c, d.Len())
		}
	})
}

// TestCIFARBadInput checks the errors for broken CIFAR files and archives.
func TestCIFARBadInput(t *testing.T) {
	batches := testBatches(t, 4)
	good := cifarEntries(batches)
	with := func(name string, e tarEntry) []tarEntry {
		out := slices.Clone(good)
		for i := range out {
			if out[i].name == name {
				out[i] = e
				return out
			}
		}
		return append(out, e)
	}
	rec := batches["data_batch_1.bin"][0]
	badLabel := append([]byte{10}, rec.pix...)
	b1 := cifarDir + "/data_batch_1.bin"
	goodArchive := makeArchive(t, good)

	tests := []struct {
		name    string
		archive []byte
		want    string
	}{
		{"record of the wrong length", makeArchive(t, with(b1, tarEntry{name: b1, body: append(rec.bytes(), 1, 2, 3)})), "data_batch_1.bin: CIFAR record of the wrong length: 3076 bytes"},
		{"label out of range", makeArchive(t, with(b1, tarEntry{name: b1, body: badLabel})), "data_batch_1.bin: record 0 has label 10"},
		{"empty batch", makeArchive(t, with(b1, tarEntry{name: b1})), "data_batch_1.bin: empty CIFAR batch"},
		{"missing batch", makeArchive(t, with(b1, tarEntry{name: cifarDir + "/other.bin", body: rec.bytes()})[1:]), "lacks cifar-10-batches-bin/data_batch_1.bin"},
		{"batch as a symlink", makeArchive(t, with(b1, tarEntry{name: b1, typeflag: tar.TypeSymlink, link: "/etc/passwd"})), "lacks cifar-10-batches-bin/data_batch_1.bin"},
		{"path escapes", makeArchive(t, with("x", tarEntry{name: "../../etc/data_batch_1.bin", body: rec.bytes()})), `member "../../etc/data_batch_1.bin" would be written outside`},
		{"absolute path", makeArchive(t, with("x", tarEntry{name: "/tmp/data_batch_1.bin", body: rec.bytes()})), `member "/tmp/data_batch_1.bin" would be written outside`},
		{"batch twice", makeArchive(t, append(slices.Clone(good), good[1])), "holds cifar-10-batches-bin/data_batch_1.bin twice"},
		{"member claims 1 GB", makeArchive(t, []tarEntry{{name: b1, size: 1 << 30}}), "claims 1073741824 bytes, more than the 67.1 MB limit"},
		{"truncated archive", goodArchive[:len(goodArchive)/2], "truncated"},
		{"not gzip", []byte("PK\x03\x04 this is a zip"), "corrupt gzip data"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			archive := filepath.Join(dir, "cifar-10-binary.tar.gz")
			os.WriteFile(archive, tc.archive, 0o644)
			_, err := Open(t.Context(), Spec{Name: "cifar10", Path: archive}, offline(t))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), archive) {
				t.Errorf("Open = %v, want an error naming %s and containing %q", err, archive, tc.want)
			}
			// Extraction fails the same way and writes nothing.
			root := t.TempDir()
			dest := filepath.Join(root, "cache", cifarDir)
			os.MkdirAll(filepath.Dir(dest), 0o755)
			if err := extractCIFAR(archive, dest, "test"); err == nil {
				t.Error("extractCIFAR succeeded")
			}
			if files := listFiles(t, root); len(files) != 0 {
				t.Errorf("extraction left %v", files)
			}
		})
	}

	t.Run("batch file of the wrong length", func(t *testing.T) {
		dir := t.TempDir()
		for _, f := range cifarFiles["train"] {
			os.WriteFile(filepath.Join(dir, f), rec.bytes(), 0o644)
		}
		p := filepath.Join(dir, "data_batch_4.bin")
		os.WriteFile(p, rec.bytes()[:3000], 0o644)
		_, err := Open(t.Context(), Spec{Name: "cifar10", Path: dir}, offline(t))
		if err == nil || !strings.Contains(err.Error(), p+": CIFAR record of the wrong length") {
			t.Errorf("Open = %v", err)
		}
	})
}

// TestCIFARDownloadChecksum serves the test archive as if it were the
// official one: the checksum fails and nothing is kept.
func TestCIFARDownloadChecksum(t *testing.T) {
	archive := makeArchive(t, cifarEntries(testBatches(t, 2)))
	srv := newFileServer(t, map[string][]byte{"cifar-10-binary.tar.gz": archive})
	opts := offline(t)
	opts.Mirrors["cifar10"] = srv.URL
	_, err := Open(t.Context(), Spec{Name: "cifar10"}, opts)
	var ce *ChecksumError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "cifar-10-binary.tar.gz") {
		t.Fatalf("Open = %v, want a checksum error naming the archive", err)
	}
	if files := listFiles(t, opts.CacheDir); len(files) != 0 {
		t.Errorf("cache holds %v after a failed download", files)
	}
}

// Offline, CIFAR-10 comes from a copy as labelled JPEG folders: labels in
// CIFAR-10's order, the class filter, the test split.
func TestCIFARFromJPEGFolders(t *testing.T) {
	root := t.TempDir()
	for split, per := range map[string]int{"train": 3, "test": 1} {
		for c, name := range cifarClasses {
			for i := range per {
				img := image.NewRGBA(image.Rect(0, 0, 32, 32))
				for p := range img.Pix {
					img.Pix[p] = uint8(c * 20)
				}
				writeJPEG(t, filepath.Join(root, split, name, fmt.Sprintf("%04d.jpg", i)), img)
			}
		}
	}
	t.Setenv(cifarJPEGVar, root)
	d, err := Open(t.Context(), Spec{Name: "cifar10"}, offline(t))
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 30 || d.Name() != "cifar10" || !strings.Contains(d.Source(), "JPEG copy") || d.Verified() {
		t.Fatalf("%d images of %s from %q (verified %v), want 30 from the JPEG copy", d.Len(), d.Name(), d.Source(), d.Verified())
	}
	horses, err := Open(t.Context(), Spec{Name: "cifar10", Classes: []string{"horse"}, Split: "test"}, offline(t))
	if err != nil {
		t.Fatal(err)
	}
	if horses.Len() != 1 || horses.Label(0) != 7 {
		t.Fatalf("test horses: %d images, first label %d; want 1 of label 7", horses.Len(), horses.Label(0))
	}
	for _, want := range []struct{ size, channels int }{{0, 0}, {64, 3}, {28, 1}} {
		d, err := Open(t.Context(), Spec{Name: "cifar10", Split: "test", Size: want.size, Channels: want.channels}, offline(t))
		if err != nil {
			t.Fatal(err)
		}
		size, channels := d.Shape()
		if want.size == 0 {
			want.size, want.channels = 32, 3
		}
		if size != want.size || channels != want.channels {
			t.Errorf("asked for %d×%d×%d: got %d×%d×%d", want.size, want.size, want.channels, size, size, channels)
		}
	}
	os.RemoveAll(filepath.Join(root, "train", "truck"))
	if _, err := Open(t.Context(), Spec{Name: "cifar10"}, offline(t)); err == nil || !strings.Contains(err.Error(), "class folders") {
		t.Fatalf("a copy without trucks: %v, want an error naming the class folders", err)
	}
}

func writeJPEG(t *testing.T, path string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := jpeg.Encode(f, img, nil); err != nil {
		t.Fatal(err)
	}
}
