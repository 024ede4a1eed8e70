package training

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/ganstudio/ganstudio/model"
	"github.com/ganstudio/ganstudio/model/safetensors"
	"github.com/ganstudio/ganstudio/training/dataset"
)

// A run resumed from its export folder continues exactly as one resumed
// from the checkpoint the folder came from: every tensor, the random
// state and the step counts survive PyTorch's names and layouts.
func TestExportResumesExactly(t *testing.T) {
	data := realMNIST(t)
	for _, tc := range []struct {
		name string
		set  func(*Config)
	}{
		{"seed", func(*Config) {}},
		{"conditional, EMA", func(c *Config) { c.Conditional, c.EMADecay = true, 0.99 }},
		{"spectral norm, conditional", func(c *Config) { c.Model.SpectralNorm, c.Conditional = true, true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tinyConfig(t, 10)
			tc.set(&cfg)
			dir := filepath.Join(t.TempDir(), "run")
			runToEnd(t, mustNewIn(t, cfg, data, dir))
			export := filepath.Join(t.TempDir(), "export")
			if err := ExportTorch(dir, export); err != nil {
				t.Fatal(err)
			}
			longer := func(c *Config) error { c.Steps = 15; return nil }
			fromCkpt, err := Resume(filepath.Join(dir, "checkpoints", "step-0000010.ckpt"), data, longer)
			if err != nil {
				t.Fatal(err)
			}
			fromExport, err := ResumeInto(export, filepath.Join(t.TempDir(), "b"), data, longer)
			if err != nil {
				t.Fatal(err)
			}
			a, b := runToEnd(t, fromCkpt), runToEnd(t, fromExport)
			if len(a) != 5 || len(b) != 5 {
				t.Fatalf("resumed runs did %d and %d steps, want 5", len(a), len(b))
			}
			for i := range a {
				if a[i].Step != b[i].Step || a[i].DLoss != b[i].DLoss || a[i].GLoss != b[i].GLoss || a[i].DReal != b[i].DReal || a[i].DFake != b[i].DFake {
					t.Fatalf("step %d: from the checkpoint %+v, from the export %+v", a[i].Step, a[i], b[i])
				}
			}
		})
	}
}

func TestExportRefuses(t *testing.T) {
	data := realMNIST(t)
	dir := filepath.Join(t.TempDir(), "run")
	runToEnd(t, mustNewIn(t, tinyConfig(t, 2), data, dir))
	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "keep.txt"), []byte("mine"), 0o644)
	export := filepath.Join(t.TempDir(), "export")
	if err := ExportTorch(dir, export); err != nil {
		t.Fatal(err)
	}
	damaged := filepath.Join(t.TempDir(), "damaged")
	if err := os.Rename(export, damaged); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(damaged, "optimizer_d.safetensors"))
	for _, tc := range []struct {
		name, err string
		do        func() error
	}{
		{"into a folder with files", "not empty", func() error { return ExportTorch(dir, full) }},
		{"from nothing", "no such file", func() error { return ExportTorch(filepath.Join(dir, "nope"), filepath.Join(t.TempDir(), "x")) }},
		{"a folder missing a file", "optimizer_d.safetensors is missing", func() error { _, err := ReadCheckpoint(damaged); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v, want one that says %q", err, tc.err)
			}
		})
	}
	if b, err := os.ReadFile(filepath.Join(full, "keep.txt")); err != nil || string(b) != "mine" {
		t.Fatal("a refused export touched the folder's files")
	}
}

// pictureFolder writes n colourful size×size PNGs into a new folder.
func pictureFolder(t *testing.T, size, n int) string { return pictureFolderOf(t, size, size, n) }

// pictureFolderOf writes n colourful w×h PNGs into a new folder.
func pictureFolderOf(t *testing.T, w, h, n int) string {
	folder := t.TempDir()
	r := rand.New(rand.NewPCG(5, 6))
	for i := range n {
		img := image.NewNRGBA(image.Rect(0, 0, w, h))
		c := color.NRGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
		for y := range h {
			for x := range w {
				img.SetNRGBA(x, y, color.NRGBA{c.R + uint8(4*x), c.G + uint8(4*y), c.B, 255})
			}
		}
		f, err := os.Create(filepath.Join(folder, fmt.Sprintf("%02d.png", i)))
		if err != nil {
			t.Fatal(err)
		}
		png.Encode(f, img)
		f.Close()
	}
	return folder
}

// cifarJPEG is CIFAR-10's training set as labelled JPEG folders, the
// team's copy beside the checkout (../shared/datasets).
func cifarJPEG(t *testing.T) string {
	_, here, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(here), "..", "..", "shared", "datasets", "cifar10-jpeg", "train")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no CIFAR-10 JPEG folders: %v", err)
	}
	return dir
}

// The data file of an export holds what dataset.Open yields, bit for bit:
// the same bytes in the same order, which map to the same values in
// [−1, 1], with the labels and the class names.
func TestTorchExportDataFile(t *testing.T) {
	cases := []struct {
		name  string
		set   func(*Config)
		short bool
	}{
		{"MNIST, class filter", func(c *Config) { c.Data.Classes = []string{"3", "8"} }, true},
		{"colour folder, cropped and scaled", func(c *Config) {
			c.Model = tinyColour(32)
			c.Data = dataset.Spec{Path: pictureFolderOf(t, 48, 36, 20)}
		}, true},
		{"CIFAR-10 horses from the JPEG folders, 64×64", func(c *Config) {
			c.Model = tinyColour(64)
			c.Data = dataset.Spec{Path: cifarJPEG(t), Classes: []string{"horse"}}
		}, false},
		{"conditional CIFAR-10, two classes", func(c *Config) {
			c.Model = tinyColour(32)
			c.Data = dataset.Spec{Path: cifarJPEG(t), Classes: []string{"ship", "horse"}}
			c.Conditional = true
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() && !tc.short {
				t.Skip("decodes thousands of JPEGs")
			}
			cfg := tinyConfig(t, 2)
			tc.set(&cfg)
			data, err := OpenData(context.Background(), cfg, dataset.Options{})
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "run")
			runToEnd(t, mustNewIn(t, cfg, data, dir))
			export := filepath.Join(t.TempDir(), "export")
			if err := ExportTorchWith(dir, export, ExportOptions{Data: true}); err != nil {
				t.Fatal(err)
			}
			checkDataFile(t, export, data)
		})
	}
}

// checkDataFile checks an export's data.safetensors against data.
func checkDataFile(t *testing.T, export string, data *dataset.Dataset) {
	t.Helper()
	tensors, meta, err := safetensors.ReadFile(filepath.Join(export, dataFileName))
	if err != nil {
		t.Fatal(err)
	}
	size, ch := data.Shape()
	n := data.Len()
	if len(tensors) != 2 || tensors[0].Name != "images" || tensors[0].DType != safetensors.U8 ||
		!slices.Equal(tensors[0].Shape, []int{n, ch, size, size}) || tensors[1].Name != "labels" || !slices.Equal(tensors[1].Shape, []int{n}) {
		t.Fatalf("data file holds %v", tensors)
	}
	pix := tensors[0].Data
	// The values training sees: Fill's, and the file's bytes mapped as
	// Fill maps them (the twin maps them in the same float32 steps).
	want := make([]float32, len(pix))
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	if err := data.Fill(want, all); err != nil {
		t.Fatal(err)
	}
	for i, b := range pix {
		if got := float32(b)/127.5 - 1; math.Float32bits(got) != math.Float32bits(want[i]) || got != dataset.ToUnit(b) {
			t.Fatalf("value %d (image %d): the file's byte %d is %v, dataset.Open's value %v", i, i/(ch*size*size), b, got, want[i])
		}
	}
	for i := range n {
		if got := int64(binary.LittleEndian.Uint64(tensors[1].Data[8*i:])); got != int64(data.Label(i)) {
			t.Fatalf("label %d: file %d, data set %d", i, got, data.Label(i))
		}
	}
	var classes []string
	json.Unmarshal([]byte(meta["classes"]), &classes)
	var cj struct {
		DataFile DataFileInfo `json:"data_file"`
	}
	js, _ := os.ReadFile(filepath.Join(export, exportConfig))
	if err := json.Unmarshal(js, &cj); err != nil {
		t.Fatal(err)
	}
	if meta["format"] != dataFileFormat || !slices.Equal(classes, data.Classes()) || !slices.Equal(cj.DataFile.Classes, data.Classes()) ||
		cj.DataFile.Images != n || cj.DataFile.Size != size || cj.DataFile.Channels != ch {
		t.Fatalf("data file metadata %v, config.json's data_file %+v; data set %d images of %d×%d×%d, classes %v", meta, cj.DataFile, n, size, size, ch, data.Classes())
	}
	t.Logf("%d images of %d×%d×%d, %d classes: equal bit for bit", n, size, size, ch, len(data.Classes()))
}

// tinyColour is the network for a colour folder at size 32 (the seed's
// CIFAR layout) or 64 (DCGAN's), narrow enough for a test.
func tinyColour(size int) model.Config {
	m := model.Seed(32, 3)
	if size == 64 {
		m = model.DCGAN64(3)
	}
	m.Width = 16
	return m
}

// A data file for another folder: exporting an export folder again with
// a folder of pictures in place of the run's data gives that folder's
// images, at the run's size, and keeps the run's history; a conditional
// run refuses a folder without its classes.
func TestTorchExportDataOfAnotherFolder(t *testing.T) {
	cfg := tinyConfig(t, 4)
	cfg.SampleEvery = 2
	cfg.Model = tinyColour(32)
	cfg.Data = dataset.Spec{Path: pictureFolder(t, 32, 20)}
	dir := filepath.Join(t.TempDir(), "run")
	runToEnd(t, mustNewIn(t, cfg, nil, dir))
	first := filepath.Join(t.TempDir(), "export")
	if err := ExportTorch(dir, first); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(first, dataFileName)); !os.IsNotExist(err) {
		t.Fatalf("ExportTorch wrote a data file (%v)", err)
	}
	bigger := pictureFolderOf(t, 40, 40, 36)
	big := filepath.Join(t.TempDir(), "big")
	if err := ExportTorchWith(first, big, ExportOptions{Data: true, Folder: bigger}); err != nil {
		t.Fatal(err)
	}
	data, err := dataset.Open(context.Background(), dataset.Spec{Path: bigger, Size: 32, Channels: 3}, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkDataFile(t, big, data)
	steps, err := readLosses(filepath.Join(big, lossesFile))
	if err != nil || len(steps) != 4 || len(GridFiles(big)) != 3 {
		t.Fatalf("the second export holds %d rows of losses (%v) and %d grids, want the run's 4 and 3", len(steps), err, len(GridFiles(big)))
	}

	cond := tinyConfig(t, 2)
	cond.Conditional = true
	cdir := filepath.Join(t.TempDir(), "cond")
	runToEnd(t, mustNewIn(t, cond, realMNIST(t), cdir))
	err = ExportTorchWith(cdir, filepath.Join(t.TempDir(), "x"), ExportOptions{Data: true, Folder: bigger})
	if err == nil || !strings.Contains(err.Error(), "conditional on the classes") {
		t.Fatalf("a conditional run's export with a folder of other classes: %v", err)
	}
	if err := ExportTorchWith(dir, filepath.Join(t.TempDir(), "y"), ExportOptions{Folder: bigger}); err == nil {
		t.Fatal("a folder without the data was accepted")
	}
}
