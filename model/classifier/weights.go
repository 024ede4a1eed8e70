package classifier

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/ganstudio/ganstudio/assets/classifiers"
	"github.com/ganstudio/ganstudio/model/checkpoint"
	"gorgonia.org/tensor"
)

// File returns the net as a checkpoint file.
func (n *Net) File() (*checkpoint.File, error) {
	cfg, err := json.Marshal(n.Info)
	if err != nil {
		return nil, fmt.Errorf("encode classifier info: %w", err)
	}
	f := &checkpoint.File{Config: cfg, State: json.RawMessage("{}")}
	for _, p := range n.params {
		f.Tensors = append(f.Tensors, checkpoint.Tensor{Name: p.Name, Shape: append([]int(nil), p.T.Shape()...), Data: p.Data()})
	}
	for _, bn := range n.norms {
		c := []int{len(bn.Stats.Mean)}
		f.Tensors = append(f.Tensors,
			checkpoint.Tensor{Name: bn.Name + "/running_mean", Shape: c, Data: bn.Stats.Mean},
			checkpoint.Tensor{Name: bn.Name + "/running_var", Shape: c, Data: bn.Stats.Var})
	}
	return f, nil
}

// Save writes the weights to path atomically.
func (n *Net) Save(path string) error {
	f, err := n.File()
	if err != nil {
		return err
	}
	return checkpoint.Write(path, f)
}

// Load reads a classifier saved by Save.
func Load(path string) (*Net, error) {
	f, err := checkpoint.Read(path)
	if err != nil {
		return nil, err
	}
	n, err := fromFile(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}

// Decode parses a classifier held in data (a checkpoint file's bytes).
func Decode(data []byte) (*Net, error) {
	f, err := checkpoint.Decode(data)
	if err != nil {
		return nil, err
	}
	return fromFile(f)
}

// ErrNotClassifier is wrapped when a checkpoint holds something else.
var ErrNotClassifier = errors.New("not a GAN Studio classifier")

func fromFile(f *checkpoint.File) (*Net, error) {
	var info Info
	if err := json.Unmarshal(f.Config, &info); err != nil {
		return nil, fmt.Errorf("%w: config: %v", ErrNotClassifier, err)
	}
	if info.Format != format {
		return nil, fmt.Errorf("%w: format %q", ErrNotClassifier, info.Format)
	}
	if a := archFor(info.Dataset); info.Arch != a.name {
		return nil, fmt.Errorf("%w: architecture %q, this GAN Studio's for %s is %q", ErrNotClassifier, info.Arch, info.Dataset, a.name)
	}
	if len(info.Classes) != NumClasses {
		return nil, fmt.Errorf("%w: %d class names, want %d", ErrNotClassifier, len(info.Classes), NumClasses)
	}
	n := New(info.Dataset, info.Classes, 0)
	n.Info = info
	for _, p := range n.params {
		t, ok := f.Find(p.Name)
		if !ok {
			return nil, fmt.Errorf("%w: no tensor %s", ErrNotClassifier, p.Name)
		}
		if !tensor.Shape(t.Shape).Eq(p.T.Shape()) {
			return nil, fmt.Errorf("%w: tensor %s has shape %v, want %v", ErrNotClassifier, p.Name, t.Shape, p.T.Shape())
		}
		for _, v := range t.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("%w: tensor %s holds a non-finite value", ErrNotClassifier, p.Name)
			}
		}
		copy(p.Data(), t.Data)
	}
	for _, bn := range n.norms {
		for _, s := range []struct {
			name string
			dst  []float32
		}{{bn.Name + "/running_mean", bn.Stats.Mean}, {bn.Name + "/running_var", bn.Stats.Var}} {
			t, ok := f.Find(s.name)
			if !ok || len(t.Data) != len(s.dst) {
				return nil, fmt.Errorf("%w: no tensor %s of %d values", ErrNotClassifier, s.name, len(s.dst))
			}
			copy(s.dst, t.Data)
		}
	}
	return n, nil
}

// Shipped returns the classifier that ships with GAN Studio for dataset
// ("mnist", "fashion-mnist" or "cifar10"). The error wraps fs.ErrNotExist when there
// is none.
func Shipped(dataset string) (*Net, error) {
	data, err := classifiers.Weights(dataset)
	if err != nil {
		return nil, err
	}
	n, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("shipped %s classifier: %w", dataset, err)
	}
	if n.Info.Dataset != dataset {
		return nil, fmt.Errorf("shipped %s classifier: the weights are for %q", dataset, n.Info.Dataset)
	}
	return n, nil
}
