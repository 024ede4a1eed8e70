package classifier

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/ganstudio/ganstudio/model"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Data is what training and evaluation read: a labelled image set, as
// *dataset.Dataset provides (28×28, one channel, pixels in [−1, 1]).
type Data interface {
	Len() int
	Fill(dst []float32, indices []int) error
	Label(i int) int
}

// TrainOptions set up Train. Zero fields take the defaults below.
type TrainOptions struct {
	Epochs    int     // passes over the training set (default 6)
	Batch     int     // images per step (default 64)
	LearnRate float64 // Adam's initial learning rate (default 0.001)
	// Decay multiplies the learning rate after every epoch (default 0.7).
	Decay float64
	// Keep is the dropout keep probability after the hidden dense layers
	// (default 1: no dropout).
	Keep float32
	Seed uint64
	// Progress, if set, is called every 100 steps and at the end of every
	// epoch.
	Progress func(Progress)
}

// Progress reports training progress.
type Progress struct {
	Epoch, Epochs int
	Step, Steps   int // steps done in this epoch, of
	Loss          float64
	Elapsed       time.Duration
	EpochDone     bool
}

func (o *TrainOptions) defaults() error {
	if o.Epochs == 0 {
		o.Epochs = 6
	}
	if o.Batch == 0 {
		o.Batch = 64
	}
	if o.LearnRate == 0 {
		o.LearnRate = 0.001
	}
	if o.Decay == 0 {
		o.Decay = 0.7
	}
	if o.Keep == 0 {
		o.Keep = 1
	}
	switch {
	case o.Epochs < 0 || o.Epochs > 1000:
		return fmt.Errorf("epochs %d: use 1 to 1000", o.Epochs)
	case o.Batch < 1 || o.Batch > 4096:
		return fmt.Errorf("batch %d: use 1 to 4096", o.Batch)
	case !(o.LearnRate > 0 && o.LearnRate < 1):
		return fmt.Errorf("learning rate %v: use a value in (0, 1)", o.LearnRate)
	case !(o.Decay > 0 && o.Decay <= 1):
		return fmt.Errorf("decay %v: use a value in (0, 1]", o.Decay)
	case !(o.Keep > 0 && o.Keep <= 1):
		return fmt.Errorf("keep %v: use a value in (0, 1]", o.Keep)
	}
	return nil
}

// Train fits n to the labelled images of train with Adam on the softmax
// cross-entropy. It stops early with ctx's error when ctx is cancelled.
func (n *Net) Train(ctx context.Context, train Data, opts TrainOptions) error {
	if err := opts.defaults(); err != nil {
		return fmt.Errorf("train classifier: %w", err)
	}
	size := train.Len()
	if size < opts.Batch {
		return fmt.Errorf("train classifier: %d images is fewer than one batch of %d", size, opts.Batch)
	}
	for i := 0; i < size; i++ {
		if l := train.Label(i); l < 0 || l >= NumClasses {
			return fmt.Errorf("train classifier: image %d has label %d, want 0 to %d", i, l, NumClasses-1)
		}
	}
	bs, a := opts.Batch, n.arch
	xT := tensor.New(tensor.WithShape(bs, a.channels, a.size, a.size), tensor.Of(tensor.Float32))
	yT := tensor.New(tensor.WithShape(bs, NumClasses), tensor.Of(tensor.Float32))
	rng := rand.NewPCG(opts.Seed, 0x64726f70)
	b := model.NewBuilder()
	_, logits := n.build(b, b.Input("x", xT), opts.Keep, rng, true)
	loss := b.Do("loss", func() (*G.Node, error) { return SoftmaxCrossEntropy(logits, b.Input("y", yT)) })
	grads := b.Grads(loss, n.params)
	m := b.Machine(append(G.Nodes{loss}, grads...)...)
	if err := b.Err(); err != nil {
		return fmt.Errorf("train classifier: %w", err)
	}
	defer m.Close()
	opt := model.NewAdam(n.params, opts.LearnRate, 0.9, 0.999)
	gradBuf := make([][]float32, len(grads))
	xd, yd := xT.Data().([]float32), yT.Data().([]float32)
	shuffle := rand.New(rand.NewPCG(opts.Seed, 0x73687566))
	steps := size / bs
	start := time.Now()
	for epoch := 0; epoch < opts.Epochs; epoch++ {
		opt.LearnRate = opts.LearnRate * math.Pow(opts.Decay, float64(epoch))
		perm := shuffle.Perm(size)
		var sum float64
		var count int
		for s := 0; s < steps; s++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			idx := perm[s*bs : (s+1)*bs]
			if err := train.Fill(xd, idx); err != nil {
				return fmt.Errorf("train classifier: %w", err)
			}
			if n.arch == colour {
				mirrorHalf(xd, bs, a.channels, a.size, shuffle)
			}
			clear(yd)
			for i, j := range idx {
				yd[i*NumClasses+train.Label(j)] = 1
			}
			err := m.RunAll()
			if err == nil {
				for i, g := range grads {
					gradBuf[i] = g.Value().Data().([]float32)
				}
				l := float64(model.Scalar(loss))
				if math.IsNaN(l) || math.IsInf(l, 0) {
					err = fmt.Errorf("loss is %v at epoch %d step %d", l, epoch+1, s)
				} else {
					sum += l
					count++
					opt.Update(n.params, gradBuf)
				}
			}
			m.Reset()
			if err != nil {
				return fmt.Errorf("train classifier: %w", err)
			}
			if opts.Progress != nil && (s+1)%100 == 0 {
				opts.Progress(Progress{Epoch: epoch + 1, Epochs: opts.Epochs, Step: s + 1, Steps: steps, Loss: sum / float64(count), Elapsed: time.Since(start)})
				sum, count = 0, 0
			}
		}
		if opts.Progress != nil {
			p := Progress{Epoch: epoch + 1, Epochs: opts.Epochs, Step: steps, Steps: steps, Elapsed: time.Since(start), EpochDone: true}
			if count > 0 {
				p.Loss = sum / float64(count)
			}
			opts.Progress(p)
		}
	}
	n.Info.Epochs = opts.Epochs
	n.Info.Seed = opts.Seed
	n.mu.Lock()
	n.graphs, n.arena = nil, nil // weights changed in place; graphs stay valid, but start clean
	n.mu.Unlock()
	return nil
}

// Accuracy returns the fraction of d's images that n classifies correctly.
func (n *Net) Accuracy(ctx context.Context, d Data) (float64, error) {
	size := d.Len()
	if size < 1 {
		return 0, fmt.Errorf("accuracy: no images")
	}
	const chunk = 2000
	per := n.arch.channels * n.arch.size * n.arch.size
	x := make([]float32, chunk*per)
	idx := make([]int, 0, chunk)
	correct := 0
	for lo := 0; lo < size; lo += chunk {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		k := min(chunk, size-lo)
		idx = idx[:0]
		for i := lo; i < lo+k; i++ {
			idx = append(idx, i)
		}
		xs := x[:k*per]
		if err := d.Fill(xs, idx); err != nil {
			return 0, fmt.Errorf("accuracy: %w", err)
		}
		out, err := n.Run(xs, k)
		if err != nil {
			return 0, fmt.Errorf("accuracy: %w", err)
		}
		for i := 0; i < k; i++ {
			if Argmax(out.Probs[i*NumClasses:(i+1)*NumClasses]) == d.Label(lo+i) {
				correct++
			}
		}
	}
	return float64(correct) / float64(size), nil
}

// mirrorHalf flips each of the batch's n images left to right with
// probability ½: a photo's mirror image is as likely a photo of its
// class, so the colour network sees twice the pictures.
func mirrorHalf(x []float32, n, chans, size int, rng *rand.Rand) {
	per := chans * size * size
	for i := range n {
		if rng.IntN(2) == 0 {
			continue
		}
		img := x[i*per : (i+1)*per]
		for row := 0; row < chans*size; row++ {
			r := img[row*size : (row+1)*size]
			for a, b := 0, size-1; a < b; a, b = a+1, b-1 {
				r[a], r[b] = r[b], r[a]
			}
		}
	}
}
