package training

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/ganstudio/ganstudio/model/checkpoint"
)

// A run folder's checkpoints are GAN Studio's checkpoints/step-N.ckpt
// files and, in a run the PyTorch twin continued (scripts/torch writes a
// run folder in this layout), its export folders checkpoints/step-N/.
// Both are checkpoints of the run: ReadRun lists them, and a resume, a
// sample or an export reads the newest.

// runCheckpoints lists the checkpoints of the run folder dir in step
// order; at one step a .ckpt file comes before an export folder.
func runCheckpoints(dir string) []stepFile {
	files, _ := stepFiles(filepath.Join(dir, checkpointsDir), ".ckpt")
	entries, _ := os.ReadDir(filepath.Join(dir, checkpointsDir))
	for _, e := range entries {
		name := e.Name()
		n, err := strconv.Atoi(strings.TrimPrefix(name, "step-"))
		path := filepath.Join(dir, checkpointsDir, name)
		if !strings.HasPrefix(name, "step-") || err != nil || !IsExport(path) {
			continue
		}
		files = append(files, stepFile{n, path})
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].step < files[j].step })
	return files
}

// readCheckpointAt reads a checkpoint file or an export folder.
func readCheckpointAt(path string) (*checkpoint.File, error) {
	if IsExport(path) {
		return readExport(path)
	}
	return checkpoint.Read(path)
}

// exportRunDir is the run folder that the export folder path is a
// checkpoint of (RUN/checkpoints/step-N/), or "" for one on its own.
func exportRunDir(path string) string {
	parent := filepath.Dir(filepath.Clean(path))
	run := filepath.Dir(parent)
	if filepath.Base(parent) == checkpointsDir && strings.HasPrefix(filepath.Base(path), "step-") && exists(filepath.Join(run, configFile)) {
		return run
	}
	return ""
}
