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

func (op *bnOp) DiffWRT(int) []bool { return []bool{true, true, true} }

// SymDiff builds one backward op that computes dx and, as a by-product of
// the same pass, dgamma and dbeta; two tiny ops then expose those. They take
// dx as input only so that the tape runs them after it.
func (op *bnOp) SymDiff(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != 3 {
		return nil, fmt.Errorf("%v: SymDiff wants 3 inputs, got %d", op, len(inputs))
	}
	b := newBNGradOp(op)
	dx, err := graphop.Apply(b, inputs[0], inputs[1], grad)
	if err != nil {
		return nil, fmt.Errorf("%v: building input gradient: %w", op, err)
	}
	dg, err := graphop.Apply(newBNParamGradOp(b, false), dx)
	if err != nil {
		return nil, fmt.Errorf("%v: building gamma gradient: %w", op, err)
	}
	db, err := graphop.Apply(newBNParamGradOp(b, true), dx)
	if err != nil {
		return nil, fmt.Errorf("%v: building beta gradient: %w", op, err)
	}
	return gorgonia.Nodes{dx, dg, db}, nil
}

// bnGradOp reads x (a graph input, so the register allocator keeps it alive)
// and the per-channel mean and inverse std saved by the forward op, and
// recomputes x̂ instead of storing it: that saves a full-size write forward.
type bnGradOp struct {
	graphop.Base
	graphop.NonDiff
	fwd *bnOp

	out           graphop.Output
	dgamma, dbeta graphop.Output // a value per channel: kept out of regions
	dg, db        []float32
	x, g, gy, dx  []float32
	bwd           func(lo, hi int)
}

// Follows returns the forward op, whose fused factors the gradient reads.
func (op *bnGradOp) Follows() graphop.InRegion { return op.fwd }

// UseRegion places the input gradient in the graph's region.
func (op *bnGradOp) UseRegion(r *graphop.Region) { op.out.Reserve(r, op.fwd.xShape.TotalSize()) }

func newBNGradOp(fwd *bnOp) *bnGradOp {
	xd := fwd.xShape.Dims()
	op := &bnGradOp{Base: graphop.NewBase(fwd.String()+"Grad", fwd.xShape, xd, fwd.gShape.Dims(), xd, xd), fwd: fwd}
	op.bwd = op.backwardRange
	return op
}

func (op *bnGradOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	f := op.fwd
	in, err := op.Inputs(vs, []string{"input", "gamma", "output gradient"}, []int{f.xShape.TotalSize(), f.c, f.xShape.TotalSize()})
	if err != nil {
		return nil, err
	}
	x, gamma, gy := in[0], in[1], in[2]
	if f.fused && len(f.fac) != len(x) {
		return nil, fmt.Errorf("%v: the forward op has not run", op)
	}
	out, dx := op.out.Get(f.xShape)
	_, op.dg = op.dgamma.Get(f.gShape)
	_, op.db = op.dbeta.Get(f.bShape)
	op.x, op.g, op.gy, op.dx = x, gamma, gy, dx
	kernels.ParallelChunks(f.c, f.channelGrain(), op.bwd)
	op.x, op.g, op.gy, op.dx = nil, nil, nil, nil
	return out, nil
}

// gradSums returns Σgz and Σgz·(x−mean) over a row, where gz = gy or gy·fac.
// Like sumShifted it uses four accumulators per sum: these reductions are
// bound by add latency, not by memory.
func gradSums(gy, fac, x []float32, mean float32) (s, q float64) {
	for len(gy) > 0 {
		k := min(len(gy), rowBlock)
		g, xb := gy[:k:k], x[:k:k]
		var fb []float32
		if fac != nil {
			fb, fac = fac[:k:k], fac[k:]
		}
		var a0, a1, a2, a3, q0, q1, q2, q3 float32
		i := 0
		if fb == nil {
			for ; i+4 <= k; i += 4 {
				g0, g1, g2, g3 := g[i], g[i+1], g[i+2], g[i+3]
				a0 += g0
				a1 += g1
				a2 += g2
				a3 += g3
				q0 += g0 * (xb[i] - mean)
				q1 += g1 * (xb[i+1] - mean)
				q2 += g2 * (xb[i+2] - mean)
				q3 += g3 * (xb[i+3] - mean)
			}
			for ; i < k; i++ {
				a0 += g[i]
				q0 += g[i] * (xb[i] - mean)
			}
		} else {
			for ; i+4 <= k; i += 4 {
				g0, g1, g2, g3 := g[i]*fb[i], g[i+1]*fb[i+1], g[i+2]*fb[i+2], g[i+3]*fb[i+3]
				a0 += g0
				a1 += g1
				a2 += g2
				a3 += g3
				q0 += g0 * (xb[i] - mean)
				q1 += g1 * (xb[i+1] - mean)
				q2 += g2 * (xb[i+2] - mean)
				q3 += g3 * (xb[i+3] - mean)
			}
			for ; i < k; i++ {
				gz := g[i] * fb[i]
				a0 += gz
				q0 += gz * (xb[i] - mean)
			}
		}
		s += float64((a0 + a1) + (a2 + a3))
		q += float64((q0 + q1) + (q2 + q3))
		gy, x = gy[k:], x[k:]
	}
	return s, q
}

func (op *bnGradOp) backwardRange(lo, hi int) {
	f := op.fwd
	n, c, hw := f.n, f.c, f.hw
	m := float64(n * hw)
	for ch := lo; ch < hi; ch++ {
		mean, invstd := f.mean[ch], float64(f.invstd[ch])
		var s, q float64
		for i := range n {
			off := (i*c + ch) * hw
			var fac []float32
			if f.fused {
				fac = f.fac[off : off+hw]
			}
			a, b := gradSums(op.gy[off:off+hw], fac, op.x[off:off+hw], mean)
			s += a
			q += b
		}
		dbeta, dgamma := s, q*invstd
		op.db[ch], op.dg[ch] = float32(dbeta), float32(dgamma)
		// dx = k·(gz − dbeta/M − x̂·dgamma/M) = k·gz + b·(x−mean) + c0 in
		// training mode; the batch-statistics terms vanish in inference.
		k64 := float64(op.g[ch]) * invstd
		var b64, c64 float64
		if f.training {
			b64 = -k64 * invstd * dgamma / m
			c64 = -k64 * dbeta / m
		}
		k, b, c0 := float32(k64), float32(b64), float32(c64)
		for i := range n {
			off := (i*c + ch) * hw
			gy, x, dx := op.gy[off:off+hw], op.x[off:off+hw], op.dx[off:off+hw]
			_, _ = x[len(gy)-1], dx[len(gy)-1]
			if f.fused {
				fac := f.fac[off : off+hw]
				_ = fac[len(gy)-1]
				for j, g := range gy {
					dx[j] = k*(g*fac[j]) + b*(x[j]-mean) + c0
				}
			} else {
				for j, g := range gy {
					dx[j] = k*g + b*(x[j]-mean) + c0
				}
			}
		}
	}
}

// bnParamGradOp hands out the dgamma or dbeta buffer filled by bnGradOp.
type bnParamGradOp struct {
	graphop.Base
	graphop.NonDiff
	grad *bnGradOp
	beta bool
}

func newBNParamGradOp(grad *bnGradOp, beta bool) *bnParamGradOp {
	f := grad.fwd
	name, shape := f.String()+"GammaGrad", f.gShape
	if beta {
		name, shape = f.String()+"BetaGrad", f.bShape
	}
	return &bnParamGradOp{Base: graphop.NewBase(name, shape, f.xShape.Dims(), shape.Dims()), grad: grad, beta: beta}
}

func (op *bnParamGradOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	if _, err := op.Inputs(vs, nil, nil); err != nil {
		return nil, err
	}
	p := &op.grad.dgamma
	if op.beta {
		p = &op.grad.dbeta
	}
	if !p.Ran() {
		return nil, fmt.Errorf("%v: the input-gradient op has not run", op)
	}
	// Restore the shape in case a recycled register reshaped it.
	d, _ := p.Get(op.OutShape())
	return d, nil
}
