package classifier

import (
	"fmt"
	"math"

	"github.com/ganstudio/ganstudio/model"
	"github.com/ganstudio/ganstudio/model/graphop"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

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
