package nn

// The backward pass of BatchNorm (batchnorm.go): one op computes the input
// gradient and, in the same pass, the sums behind γ's and β's.

import (
	"fmt"

	"gorgonia.org/gorgonia"

	"github.com/ganstudio/ganstudio/model/graphop"
	"github.com/ganstudio/ganstudio/model/kernels"
)

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
