// Package safetensors reads and writes the safetensors format of Hugging
// Face (https://huggingface.co/docs/safetensors): a little-endian uint64
// header length, a JSON header naming each tensor's dtype, shape and byte
// range, then the tensors' bytes. PyTorch, JAX and most model tools read
// it; it holds no code, so a file from anyone is safe to open.
package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"

	"github.com/ganstudio/ganstudio/model/atomicfile"
)

// DType is a tensor's element type as the header spells it.
type DType string

// The element types this package converts to float32 (F16, BF16 and F64
// too, as other tools write them) and writes (F32, and I64 for counters
// such as BatchNorm's num_batches_tracked, and U8 for images as bytes).
const (
	F32  DType = "F32"
	F64  DType = "F64"
	F16  DType = "F16"
	BF16 DType = "BF16"
	I64  DType = "I64"
	U8   DType = "U8"
)

var sizes = map[DType]int{F32: 4, F64: 8, F16: 2, BF16: 2, I64: 8, U8: 1}

// Tensor is one named tensor, its values little-endian in Data.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// Float32 returns a tensor of the values v with the given shape.
func Float32(name string, shape []int, v []float32) Tensor {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return Tensor{Name: name, DType: F32, Shape: shape, Data: b}
}

// Int64 returns a tensor of the values v with the given shape.
func Int64(name string, shape []int, v []int64) Tensor {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(x))
	}
	return Tensor{Name: name, DType: I64, Shape: shape, Data: b}
}

// Uint8 returns a tensor of the bytes v with the given shape (v is
// shared, not copied).
func Uint8(name string, shape []int, v []byte) Tensor {
	return Tensor{Name: name, DType: U8, Shape: shape, Data: v}
}

// Float32s returns the tensor's values as float32, converting from F64,
// F16 and BF16 (rounding to nearest, as PyTorch's .float() does).
func (t Tensor) Float32s() ([]float32, error) {
	size, ok := sizes[t.DType]
	if !ok || t.DType == I64 || t.DType == U8 {
		return nil, fmt.Errorf("tensor %s is %s: only F32, F64, F16 and BF16 tensors hold weights", t.Name, t.DType)
	}
	out := make([]float32, len(t.Data)/size)
	for i := range out {
		switch t.DType {
		case F32:
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
		case F64:
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(t.Data[8*i:])))
		case BF16:
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(t.Data[2*i:])) << 16)
		case F16:
			out[i] = halfToFloat(binary.LittleEndian.Uint16(t.Data[2*i:]))
		}
	}
	return out, nil
}

// halfToFloat widens an IEEE 754 half-precision value exactly.
func halfToFloat(h uint16) float32 {
	sign := float32(1)
	if h&0x8000 != 0 {
		sign = -1
	}
	exp, frac := int(h>>10&0x1f), float64(h&0x3ff)
	switch exp {
	case 0:
		return sign * float32(math.Ldexp(frac, -24))
	case 0x1f:
		if frac != 0 {
			return float32(math.NaN())
		}
		return sign * float32(math.Inf(1))
	}
	return sign * float32(math.Ldexp(1024+frac, exp-25))
}

// entry is one tensor's line in the header.
type entry struct {
	DType   DType    `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// maxHeader bounds the header so that a hostile length field cannot make
// a reader allocate much (the reference implementation's limit).
const maxHeader = 100 << 20

// ErrFormat is wrapped by every error about a file's content.
var ErrFormat = errors.New("not a valid safetensors file")

// Encode writes tensors, in the given order, and the string metadata
// (may be nil) to w.
func Encode(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header := make(map[string]any, len(tensors)+1)
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	var offset int64
	for _, t := range tensors {
		size, ok := sizes[t.DType]
		if !ok {
			return fmt.Errorf("tensor %s: dtype %q is not one this package writes", t.Name, t.DType)
		}
		n, ok := elements(t.Shape)
		if !ok || n*int64(size) != int64(len(t.Data)) {
			return fmt.Errorf("tensor %s: shape %v of %s does not hold %d bytes", t.Name, t.Shape, t.DType, len(t.Data))
		}
		if _, dup := header[t.Name]; dup || t.Name == "__metadata__" {
			return fmt.Errorf("tensor name %q is used twice or reserved", t.Name)
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{} // a scalar: "shape": [], never null
		}
		header[t.Name] = entry{DType: t.DType, Shape: shape, Offsets: [2]int64{offset, offset + int64(len(t.Data))}}
		offset += int64(len(t.Data))
	}
	h, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("encode safetensors header: %w", err)
	}
	// Padding the header with spaces to a multiple of 8 keeps the data
	// aligned for readers that map the file.
	if pad := (8 - len(h)%8) % 8; pad > 0 {
		h = append(h, bytes.Repeat([]byte{' '}, pad)...)
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(h)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(h); err != nil {
		return err
	}
	for _, t := range tensors {
		if _, err := w.Write(t.Data); err != nil {
			return err
		}
	}
	return nil
}

// Decode parses a whole file held in data. Tensors come back in the order
// of their bytes in the file.
func Decode(data []byte) (tensors []Tensor, metadata map[string]string, err error) {
	if len(data) < 8 {
		return nil, nil, fmt.Errorf("%w: %d bytes is too short", ErrFormat, len(data))
	}
	hlen := binary.LittleEndian.Uint64(data)
	if hlen > maxHeader || hlen > uint64(len(data)-8) {
		return nil, nil, fmt.Errorf("%w: header length %d does not fit in %d bytes", ErrFormat, hlen, len(data))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+hlen], &raw); err != nil {
		return nil, nil, fmt.Errorf("%w: header: %v", ErrFormat, err)
	}
	body := data[8+hlen:]
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &metadata); err != nil {
				return nil, nil, fmt.Errorf("%w: metadata: %v", ErrFormat, err)
			}
			continue
		}
		var e entry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, nil, fmt.Errorf("%w: tensor %s: %v", ErrFormat, name, err)
		}
		size, ok := sizes[e.DType]
		if !ok {
			return nil, nil, fmt.Errorf("tensor %s has dtype %q: GAN Studio reads F32, F64, F16, BF16, I64 and U8 (convert it with tensor.float() before saving)", name, e.DType)
		}
		n, ok := elements(e.Shape)
		begin, end := e.Offsets[0], e.Offsets[1]
		if !ok || begin < 0 || end < begin || end > int64(len(body)) || end-begin != n*int64(size) {
			return nil, nil, fmt.Errorf("%w: tensor %s (%s %v) has byte range %d..%d in a %d-byte body", ErrFormat, name, e.DType, e.Shape, begin, end, len(body))
		}
		tensors = append(tensors, Tensor{Name: name, DType: e.DType, Shape: e.Shape, Data: body[begin:end]})
	}
	sort.Slice(tensors, func(i, j int) bool {
		return offsetOf(tensors[i], body) < offsetOf(tensors[j], body)
	})
	return tensors, metadata, nil
}

// offsetOf is where t's bytes start in body (t.Data is a slice of it).
func offsetOf(t Tensor, body []byte) int {
	if len(t.Data) == 0 {
		return len(body) // empty tensors last; their slices may point anywhere
	}
	return cap(body) - cap(t.Data)
}

// elements is the number of values of shape; false when a dimension is
// negative or the product is absurdly large.
func elements(shape []int) (int64, bool) {
	n := int64(1)
	for _, d := range shape {
		if d < 0 || (d > 0 && n > math.MaxInt64/16/int64(d)) {
			return 0, false
		}
		n *= int64(d)
	}
	return n, true
}

// ReadFile reads and parses the file at path.
func ReadFile(path string) ([]Tensor, map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read safetensors: %w", err)
	}
	t, m, err := Decode(data)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	return t, m, nil
}

// WriteFile writes tensors and metadata to path atomically (see
// atomicfile): a crash never leaves a half-written file under path.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	return atomicfile.Write(path, func(w io.Writer) error { return Encode(w, tensors, metadata) })
}
