package dataset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DefaultTimeout is the read-idle timeout of downloads when Options.Timeout
// is zero: a server that sends nothing for this long is given up on.
const DefaultTimeout = 30 * time.Second

// downloadAttempts is how many times a download is tried (resuming where the
// server supports ranges) before giving up on a broken connection.
const downloadAttempts = 3

// errStalled is the cause given to a request cancelled by the idle timer.
var errStalled = errors.New("stalled")

// ChecksumError reports a downloaded or local file whose SHA-256 is not the
// published one. Nothing is kept of a download that fails the check.
type ChecksumError struct {
	File, Got, Want string
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("%s: SHA-256 %s does not match the published %s (corrupt or different file)", e.File, e.Got, e.Want)
}

// httpStatusError is a non-success HTTP status.
type httpStatusError struct {
	url    string
	status string
	code   int
}

func (e *httpStatusError) Error() string { return fmt.Sprintf("server answered %s", e.status) }

// fetchRequest describes one file to download.
type fetchRequest struct {
	url      string
	dest     string // final path; written only once the checksum verifies
	sha      string // expected SHA-256, hex
	size     int64  // expected size (0 if unknown)
	client   *http.Client
	progress func(file string, done, total int64)
	idle     time.Duration
}

// fetch downloads req.url to req.dest. The data goes to a temporary file in
// the same folder, which is synced and renamed to dest only after the
// SHA-256 matches; on any failure it is removed. A broken connection is
// retried (resuming with a Range request when the server allows), a server
// that sends nothing for req.idle is treated as broken, and ctx cancels.
func fetch(ctx context.Context, req fetchRequest) (err error) {
	if req.client == nil {
		req.client = http.DefaultClient
	}
	if req.idle <= 0 {
		req.idle = DefaultTimeout
	}
	base := filepath.Base(req.dest)
	dir := filepath.Dir(req.dest)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("download %s: create cache folder: %w", base, err)
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.part")
	if err != nil {
		return fmt.Errorf("download %s: %w", base, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	st := &fetchState{req: req, file: tmp, hash: sha256.New(), name: base}
	var lastErr error
	for attempt := 1; attempt <= downloadAttempts; attempt++ {
		lastErr = st.once(ctx)
		if lastErr == nil {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("download %s: %w", req.url, context.Cause(ctx))
		}
		if !retryable(lastErr) || attempt == downloadAttempts {
			return fmt.Errorf("download %s (attempt %d of %d, %s received): %w", req.url, attempt, downloadAttempts, humanBytes(st.done), lastErr)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("download %s: %w", req.url, context.Cause(ctx))
		case <-time.After(time.Duration(attempt) * 250 * time.Millisecond):
		}
	}
	if got := hex.EncodeToString(st.hash.Sum(nil)); req.sha != "" && got != req.sha {
		size := ""
		if req.size > 0 && st.done != req.size {
			size = fmt.Sprintf(" (%d bytes, the official file has %d)", st.done, req.size)
		}
		return fmt.Errorf("download %s%s: %w; nothing was kept: try again later, or pass --path to a copy you trust", req.url, size,
			&ChecksumError{File: base, Got: got, Want: req.sha})
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("download %s: sync: %w", base, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("download %s: %w", base, err)
	}
	if err := os.Rename(tmp.Name(), req.dest); err != nil {
		return fmt.Errorf("download %s: %w", base, err)
	}
	syncDir(dir)
	return nil
}

// fetchState is a download in progress, across attempts.
type fetchState struct {
	req   fetchRequest
	name  string
	file  *os.File
	hash  hash.Hash
	done  int64
	total int64
	last  time.Time
}

// once runs one HTTP request, appending to what earlier attempts got when the
// server honours the Range header and starting over otherwise.
func (st *fetchState) once(ctx context.Context) error {
	reqCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	idle := time.AfterFunc(st.req.idle, func() { cancel(errStalled) })
	defer idle.Stop()
	stalled := func(err error) error {
		if errors.Is(context.Cause(reqCtx), errStalled) && ctx.Err() == nil {
			return fmt.Errorf("server stalled: no data for %s: %w", st.req.idle, errStalled)
		}
		return err
	}

	hreq, err := http.NewRequestWithContext(reqCtx, http.MethodGet, st.req.url, nil)
	if err != nil {
		return err
	}
	if st.done > 0 {
		hreq.Header.Set("Range", fmt.Sprintf("bytes=%d-", st.done))
	}
	resp, err := st.req.client.Do(hreq)
	if err != nil {
		return stalled(err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
		if st.done > 0 { // no resume: start over
			if err := st.restart(); err != nil {
				return err
			}
		}
		st.total = resp.ContentLength
	case resp.StatusCode == http.StatusPartialContent && st.done > 0:
		start, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != st.done {
			// Unusable range: drop what we have; the next attempt starts over.
			if err := st.restart(); err != nil {
				return err
			}
			return errors.New("server sent an unexpected byte range")
		}
		st.total = total
	default:
		return &httpStatusError{url: st.req.url, status: resp.Status, code: resp.StatusCode}
	}
	if st.total < 0 && st.req.size > 0 {
		st.total = st.req.size
	}
	st.report(true)
	buf := make([]byte, 64<<10)
	for {
		idle.Reset(st.req.idle)
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if _, err := st.file.Write(buf[:n]); err != nil {
				return &localError{err}
			}
			st.hash.Write(buf[:n])
			st.done += int64(n)
			if st.req.size > 0 && st.done > st.req.size {
				return &localError{fmt.Errorf("server sent more than the %d bytes of the official file: a different file", st.req.size)}
			}
			st.report(false)
		}
		if rerr == io.EOF {
			if st.total > 0 && st.done < st.total {
				return fmt.Errorf("connection closed early: %w", io.ErrUnexpectedEOF)
			}
			st.total = st.done // now known, so the last report shows completion
			st.report(true)
			return nil
		}
		if rerr != nil {
			return stalled(rerr)
		}
	}
}

// restart forgets the bytes received so far.
func (st *fetchState) restart() error {
	if err := st.file.Truncate(0); err != nil {
		return &localError{err}
	}
	if _, err := st.file.Seek(0, io.SeekStart); err != nil {
		return &localError{err}
	}
	st.hash.Reset()
	st.done = 0
	return nil
}

// report calls the progress callback, at most every 50 ms unless forced.
func (st *fetchState) report(force bool) {
	if st.req.progress == nil {
		return
	}
	now := time.Now()
	if !force && now.Sub(st.last) < 50*time.Millisecond {
		return
	}
	st.last = now
	st.req.progress(st.name, st.done, st.total)
}

// localError marks failures that retrying will not fix.
type localError struct{ err error }

func (e *localError) Error() string { return e.err.Error() }
func (e *localError) Unwrap() error { return e.err }

// retryable reports whether a failed attempt is worth repeating.
func retryable(err error) bool {
	var le *localError
	if errors.As(err, &le) {
		return false
	}
	var he *httpStatusError
	if errors.As(err, &he) {
		return he.code >= 500 || he.code == http.StatusTooManyRequests || he.code == http.StatusRequestTimeout
	}
	return true
}

// parseContentRange parses "bytes START-END/TOTAL" (TOTAL may be "*").
func parseContentRange(s string) (start, total int64, ok bool) {
	s, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, tot, found := strings.Cut(s, "/")
	if !found {
		return 0, 0, false
	}
	a, _, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, false
	}
	start, err := strconv.ParseInt(a, 10, 64)
	if err != nil || start < 0 {
		return 0, 0, false
	}
	total = -1
	if tot != "*" {
		if total, err = strconv.ParseInt(tot, 10, 64); err != nil {
			return 0, 0, false
		}
	}
	return start, total, true
}

// syncDir flushes a folder's entries (after a rename); best effort.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// sha256File returns the hex SHA-256 of a file.
func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
