package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/ganstudio/ganstudio/model/graphop"
	"github.com/ganstudio/ganstudio/model/kernels"
)

// Stats holds BatchNorm running statistics, shared between a training graph
// and an inference graph and saved in checkpoints. A training-mode forward
// run writes them, so a goroutine sampling from an inference graph must not
// run concurrently with a training step.
type Stats struct {
	Mean, Var []float32
}

// NewStats returns running statistics for the given number of channels,
// initialised as TensorFlow does (mean 0, variance 1) so that an untrained
// network in inference mode is the identity normalisation.
func NewStats(channels int) *Stats {
	s := &Stats{Mean: make([]float32, channels), Var: make([]float32, channels)}
	for i := range s.Var {
		s.Var[i] = 1
	}
	return s
}

// BatchNorm normalises x ([N,C,H,W], [N,C] or any [N,C,...]) per channel and
// applies gamma and beta (C elements: shape [C] or e.g. [1,C,1,1]).
//
// With training set it normalises with the batch mean and the biased
// (divide-by-N·H·W) batch variance, and updates stats in the same forward
// run as running = decay·running + (1−decay)·batch, using the biased
// variance there too. That is what TF 1.x tf.layers.batch_normalization does
// on its non-fused path (tf.nn.moments, the default in the TF 1.0 the seed
// tutorial used); TF's fused kernel and PyTorch store the unbiased variance
// instead, a factor M/(M−1) that is 1.0003 for the seed's smallest BN
// (64·4·4 values per channel). The gradient is the exact training-mode
// gradient through the batch mean and variance.
//
// Without training it normalises with stats and leaves them alone. The
// seed uses TF's defaults: decay 0.99, eps 0.001.
func BatchNorm(x, gamma, beta *gorgonia.Node, stats *Stats, training bool, decay, eps float32) (*gorgonia.Node, error) {
	op, err := newBNOp("BatchNorm", x, gamma, beta, stats, training, decay, eps)
	if err != nil {
		return nil, fmt.Errorf("nn.BatchNorm: %w", err)
	}
	return graphop.Apply(op, x, gamma, beta)
}

// BatchNormLeakyDropout computes Dropout(LeakyReLU(BatchNorm(x, …), alpha),
// keep, rng) in one pass over memory forward and one backward, which the
// seed network uses after every hidden layer. The result equals the
// composition of the three separate ops up to float32 rounding, including
// the dropout mask, which is drawn exactly as Dropout draws it (same key,
// same per-element bits). Dropout applies whenever keep < 1, independently
// of training (pass keep = 1 and a nil rng for no dropout).
func BatchNormLeakyDropout(x, gamma, beta *gorgonia.Node, stats *Stats, training bool, decay, eps, alpha, keep float32, rng *rand.PCG) (*gorgonia.Node, error) {
	op, err := newBNOp(fmt.Sprintf("BatchNormLeakyDropout{alpha=%v,keep=%v}", alpha, keep), x, gamma, beta, stats, training, decay, eps)
	if err != nil {
		return nil, fmt.Errorf("nn.BatchNormLeakyDropout: %w", err)
	}
	if math.IsNaN(float64(alpha)) || math.IsInf(float64(alpha), 0) {
		return nil, fmt.Errorf("nn.BatchNormLeakyDropout: alpha must be finite, got %v", alpha)
	}
	if op.dropper, err = newDropper(keep, rng); err != nil {
		return nil, fmt.Errorf("nn.BatchNormLeakyDropout: %w", err)
	}
	op.fused, op.alpha = true, alpha
	return graphop.Apply(op, x, gamma, beta)
}

func newBNOp(name string, x, gamma, beta *gorgonia.Node, stats *Stats, training bool, decay, eps float32) (*bnOp, error) {
	if err := graphop.CheckNode("input", x, 0); err != nil {
		return nil, err
	}
	xs := x.Shape()
	if xs.Dims() < 2 {
		return nil, fmt.Errorf("input must be [N,C] or [N,C,H,W], got shape %v", xs)
	}
	c := xs[1]
	for _, p := range []struct {
		what string
		n    *gorgonia.Node
	}{{"gamma", gamma}, {"beta", beta}} {
		if err := graphop.CheckNode(p.what, p.n, 0); err != nil {
			return nil, err
		}
		if !isChannelVector(p.n.Shape(), c) {
			return nil, fmt.Errorf("%s must have %d elements in one dimension ([C] or [1,C,1,1]) to match input %v, got shape %v", p.what, c, xs, p.n.Shape())
		}
	}
	if stats == nil {
		return nil, fmt.Errorf("stats is nil; use NewStats(%d)", c)
	}
	if len(stats.Mean) != c || len(stats.Var) != c {
		return nil, fmt.Errorf("stats have %d means and %d variances, input %v has %d channels", len(stats.Mean), len(stats.Var), xs, c)
	}
	if !(decay >= 0 && decay <= 1) {
		return nil, fmt.Errorf("decay must be in [0, 1], got %v", decay)
	}
	if !(eps > 0) || math.IsInf(float64(eps), 0) {
		return nil, fmt.Errorf("eps must be positive and finite, got %v", eps)
	}
	ranks := []int{xs.Dims(), gamma.Shape().Dims(), beta.Shape().Dims(), xs.Dims()}
	op := &bnOp{
		Base:     graphop.NewBase(fmt.Sprintf("%s{training=%v}", name, training), xs, ranks...),
		training: training,
		decay:    decay,
		eps:      eps,
		stats:    stats,
		dropper:  dropper{keep: 1, scale: 1},
		xShape:   xs,
		gShape:   gamma.Shape(),
		bShape:   beta.Shape(),
		n:        xs[0],
		c:        c,
		hw:       xs.TotalSize() / (xs[0] * c),
		mean:     make([]float32, c),
		invstd:   make([]float32, c),
	}
	op.fwd = op.forwardRange
	return op, nil
}

func isChannelVector(s tensor.Shape, c int) bool {
	if s.TotalSize() != c {
		return false
	}
	big := 0
	for _, d := range s {
		if d != 1 {
			big++
		}
	}
	return big <= 1
}

// bnOp is BatchNorm, optionally fused with LeakyReLU and dropout.
type bnOp struct {
	graphop.Base
	dropper
	training    bool
	decay, eps  float32
	stats       *Stats
	fused       bool
	alpha       float32
	xShape      tensor.Shape
	gShape      tensor.Shape
	bShape      tensor.Shape
	n, c, hw    int
	out         graphop.Output
	mean        []float32 // per channel, as used by the last forward run
	invstd      []float32
	fac         []float32 // fused only: d y/d z per element (slope·mask)
	facBuf      graphop.Buffer
	x, y, gamma []float32
	beta        []float32
	fwd         func(lo, hi int)
}

// UseRegion places the output and the fused factors in the graph's region.
func (op *bnOp) UseRegion(r *graphop.Region) {
	op.out.Reserve(r, op.xShape.TotalSize())
	if op.fused {
		op.facBuf.Reserve(r, op.xShape.TotalSize())
	}
}

// channelGrain gives about 16 chunks per run for the dynamic scheduler.
func (op *bnOp) channelGrain() int { return max(1, op.c/16) }

func (op *bnOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := op.Inputs(vs, []string{"input", "gamma", "beta"}, []int{op.xShape.TotalSize(), op.c, op.c})
	if err != nil {
		return nil, err
	}
	x, gamma, beta := in[0], in[1], in[2]
	if len(op.stats.Mean) != op.c || len(op.stats.Var) != op.c {
		return nil, fmt.Errorf("%v: stats were resized to %d/%d channels, want %d", op, len(op.stats.Mean), len(op.stats.Var), op.c)
	}
	out, y := op.out.Get(op.xShape)
	if op.fused {
		op.fac = op.facBuf.Floats(len(x))
	}
	op.newKey()
	op.x, op.y, op.gamma, op.beta = x, y, gamma, beta
	kernels.ParallelChunks(op.c, op.channelGrain(), op.fwd)
	op.x, op.y, op.gamma, op.beta = nil, nil, nil, nil
	return out, nil
}

// rowBlock bounds how many values are summed in float32 before being added
// to a float64 total, keeping statistics accurate at any H·W while leaving
// the inner loop in float32.
const rowBlock = 256

// sumShifted returns Σ(v−shift) and Σ(v−shift)². Subtracting a sample of the
// channel first keeps E[d²]−E[d]² from cancelling when |mean| ≫ std. Four
// accumulators break the floating-point add dependency chain.
func sumShifted(row []float32, shift float32) (s, q float64) {
	for len(row) > 0 {
		blk := row[:min(len(row), rowBlock)]
		row = row[len(blk):]
		var a0, a1, a2, a3, q0, q1, q2, q3 float32
		i := 0
		for ; i+4 <= len(blk); i += 4 {
			d0, d1, d2, d3 := blk[i]-shift, blk[i+1]-shift, blk[i+2]-shift, blk[i+3]-shift
			a0 += d0
			a1 += d1
			a2 += d2
			a3 += d3
			q0 += d0 * d0
			q1 += d1 * d1
			q2 += d2 * d2
			q3 += d3 * d3
		}
		for ; i < len(blk); i++ {
			d := blk[i] - shift
			a0 += d
			q0 += d * d
		}
		s += float64((a0 + a1) + (a2 + a3))
		q += float64((q0 + q1) + (q2 + q3))
	}
	return s, q
}

func (op *bnOp) forwardRange(lo, hi int) {
	n, c, hw := op.n, op.c, op.hw
	m := float64(n * hw)
	eps := float64(op.eps)
	for ch := lo; ch < hi; ch++ {
		var mean, variance float64
		if op.training {
			shift := op.x[ch*hw]
			var s, q float64
			for i := range n {
				off := (i*c + ch) * hw
				a, b := sumShifted(op.x[off:off+hw], shift)
				s += a
				q += b
			}
			md := s / m
			variance = max(q/m-md*md, 0)
			mean = float64(shift) + md
			d := float64(op.decay)
			op.stats.Mean[ch] = float32(d*float64(op.stats.Mean[ch]) + (1-d)*mean)
			op.stats.Var[ch] = float32(d*float64(op.stats.Var[ch]) + (1-d)*variance)
		} else {
			mean, variance = float64(op.stats.Mean[ch]), float64(op.stats.Var[ch])
		}
		invstd := 1 / math.Sqrt(variance+eps)
		m32 := float32(mean)
		op.mean[ch], op.invstd[ch] = m32, float32(invstd)
		// y = (x−m32)·scale + shift: x−m32 is exact for x near the mean, and
		// shift absorbs the rounding of m32. The plain x·scale + (β−mean·scale)
		// loses digits to cancellation when |mean| ≫ std.
		scale64 := float64(op.gamma[ch]) * invstd
		scale, shift := float32(scale64), float32(float64(op.beta[ch])-(mean-float64(m32))*scale64)
		for i := range n {
			off := (i*c + ch) * hw
			x, y := op.x[off:off+hw], op.y[off:off+hw]
			if !op.fused {
				_ = y[len(x)-1]
				for j, v := range x {
					y[j] = (v-m32)*scale + shift
				}
				continue
			}
			f := op.fac[off : off+hw]
			sl := slopes(op.alpha)
			if op.active() {
				op.fillMask(f, off)
				_, _ = y[len(x)-1], f[len(x)-1]
				for j, v := range x {
					z := (v-m32)*scale + shift
					s := sl[leakyIdx(z)&1]
					y[j] = (z * s) * f[j]
					f[j] *= s
				}
			} else {
				_, _ = y[len(x)-1], f[len(x)-1]
				for j, v := range x {
					z := (v-m32)*scale + shift
					s := sl[leakyIdx(z)&1]
					y[j] = z * s
					f[j] = s
				}
			}
		}
	}
}
