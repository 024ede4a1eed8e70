package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	in := []Tensor{
		Float32("bn.weight", []int{3}, []float32{1, -2.5, 3e-8}),
		Int64("bn.num_batches_tracked", nil, []int64{51}),
		Float32("conv.weight", []int{2, 1, 1, 2}, []float32{0.5, 0.25, -1, 7}),
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := WriteFile(path, in, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	out, meta, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if meta["format"] != "pt" {
		t.Errorf("metadata %v", meta)
	}
	if len(out) != len(in) {
		t.Fatalf("%d tensors back, want %d", len(out), len(in))
	}
	for i := range in {
		if out[i].Name != in[i].Name || out[i].DType != in[i].DType || !slices.Equal(out[i].Shape, in[i].Shape) && len(in[i].Shape) > 0 || !bytes.Equal(out[i].Data, in[i].Data) {
			t.Errorf("tensor %d: got %+v, want %+v", i, out[i], in[i])
		}
	}
	v, err := out[2].Float32s()
	if err != nil || !slices.Equal(v, []float32{0.5, 0.25, -1, 7}) {
		t.Errorf("values %v, %v", v, err)
	}
	if _, err := out[1].Float32s(); err == nil {
		t.Error("an I64 tensor converted to float32 without error")
	}
}

// The file of the format's own documentation example, byte for byte: a
// reader of other tools' files must accept it.
func TestReadsSpecExample(t *testing.T) {
	header := `{"test":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"w":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]}}`
	var data []byte
	data = binary.LittleEndian.AppendUint64(data, uint64(len(header)))
	data = append(data, header...)
	data = append(data, 0x00, 0x3c, 0x00, 0xc0) // F16 1.0, −2.0
	data = append(data, 0x80, 0x3f)             // BF16 1.0
	ts, _, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	f16, _ := ts[0].Float32s()
	bf16, _ := ts[1].Float32s()
	if !slices.Equal(f16, []float32{1, -2}) || !slices.Equal(bf16, []float32{1}) {
		t.Errorf("F16 %v, BF16 %v", f16, bf16)
	}
}

func TestRejectsDamage(t *testing.T) {
	good := new(bytes.Buffer)
	if err := Encode(good, []Tensor{Float32("a", []int{2}, []float32{1, 2})}, nil); err != nil {
		t.Fatal(err)
	}
	hlen := binary.LittleEndian.Uint64(good.Bytes())
	withHeader := func(h string) []byte {
		b := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
		return append(append(b, h...), make([]byte, 8)...)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"truncated body", good.Bytes()[:len(good.Bytes())-1]},
		{"header past the end", binary.LittleEndian.AppendUint64(nil, 1<<40)},
		{"header not JSON", append(binary.LittleEndian.AppendUint64(nil, 3), "{x}"...)},
		{"range past the body", withHeader(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`)},
		{"shape and range disagree", withHeader(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}`)},
		{"negative dimension", withHeader(`{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`)},
		{"unknown dtype", withHeader(`{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := Decode(tc.data); err == nil {
				t.Errorf("accepted (header length %d)", hlen)
			}
		})
	}
	if _, _, err := Decode(good.Bytes()[:9]); !errors.Is(err, ErrFormat) {
		t.Errorf("damage error %v does not wrap ErrFormat", err)
	}
}

func FuzzDecode(f *testing.F) {
	good := new(bytes.Buffer)
	Encode(good, []Tensor{Float32("a", []int{2}, []float32{1, 2})}, map[string]string{"k": "v"})
	f.Add(good.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, _, err := Decode(data)
		if err != nil {
			return
		}
		for _, x := range ts {
			x.Float32s()
		}
	})
}
