package nn

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/ganstudio/ganstudio/model/graphop"
	"github.com/ganstudio/ganstudio/model/kernels"
)

// elemGrain is the smallest share of an element-wise pass worth handing to
// another core.
const elemGrain = 32 << 10

// elementwise is the common part of the ops that map inputs of one shape to
// an output of that shape element by element. Its Do checks and unpacks the
// inputs, reuses the output buffer and splits the work over the cores; the
// op sets kernel, which computes out[lo:hi] from in, as a func value built
// with the op so that a run allocates nothing.
type elementwise struct {
	graphop.Base
	names  []string // of the inputs, for errors
	sizes  []int    // of the inputs: all the output's
	grain  int
	kernel func(lo, hi int)
	// needs is a buffer of a forward op that kernel reads (see newBufGrad):
	// running before the forward op has filled it is an error rather than
	// a read of missing values.
	needs *[]float32
	fwd   graphop.InRegion // the op that owns needs

	buf graphop.Output
	in  [][]float32 // this run's inputs, held only while it runs
	out []float32   // the output's data, valid from the first run on
}

// newElementwise returns the elementwise part of an op called name over
// tensors of the given shape, whose inputs are called inputs. Its type is
// a → … → a.
func newElementwise(name string, shape tensor.Shape, grain int, inputs ...string) elementwise {
	sizes := make([]int, len(inputs))
	for i := range sizes {
		sizes[i] = shape.TotalSize()
	}
	return elementwise{
		Base:  graphop.NewBase(name, shape, make([]int, len(inputs)+1)...),
		names: inputs,
		sizes: sizes,
		grain: grain,
	}
}

func (e *elementwise) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	t, err := e.load(vs)
	if err != nil {
		return nil, err
	}
	e.run()
	return t, nil
}

// load is the first half of Do: it checks the inputs and readies the
// output.
func (e *elementwise) load(vs []gorgonia.Value) (*tensor.Dense, error) {
	in, err := e.Inputs(vs, e.names, e.sizes)
	if err != nil {
		return nil, err
	}
	if e.needs != nil && len(*e.needs) != len(in[0]) {
		return nil, fmt.Errorf("%v: the forward op has not run", e)
	}
	t, out := e.buf.Get(e.OutShape())
	e.in, e.out = in, out
	return t, nil
}

// UseRegion places the output in the graph's region.
func (e *elementwise) UseRegion(r *graphop.Region) { e.buf.Reserve(r, e.OutShape().TotalSize()) }

// run is the second half of Do: kernel over the whole output.
func (e *elementwise) run() {
	kernels.ParallelChunks(len(e.out), e.grain, e.kernel)
	e.in = nil
}

// Follows returns the forward op whose buffer the kernel reads, if any.
func (e *elementwise) Follows() graphop.InRegion { return e.fwd }

// gradOp is an element-wise backward op.
type gradOp struct {
	elementwise
	graphop.NonDiff
}

// newBufGrad returns the backward op of an element-wise op whose derivative
// comes from one of its buffers, buf (tanh's output, dropout's mask):
// kernel(buf, dy, dx) over each range.
func newBufGrad(name string, shape tensor.Shape, fwd graphop.InRegion, buf *[]float32, kernel func(buf, dy, dx []float32)) *gradOp {
	op := &gradOp{elementwise: newElementwise(name, shape, elemGrain, "output gradient")}
	op.needs, op.fwd = buf, fwd
	op.kernel = func(lo, hi int) { kernel((*buf)[lo:hi], op.in[0][lo:hi], op.out[lo:hi]) }
	return op
}
