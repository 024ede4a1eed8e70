package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/ganstudio/ganstudio/model/graphop"
	"github.com/ganstudio/ganstudio/model/linear"
	"github.com/ganstudio/ganstudio/model/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Builder adds nodes to one gorgonia graph. It binds every Param to one
// node, keeps the first error and turns later calls into no-ops, so that a
// network reads as a list of layers instead of a ladder of error checks.
// The GAN's graphs and the classifier's are built with it.
type Builder struct {
	g     *G.ExprGraph
	nodes map[*Param]*G.Node
	arena *graphop.Arena // nil: each op allocates its own buffers
	err   error
}

// NewBuilder returns a builder of a new, empty graph whose ops allocate
// their own buffers.
func NewBuilder() *Builder { return NewBuilderIn(nil) }

// NewBuilderIn returns a builder of a new, empty graph whose ops keep
// their buffers in a region of arena (see graphop.Arena): the graph must
// never run at the same time as another graph of the arena.
func NewBuilderIn(arena *graphop.Arena) *Builder {
	return &Builder{g: G.NewGraph(), nodes: make(map[*Param]*G.Node), arena: arena}
}

// Err returns the first error of the calls so far.
func (b *Builder) Err() error { return b.err }

// Node returns p's node in this graph (nil for a nil p), bound to p's
// tensor so that every graph sees the same weights.
func (b *Builder) Node(p *Param) *G.Node {
	if p == nil {
		return nil
	}
	if n, ok := b.nodes[p]; ok {
		return n
	}
	n := G.NewTensor(b.g, tensor.Float32, p.T.Dims(), G.WithShape(p.T.Shape()...), G.WithName(p.Name), G.WithValue(p.T))
	b.nodes[p] = n
	return n
}

// Input adds a graph input bound to t, which the caller fills before each run.
func (b *Builder) Input(name string, t *tensor.Dense) *G.Node {
	return G.NewTensor(b.g, tensor.Float32, t.Dims(), G.WithShape(t.Shape()...), G.WithName(name), G.WithValue(t))
}

// Do adds a node with f unless an earlier call failed; an error of f is
// kept, wrapped with what.
func (b *Builder) Do(what string, f func() (*G.Node, error)) *G.Node {
	if b.err != nil {
		return nil
	}
	n, err := f()
	if err != nil {
		b.err = fmt.Errorf("%s: %w", what, err)
	}
	return n
}

// Grads differentiates cost with respect to params.
func (b *Builder) Grads(cost *G.Node, params []*Param) []*G.Node {
	if b.err != nil {
		return nil
	}
	wrt := make(G.Nodes, len(params))
	for i, p := range params {
		wrt[i] = b.Node(p)
	}
	gs, err := G.Grad(cost, wrt...)
	if err != nil {
		b.err = fmt.Errorf("gradients: %w", err)
	}
	return gs
}

// Machine compiles only what roots need: a tape machine otherwise runs
// every node of the graph, wanted or not. It returns nil after an error.
func (b *Builder) Machine(roots ...*G.Node) G.VM {
	if b.err != nil {
		return nil
	}
	sub := b.g.SubgraphRoots(roots...)
	if b.arena != nil {
		if err := place(sub, roots, b.arena.Region()); err != nil {
			b.err = fmt.Errorf("lay out buffers: %w", err)
			return nil
		}
	}
	return G.NewTapeMachine(sub)
}

// place gives the ops of g their buffers in region r, sharing memory
// between buffers whose lifetimes in a run do not overlap. A run executes
// the nodes in the order the tape machine compiles them (gorgonia's
// stable topological sort, reversed); an op's buffers live from its step
// to the last step that reads its value, or a buffer it saved (a
// Follower), or any value gorgonia's own ops derived from it (which may
// be computed in place). The roots' values are read after the run.
func place(g *G.ExprGraph, roots G.Nodes, r *graphop.Region) error {
	order, err := G.Sort(g)
	if err != nil {
		return err
	}
	slices.Reverse(order)
	step := make(map[*G.Node]int, len(order))
	for i, n := range order {
		step[n] = i
	}
	readers := make(map[*G.Node][]*G.Node)
	for _, n := range order {
		for it := g.From(n.ID()); it.Next(); {
			in := it.Node().(*G.Node)
			readers[in] = append(readers[in], n)
		}
	}
	end := make([]int, len(order))
	for _, n := range roots {
		end[step[n]] = graphop.Forever
	}
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i]
		end[i] = max(end[i], i)
		for _, m := range readers[n] {
			if _, ours := m.Op().(graphop.InRegion); ours {
				end[i] = max(end[i], step[m])
			} else {
				end[i] = max(end[i], end[step[m]])
			}
		}
	}
	owner := make(map[graphop.InRegion]int)
	for i, n := range order {
		if op, ok := n.Op().(graphop.InRegion); ok {
			owner[op] = i
		}
	}
	for i, n := range order {
		if f, ok := n.Op().(graphop.Follower); ok && f.Follows() != nil {
			if j, ok := owner[f.Follows()]; ok {
				end[j] = max(end[j], i)
			}
		}
	}
	for i, n := range order {
		if op, ok := n.Op().(graphop.InRegion); ok {
			r.Live(i, end[i])
			op.UseRegion(r)
		}
	}
	r.Pack()
	return nil
}

// Scalar returns the value of a scalar node (the first value of a tensor
// one), or NaN when it holds no float32.
func Scalar(n *G.Node) float32 {
	switch v := n.Value().Data().(type) {
	case float32:
		return v
	case []float32:
		return v[0]
	}
	return float32(math.NaN())
}

// ganGraph is one of the GAN's graphs being built: a Builder that adds
// the GAN's layers with the settings of that graph.
type ganGraph struct {
	*Builder
	cfg      Config
	d        *Discriminator // whose spectrally normalised weights the graph reads as W/σ
	training bool           // batch statistics and dropout, or running statistics and none
	rng      *rand.PCG      // dropout masks; nil when not training
}

// newGraph starts one of gan's graphs.
func (gan *GAN) newGraph(training bool, rng *rand.PCG) *ganGraph {
	return &ganGraph{Builder: NewBuilderIn(gan.arena), cfg: gan.Config, d: gan.D, training: training, rng: rng}
}

// weight is the node of the weight w as the layers read it: W/σ for a
// spectrally normalised one.
func (b *ganGraph) weight(w *Param) *G.Node { return b.Node(b.d.seen(w)) }

func (b *ganGraph) dense(x *G.Node, w, bias *Param) *G.Node {
	return b.Do("dense "+w.Name, func() (*G.Node, error) { return linear.Dense(x, b.weight(w), b.Node(bias)) })
}

func (b *ganGraph) conv(x *G.Node, w, bias *Param, stride int, pad linear.Padding) *G.Node {
	return b.Do("conv "+w.Name, func() (*G.Node, error) { return linear.Conv2D(x, b.weight(w), b.Node(bias), stride, pad) })
}

func (b *ganGraph) convT(x *G.Node, w, bias *Param, stride int, pad linear.Padding) *G.Node {
	return b.Do("transposed conv "+w.Name, func() (*G.Node, error) {
		return linear.ConvTranspose2D(x, b.Node(w), b.Node(bias), stride, pad)
	})
}

func (b *ganGraph) reshape(x *G.Node, shape ...int) *G.Node {
	return b.Do("reshape", func() (*G.Node, error) { return G.Reshape(x, shape) })
}

func (b *ganGraph) tanh(x *G.Node) *G.Node {
	return b.Do("tanh", func() (*G.Node, error) { return nn.Tanh(x) })
}

// normActDrop is the seed's hidden-layer tail, BatchNorm, LeakyReLU and
// dropout (dropout only while training), fused into one op.
func (b *ganGraph) normActDrop(x *G.Node, bn *BatchNorm) *G.Node {
	keep := b.cfg.KeepProb
	if !b.training {
		keep = 1
	}
	return b.Do("batchnorm "+bn.Name, func() (*G.Node, error) {
		return nn.BatchNormLeakyDropout(x, b.Node(bn.Gamma), b.Node(bn.Beta), bn.Stats, b.training,
			b.cfg.BNDecay, b.cfg.BNEps, b.cfg.Alpha, keep, b.rng)
	})
}

// normAct is BatchNorm then LeakyReLU of slope alpha (0: ReLU), without
// dropout: the tail of the 64×64 generator's layers.
func (b *ganGraph) normAct(x *G.Node, bn *BatchNorm, alpha float32) *G.Node {
	return b.Do("batchnorm "+bn.Name, func() (*G.Node, error) {
		return nn.BatchNormLeakyDropout(x, b.Node(bn.Gamma), b.Node(bn.Beta), bn.Stats, b.training,
			b.cfg.BNDecay, b.cfg.BNEps, alpha, 1, nil)
	})
}

// actDrop is LeakyReLU then dropout (dropout only while training).
func (b *ganGraph) actDrop(x *G.Node) *G.Node {
	x = b.Do("leaky relu", func() (*G.Node, error) { return nn.LeakyReLU(x, b.cfg.Alpha) })
	if !b.training || b.cfg.KeepProb >= 1 {
		return x
	}
	return b.Do("dropout", func() (*G.Node, error) { return nn.Dropout(x, b.cfg.KeepProb, b.rng) })
}

// hiddenTail is what follows a hidden convolution of D: the seed's
// BatchNorm, LeakyReLU and dropout, or without BatchNorm (bn nil, a
// spectrally normalised D) LeakyReLU and dropout.
func (b *ganGraph) hiddenTail(x *G.Node, bn *BatchNorm) *G.Node {
	if bn == nil {
		return b.actDrop(x)
	}
	return b.normActDrop(x, bn)
}

// augment passes x through the configuration's DiffAugment policy, drawing
// from the graph's rng (training graphs only; none: x itself).
func (b *ganGraph) augment(x *G.Node) *G.Node {
	policy, err := nn.ParseAugmentations(b.cfg.Augment)
	if err != nil || len(policy) == 0 || !b.training {
		if err != nil {
			b.Do("augment", func() (*G.Node, error) { return nil, err })
		}
		return x
	}
	return b.Do("augment", func() (*G.Node, error) { return nn.DiffAugment(x, policy, b.rng) })
}

// classesInput is the one-hot classes input bound to t, or nil for an
// unconditional GAN (t nil).
func (b *ganGraph) classesInput(t *tensor.Dense) *G.Node {
	if t == nil {
		return nil
	}
	return b.Input("y", t)
}

// concat joins z [n, a] and y [n, b] into [n, a+b].
func (b *ganGraph) concat(z, y *G.Node) *G.Node {
	return b.Do("concat", func() (*G.Node, error) { return G.Concat(1, z, y) })
}

// project is a projection discriminator's class term: the inner product
// of each image's features x [n, F] with its class's embedding, picked by
// the one-hot y [n, K] from embed [K, F]; [n, 1].
func (b *ganGraph) project(x, y *G.Node, embed *Param) *G.Node {
	return b.Do("projection", func() (*G.Node, error) {
		e, err := G.Mul(y, b.weight(embed)) // [n, F]
		if err != nil {
			return nil, err
		}
		p, err := G.HadamardProd(x, e)
		if err != nil {
			return nil, err
		}
		s, err := G.Sum(p, 1) // [n]
		if err != nil {
			return nil, err
		}
		return G.Reshape(s, tensor.Shape{x.Shape()[0], 1})
	})
}

func (b *ganGraph) add(x, y *G.Node) *G.Node {
	return b.Do("add", func() (*G.Node, error) { return G.Add(x, y) })
}
