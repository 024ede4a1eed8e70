package model

import (
	"math"
	"math/rand/v2"

	"github.com/ganstudio/ganstudio/model/nn"
	"gorgonia.org/tensor"
)

// Param is one learnable tensor of a network. The tensor is shared by every
// graph that uses it, so an optimiser step is seen by all of them.
type Param struct {
	Name string
	T    *tensor.Dense
}

// Data returns the parameter's values, which may be written in place.
func (p *Param) Data() []float32 { return p.T.Data().([]float32) }

// BatchNorm is the state of one BatchNorm layer: its learnable scale and
// shift and its running statistics.
type BatchNorm struct {
	Name        string
	Gamma, Beta *Param
	Stats       *nn.Stats
}

// paramSet creates parameters and remembers them in creation order, which
// is the order of checkpoints and optimiser state.
type paramSet struct {
	params []*Param
	norms  []*BatchNorm
	rng    *rand.Rand
}

func (s *paramSet) add(name string, shape []int, fill func([]float32)) *Param {
	t := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))
	fill(t.Data().([]float32))
	p := &Param{Name: name, T: t}
	s.params = append(s.params, p)
	return p
}

// glorot draws TF's default kernel initialiser: uniform in ±sqrt(6/(fanIn+fanOut)).
func (s *paramSet) glorot(fanIn, fanOut int) func([]float32) {
	limit := math.Sqrt(6 / float64(fanIn+fanOut))
	return func(d []float32) {
		for i := range d {
			d[i] = float32((s.rng.Float64()*2 - 1) * limit)
		}
	}
}

func constant(v float32) func([]float32) {
	return func(d []float32) {
		for i := range d {
			d[i] = v
		}
	}
}

// dense is a [in, out] weight matrix.
func (s *paramSet) dense(name string, in, out int) *Param {
	return s.add(name, []int{in, out}, s.glorot(in, out))
}

// kernel is a convolution kernel [a, b, k, k]; Glorot's fans are symmetric
// in a and b, so the same draw serves convolutions ([out, in, k, k]) and
// transposed convolutions ([in, out, k, k]).
func (s *paramSet) kernel(name string, a, b, k int) *Param {
	return s.add(name, []int{a, b, k, k}, s.glorot(b*k*k, a*k*k))
}

func (s *paramSet) bias(name string, n int) *Param {
	return s.add(name, []int{n}, constant(0))
}

func (s *paramSet) batchNorm(name string, c int) *BatchNorm {
	bn := &BatchNorm{
		Name:  name,
		Gamma: s.add(name+"/gamma", []int{c}, constant(1)),
		Beta:  s.add(name+"/beta", []int{c}, constant(0)),
		Stats: nn.NewStats(c),
	}
	s.norms = append(s.norms, bn)
	return bn
}
