package model

import (
	"fmt"
	"math"

	"github.com/ganstudio/ganstudio/model/kernels"
)

// Adam is TensorFlow's Adam optimiser over one network's parameters. Unlike
// gorgonia's solver its whole state is exported, so a checkpoint can hold
// it and a resumed run continues exactly where it stopped.
type Adam struct {
	LearnRate, Beta1, Beta2, Epsilon float64
	// Steps is the number of updates applied so far (TF's t).
	Steps int
	// M and V are the first and second moment estimates, one slice per
	// parameter in the network's order.
	M, V [][]float32
}

// NewAdam returns an optimiser with zero moments for params.
func NewAdam(params []*Param, learnRate, beta1, beta2 float64) *Adam {
	a := &Adam{LearnRate: learnRate, Beta1: beta1, Beta2: beta2, Epsilon: 1e-8}
	for _, p := range params {
		n := len(p.Data())
		a.M = append(a.M, make([]float32, n))
		a.V = append(a.V, make([]float32, n))
	}
	return a
}

// Update applies one step: grads[i] is the gradient of params[i].
func (a *Adam) Update(params []*Param, grads [][]float32) {
	a.Steps++
	t := float64(a.Steps)
	// TF folds the bias corrections into the step size ("epsilon hat").
	lr := float32(a.LearnRate * math.Sqrt(1-math.Pow(a.Beta2, t)) / (1 - math.Pow(a.Beta1, t)))
	b1, b2, eps := float32(a.Beta1), float32(a.Beta2), float32(a.Epsilon)
	for i, p := range params {
		w, g, m, v := p.Data(), grads[i], a.M[i], a.V[i]
		kernels.ParallelFor(len(w), func(lo, hi int) {
			for j := lo; j < hi; j++ {
				m[j] = b1*m[j] + (1-b1)*g[j]
				v[j] = b2*v[j] + (1-b2)*g[j]*g[j]
				w[j] -= lr * m[j] / (float32(math.Sqrt(float64(v[j]))) + eps)
			}
		})
	}
}

// checkShapes reports whether the optimiser's state fits params.
func (a *Adam) checkShapes(params []*Param) error {
	if len(a.M) != len(params) || len(a.V) != len(params) {
		return fmt.Errorf("optimiser state has %d/%d moments for %d parameters", len(a.M), len(a.V), len(params))
	}
	for i, p := range params {
		if len(a.M[i]) != len(p.Data()) || len(a.V[i]) != len(p.Data()) {
			return fmt.Errorf("optimiser state for %s has %d values, the parameter %d", p.Name, len(a.M[i]), len(p.Data()))
		}
	}
	return nil
}
