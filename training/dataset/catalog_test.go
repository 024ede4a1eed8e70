package dataset

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The module cache is found where the go command would look, from the
// environment and the file `go env -w` writes, without running go.
func TestGoModCaches(t *testing.T) {
	env := filepath.Join(t.TempDir(), "env")
	if err := os.WriteFile(env, []byte("GOMODCACHE=/written/mod\nGOPATH=/written/a"+string(filepath.ListSeparator)+"/written/b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOENV", env)
	t.Setenv("GOMODCACHE", "/env/mod")
	t.Setenv("GOPATH", "/env/path")
	want := []string{"/env/mod", "/written/mod", filepath.Join("/env/path", "pkg", "mod"),
		filepath.Join("/written/a", "pkg", "mod"), filepath.Join("/written/b", "pkg", "mod")}
	if home, err := os.UserHomeDir(); err == nil {
		want = append(want, filepath.Join(home, "go", "pkg", "mod"))
	}
	if got := goModCaches(); !slices.Equal(got, want) {
		t.Errorf("goModCaches() = %v, want %v", got, want)
	}
	t.Setenv("GOENV", "off")
	t.Setenv("GOMODCACHE", "")
	t.Setenv("GOPATH", "")
	if got := goModCaches(); len(got) > 1 {
		t.Errorf("with nothing set: %v, want only the default", got)
	}
}
