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
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/ganstudio/ganstudio/model"
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
