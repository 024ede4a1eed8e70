package model

import (
	"fmt"

	"github.com/ganstudio/ganstudio/model/checkpoint"
)

// Snapshot copies everything a checkpoint needs from gan and its two
// optimisers: weights, BatchNorm running statistics and Adam's moments.
// The copy lets the caller write the file while training goes on.
func (gan *GAN) Snapshot(optG, optD *Adam) []checkpoint.Tensor {
	var out []checkpoint.Tensor
	add := func(name string, shape []int, data []float32) {
		out = append(out, checkpoint.Tensor{Name: name, Shape: shape, Data: append([]float32(nil), data...)})
	}
	for _, net := range []struct {
		params []*Param
		norms  []*BatchNorm
		opt    *Adam
	}{{gan.G.params, gan.G.norms, optG}, {gan.D.params, gan.D.norms, optD}} {
		for i, p := range net.params {
			add(p.Name, p.T.Shape().Clone(), p.Data())
			add("adam/m/"+p.Name, p.T.Shape().Clone(), net.opt.M[i])
			add("adam/v/"+p.Name, p.T.Shape().Clone(), net.opt.V[i])
		}
		for _, bn := range net.norms {
			add(bn.Name+"/running_mean", []int{len(bn.Stats.Mean)}, bn.Stats.Mean)
			add(bn.Name+"/running_var", []int{len(bn.Stats.Var)}, bn.Stats.Var)
		}
	}
	for _, sn := range gan.D.spectral {
		add(sn.W.Name+spectralU, []int{len(sn.U)}, sn.U)
		add(sn.W.Name+spectralV, []int{len(sn.V)}, sn.V)
	}
	if gan.Avg != nil {
		for _, p := range gan.Avg.params {
			add(averaged+p.Name, p.T.Shape().Clone(), p.Data())
		}
		for _, bn := range gan.Avg.norms {
			add(averaged+bn.Name+"/running_mean", []int{len(bn.Stats.Mean)}, bn.Stats.Mean)
			add(averaged+bn.Name+"/running_var", []int{len(bn.Stats.Var)}, bn.Stats.Var)
		}
	}
	return out
}

// averaged prefixes the averaged generator's tensors in checkpoints.
const averaged = "avg/"

// spectralU and spectralV follow a spectrally normalised weight's name in
// checkpoints: its singular vector estimates u and v.
const (
	spectralU = "/sn_u"
	spectralV = "/sn_v"
)

// Restore loads what Snapshot saved into gan and the optimisers. Every
// tensor must be present with the shape gan's configuration gives it (the
// averaged generator's too, when gan has one); the optimisers' step
// counts are the caller's to restore.
func (gan *GAN) Restore(tensors []checkpoint.Tensor, optG, optD *Adam) error {
	byName := make(map[string]*checkpoint.Tensor, len(tensors))
	for i := range tensors {
		byName[tensors[i].Name] = &tensors[i]
	}
	load := func(name string, dst []float32) error {
		t, ok := byName[name]
		if !ok {
			return fmt.Errorf("tensor %s is missing", name)
		}
		if len(t.Data) != len(dst) {
			return fmt.Errorf("tensor %s has %d values (shape %v), this network needs %d", name, len(t.Data), t.Shape, len(dst))
		}
		copy(dst, t.Data)
		return nil
	}
	for _, net := range []struct {
		params []*Param
		norms  []*BatchNorm
		opt    *Adam
	}{{gan.G.params, gan.G.norms, optG}, {gan.D.params, gan.D.norms, optD}} {
		if err := net.opt.checkShapes(net.params); err != nil {
			return err
		}
		for i, p := range net.params {
			for _, l := range []struct {
				name string
				dst  []float32
			}{{p.Name, p.Data()}, {"adam/m/" + p.Name, net.opt.M[i]}, {"adam/v/" + p.Name, net.opt.V[i]}} {
				if err := load(l.name, l.dst); err != nil {
					return err
				}
			}
		}
		for _, bn := range net.norms {
			if err := load(bn.Name+"/running_mean", bn.Stats.Mean); err != nil {
				return err
			}
			if err := load(bn.Name+"/running_var", bn.Stats.Var); err != nil {
				return err
			}
		}
	}
	for _, sn := range gan.D.spectral {
		if err := load(sn.W.Name+spectralU, sn.U); err != nil {
			return err
		}
		if err := load(sn.W.Name+spectralV, sn.V); err != nil {
			return err
		}
	}
	gan.D.refresh()
	if gan.Avg != nil {
		for _, p := range gan.Avg.params {
			if err := load(averaged+p.Name, p.Data()); err != nil {
				return err
			}
		}
		for _, bn := range gan.Avg.norms {
			if err := load(averaged+bn.Name+"/running_mean", bn.Stats.Mean); err != nil {
				return err
			}
			if err := load(averaged+bn.Name+"/running_var", bn.Stats.Var); err != nil {
				return err
			}
		}
	}
	return nil
}
