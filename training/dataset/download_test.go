package dataset

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fileServer serves files over HTTP and can misbehave on demand.
type fileServer struct {
	*httptest.Server
	files map[string][]byte

	mu       sync.Mutex
	mode     string // "ok", "corrupt", "cutOnce", "noRange", "cutAlways", "stall"
	requests []string
	cut      map[string]bool
}

func newFileServer(t testing.TB, files map[string][]byte) *fileServer {
	s := &fileServer{files: files, mode: "ok", cut: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *fileServer) setMode(m string) {
	s.mu.Lock()
	s.mode = m
	s.cut = map[string]bool{}
	s.requests = nil
	s.mu.Unlock()
}

func (s *fileServer) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *fileServer) serve(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/")
	s.mu.Lock()
	mode := s.mode
	s.requests = append(s.requests, strings.TrimSpace(name+" "+r.Header.Get("Range")))
	cut := mode == "cutAlways" || ((mode == "cutOnce" || mode == "noRange") && !s.cut[name])
	s.cut[name] = true
	s.mu.Unlock()

	data, ok := s.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if mode == "corrupt" {
		data = append([]byte(nil), data...)
		data[len(data)/2] ^= 1
	}
	start := 0
	if rg := r.Header.Get("Range"); rg != "" && mode != "noRange" {
		fmt.Sscanf(rg, "bytes=%d-", &start)
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, len(data)-1, len(data)))
		w.Header().Set("Content-Length", strconv.Itoa(len(data)-start))
		w.WriteHeader(http.StatusPartialContent)
	} else {
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	}
	body := data[start:]
	switch {
	case cut:
		w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // drop the connection half way
	case mode == "stall":
		w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(20 * time.Second):
		}
		return
	}
	w.Write(body)
}

// mnistTestFiles reads the real MNIST test split from the GoMNIST module.
func mnistTestFiles(t testing.TB) map[string][]byte {
	dir := mnistDir(t)
	files := map[string][]byte{}
	for _, fi := range catalogue["mnist"].files["test"] {
		b, err := os.ReadFile(filepath.Join(dir, fi.name))
		if err != nil {
			t.Fatal(err)
		}
		files[fi.name] = b
	}
	return files
}

// checkCache fails if the cache holds a partial file or one whose checksum
// is not the published one.
func checkCache(t *testing.T, cache string) {
	t.Helper()
	known := map[string]string{}
	for _, fi := range catalogue["mnist"].files["test"] {
		known[fi.name] = fi.sha
	}
	for _, f := range listFiles(t, cache) {
		want, ok := known[filepath.Base(f)]
		if !ok {
			t.Errorf("cache holds unexpected file %s", f)
			continue
		}
		if sum, _ := sha256File(filepath.Join(cache, f)); sum != want {
			t.Errorf("cache holds %s with a bad checksum", f)
		}
	}
}

// TestDownload downloads the real MNIST test files from a local server that
// behaves well or badly, then retries against a good one.
func TestDownload(t *testing.T) {
	srv := newFileServer(t, mnistTestFiles(t))
	imgName := "t10k-images-idx3-ubyte.gz"
	imgSize := int64(len(srv.files[imgName]))
	tests := []struct {
		mode    string
		wantErr string
		wantLog []string // requests expected (prefixes), nil = don't care
	}{
		{"ok", "", []string{imgName, "t10k-labels-idx1-ubyte.gz"}},
		{"cutOnce", "", []string{imgName, imgName + " bytes=", "t10k-labels", "t10k-labels-idx1-ubyte.gz bytes="}},
		{"noRange", "", []string{imgName, imgName + " bytes=", "t10k-labels", "t10k-labels-idx1-ubyte.gz bytes="}},
		{"corrupt", "SHA-256", []string{imgName}},
		{"cutAlways", "attempt 3 of 3", []string{imgName, imgName + " bytes=", imgName + " bytes="}},
		{"stall", "server stalled: no data for 200ms", nil},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			srv.setMode(tc.mode)
			opts := Options{CacheDir: t.TempDir(), SkipLocal: true, Mirrors: map[string]string{"mnist": srv.URL}, Timeout: 200 * time.Millisecond}
			var mu sync.Mutex
			last := map[string][2]int64{}
			opts.Progress = func(file string, done, total int64) {
				mu.Lock()
				last[file] = [2]int64{done, total}
				mu.Unlock()
			}
			start := time.Now()
			d, err := Open(t.Context(), Spec{Name: "mnist", Split: "test"}, opts)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if d.Len() != 10000 || !d.Verified() || !strings.Contains(d.Source(), "downloaded from "+srv.URL) {
					t.Errorf("len %d, source %q", d.Len(), d.Source())
				}
				if got := last[imgName]; got != [2]int64{imgSize, imgSize} {
					t.Errorf("last progress for %s = %v, want %d of %d", imgName, got, imgSize, imgSize)
				}
			} else {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), imgName) {
					t.Fatalf("Open = %v, want an error naming %s and containing %q", err, imgName, tc.wantErr)
				}
				if tc.mode == "corrupt" {
					var ce *ChecksumError
					if !errors.As(err, &ce) {
						t.Errorf("error %v is not a *ChecksumError", err)
					}
				}
			}
			if el := time.Since(start); el > 10*time.Second {
				t.Errorf("took %v", el)
			}
			if tc.wantLog != nil {
				log := srv.log()
				if len(log) != len(tc.wantLog) {
					t.Errorf("requests %q, want %q", log, tc.wantLog)
				} else {
					for i := range log {
						if !strings.HasPrefix(log[i], tc.wantLog[i]) {
							t.Errorf("request %d = %q, want %q…", i, log[i], tc.wantLog[i])
						}
					}
				}
			}
			checkCache(t, opts.CacheDir)

			// After a failure, a later run against a good server succeeds;
			// after a success, the next run needs no server at all.
			if tc.wantErr != "" {
				srv.setMode("ok")
				if _, err := Open(t.Context(), Spec{Name: "mnist", Split: "test"}, opts); err != nil {
					t.Fatalf("retry: %v", err)
				}
				checkCache(t, opts.CacheDir)
			} else if tc.mode == "ok" {
				opts.Mirrors["mnist"] = "http://127.0.0.1:1/"
				d, err := Open(t.Context(), Spec{Name: "mnist", Split: "test"}, opts)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(d.Source(), "cache ") || !strings.Contains(d.Source(), "SHA-256 verified") {
					t.Errorf("source %q, want the verified cache", d.Source())
				}
			}
		})
	}
}

// TestDownloadCancel cancels a download in flight.
func TestDownloadCancel(t *testing.T) {
	srv := newFileServer(t, mnistTestFiles(t))
	srv.setMode("stall")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	opts := Options{CacheDir: t.TempDir(), SkipLocal: true, Mirrors: map[string]string{"mnist": srv.URL}, Timeout: time.Minute}
	var once sync.Once
	opts.Progress = func(file string, done, total int64) {
		once.Do(func() { time.AfterFunc(300*time.Millisecond, cancel) })
	}
	start := time.Now()
	_, err := Open(ctx, Spec{Name: "mnist", Split: "test"}, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Open = %v, want context.Canceled", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("cancel took %v", el)
	}
	if files := listFiles(t, opts.CacheDir); len(files) != 0 {
		t.Errorf("cache holds %v", files)
	}
}

// TestDownloadNotFound checks that a 404 is reported at once, not retried.
func TestDownloadNotFound(t *testing.T) {
	srv := newFileServer(t, map[string][]byte{})
	opts := Options{CacheDir: t.TempDir(), SkipLocal: true, Mirrors: map[string]string{"mnist": srv.URL + "/"}}
	_, err := Open(t.Context(), Spec{Name: "mnist", Split: "test"}, opts)
	if err == nil || !strings.Contains(err.Error(), "404") || len(srv.log()) != 1 {
		t.Errorf("Open = %v after %d requests, want one 404", err, len(srv.log()))
	}
}
