package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/ganstudio/ganstudio/model/linear"
	"github.com/ganstudio/ganstudio/model/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// builder adds layers to one gorgonia graph. It keeps the first error and
// turns later calls into no-ops, so that the networks read as a list of
// layers instead of a ladder of error checks.
type builder struct {
	g        *G.ExprGraph
	cfg      Config
	training bool      // batch statistics and dropout, or running statistics and none
	rng      *rand.PCG // dropout masks; nil when not training
	nodes    map[*Param]*G.Node
	err      error
}

func newBuilder(cfg Config, training bool, rng *rand.PCG) *builder {
	return &builder{g: G.NewGraph(), cfg: cfg, training: training, rng: rng, nodes: make(map[*Param]*G.Node)}
}

// node returns p's node in this graph, bound to p's tensor so that every
// graph sees the same weights.
func (b *builder) node(p *Param) *G.Node {
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

// input adds a graph input bound to t, which the caller fills before each run.
func (b *builder) input(name string, t *tensor.Dense) *G.Node {
	return G.NewTensor(b.g, tensor.Float32, t.Dims(), G.WithShape(t.Shape()...), G.WithName(name), G.WithValue(t))
}

func (b *builder) do(what string, f func() (*G.Node, error)) *G.Node {
	if b.err != nil {
		return nil
	}
	n, err := f()
	if err != nil {
		b.err = fmt.Errorf("%s: %w", what, err)
	}
	return n
}

func (b *builder) dense(x *G.Node, w, bias *Param) *G.Node {
	return b.do("dense "+w.Name, func() (*G.Node, error) { return linear.Dense(x, b.node(w), b.node(bias)) })
}

func (b *builder) conv(x *G.Node, w, bias *Param, stride int, pad linear.Padding) *G.Node {
	return b.do("conv "+w.Name, func() (*G.Node, error) { return linear.Conv2D(x, b.node(w), b.node(bias), stride, pad) })
}

func (b *builder) convT(x *G.Node, w, bias *Param, stride int, pad linear.Padding) *G.Node {
	return b.do("transposed conv "+w.Name, func() (*G.Node, error) {
		return linear.ConvTranspose2D(x, b.node(w), b.node(bias), stride, pad)
	})
}

func (b *builder) reshape(x *G.Node, shape ...int) *G.Node {
	return b.do("reshape", func() (*G.Node, error) { return G.Reshape(x, shape) })
}

func (b *builder) tanh(x *G.Node) *G.Node {
	return b.do("tanh", func() (*G.Node, error) { return nn.Tanh(x) })
}

// normActDrop is the seed's hidden-layer tail, BatchNorm, LeakyReLU and
// dropout (dropout only while training), fused into one op.
func (b *builder) normActDrop(x *G.Node, bn *BatchNorm) *G.Node {
	keep := b.cfg.KeepProb
	if !b.training {
		keep = 1
	}
	return b.do("batchnorm "+bn.Name, func() (*G.Node, error) {
		return nn.BatchNormLeakyDropout(x, b.node(bn.Gamma), b.node(bn.Beta), bn.Stats, b.training,
			b.cfg.BNDecay, b.cfg.BNEps, b.cfg.Alpha, keep, b.rng)
	})
}

// actDrop is LeakyReLU then dropout (dropout only while training).
func (b *builder) actDrop(x *G.Node) *G.Node {
	x = b.do("leaky relu", func() (*G.Node, error) { return nn.LeakyReLU(x, b.cfg.Alpha) })
	if !b.training || b.cfg.KeepProb >= 1 {
		return x
	}
	return b.do("dropout", func() (*G.Node, error) { return nn.Dropout(x, b.cfg.KeepProb, b.rng) })
}

func (b *builder) sigmoidXent(logits *G.Node, target float32) *G.Node {
	return b.do("loss", func() (*G.Node, error) { return nn.SigmoidCrossEntropy(logits, target) })
}

func (b *builder) add(x, y *G.Node) *G.Node {
	return b.do("add", func() (*G.Node, error) { return G.Add(x, y) })
}

// grads differentiates cost with respect to params.
func (b *builder) grads(cost *G.Node, params []*Param) []*G.Node {
	if b.err != nil {
		return nil
	}
	wrt := make(G.Nodes, len(params))
	for i, p := range params {
		wrt[i] = b.node(p)
	}
	gs, err := G.Grad(cost, wrt...)
	if err != nil {
		b.err = fmt.Errorf("gradients: %w", err)
	}
	return gs
}

// machine compiles only what roots need: a tape machine otherwise runs
// every node of the graph, wanted or not.
func (b *builder) machine(roots ...*G.Node) G.VM {
	if b.err != nil {
		return nil
	}
	return G.NewTapeMachine(b.g.SubgraphRoots(roots...))
}
