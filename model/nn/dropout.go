package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Dropout keeps each element of x with probability keep and scales the kept
// ones by 1/keep (inverted dropout, as TensorFlow), so inference needs no
// rescaling. Each forward run draws a fresh mask; its gradient is mask/keep
// (gorgonia's own Dropout divides by the drop probability instead).
//
// One rng.Uint64 is drawn per forward run and used as the key of a
// counter-based generator (SplitMix64 over the element index), so the mask
// depends only on the rng state and not on how the work is split across
// cores: saving rng's state in a checkpoint gives bit-exact resumes. The
// keep test compares 32-bit fixed-point values against keep·2³², two
// elements per 64-bit draw. keep == 1 is an exact identity and does not
// touch rng, which may then be nil.
func Dropout(x *gorgonia.Node, keep float32, rng *rand.PCG) (*gorgonia.Node, error) {
	if err := checkTensorF32("Dropout input", x); err != nil {
		return nil, fmt.Errorf("nn.Dropout: %w", err)
	}
	d, err := newDropper(keep, rng)
	if err != nil {
		return nil, fmt.Errorf("nn.Dropout: %w", err)
	}
	op := &dropoutOp{base: newBase(fmt.Sprintf("Dropout{keep=%v}", keep)), dropper: d, shape: x.Shape()}
	op.fwd = op.forwardRange
	n, err := gorgonia.ApplyOp(op, x)
	if err != nil {
		return nil, fmt.Errorf("nn.Dropout: %w", err)
	}
	return n, nil
}

// dropper holds what both Dropout and the fused op need to draw masks.
type dropper struct {
	keep  float32
	scale float32 // 1/keep
	thr   uint64  // keep·2³²; an element is kept when its 32 random bits are below it
	rng   *rand.PCG
	key   uint64 // this run's key, drawn from rng
}

func newDropper(keep float32, rng *rand.PCG) (dropper, error) {
	if !(keep > 0 && keep <= 1) {
		return dropper{}, fmt.Errorf("keep probability must be in (0, 1], got %v", keep)
	}
	if keep < 1 && rng == nil {
		return dropper{}, fmt.Errorf("keep probability %v needs a non-nil rng", keep)
	}
	return dropper{
		keep:  keep,
		scale: 1 / keep,
		thr:   uint64(math.Round(float64(keep) * (1 << 32))),
		rng:   rng,
	}, nil
}

// active reports whether masks are drawn at all.
func (d *dropper) active() bool { return d.keep < 1 }

// newKey advances the caller's rng once per forward run.
func (d *dropper) newKey() {
	if d.active() {
		d.key = d.rng.Uint64()
	}
}

const golden = 0x9E3779B97F4A7C15

// mix64 is SplitMix64's finaliser; applied to key+k·golden it is exactly
// the SplitMix64 sequence, which passes BigCrush and is random-access.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// fillMask writes scale or 0 into m[j] for flat element index start+j.
// Element i uses the low (even i) or high (odd i) half of draw i/2. The
// table lookup with a borrow bit avoids unpredictable branches.
func (d *dropper) fillMask(m []float32, start int) {
	if len(m) == 0 {
		return
	}
	tbl := [2]float32{0, d.scale}
	thr := d.thr
	z := d.key + uint64(start>>1+1)*golden
	j := 0
	if start&1 == 1 {
		r := mix64(z)
		m[0] = tbl[((r>>32)-thr)>>63&1]
		z += golden
		j = 1
	}
	for ; j+1 < len(m); j += 2 {
		r := mix64(z)
		m[j] = tbl[((r&0xFFFFFFFF)-thr)>>63&1]
		m[j+1] = tbl[((r>>32)-thr)>>63&1]
		z += golden
	}
	if j < len(m) {
		r := mix64(z)
		m[j] = tbl[((r&0xFFFFFFFF)-thr)>>63&1]
	}
}

type dropoutOp struct {
	dropper
	base
	shape tensor.Shape

	out  *tensor.Dense
	mask []float32 // scale or 0 per element, read by the backward op
	x, y []float32
	fwd  func(lo, hi int)
}

func (op *dropoutOp) Arity() int { return 1 }

func (op *dropoutOp) Type() hm.Type { a := hm.TypeVariable('a'); return hm.NewFnType(a, a) }

func (op *dropoutOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return op.shape.Clone(), nil
}

func (op *dropoutOp) String() string { return op.base.String() }

// Mask returns the scale-or-zero mask of the last forward run (for tests
// and debugging; it is overwritten by the next run).
func (op *dropoutOp) Mask() []float32 { return op.mask }

func (op *dropoutOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vs) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", op, len(vs))
	}
	x, err := f32Data(op, "input", vs[0], op.shape)
	if err != nil {
		return nil, err
	}
	out, y, err := ownedBuffer(&op.out, op.shape)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", op, err)
	}
	if len(op.mask) != len(x) {
		op.mask = make([]float32, len(x))
	}
	op.newKey()
	op.x, op.y = x, y
	parallelFor(len(x), elemGrain, op.fwd)
	op.x, op.y = nil, nil
	return out, nil
}

// maskBlock keeps the freshly written mask in L1 while it is applied.
const maskBlock = 1024

func (op *dropoutOp) forwardRange(lo, hi int) {
	if !op.active() {
		copy(op.y[lo:hi], op.x[lo:hi])
		m := op.mask[lo:hi]
		for i := range m {
			m[i] = 1
		}
		return
	}
	for b := lo; b < hi; b += maskBlock {
		e := min(b+maskBlock, hi)
		m, x, y := op.mask[b:e], op.x[b:e], op.y[b:e]
		op.fillMask(m, b)
		_, _ = x[len(m)-1], y[len(m)-1]
		for i, v := range m {
			y[i] = x[i] * v
		}
	}
}

func (op *dropoutOp) DiffWRT(int) []bool { return []bool{true} }

func (op *dropoutOp) SymDiff(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%v: SymDiff wants 1 input, got %d", op, len(inputs))
	}
	b := &dropoutGradOp{base: newBase(fmt.Sprintf("DropoutGrad{keep=%v}", op.keep)), fwd: op}
	b.bwd = b.backwardRange
	dx, err := gorgonia.ApplyOp(b, grad)
	if err != nil {
		return nil, fmt.Errorf("%v: building gradient: %w", op, err)
	}
	return gorgonia.Nodes{dx}, nil
}

// dropoutGradOp multiplies the incoming gradient by the forward op's mask,
// which already holds 1/keep for kept elements.
type dropoutGradOp struct {
	base
	nonDiff
	fwd *dropoutOp

	out   *tensor.Dense
	g, dx []float32
	bwd   func(lo, hi int)
}

func (op *dropoutGradOp) Arity() int { return 1 }

func (op *dropoutGradOp) Type() hm.Type { a := hm.TypeVariable('a'); return hm.NewFnType(a, a) }

func (op *dropoutGradOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return op.fwd.shape.Clone(), nil
}

func (op *dropoutGradOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vs) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", op, len(vs))
	}
	g, err := f32Data(op, "output gradient", vs[0], op.fwd.shape)
	if err != nil {
		return nil, err
	}
	if len(op.fwd.mask) != len(g) {
		return nil, fmt.Errorf("%v: the forward dropout has not run", op)
	}
	out, dx, err := ownedBuffer(&op.out, op.fwd.shape)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", op, err)
	}
	op.g, op.dx = g, dx
	parallelFor(len(g), elemGrain, op.bwd)
	op.g, op.dx = nil, nil
	return out, nil
}

func (op *dropoutGradOp) backwardRange(lo, hi int) {
	g, m, dx := op.g[lo:hi], op.fwd.mask[lo:hi], op.dx[lo:hi]
	_, _ = m[len(g)-1], dx[len(g)-1]
	for i, v := range g {
		dx[i] = v * m[i]
	}
}
