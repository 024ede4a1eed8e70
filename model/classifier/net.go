// Package classifier is the small LeNet-5-like image classifier that GAN
// Studio's sample-quality metrics are measured with: one for MNIST and one
// for Fashion-MNIST, trained by the project's own code (Train) and shipped
// as weights in assets/classifiers.
//
// The network, on 28×28 grayscale images in [−1, 1]:
//
//	conv 5×5, 16 filters, 'same' → ReLU → 2×2 max pool   → 14×14×16
//	conv 5×5, 32 filters, 'valid' → ReLU → 2×2 max pool  → 5×5×32
//	dense 800 → 120 → ReLU → dense 120 → 84               (the features)
//	→ ReLU → dense 84 → 10                                (the logits)
//
// The 84 penultimate values, taken before their ReLU, are the features the
// Fréchet distance and precision/recall are computed on, as FID uses
// Inception's pool layer. Before the ReLU because after it every image the
// net finds nothing in (noise, say) lands on the same corner of the space,
// next to the few real images it barely responds to, and precision then
// calls noise realistic.
package classifier

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/ganstudio/ganstudio/assets/classifiers"
	"github.com/ganstudio/ganstudio/model"
	"github.com/ganstudio/ganstudio/model/checkpoint"
	"github.com/ganstudio/ganstudio/model/graphop"
	"github.com/ganstudio/ganstudio/model/linear"
	"github.com/ganstudio/ganstudio/model/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

const (
	// ImageSize is the side of the square grayscale images the net takes.
	ImageSize = 28
	// FeatureSize is the length of the penultimate feature vector.
	FeatureSize = 84
	// NumClasses is the number of classes (MNIST digits, Fashion-MNIST items).
	NumClasses = 10
	// Arch names the architecture; a weights file of another one is refused.
	Arch = "lenet5-16-32-120-84"

	format   = "ganstudio-classifier"
	conv1    = 16
	conv2    = 32
	hidden1  = 120
	flatSize = conv2 * 5 * 5
)

// ColourArch names the colour network, for CIFAR-10's 32×32×3 images:
//
//	2 × (conv 3×3 'same' → BatchNorm → ReLU), 32 filters → 2×2 max pool → 16×16×32
//	2 × (conv 3×3, 64) → pool                                             → 8×8×64
//	2 × (conv 3×3, 128) → pool                                            → 4×4×128
//	dense 2048 → 256 (the features) → ReLU → dense 256 → 10               (the logits)
//
// A VGG-style stack with BatchNorm: the smallest of the usual CIFAR-10
// networks that pass 80% test accuracy after a few epochs on a CPU.
const ColourArch = "vgg-bn-32-64-128-256"

// arch is the shape of one of the classifier's networks.
type arch struct {
	name           string
	size, channels int // the images it takes
	features       int // the length of its feature vector
	// inferBatch is the inference graph's batch (a shorter last chunk is
	// padded): the colour network's 3×3 columns of 100 images would take
	// 170 MB, of 25 images 43 MB, at the same speed.
	inferBatch int
}

var (
	lenet  = arch{Arch, ImageSize, 1, FeatureSize, 100}
	colour = arch{ColourArch, 32, 3, 256, 25}
)

// archFor is the network of a data set's classifier: the colour one for
// CIFAR-10, LeNet for the grayscale sets.
func archFor(dataset string) arch {
	if dataset == "cifar10" {
		return colour
	}
	return lenet
}

// ShapeFor is the image size and channels of a data set's classifier.
func ShapeFor(dataset string) (size, channels int) {
	a := archFor(dataset)
	return a.size, a.channels
}

// ImageSize returns the side of the square images n takes.
func (n *Net) ImageSize() int { return n.arch.size }

// Channels returns the channels of the images n takes (1 or 3).
func (n *Net) Channels() int { return n.arch.channels }

// InputSize returns the number of values of one image n takes
// (channels × side × side).
func (n *Net) InputSize() int { return n.arch.channels * n.arch.size * n.arch.size }

// FeatureSize returns the length of n's feature vectors.
func (n *Net) FeatureSize() int { return n.arch.features }

// Info describes a trained classifier; it is the checkpoint's config.
type Info struct {
	Format  string   `json:"format"`
	Arch    string   `json:"arch"`
	Dataset string   `json:"dataset"`
	Classes []string `json:"classes"`
	// TestAccuracy is the accuracy on the data set's test split measured
	// when the weights were saved (0 if never measured).
	TestAccuracy float64 `json:"test_accuracy"`
	Epochs       int     `json:"epochs"`
	Seed         uint64  `json:"seed"`
}

// Net is a classifier's weights with cached inference graphs. It is safe
// for concurrent use: inference runs are serialised.
type Net struct {
	Info   Info
	arch   arch
	params []*model.Param
	norms  []*model.BatchNorm // the colour network's; their statistics are saved too

	mu     sync.Mutex
	graphs map[int]*inferGraph
	// arena holds the inference graphs' buffers, which Run's lock keeps
	// from running at once; nil until the first graph is built.
	arena *graphop.Arena
}

// New returns a net with Glorot-uniform initial weights drawn from seed and
// zero biases.
func New(dataset string, classes []string, seed uint64) *Net {
	rng := rand.New(rand.NewPCG(seed, 0x636c6173))
	a := archFor(dataset)
	n := &Net{arch: a, Info: Info{Format: format, Arch: a.name, Dataset: dataset, Classes: append([]string(nil), classes...), Seed: seed}}
	add := func(name string, shape []int, fanIn, fanOut int) *model.Param {
		t := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))
		d := t.Data().([]float32)
		if fanIn > 0 {
			limit := math.Sqrt(6 / float64(fanIn+fanOut))
			for i := range d {
				d[i] = float32((rng.Float64()*2 - 1) * limit)
			}
		}
		p := &model.Param{Name: name, T: t}
		n.params = append(n.params, p)
		return p
	}
	if a == colour {
		in := 3
		for i, out := range []int{32, 32, 64, 64, 128, 128} {
			name := fmt.Sprintf("conv%d", i+1)
			add(name+"/w", []int{out, in, 3, 3}, in*9, out*9)
			bn := &model.BatchNorm{Name: name + "/bn", Gamma: add(name+"/bn/gamma", []int{out}, 0, 0), Beta: add(name+"/bn/beta", []int{out}, 0, 0), Stats: nn.NewStats(out)}
			for i := range bn.Gamma.Data() {
				bn.Gamma.Data()[i] = 1
			}
			n.norms = append(n.norms, bn)
			in = out
		}
		add("fc1/w", []int{4 * 4 * 128, a.features}, 4*4*128, a.features)
		add("fc1/b", []int{a.features}, 0, 0)
		add("out/w", []int{a.features, NumClasses}, a.features, NumClasses)
		add("out/b", []int{NumClasses}, 0, 0)
		return n
	}
	add("conv1/w", []int{conv1, 1, 5, 5}, 25, conv1*25)
	add("conv1/b", []int{conv1}, 0, 0)
	add("conv2/w", []int{conv2, conv1, 5, 5}, conv1*25, conv2*25)
	add("conv2/b", []int{conv2}, 0, 0)
	add("fc1/w", []int{flatSize, hidden1}, flatSize, hidden1)
	add("fc1/b", []int{hidden1}, 0, 0)
	add("fc2/w", []int{hidden1, FeatureSize}, hidden1, FeatureSize)
	add("fc2/b", []int{FeatureSize}, 0, 0)
	add("out/w", []int{FeatureSize, NumClasses}, FeatureSize, NumClasses)
	add("out/b", []int{NumClasses}, 0, 0)
	return n
}

// Params returns the learnable tensors in checkpoint order.
func (n *Net) Params() []*model.Param { return n.params }

// build adds the network to b's graph: x [N, C, S, S] to the features
// [N, F] and the logits [N, 10]. With keep < 1, dropout (masks from rng)
// follows each hidden dense layer. training runs BatchNorm on the batch's
// statistics (and updates the running ones); otherwise on the running ones.
func (n *Net) build(b *model.Builder, x *G.Node, keep float32, rng *rand.PCG, training bool) (feats, logits *G.Node) {
	p := n.params
	relu := func(x *G.Node) *G.Node {
		return b.Do("relu", func() (*G.Node, error) { return nn.LeakyReLU(x, 0) })
	}
	drop := func(x *G.Node) *G.Node {
		if keep >= 1 {
			return x
		}
		return b.Do("dropout", func() (*G.Node, error) { return nn.Dropout(x, keep, rng) })
	}
	pool := func(x *G.Node) *G.Node { return b.Do("max pool", func() (*G.Node, error) { return MaxPool2(x) }) }
	conv := func(x *G.Node, w, bias *model.Param, pad linear.Padding) *G.Node {
		return b.Do("conv "+w.Name, func() (*G.Node, error) { return linear.Conv2D(x, b.Node(w), b.Node(bias), 1, pad) })
	}
	dense := func(x *G.Node, w, bias *model.Param) *G.Node {
		return b.Do("dense "+w.Name, func() (*G.Node, error) { return linear.Dense(x, b.Node(w), b.Node(bias)) })
	}
	batch := x.Shape()[0]
	if n.arch == colour {
		h := x
		for i, bn := range n.norms {
			w := p[3*i]
			h = b.Do("conv "+w.Name, func() (*G.Node, error) { return linear.Conv2D(h, b.Node(w), nil, 1, linear.Same) })
			h = b.Do("batchnorm "+bn.Name, func() (*G.Node, error) { // BatchNorm → ReLU
				return nn.BatchNormLeakyDropout(h, b.Node(bn.Gamma), b.Node(bn.Beta), bn.Stats, training, 0.9, 1e-5, 0, 1, nil)
			})
			if i%2 == 1 {
				h = pool(h) // [N, 32|64|128, 16|8|4, …]
			}
		}
		if b.Err() != nil {
			return nil, nil
		}
		h = b.Do("flatten", func() (*G.Node, error) { return G.Reshape(h, tensor.Shape{batch, 4 * 4 * 128}) })
		k := 3 * len(n.norms)
		feats = dense(h, p[k], p[k+1])                    // [N, 256]
		logits = dense(drop(relu(feats)), p[k+2], p[k+3]) // [N, 10]
		return feats, logits
	}
	h := pool(relu(conv(x, p[0], p[1], linear.Same)))
	h = pool(relu(conv(h, p[2], p[3], linear.Valid)))
	if b.Err() != nil {
		return nil, nil
	}
	h = b.Do("flatten", func() (*G.Node, error) { return G.Reshape(h, tensor.Shape{batch, flatSize}) })
	h = drop(relu(dense(h, p[4], p[5])))
	feats = dense(h, p[6], p[7])
	logits = dense(drop(relu(feats)), p[8], p[9])
	return feats, logits
}

// inferGraph is the network at one batch size, without dropout.
type inferGraph struct {
	x             *tensor.Dense
	feats, logits *G.Node
	m             G.VM
}

func (n *Net) inferGraph(batch int) (*inferGraph, error) {
	if ig, ok := n.graphs[batch]; ok {
		return ig, nil
	}
	a := n.arch
	ig := &inferGraph{x: tensor.New(tensor.WithShape(batch, a.channels, a.size, a.size), tensor.Of(tensor.Float32))}
	if n.arena == nil {
		n.arena = graphop.NewArena()
	}
	b := model.NewBuilderIn(n.arena)
	ig.feats, ig.logits = n.build(b, b.Input("x", ig.x), 1, nil, false)
	ig.m = b.Machine(ig.feats, ig.logits)
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("build classifier: %w", err)
	}
	if n.graphs == nil {
		n.graphs = make(map[int]*inferGraph)
	}
	n.graphs[batch] = ig
	return ig, nil
}

// Output is the result of running the net on a batch of images.
type Output struct {
	// Features holds N rows of FeatureSize penultimate values (before
	// their ReLU).
	Features []float32
	// Probs holds N rows of NumClasses softmax probabilities.
	Probs []float32
}

// Run classifies count images held in x, NCHW [count, C, S, S] in
// [−1, 1], in inference mode.
func (n *Net) Run(x []float32, count int) (Output, error) {
	a := n.arch
	size, fs := a.channels*a.size*a.size, a.features
	if count < 1 || len(x) != count*size {
		return Output{}, fmt.Errorf("classifier: %d values is not %d images of %d×%d×%d", len(x), count, a.size, a.size, a.channels)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	out := Output{Features: make([]float32, 0, count*fs), Probs: make([]float32, 0, count*NumClasses)}
	batch := min(count, a.inferBatch)
	ig, err := n.inferGraph(batch)
	if err != nil {
		return Output{}, err
	}
	xd := ig.x.Data().([]float32)
	for lo := 0; lo < count; lo += batch {
		k := min(batch, count-lo)
		copy(xd, x[lo*size:(lo+k)*size])
		clear(xd[k*size:])
		err := ig.m.RunAll()
		if err == nil {
			f := ig.feats.Value().Data().([]float32)
			l := ig.logits.Value().Data().([]float32)
			out.Features = append(out.Features, f[:k*fs]...)
			for i := 0; i < k; i++ {
				out.Probs = appendSoftmax(out.Probs, l[i*NumClasses:(i+1)*NumClasses])
			}
		}
		ig.m.Reset()
		if err != nil {
			return Output{}, fmt.Errorf("classifier: %w", err)
		}
	}
	return out, nil
}

func appendSoftmax(dst, logits []float32) []float32 {
	lse := logSumExp(logits)
	for _, v := range logits {
		dst = append(dst, float32(math.Exp(float64(v)-lse)))
	}
	return dst
}

// Argmax returns the index of the largest of row (the first on ties).
func Argmax(row []float32) int {
	best := 0
	for i, v := range row {
		if v > row[best] {
			best = i
		}
	}
	return best
}

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
