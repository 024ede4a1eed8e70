package training

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ganstudio/ganstudio/model"
	"github.com/ganstudio/ganstudio/model/atomicfile"
	"github.com/ganstudio/ganstudio/model/checkpoint"
	"github.com/ganstudio/ganstudio/model/safetensors"
	"github.com/ganstudio/ganstudio/training/events"
)

// An export folder holds a run's state for other tools: config.json (see
// exportMeta) and one safetensors file per PyTorch state dict (see
// model.TorchModule). The PyTorch twin (scripts/torch) continues such a
// run and writes its checkpoints in the same layout, which every command
// that takes a checkpoint reads back.
const (
	exportFormat  = "ganstudio-torch"
	exportVersion = 1
	exportConfig  = "config.json"
)

// exportMeta is an export's config.json.
type exportMeta struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Config is the run's configuration: the architecture (model) and the
	// hyperparameters.
	Config     Config `json:"config"`
	Step       int    `json:"step"`
	AdamStepsG int    `json:"adam_steps_g"`
	AdamStepsD int    `json:"adam_steps_d"`
	// RNG is the run's random state at export (Go's PCG, "pcg:" and two
	// big-endian words), from which GAN Studio draws noise and dropout
	// keys; a run continued elsewhere carries it back unchanged.
	RNG          []byte    `json:"rng"`
	PreviewNoise []float32 `json:"preview_noise"`
	// Tensors says where everything is, for people reading the folder.
	Tensors   map[string]string `json:"tensors"`
	TrainedBy string            `json:"trained_by,omitempty"`
	// DataFile describes data.safetensors, the training images as the
	// network sees them (see DataFileInfo); nil when the export has none.
	DataFile *DataFileInfo `json:"data_file,omitempty"`
	// History says what the folder holds of the run's past, in a run
	// folder's layout: losses.csv and grids/ up to Step ("" : none).
	History string `json:"history,omitempty"`
}

// IsExport reports whether path is an export folder: one with a
// config.json beside a generator.safetensors (a run folder has a
// config.json too, and checkpoints/).
func IsExport(path string) bool {
	for _, name := range []string{exportConfig, model.TorchGenerator + ".safetensors"} {
		if info, err := os.Stat(filepath.Join(path, name)); err != nil || !info.Mode().IsRegular() {
			return false
		}
	}
	return true
}

// ReadCheckpoint reads a checkpoint file, an export folder written by
// ExportTorch or the PyTorch twin, or a run folder's newest checkpoint.
func ReadCheckpoint(path string) (*checkpoint.File, error) {
	f, _, _, err := findCheckpoint(path)
	return f, err
}

// ExportOptions says what an export carries besides the networks, the
// optimisers and the run's history.
type ExportOptions struct {
	// Data writes data.safetensors: the training images as the network
	// sees them (see DataFileInfo), from the run's data set or Folder.
	Data bool
	// Folder, with Data, takes the images from this folder of pictures
	// instead of the run's data set: a larger folder on the machine that
	// continues the run.
	Folder string
}

// ExportTorch writes the checkpoint at src (a file, an export folder or a
// run folder's newest checkpoint) to
// the folder dir in PyTorch's conventions (see model.TorchModules), with
// the run's losses.csv and grids up to the checkpoint's step when src
// belongs to a run folder. The folder appears whole or not at all; an
// existing one is refused unless empty.
func ExportTorch(src, dir string) error { return ExportTorchWith(src, dir, ExportOptions{}) }

// ExportTorchWith is ExportTorch with the training images too, as opts
// asks.
func ExportTorchWith(src, dir string, opts ExportOptions) error {
	if opts.Folder != "" && !opts.Data {
		return fmt.Errorf("export: a folder of pictures (%s) is for the data file: ask for the data too", opts.Folder)
	}
	r, err := loadCheckpoint(src)
	if err != nil {
		return err
	}
	noise, ok := r.file.Find(previewNoiseTensor)
	if !ok {
		return fmt.Errorf("%s: checkpoint has no preview noise", src)
	}
	meta := newExportMeta(r, noise.Data)
	tmp, err := exportTempDir(dir)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // gone after the rename; the leftovers of a failure otherwise
	for _, m := range r.gan.TorchModules(r.optG, r.optD) {
		if err := safetensors.WriteFile(filepath.Join(tmp, m.Name+".safetensors"), m.Tensors, map[string]string{"format": "pt"}); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	if opts.Data {
		if err := addDataFile(tmp, &meta, r.cfg, opts.Folder); err != nil {
			return err
		}
	}
	if err := addHistory(tmp, &meta, r); err != nil {
		return err
	}
	return publishExport(tmp, dir, meta)
}

// newExportMeta is the config.json of r's export, before the data file and
// the history are added.
func newExportMeta(r restored, previewNoise []float32) exportMeta {
	st := r.st
	meta := exportMeta{
		Format: exportFormat, Version: exportVersion, Config: r.cfg,
		Step: st.Step, AdamStepsG: st.AdamStepsG, AdamStepsD: st.AdamStepsD,
		RNG: st.RNG, PreviewNoise: previewNoise,
		Tensors: map[string]string{
			model.TorchGenerator:     "G's weights and BatchNorm statistics (PyTorch state dict)",
			model.TorchDiscriminator: "D's weights and BatchNorm statistics",
			model.TorchOptimizerG:    "G's Adam moments: <parameter>.exp_avg, <parameter>.exp_avg_sq (TensorFlow's Adam; steps in adam_steps_g)",
			model.TorchOptimizerD:    "D's Adam moments",
		},
	}
	if r.gan.Avg != nil {
		meta.Tensors[model.TorchAveraged] = "the moving average of G (ema_decay), which samples come from"
	}
	return meta
}

// exportTempDir makes the hidden folder beside dir that the export is
// written in, so that dir appears whole or not at all; a dir that holds
// anything is refused.
func exportTempDir(dir string) (string, error) {
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return "", fmt.Errorf("export: %s exists and is not empty: choose a new folder", dir)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	return tmp, nil
}

// addDataFile writes the training images, the run's or folder's, into the
// export being written in tmp.
func addDataFile(tmp string, meta *exportMeta, cfg Config, folder string) error {
	data, spec, err := openExportData(cfg, folder)
	if err != nil {
		return err
	}
	info, err := writeDataFile(filepath.Join(tmp, dataFileName), data, spec)
	if err != nil {
		return err
	}
	meta.DataFile = &info
	meta.Tensors["data"] = "the training images as the network sees them: images (uint8 [N, C, S, S], v/127.5 − 1 in training), labels (int64 [N], −1: none); class names under data_file"
	return nil
}

// addHistory copies the losses and grids up to r's step into the export
// being written in tmp: its run folder's, or an export folder's own.
func addHistory(tmp string, meta *exportMeta, r restored) error {
	from := r.runDir
	if from == "" {
		if !IsExport(r.path) {
			return nil
		}
		from = r.path
	}
	ok, err := copyHistory(from, tmp, r.st.Step)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if ok {
		meta.History = fmt.Sprintf("losses.csv and grids/ of %s up to step %d, in a run folder's layout", from, r.st.Step)
	}
	return nil
}

// publishExport writes meta into tmp and renames it to dir.
func publishExport(tmp, dir string, meta exportMeta) error {
	js, err := json.MarshalIndent(meta, "", " ")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, exportConfig), js, 0o644); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// restored is a checkpoint's networks and optimisers, loaded.
type restored struct {
	file       *checkpoint.File
	path       string // the checkpoint file or export folder
	runDir     string // the run folder the checkpoint belongs to, "" for none
	cfg        Config
	st         state
	gan        *model.GAN
	optG, optD *model.Adam
}

// loadCheckpoint reads and loads the checkpoint at src (a file, an export
// folder or a run folder's newest).
func loadCheckpoint(src string) (restored, error) {
	f, src, runDir, err := findCheckpoint(src)
	if err != nil {
		return restored{}, err
	}
	cfg, err := ReadCheckpointConfig(f)
	if err != nil {
		return restored{}, fmt.Errorf("%s: %w", src, err)
	}
	var st state
	if err := json.Unmarshal(f.State, &st); err != nil {
		return restored{}, fmt.Errorf("%s: checkpoint state: %w", src, err)
	}
	gan, err := newGAN(cfg)
	if err != nil {
		return restored{}, err
	}
	optG, optD := newOptimizers(gan, cfg)
	if err := gan.Restore(f.Tensors, optG, optD); err != nil {
		return restored{}, fmt.Errorf("%s: %w", src, err)
	}
	optG.Steps, optD.Steps = st.AdamStepsG, st.AdamStepsD
	return restored{f, src, runDir, cfg, st, gan, optG, optD}, nil
}

func newOptimizers(gan *model.GAN, cfg Config) (optG, optD *model.Adam) {
	return model.NewAdam(gan.G.Params(), cfg.LearnRateG, cfg.Beta1, cfg.Beta2),
		model.NewAdam(gan.D.Params(), cfg.LearnRateD, cfg.Beta1, cfg.Beta2)
}

// readExport reads an export folder as the checkpoint it stands for.
func readExport(dir string) (*checkpoint.File, error) {
	js, err := os.ReadFile(filepath.Join(dir, exportConfig))
	if err != nil {
		return nil, fmt.Errorf("read export: %w", err)
	}
	var meta exportMeta
	if err := json.Unmarshal(js, &meta); err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Join(dir, exportConfig), err)
	}
	if meta.Format != exportFormat || meta.Version != exportVersion {
		return nil, fmt.Errorf("%s: format %q version %d; GAN Studio reads %q version %d exports", filepath.Join(dir, exportConfig), meta.Format, meta.Version, exportFormat, exportVersion)
	}
	cfg := meta.Config
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, exportConfig), err)
	}
	if meta.Step < 0 || meta.AdamStepsG < 0 || meta.AdamStepsD < 0 {
		return nil, fmt.Errorf("%s: negative step counts", filepath.Join(dir, exportConfig))
	}
	if len(meta.PreviewNoise) != PreviewSamples*cfg.Model.NoiseSize {
		return nil, fmt.Errorf("%s: preview_noise has %d values, want %d", filepath.Join(dir, exportConfig), len(meta.PreviewNoise), PreviewSamples*cfg.Model.NoiseSize)
	}
	gan, err := newGAN(cfg)
	if err != nil {
		return nil, err
	}
	names := []string{model.TorchGenerator, model.TorchDiscriminator, model.TorchOptimizerG, model.TorchOptimizerD}
	if gan.Avg != nil {
		names = append(names, model.TorchAveraged)
	}
	var mods []model.TorchModule
	for _, name := range names {
		tensors, _, err := safetensors.ReadFile(filepath.Join(dir, name+".safetensors"))
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: %s.safetensors is missing: is this a whole export?", dir, name)
		}
		if err != nil {
			return nil, err
		}
		mods = append(mods, model.TorchModule{Name: name, Tensors: tensors})
	}
	optG, optD := newOptimizers(gan, cfg)
	if err := gan.LoadTorch(mods, optG, optD); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	cj, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	sj, err := json.Marshal(state{Step: meta.Step, RNG: meta.RNG, AdamStepsG: meta.AdamStepsG, AdamStepsD: meta.AdamStepsD})
	if err != nil {
		return nil, err
	}
	tensors := append(gan.Snapshot(optG, optD), checkpoint.Tensor{Name: previewNoiseTensor, Shape: []int{PreviewSamples, cfg.Model.NoiseSize}, Data: meta.PreviewNoise})
	return &checkpoint.File{Config: cj, State: sj, Tensors: tensors}, nil
}

// copyHistory copies the losses and preview grids of the run folder
// runDir up to step into dir, in a run folder's layout; false when the run
// has none.
func copyHistory(runDir, dir string, step int) (bool, error) {
	steps, err := readLosses(filepath.Join(runDir, lossesFile))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var keep []events.Step
	for _, s := range steps {
		if s.Step <= step {
			keep = append(keep, s)
		}
	}
	var b bytes.Buffer
	if err := WriteLosses(&b, keep); err != nil {
		return false, err
	}
	if err := os.WriteFile(filepath.Join(dir, lossesFile), b.Bytes(), 0o644); err != nil {
		return false, err
	}
	if err := os.MkdirAll(filepath.Join(dir, gridsDir), 0o755); err != nil {
		return false, err
	}
	for _, g := range GridFiles(runDir) {
		if g.Step > step {
			continue
		}
		png, err := os.ReadFile(g.Path)
		if err != nil {
			return false, err
		}
		if err := os.WriteFile(GridPath(dir, g.Step), png, 0o644); err != nil {
			return false, err
		}
	}
	return true, nil
}

// ExportONNX writes the generator of the checkpoint at src (a file, an
// export folder or a run folder) to the file out as an ONNX model (see
// model.Generator.ONNX): the averaged generator of an EMA run, which
// samples come from, unless trained asks for G as trained.
func ExportONNX(src, out string, batch int, trained bool) error {
	r, err := loadCheckpoint(src)
	if err != nil {
		return err
	}
	gan := r.gan
	g := gan.Sampling()
	if trained {
		g = gan.G
	}
	b, err := g.ONNX(batch)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(out, b); err != nil {
		return fmt.Errorf("export onnx: %w", err)
	}
	return nil
}
