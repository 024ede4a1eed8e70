package dataset

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writePNG(t testing.TB, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// hugePNG returns a valid 1×1 PNG whose header claims w×h pixels.
func hugePNG(t testing.TB, w, h uint32) []byte {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1)))
	b := buf.Bytes()
	// IHDR data starts at 16 (8 signature, 4 length, 4 type); CRC at 29.
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// classFolder builds a folder with one subfolder per class from real
// images: horse JPEGs, MNIST digits as PNG, horses as GIF, and some files
// that must be skipped or ignored.
func classFolder(t *testing.T) string {
	dir := t.TempDir()
	src, _ := filepath.Abs(horsesDir(t))
	mnist := openShared(t, Spec{Name: "mnist", Split: "test"})
	for _, d := range []string{"horse", "digits", "gif", ".hidden"} {
		os.Mkdir(filepath.Join(dir, d), 0o755)
	}
	for i := range 12 {
		os.Symlink(filepath.Join(src, fmtHorse(i)), filepath.Join(dir, "horse", fmtHorse(i)))
	}
	jpg, _ := os.ReadFile(filepath.Join(src, fmtHorse(12)))
	os.WriteFile(filepath.Join(dir, "horse", "broken.jpg"), jpg[:len(jpg)/3], 0o644)
	for i := range 10 {
		writePNG(t, filepath.Join(dir, "digits", fmtHorse(i)[:4]+".png"), mnist.Image(i))
	}
	os.WriteFile(filepath.Join(dir, "digits", "fake.png"), []byte("not a picture"), 0o644)
	for i := range 5 {
		img, err := decodeImage(filepath.Join(src, fmtHorse(i)))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		gif.Encode(&buf, img, nil)
		os.WriteFile(filepath.Join(dir, "gif", fmtHorse(i)[:4]+".GIF"), buf.Bytes(), 0o644)
	}
	os.Symlink(filepath.Join(src, fmtHorse(20)), filepath.Join(dir, ".hidden", "x.jpg"))
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o644)
	writePNG(t, filepath.Join(dir, "loose.png"), mnist.Image(20))
	return dir
}

// TestFolderClasses loads a folder with class subfolders, skipping the
// unreadable files.
func TestFolderClasses(t *testing.T) {
	mnistDir(t)
	dir := classFolder(t)
	tests := []struct {
		name        string
		spec        Spec
		wantLen     int
		wantSize    int
		wantChans   int
		wantSkipped int
		wantLabels  []int // allowed labels
	}{
		{"all, as RGB 32", Spec{Size: 32, Channels: 3}, 28, 32, 3, 2, []int{-1, 0, 1, 2}},
		{"horses", Spec{Classes: []string{"horse"}}, 12, 32, 3, 1, []int{2}},
		{"digits by index and gifs by name", Spec{Classes: []string{"0", "GIF"}, Size: 28, Channels: 1}, 15, 28, 1, 1, []int{0, 1}},
		{"native shape of grayscale digits", Spec{Classes: []string{"digits"}}, 10, 28, 1, 1, []int{0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec
			spec.Path = dir
			d, err := Open(t.Context(), spec, offline(t))
			if err != nil {
				t.Fatal(err)
			}
			if s, c := d.Shape(); d.Len() != tc.wantLen || s != tc.wantSize || c != tc.wantChans {
				t.Errorf("Len %d, shape %d×%d; want %d, %d×%d", d.Len(), s, c, tc.wantLen, tc.wantSize, tc.wantChans)
			}
			if d.Skipped() != tc.wantSkipped {
				t.Errorf("Skipped = %d (%v), want %d", d.Skipped(), d.SkippedFiles(), tc.wantSkipped)
			}
			if !slices.Equal(d.Classes(), []string{"digits", "gif", "horse"}) {
				t.Errorf("Classes = %v", d.Classes())
			}
			for i := range d.Len() {
				if !slices.Contains(tc.wantLabels, d.Label(i)) {
					t.Fatalf("Label(%d) = %d, want one of %v", i, d.Label(i), tc.wantLabels)
				}
			}
			checkFill(t, d)
		})
	}

	d, err := Open(t.Context(), Spec{Path: dir, Classes: []string{"horse"}}, offline(t))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Source(), "1 unreadable files skipped, e.g. broken.jpg") {
		t.Errorf("Source %q does not report the skipped file", d.Source())
	}
	// The folder loader gives the same pixels as decoding the JPEG directly.
	for i := range 12 {
		if !bytes.Equal(d.pix[i*cifarPixels:(i+1)*cifarPixels], horseCHW(t, i)) {
			t.Fatalf("horse %d differs", i)
		}
	}
	all, err := Open(t.Context(), Spec{Path: dir}, offline(t))
	if err != nil {
		t.Fatal(err)
	}
	if sk := strings.Join(all.SkippedFiles(), "; "); !strings.Contains(sk, "broken.jpg") || !strings.Contains(sk, "fake.png: not a readable PNG, JPEG or GIF") {
		t.Errorf("SkippedFiles = %q", sk)
	}
}

// TestFolderShapes resizes real horses to other shapes.
func TestFolderShapes(t *testing.T) {
	dir := someHorses(t, 300)
	tests := []struct {
		spec                   Spec
		wantLen, size, channel int
	}{
		{Spec{Size: 28, Channels: 1}, 300, 28, 1},
		{Spec{Size: 16, HoldOut: 100}, 200, 16, 3},
		{Spec{Size: 64, Channels: 3}, 300, 64, 3},
	}
	for _, tc := range tests {
		spec := tc.spec
		spec.Path = dir
		d, err := Open(t.Context(), spec, offline(t))
		if err != nil {
			t.Fatal(err)
		}
		if s, c := d.Shape(); d.Len() != tc.wantLen || s != tc.size || c != tc.channel {
			t.Errorf("%+v: Len %d, shape %d×%d", tc.spec, d.Len(), s, c)
		}
		checkFill(t, d)
	}
}

// TestCentreCrop checks that images are centre-cropped, not squashed.
func TestCentreCrop(t *testing.T) {
	stripes := func(w, h int, vertical bool) image.Image {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		cols := []color.RGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}}
		for y := range h {
			for x := range w {
				k := x * 3 / w
				if vertical {
					k = y * 3 / h
				}
				img.Set(x, y, cols[k])
			}
		}
		return img
	}
	for _, img := range []image.Image{stripes(60, 20, false), stripes(20, 60, true), stripes(90, 30, false)} {
		for _, size := range []int{20, 10, 32} {
			out := make([]byte, 3*size*size)
			newRenderer(size, 3, FitCrop).render(img, out)
			n := size * size
			for i := range n {
				if out[i] > 1 || out[n+i] < 254 || out[2*n+i] > 1 {
					t.Fatalf("%v at size %d: pixel %d is (%d,%d,%d), want green", img.Bounds(), size, i, out[i], out[n+i], out[2*n+i])
				}
			}
		}
	}
	// Transparent pixels become black; grey is kept as grey.
	img := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.NRGBA{200, 200, 200, 255})
	out := make([]byte, 16)
	newRenderer(4, 1, FitCrop).render(img, out)
	if out[0] != 0 || out[5] != 200 {
		t.Errorf("gray render = %v", out)
	}
}

// TestFolderErrors checks the errors for folders that cannot be used.
func TestFolderErrors(t *testing.T) {
	mk := func(files map[string][]byte) string {
		dir := t.TempDir()
		for name, b := range files {
			p := filepath.Join(dir, name)
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, b, 0o644)
		}
		return dir
	}
	var good bytes.Buffer
	png.Encode(&good, image.NewGray(image.Rect(0, 0, 8, 8)))
	tests := []struct {
		name  string
		files map[string][]byte
		spec  Spec
		want  string
	}{
		{"empty folder", nil, Spec{}, "holds no PNG, JPEG or GIF files"},
		{"no images", map[string][]byte{"a.txt": []byte("x"), "sub/b.bmp": []byte("x")}, Spec{}, "holds no PNG, JPEG or GIF files"},
		{"only unreadable images", map[string][]byte{"a.png": []byte("x"), "b.jpg": {0xff, 0xd8, 0xff}}, Spec{Size: 8}, "none of its 2 image files can be read"},
		{"only unreadable, native size", map[string][]byte{"a.png": []byte("x")}, Spec{}, "none of its 1 image files can be read"},
		{"huge dimensions", map[string][]byte{"a.png": hugePNG(t, 100000, 100000)}, Spec{Size: 8}, "100000×100000 pixels is empty or too large"},
		{"class filter on a flat folder", map[string][]byte{"a.png": good.Bytes()}, Spec{Classes: []string{"cat"}}, `has no classes, so --class "cat" cannot apply`},
		{"unknown class", map[string][]byte{"dog/a.png": good.Bytes()}, Spec{Classes: []string{"cat"}}, `has no class "cat"; choose from: 0 dog`},
		{"test split", map[string][]byte{"a.png": good.Bytes()}, Spec{Split: "test"}, "no test split"},
		{"hold-out of everything", map[string][]byte{"a.png": good.Bytes()}, Spec{HoldOut: 1}, "hold-out 1 leaves none of its 1 images"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := mk(tc.files)
			spec := tc.spec
			spec.Path = dir
			_, err := Open(t.Context(), spec, offline(t))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), dir) {
				t.Errorf("Open = %v, want an error naming %s and containing %q", err, dir, tc.want)
			}
		})
	}

	// A huge image among good ones is skipped and counted.
	dir := mk(map[string][]byte{"a.png": good.Bytes(), "b.png": hugePNG(t, 1<<20, 1<<20)})
	d, err := Open(t.Context(), Spec{Path: dir}, offline(t))
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 1 || d.Skipped() != 1 {
		t.Errorf("Len %d, Skipped %d", d.Len(), d.Skipped())
	}
}
