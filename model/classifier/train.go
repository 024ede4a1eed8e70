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
	if err := checkLabels(train, opts.Batch); err != nil {
		return fmt.Errorf("train classifier: %w", err)
	}
	t, err := n.newTrainer(train, opts)
	if err != nil {
		return fmt.Errorf("train classifier: %w", err)
	}
	defer t.m.Close()
	for epoch := range opts.Epochs {
		if err := t.epoch(ctx, epoch); err != nil {
			return err
		}
	}
	n.Info.Epochs = opts.Epochs
	n.Info.Seed = opts.Seed
	n.mu.Lock()
	n.graphs, n.arena = nil, nil // weights changed in place; graphs stay valid, but start clean
	n.mu.Unlock()
	return nil
}

// checkLabels refuses a training set smaller than a batch or with an image
// outside the classes.
func checkLabels(train Data, batch int) error {
	size := train.Len()
	if size < batch {
		return fmt.Errorf("%d images is fewer than one batch of %d", size, batch)
	}
	for i := 0; i < size; i++ {
		if l := train.Label(i); l < 0 || l >= NumClasses {
			return fmt.Errorf("image %d has label %d, want 0 to %d", i, l, NumClasses-1)
		}
	}
	return nil
}

// trainer is one Train call: the training graph and its batch, Adam, and
// the random stream that orders the epochs.
type trainer struct {
	n       *Net
	data    Data
	opts    TrainOptions
	x, y    []float32 // the batch the graph reads: images, one-hot labels
	loss    *G.Node
	grads   []*G.Node
	gradBuf [][]float32
	m       G.VM
	opt     *model.Adam
	shuffle *rand.Rand // each epoch's order, and which images are mirrored
	start   time.Time
}

// newTrainer compiles n's training graph (dropout's masks drawn from their
// own stream) for batches of opts.Batch.
func (n *Net) newTrainer(data Data, opts TrainOptions) (*trainer, error) {
	a := n.arch
	xT := tensor.New(tensor.WithShape(opts.Batch, a.channels, a.size, a.size), tensor.Of(tensor.Float32))
	yT := tensor.New(tensor.WithShape(opts.Batch, NumClasses), tensor.Of(tensor.Float32))
	b := model.NewBuilder()
	_, logits := n.build(b, b.Input("x", xT), opts.Keep, rand.NewPCG(opts.Seed, 0x64726f70), true)
	loss := b.Do("loss", func() (*G.Node, error) { return SoftmaxCrossEntropy(logits, b.Input("y", yT)) })
	grads := b.Grads(loss, n.params)
	m := b.Machine(append(G.Nodes{loss}, grads...)...)
	if err := b.Err(); err != nil {
		return nil, err
	}
	return &trainer{
		n: n, data: data, opts: opts,
		x: xT.Data().([]float32), y: yT.Data().([]float32),
		loss: loss, grads: grads, gradBuf: make([][]float32, len(grads)), m: m,
		opt:     model.NewAdam(n.params, opts.LearnRate, 0.9, 0.999),
		shuffle: rand.New(rand.NewPCG(opts.Seed, 0x73687566)),
		start:   time.Now(),
	}, nil
}

// epoch makes one pass over the data in a fresh order at the epoch's
// learning rate, reporting progress every 100 steps and at its end.
func (t *trainer) epoch(ctx context.Context, epoch int) error {
	opts, bs := t.opts, t.opts.Batch
	t.opt.LearnRate = opts.LearnRate * math.Pow(opts.Decay, float64(epoch))
	perm := t.shuffle.Perm(t.data.Len())
	steps := len(perm) / bs
	var sum float64
	var count int
	for s := 0; s < steps; s++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := t.fillBatch(perm[s*bs : (s+1)*bs]); err != nil {
			return fmt.Errorf("train classifier: %w", err)
		}
		l, err := t.step()
		if err == nil && (math.IsNaN(l) || math.IsInf(l, 0)) {
			err = fmt.Errorf("loss is %v at epoch %d step %d", l, epoch+1, s)
		}
		if err != nil {
			return fmt.Errorf("train classifier: %w", err)
		}
		sum += l
		count++
		if opts.Progress != nil && (s+1)%100 == 0 {
			opts.Progress(Progress{Epoch: epoch + 1, Epochs: opts.Epochs, Step: s + 1, Steps: steps, Loss: sum / float64(count), Elapsed: time.Since(t.start)})
			sum, count = 0, 0
		}
	}
	if opts.Progress != nil {
		p := Progress{Epoch: epoch + 1, Epochs: opts.Epochs, Step: steps, Steps: steps, Elapsed: time.Since(t.start), EpochDone: true}
		if count > 0 {
			p.Loss = sum / float64(count)
		}
		opts.Progress(p)
	}
	return nil
}

// fillBatch puts the images at idx and their one-hot labels in the graph's
// batch, mirroring half the colour network's photos.
func (t *trainer) fillBatch(idx []int) error {
	if err := t.data.Fill(t.x, idx); err != nil {
		return err
	}
	if a := t.n.arch; a == colour {
		mirrorHalf(t.x, len(idx), a.channels, a.size, t.shuffle)
	}
	clear(t.y)
	for i, j := range idx {
		t.y[i*NumClasses+t.data.Label(j)] = 1
	}
	return nil
}

// step runs the graph on the batch and, when the loss is finite, takes
// Adam's step; it returns the loss.
func (t *trainer) step() (float64, error) {
	defer t.m.Reset()
	if err := t.m.RunAll(); err != nil {
		return 0, err
	}
	for i, g := range t.grads {
		t.gradBuf[i] = g.Value().Data().([]float32)
	}
	l := float64(model.Scalar(t.loss))
	if !math.IsNaN(l) && !math.IsInf(l, 0) {
		t.opt.Update(t.n.params, t.gradBuf)
	}
	return l, nil
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
