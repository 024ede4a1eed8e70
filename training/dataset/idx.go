package dataset

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// IDX magic numbers for unsigned-byte data: 0x00 0x00 0x08 ndims.
const (
	idxImagesMagic = 0x00000803
	idxLabelsMagic = 0x00000801
)

// maxIDXBytes bounds the data an IDX header may announce. MNIST's training
// images are 47 MB; a header claiming more than this is rejected before any
// allocation.
const maxIDXBytes = 1 << 30

// errTruncated marks input that ended early; callers add the file name.
var errTruncated = errors.New("truncated")

// decodeIDX reads one IDX file of unsigned bytes from r, which may be
// gzip-compressed (detected by its magic bytes). wantMagic is idxImagesMagic
// or idxLabelsMagic. raw, if not nil, receives the uncompressed bytes (for
// checksums). limit bounds the size of the data the header may announce.
// The returned error does not name the file; the caller adds it.
func decodeIDX(r io.Reader, raw io.Writer, wantMagic uint32, limit int64) (dims []int, data []byte, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var src io.Reader = br
	gz := false
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, describeReadErr(err, true)
		}
		defer zr.Close()
		src, gz = zr, true
	}
	if raw != nil {
		src = io.TeeReader(src, raw)
	}

	var hdr [4]byte
	if _, err := io.ReadFull(src, hdr[:]); err != nil {
		return nil, nil, fmt.Errorf("reading IDX header: %w", describeReadErr(err, gz))
	}
	magic := binary.BigEndian.Uint32(hdr[:])
	if hdr[0] != 0 || hdr[1] != 0 {
		return nil, nil, fmt.Errorf("not an IDX file: magic 0x%08x, want 0x%08x", magic, wantMagic)
	}
	if hdr[2] != 0x08 {
		return nil, nil, fmt.Errorf("unsupported IDX element type 0x%02x (only unsigned bytes, 0x08, are supported)", hdr[2])
	}
	if magic != wantMagic {
		what := "labels"
		if wantMagic == idxImagesMagic {
			what = "images"
		}
		return nil, nil, fmt.Errorf("wrong IDX magic 0x%08x: expected IDX %s (magic 0x%08x); is it the right file?", magic, what, wantMagic)
	}
	nd := int(hdr[3])
	dimBytes := make([]byte, 4*nd)
	if _, err := io.ReadFull(src, dimBytes); err != nil {
		return nil, nil, fmt.Errorf("reading IDX dimensions: %w", describeReadErr(err, gz))
	}
	total := int64(1)
	dims = make([]int, nd)
	for i := range dims {
		d := int64(binary.BigEndian.Uint32(dimBytes[4*i:]))
		if d == 0 {
			return nil, nil, fmt.Errorf("IDX header has a zero dimension (%v): no data", dimsOf(dimBytes))
		}
		if d > limit || total > limit/d {
			return nil, nil, fmt.Errorf("IDX header claims dimensions %v (%s), more than the %s this loader accepts: corrupt header?",
				dimsOf(dimBytes), humanBytes(mulSat(dimsOf(dimBytes))), humanBytes(limit))
		}
		total *= d
		dims[i] = int(d)
	}
	data, err = readN(src, total)
	if err != nil {
		if errors.Is(err, errTruncated) {
			what := "file"
			if gz {
				what = "gzip stream"
			}
			return nil, nil, fmt.Errorf("truncated %s: the IDX header promises %d data bytes but only %d follow (incomplete download?)", what, total, len(data))
		}
		return nil, nil, describeReadErr(err, gz)
	}
	// Read on to the end, so that gzip verifies its CRC and trailing data is
	// noticed.
	var one [1]byte
	n, err := io.ReadFull(src, one[:])
	if n > 0 {
		return nil, nil, fmt.Errorf("unexpected data after the %d bytes the IDX header announces: wrong or corrupt file", total)
	}
	if err != nil && err != io.EOF {
		return nil, nil, describeReadErr(err, gz)
	}
	return dims, data, nil
}

// readN reads exactly n bytes, growing the buffer as data actually arrives so
// that a header announcing more than the input holds allocates little.
// It returns errTruncated (with what it got) when the input ends early.
func readN(r io.Reader, n int64) ([]byte, error) {
	buf := make([]byte, 0, min(n, 4<<20))
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			nb := make([]byte, len(buf), min(n, 2*int64(cap(buf))))
			copy(nb, buf)
			buf = nb
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			if int64(len(buf)) < n {
				return buf, errTruncated
			}
			break
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return buf, errTruncated
			}
			return buf, err
		}
	}
	return buf, nil
}

// describeReadErr turns low-level read errors into messages a user can act on.
func describeReadErr(err error, gz bool) error {
	var corrupt flate.CorruptInputError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, errTruncated) || err == io.EOF:
		if gz {
			return fmt.Errorf("truncated gzip stream: the file is cut short (incomplete download?): %w", err)
		}
		return fmt.Errorf("truncated: the file ends early: %w", err)
	case errors.Is(err, gzip.ErrChecksum):
		return fmt.Errorf("corrupt gzip data: checksum mismatch: %w", err)
	case errors.Is(err, gzip.ErrHeader):
		return fmt.Errorf("corrupt gzip data: bad header: %w", err)
	case errors.As(err, &corrupt):
		return fmt.Errorf("corrupt gzip data: %w", err)
	}
	return err
}

func dimsOf(b []byte) []int64 {
	out := make([]int64, len(b)/4)
	for i := range out {
		out[i] = int64(binary.BigEndian.Uint32(b[4*i:]))
	}
	return out
}

// mulSat multiplies, saturating at the largest int64.
func mulSat(v []int64) int64 {
	p := int64(1)
	for _, x := range v {
		if x != 0 && p > (1<<63-1)/x {
			return 1<<63 - 1
		}
		p *= x
	}
	return p
}

// humanBytes formats a byte count as "1.5 GB".
func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f := float64(n)
	for _, u := range []string{"kB", "MB", "GB", "TB", "PB", "EB"} {
		f /= unit
		if f < unit {
			return fmt.Sprintf("%.1f %s", f, u)
		}
	}
	return fmt.Sprintf("%.1f EB", f)
}
