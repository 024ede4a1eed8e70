package dataset

import (
	"archive/tar"
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
)

// The fuzz targets check that the parsers never panic, never allocate more
// than their limits allow, and that what they accept is consistent. Their
// seeds run as ordinary tests; fuzz with e.g.
//
//	go test -run='^$' -fuzz=FuzzIDX -fuzztime=1m -fuzzminimizetime=5s ./training/dataset
//
// (CIFAR records are 3 KB; without -fuzzminimizetime the engine spends up
// to a minute minimizing each new input and reports 0 execs/sec meanwhile.)

// fuzzIDXLimit keeps the fuzzer's allocations small.
const fuzzIDXLimit = 1 << 20

// FuzzIDX fuzzes the IDX parser, plain and gzip-compressed.
func FuzzIDX(f *testing.F) {
	images := append(idxHeader([]int{2, 3, 3}), 0, 1, 2, 3, 4, 5, 6, 7, 8, 255, 254, 253, 252, 251, 250, 249, 248, 247)
	labels := append(idxHeader([]int{4}), 7, 2, 1, 0)
	f.Add(images)
	f.Add(labels)
	f.Add(gz(images))
	f.Add(gz(labels))
	f.Add(images[:20])                                   // truncated
	f.Add(gz(images)[:30])                               // truncated gzip
	f.Add(append(bytes.Clone(images), 9))                // trailing byte
	f.Add(idxHeader([]int{1 << 31, 28, 28}))             // 2^31 images
	f.Add(idxHeader([]int{0xffffffff, 0xffffffff}))      // overflow
	f.Add([]byte{0, 0, 0x08, 0})                         // no dimensions
	f.Add([]byte{0, 0, 0x0d, 3, 0, 0, 0, 1})             // floats
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}) // gzip header only
	f.Add([]byte("<html>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, magic := range []uint32{idxImagesMagic, idxLabelsMagic} {
			dims, pix, err := decodeIDX(bytes.NewReader(data), nil, magic, fuzzIDXLimit)
			if err != nil {
				continue
			}
			total := 1
			for _, d := range dims {
				if d <= 0 {
					t.Fatalf("accepted dimension %d", d)
				}
				total *= d
			}
			if total != len(pix) || total > fuzzIDXLimit {
				t.Fatalf("dims %v but %d bytes", dims, len(pix))
			}
		}
	})
}

// FuzzCIFAR fuzzes the CIFAR-10 batch parser.
func FuzzCIFAR(f *testing.F) {
	rec := make([]byte, cifarRecord)
	for i := range rec {
		rec[i] = byte(i)
	}
	rec[0] = 7
	two := append(bytes.Clone(rec), rec...)
	two[cifarRecord] = 3
	f.Add(rec)
	f.Add(two)
	f.Add(rec[:100])
	f.Add(append(bytes.Clone(rec), 1))
	bad := bytes.Clone(rec)
	bad[0] = 10
	f.Add(bad)
	f.Add([]byte{7})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := decodeCIFAR(bytes.NewReader(data), int64(len(data)), func(l int) bool { return l == 7 || l == 3 })
		if err != nil {
			return
		}
		if len(data)%cifarRecord != 0 || p.total != len(data)/cifarRecord {
			t.Fatalf("accepted %d bytes as %d records", len(data), p.total)
		}
		if len(p.pix) != len(p.labels)*cifarPixels || len(p.ordinals) != len(p.labels) {
			t.Fatalf("inconsistent part: %d pixel bytes, %d labels", len(p.pix), len(p.labels))
		}
		for _, l := range p.labels {
			if l != 7 && l != 3 {
				t.Fatalf("kept label %d", l)
			}
		}
		// Reading a truncated stream of the same claimed size must fail.
		if len(data) > 0 {
			if _, err := decodeCIFAR(bytes.NewReader(data[:len(data)-1]), int64(len(data)), nil); err == nil {
				t.Fatal("truncated input accepted")
			}
		}
	})
}

// FuzzCIFARArchive fuzzes the archive reader (gzip, tar, member checks).
func FuzzCIFARArchive(f *testing.F) {
	rec := make([]byte, cifarRecord)
	rec[0] = 7
	var entries []tarEntry
	for _, name := range append(cifarFiles["train"], cifarFiles["test"]...) {
		entries = append(entries, tarEntry{name: cifarDir + "/" + name, body: rec})
	}
	good := makeArchive(f, entries)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(makeArchive(f, append(entries, tarEntry{name: "../../x/data_batch_1.bin", body: rec})))
	f.Add(makeArchive(f, []tarEntry{{name: cifarDir + "/test_batch.bin", typeflag: tar.TypeSymlink, link: "/etc/passwd"}}))
	f.Add(makeArchive(f, []tarEntry{{name: cifarDir + "/test_batch.bin", body: rec[:10]}}))
	f.Add(makeArchive(f, []tarEntry{{name: cifarDir + "/" + cifarMeta, body: []byte("a\nb\n")}, {name: "test_batch.bin", body: rec}}))
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, split := range []string{"train", "test"} {
			parts, _, err := readCIFARArchive(bytes.NewReader(data), split, nil)
			if err != nil {
				continue
			}
			if len(parts) != len(cifarFiles[split]) {
				t.Fatalf("%d parts for %s", len(parts), split)
			}
			pix, labels, total := mergeCIFAR(parts, 1)
			if len(pix) != len(labels)*cifarPixels || len(labels) != max(total-1, 0) {
				t.Fatalf("merge: %d pixel bytes, %d labels, %d records", len(pix), len(labels), total)
			}
		}
	})
}

// FuzzImage fuzzes the image folder's decoding and resizing.
func FuzzImage(f *testing.F) {
	src := image.NewNRGBA(image.Rect(0, 0, 7, 5))
	for i := range src.Pix {
		src.Pix[i] = byte(i * 7)
	}
	var p, j, g bytes.Buffer
	png.Encode(&p, src)
	jpeg.Encode(&j, src, nil)
	gif.Encode(&g, src, nil)
	gray := image.NewGray16(image.Rect(0, 0, 3, 9))
	gray.Set(1, 1, color.Gray16{Y: 40000})
	var p16 bytes.Buffer
	png.Encode(&p16, gray)
	f.Add(p.Bytes())
	f.Add(j.Bytes())
	f.Add(g.Bytes())
	f.Add(p16.Bytes())
	f.Add(p.Bytes()[:40])
	f.Add(hugePNG(f, 1<<30, 1<<30))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := decodeImageBytes(data, "fuzz", 1<<16)
		if err != nil {
			return
		}
		for _, shape := range [][2]int{{8, 3}, {3, 1}} {
			out := make([]byte, shape[0]*shape[0]*shape[1])
			newRenderer(shape[0], shape[1], FitCrop).render(img, out)
		}
	})
}
