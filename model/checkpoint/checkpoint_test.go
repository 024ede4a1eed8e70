package checkpoint

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func sample() *File {
	return &File{
		Config: []byte(`{"preset":"lite-mnist"}`),
		State:  []byte(`{"step":100}`),
		Tensors: []Tensor{
			{Name: "a", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, -6}},
			{Name: "b", Shape: []int{1}, Data: []float32{0.5}},
		},
	}
}

func encoded(t testing.TB, f *File) []byte {
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.ckpt")
	want := sample()
	if err := Write(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("read back %+v, wrote %+v", got, want)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp*")); len(left) > 0 {
		t.Fatalf("temporary files left behind: %v", left)
	}
}

// resum recomputes the trailer so that a test can reach the checks behind
// the checksum.
func resum(b []byte) []byte {
	s := sha256.Sum256(b[:len(b)-sha256.Size])
	copy(b[len(b)-sha256.Size:], s[:])
	return b
}

func TestDecodeRejects(t *testing.T) {
	good := encoded(t, sample())
	mutate := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"truncated", good[:len(good)-10]},
		{"cut in header", good[:30]},
		{"flipped value byte", mutate(func(b []byte) []byte { b[len(b)-40] ^= 1; return b })},
		{"wrong magic", mutate(func(b []byte) []byte { b[0] = 'X'; return resum(b) })},
		{"future version", mutate(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[8:], 99); return resum(b) })},
		{"huge header length", mutate(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[12:], 1<<31); return resum(b) })},
		{"header claims huge tensor", resum(bytes.Replace(append([]byte(nil), good...), []byte(`[2,3]`), []byte(`[9,9]`), 1))},
		{"header claims negative size", resum(bytes.Replace(append([]byte(nil), good...), []byte(`[2,3]`), []byte(`[-2,3]`), 1))},
		{"garbage", bytes.Repeat([]byte{0xff}, 100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.data)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Decode = %v, want an ErrCorrupt", err)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Read(filepath.Join(dir, "missing.ckpt")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := Read(dir); err == nil {
		t.Fatal("reading a folder succeeded")
	}
	bad := filepath.Join(dir, "bad.ckpt")
	os.WriteFile(bad, []byte("hello"), 0o644)
	if _, err := Read(bad); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("bad file: %v", err)
	}
}

func TestWriteKeepsOldFileWhenFolderIsGone(t *testing.T) {
	if err := Write(filepath.Join(t.TempDir(), "no", "such", "x.ckpt"), sample()); err == nil {
		t.Fatal("write into a missing folder succeeded")
	}
}

func TestEncodeRejectsBadShape(t *testing.T) {
	f := sample()
	f.Tensors[0].Shape = []int{4}
	if err := Encode(&bytes.Buffer{}, f); err == nil {
		t.Fatal("encoded a tensor whose shape does not match its data")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(encoded(f, sample()))
	f.Add([]byte("GANSCKPT"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Decode(data)
		if err != nil {
			return
		}
		// Whatever decodes must encode back to the same bytes' content.
		again, err := Decode(encoded(t, got))
		if err != nil || len(again.Tensors) != len(got.Tensors) {
			t.Fatalf("re-decode: %v", err)
		}
	})
}
