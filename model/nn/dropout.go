package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/gorgonia"

	"github.com/ganstudio/ganstudio/model/graphop"
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
	if err := graphop.CheckNode("Dropout input", x, 0); err != nil {
		return nil, fmt.Errorf("nn.Dropout: %w", err)
	}
	d, err := newDropper(keep, rng)
	if err != nil {
		return nil, fmt.Errorf("nn.Dropout: %w", err)
	}
	op := &dropoutOp{elementwise: newElementwise(fmt.Sprintf("Dropout{keep=%v}", keep), x.Shape(), elemGrain, "input"), dropper: d}
	op.kernel = op.forwardRange
	return graphop.Apply(op, x)
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
	elementwise
	mask    []float32 // scale or 0 per element, read by the backward op
	maskBuf graphop.Buffer
}

// UseRegion places the output and the mask in the graph's region.
func (op *dropoutOp) UseRegion(r *graphop.Region) {
	op.elementwise.UseRegion(r)
	op.maskBuf.Reserve(r, op.OutShape().TotalSize())
}

// Mask returns the scale-or-zero mask of the last forward run (for tests
// and debugging; it is overwritten by the next run).
func (op *dropoutOp) Mask() []float32 { return op.mask }

// Do draws the run's key once the input has been checked, then applies a
// fresh mask.
func (op *dropoutOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	out, err := op.load(vs)
	if err != nil {
		return nil, err
	}
	op.mask = op.maskBuf.Floats(len(op.out))
	op.newKey()
	op.run()
	return out, nil
}

// maskBlock keeps the freshly written mask in L1 while it is applied.
const maskBlock = 1024

func (op *dropoutOp) forwardRange(lo, hi int) {
	if !op.active() {
		copy(op.out[lo:hi], op.in[0][lo:hi])
		m := op.mask[lo:hi]
		for i := range m {
			m[i] = 1
		}
		return
	}
	for b := lo; b < hi; b += maskBlock {
		e := min(b+maskBlock, hi)
		m, x, y := op.mask[b:e], op.in[0][b:e], op.out[b:e]
		op.fillMask(m, b)
		_, _ = x[len(m)-1], y[len(m)-1]
		for i, v := range m {
			y[i] = x[i] * v
		}
	}
}

func (op *dropoutOp) DiffWRT(int) []bool { return []bool{true} }

func (op *dropoutOp) SymDiff(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	return graphop.Grad(op, inputs, grad, newDropoutGradOp(op), 0)
}

// newDropoutGradOp returns the backward op of fwd, which multiplies the
// incoming gradient by fwd's mask: it already holds 1/keep for kept
// elements.
func newDropoutGradOp(fwd *dropoutOp) *gradOp {
	return newBufGrad(fmt.Sprintf("DropoutGrad{keep=%v}", fwd.keep), fwd.OutShape(), fwd, &fwd.mask, maskGrad)
}

func maskGrad(m, g, dx []float32) {
	_, _ = m[len(g)-1], dx[len(g)-1]
	for i, v := range g {
		dx[i] = v * m[i]
	}
}
