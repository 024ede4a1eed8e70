// Package checkpoint reads and writes GAN Studio's checkpoint files: a
// versioned, checksummed container of named float32 tensors plus two JSON
// documents (the run's configuration and its training state).
//
// Layout: the 8-byte magic "GANSCKPT", a little-endian uint32 format
// version, a uint32 header length, the JSON header, the tensors' float32
// values in header order (little-endian), and a SHA-256 of everything
// before it. Files are written atomically: a temporary file in the same
// folder, fsync, rename, fsync of the folder.
package checkpoint

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/ganstudio/ganstudio/model/atomicfile"
)

// Version is the format version this package writes and reads.
const Version = 1

const (
	magic = "GANSCKPT"
	// maxHeader bounds the JSON header so that a hostile length field
	// cannot make us allocate much.
	maxHeader = 1 << 20
	// MaxFileSize bounds what Read accepts (a seed-width GAN with its
	// optimiser state is about 60 MB).
	MaxFileSize = 4 << 30
)

// Tensor is a named array of float32 values with a shape.
type Tensor struct {
	Name  string    `json:"name"`
	Shape []int     `json:"shape"`
	Data  []float32 `json:"-"`
}

// File is the content of a checkpoint.
type File struct {
	Config  json.RawMessage // the run's configuration
	State   json.RawMessage // step, random state and the like
	Tensors []Tensor
}

type header struct {
	Format  string          `json:"format"`
	Version int             `json:"version"`
	Config  json.RawMessage `json:"config"`
	State   json.RawMessage `json:"state"`
	Tensors []Tensor        `json:"tensors"`
}

// ErrCorrupt is wrapped by every error about a file's content (as opposed
// to an error opening or reading it).
var ErrCorrupt = errors.New("not a valid GAN Studio checkpoint")

// Encode writes f to w in the checkpoint format.
func Encode(w io.Writer, f *File) error {
	for _, t := range f.Tensors {
		if n, ok := elements(t.Shape); !ok || n != len(t.Data) {
			return fmt.Errorf("tensor %s: shape %v does not hold %d values", t.Name, t.Shape, len(t.Data))
		}
	}
	h, err := json.Marshal(header{Format: "ganstudio-checkpoint", Version: Version, Config: f.Config, State: f.State, Tensors: f.Tensors})
	if err != nil {
		return fmt.Errorf("encode checkpoint header: %w", err)
	}
	if len(h) > maxHeader {
		return fmt.Errorf("checkpoint header is %d bytes, more than the %d the format allows", len(h), maxHeader)
	}
	sum := sha256.New()
	out := io.MultiWriter(w, sum)
	var pre [16]byte
	copy(pre[:], magic)
	binary.LittleEndian.PutUint32(pre[8:], Version)
	binary.LittleEndian.PutUint32(pre[12:], uint32(len(h)))
	if _, err := out.Write(pre[:]); err != nil {
		return err
	}
	if _, err := out.Write(h); err != nil {
		return err
	}
	buf := make([]byte, 0, 1<<16)
	for _, t := range f.Tensors {
		for _, v := range t.Data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) == cap(buf) {
				if _, err := out.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
	}
	if _, err := out.Write(buf); err != nil {
		return err
	}
	_, err = w.Write(sum.Sum(nil))
	return err
}

// Decode parses a whole checkpoint held in data.
func Decode(data []byte) (*File, error) {
	if len(data) < 16+sha256.Size {
		return nil, fmt.Errorf("%w: %d bytes is too short (truncated?)", ErrCorrupt, len(data))
	}
	if string(data[:8]) != magic {
		return nil, fmt.Errorf("%w: wrong magic bytes", ErrCorrupt)
	}
	if v := binary.LittleEndian.Uint32(data[8:]); v != Version {
		return nil, fmt.Errorf("%w: format version %d, this GAN Studio reads version %d", ErrCorrupt, v, Version)
	}
	body, trailer := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], trailer) {
		return nil, fmt.Errorf("%w: checksum mismatch (the file is truncated or damaged)", ErrCorrupt)
	}
	hlen := binary.LittleEndian.Uint32(data[12:])
	if hlen > maxHeader || int(hlen) > len(body)-16 {
		return nil, fmt.Errorf("%w: header length %d is out of range", ErrCorrupt, hlen)
	}
	var h header
	if err := json.Unmarshal(body[16:16+hlen], &h); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	values := body[16+hlen:]
	total := 0
	for _, t := range h.Tensors {
		n, ok := elements(t.Shape)
		if !ok || n > len(values)/4-total {
			return nil, fmt.Errorf("%w: tensor %q with shape %v does not fit in the file", ErrCorrupt, t.Name, t.Shape)
		}
		total += n
	}
	if total*4 != len(values) {
		return nil, fmt.Errorf("%w: %d bytes of values, the header describes %d", ErrCorrupt, len(values), total*4)
	}
	f := &File{Config: h.Config, State: h.State, Tensors: h.Tensors}
	for i := range f.Tensors {
		n, _ := elements(f.Tensors[i].Shape)
		d := make([]float32, n)
		for j := range d {
			d[j] = math.Float32frombits(binary.LittleEndian.Uint32(values[4*j:]))
		}
		f.Tensors[i].Data = d
		values = values[4*n:]
	}
	return f, nil
}

// elements is the number of values of shape, false when a dimension is
// negative or the product overflows what a file could hold.
func elements(shape []int) (int, bool) {
	n := 1
	for _, d := range shape {
		if d < 0 || (d > 0 && n > MaxFileSize/4/d) {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// Write saves f to path atomically: a crash at any moment leaves either
// the previous file or the new one, never a mixture.
func Write(path string, f *File) error {
	if err := atomicfile.Write(path, func(w io.Writer) error { return Encode(w, f) }); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// Read loads and verifies the checkpoint at path.
func Read(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("read checkpoint %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("read checkpoint %s: not a regular file", path)
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("read checkpoint %s: %d bytes is larger than any checkpoint (%w)", path, st.Size(), ErrCorrupt)
	}
	data := make([]byte, st.Size())
	if _, err := io.ReadFull(fh, data); err != nil {
		return nil, fmt.Errorf("read checkpoint %s: %w", path, err)
	}
	f, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint %s: %w", path, err)
	}
	return f, nil
}

// Find returns the tensor called name.
func (f *File) Find(name string) (*Tensor, bool) {
	for i := range f.Tensors {
		if f.Tensors[i].Name == name {
			return &f.Tensors[i], true
		}
	}
	return nil, false
}
