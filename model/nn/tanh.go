package nn

import (
	"fmt"

	"github.com/chewxy/math32"
	"gorgonia.org/gorgonia"

	"github.com/ganstudio/ganstudio/model/graphop"
)

// Tanh is gorgonia's Tanh computed the same way (math32.Tanh forward,
// (1 − y·y)·dy backward, rounded as gorgonia's three ops round), as one op
// each way that writes into buffers kept from run to run and splits the
// work across cores. gorgonia's allocates its output and three temporaries
// on every run.
func Tanh(x *gorgonia.Node) (*gorgonia.Node, error) {
	if err := graphop.CheckNode("Tanh input", x, 0); err != nil {
		return nil, fmt.Errorf("nn.Tanh: %w", err)
	}
	op := &tanhOp{elementwise: newElementwise("Tanh", x.Shape(), elemGrain/4, "input")}
	op.kernel = op.forwardRange
	return graphop.Apply(op, x)
}

// tanhOp's output, out, is read by the backward op.
type tanhOp struct{ elementwise }

func (op *tanhOp) forwardRange(lo, hi int) {
	x, y := op.in[0][lo:hi], op.out[lo:hi]
	for i, v := range x {
		y[i] = math32.Tanh(v)
	}
}

func (op *tanhOp) DiffWRT(int) []bool { return []bool{true} }

func (op *tanhOp) SymDiff(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	return graphop.Grad(op, inputs, grad, newBufGrad("TanhGrad", op.OutShape(), op, &op.out, tanhGrad), 0)
}

// tanhGrad is dx = (1 − y·y)·dy with y the forward op's output.
func tanhGrad(y, g, dx []float32) {
	_, _ = g[len(y)-1], dx[len(y)-1]
	for i, v := range y {
		sq := float32(v * v)      // gorgonia: Square(y)
		d := float32(1 - sq)      // then 1 − ·
		dx[i] = float32(d * g[i]) // then · × dy
	}
}
