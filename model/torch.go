package model

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ganstudio/ganstudio/model/safetensors"
)

// TorchModule is one PyTorch state dict of an exported GAN: the file it
// is saved as (without ".safetensors") and its tensors, named and laid
// out as the PyTorch twin's modules (scripts/torch) hold them.
type TorchModule struct {
	Name    string
	Tensors []safetensors.Tensor
}

// The state dicts of an export. The optimisers' files hold Adam's moments
// under the parameter's name: "project.weight.exp_avg",
// "project.weight.exp_avg_sq".
const (
	TorchGenerator     = "generator"
	TorchDiscriminator = "discriminator"
	TorchAveraged      = "generator_ema"
	TorchOptimizerG    = "optimizer_g"
	TorchOptimizerD    = "optimizer_d"
)

// torchNet is one network's share of an export.
type torchNet struct {
	module, optimizer string
	params            []*Param
	norms             []*BatchNorm
	opt               *Adam // nil for the averaged generator
}

func (gan *GAN) torchNets(optG, optD *Adam) []torchNet {
	nets := []torchNet{
		{TorchGenerator, TorchOptimizerG, gan.G.params, gan.G.norms, optG},
		{TorchDiscriminator, TorchOptimizerD, gan.D.params, gan.D.norms, optD},
	}
	if gan.Avg != nil {
		nets = append(nets, torchNet{module: TorchAveraged, params: gan.Avg.params, norms: gan.Avg.norms})
	}
	return nets
}

// torchName is the state-dict name of one of a network's tensors:
// "g/bn0/gamma" → "bn0.weight", "d/conv1/bias" → "conv1.bias",
// "g/up1" → "up1.weight".
func torchName(name string) string {
	parts := strings.Split(name, "/")[1:] // without the network's "g"/"d"
	switch last := &parts[len(parts)-1]; *last {
	case "gamma":
		*last = "weight"
	case "beta":
		*last = "bias"
	case "bias", "running_mean", "running_var":
	default:
		parts = append(parts, "weight")
	}
	return strings.Join(parts, ".")
}

// isLinear reports whether p is a fully connected layer's weight, which
// we store [in, out] (x·W) and PyTorch's nn.Linear [out, in] (x·Wᵀ).
func (gan *GAN) isLinear(p *Param) bool {
	switch p.Name {
	case gan.G.project.Name, gan.D.classify.Name:
		return true
	}
	return false
}

// torchShape is p's shape in PyTorch's layout.
func (gan *GAN) torchShape(p *Param) []int {
	shape := p.T.Shape().Clone()
	if gan.isLinear(p) {
		return []int{shape[1], shape[0]}
	}
	return shape
}

// torchValues returns data, values of p or of its moments, in PyTorch's layout.
func (gan *GAN) torchValues(p *Param, data []float32) []float32 {
	if !gan.isLinear(p) {
		return data
	}
	shape := p.T.Shape()
	return transpose(data, shape[0], shape[1])
}

// transpose returns the [cols, rows] transpose of a row-major [rows, cols] matrix.
func transpose(d []float32, rows, cols int) []float32 {
	out := make([]float32, len(d))
	for r := range rows {
		for c := range cols {
			out[c*rows+r] = d[r*cols+c]
		}
	}
	return out
}

// TorchModules returns gan's weights, BatchNorm statistics and the
// optimisers' moments as PyTorch state dicts (see TorchModule): G, D, the
// averaged G when there is one, and the two optimisers. Each BatchNorm's
// num_batches_tracked is its network's optimiser step count, which is
// what PyTorch's own counter would read after as many training steps.
func (gan *GAN) TorchModules(optG, optD *Adam) []TorchModule {
	var out []TorchModule
	for _, net := range gan.torchNets(optG, optD) {
		mod := TorchModule{Name: net.module}
		var opt TorchModule
		steps := 0
		if net.opt != nil {
			opt.Name, steps = net.optimizer, net.opt.Steps
		} else {
			steps = optG.Steps
		}
		for i, p := range net.params {
			shape, name := gan.torchShape(p), torchName(p.Name)
			mod.Tensors = append(mod.Tensors, safetensors.Float32(name, shape, gan.torchValues(p, p.Data())))
			if net.opt != nil {
				opt.Tensors = append(opt.Tensors,
					safetensors.Float32(name+".exp_avg", shape, gan.torchValues(p, net.opt.M[i])),
					safetensors.Float32(name+".exp_avg_sq", shape, gan.torchValues(p, net.opt.V[i])))
			}
		}
		for _, bn := range net.norms {
			prefix := strings.TrimSuffix(torchName(bn.Name+"/running_mean"), "running_mean")
			c := []int{len(bn.Stats.Mean)}
			mod.Tensors = append(mod.Tensors,
				safetensors.Float32(prefix+"running_mean", c, bn.Stats.Mean),
				safetensors.Float32(prefix+"running_var", c, bn.Stats.Var),
				safetensors.Int64(prefix+"num_batches_tracked", []int{}, []int64{int64(steps)}))
		}
		if net.module == TorchDiscriminator {
			for _, sn := range gan.D.spectral {
				prefix := spectralPrefix(sn)
				mod.Tensors = append(mod.Tensors,
					safetensors.Float32(prefix+"sn_u", []int{len(sn.U)}, sn.U),
					safetensors.Float32(prefix+"sn_v", []int{len(sn.V)}, sn.V))
			}
		}
		out = append(out, mod)
		if net.opt != nil {
			out = append(out, opt)
		}
	}
	return out
}

// spectralPrefix is the state-dict prefix of a spectrally normalised
// layer's buffers: the twin's "conv1.sn_u" beside "conv1.weight".
func spectralPrefix(sn *SpectralNorm) string {
	return strings.TrimSuffix(torchName(sn.W.Name), "weight")
}

// LoadTorch sets gan's weights, statistics and the optimisers' moments
// from state dicts laid out as TorchModules writes them (by the PyTorch
// twin, say). Every tensor gan needs must be there with its shape; the
// averaged G's only when gan has one. The optimisers' step counts are
// the caller's to set.
func (gan *GAN) LoadTorch(mods []TorchModule, optG, optD *Adam) error {
	byModule := make(map[string]map[string]safetensors.Tensor)
	for _, m := range mods {
		byModule[m.Name] = make(map[string]safetensors.Tensor, len(m.Tensors))
		for _, t := range m.Tensors {
			byModule[m.Name][t.Name] = t
		}
	}
	load := func(module, name string, shape []int, dst []float32, linear bool) error {
		tensors, ok := byModule[module]
		if !ok {
			return fmt.Errorf("%s.safetensors is missing", module)
		}
		t, ok := tensors[name]
		if !ok {
			return fmt.Errorf("%s.safetensors has no tensor %s", module, name)
		}
		if !slices.Equal(t.Shape, shape) {
			return fmt.Errorf("%s.safetensors: %s has shape %v, this network needs %v (is config.json the one saved with these weights?)", module, name, t.Shape, shape)
		}
		v, err := t.Float32s()
		if err != nil {
			return fmt.Errorf("%s.safetensors: %w", module, err)
		}
		if linear { // PyTorch's [out, in] back to our [in, out]
			v = transpose(v, shape[0], shape[1])
		}
		copy(dst, v)
		return nil
	}
	for _, net := range gan.torchNets(optG, optD) {
		if net.opt != nil {
			if err := net.opt.checkShapes(net.params); err != nil {
				return err
			}
		}
		for i, p := range net.params {
			shape := gan.torchShape(p)
			linear, name := gan.isLinear(p), torchName(p.Name)
			if err := load(net.module, name, shape, p.Data(), linear); err != nil {
				return err
			}
			if net.opt == nil {
				continue
			}
			if err := load(net.optimizer, name+".exp_avg", shape, net.opt.M[i], linear); err != nil {
				return err
			}
			if err := load(net.optimizer, name+".exp_avg_sq", shape, net.opt.V[i], linear); err != nil {
				return err
			}
		}
		for _, bn := range net.norms {
			prefix := strings.TrimSuffix(torchName(bn.Name+"/running_mean"), "running_mean")
			c := []int{len(bn.Stats.Mean)}
			if err := load(net.module, prefix+"running_mean", c, bn.Stats.Mean, false); err != nil {
				return err
			}
			if err := load(net.module, prefix+"running_var", c, bn.Stats.Var, false); err != nil {
				return err
			}
		}
	}
	for _, sn := range gan.D.spectral {
		prefix := spectralPrefix(sn)
		if err := load(TorchDiscriminator, prefix+"sn_u", []int{len(sn.U)}, sn.U, false); err != nil {
			return err
		}
		if err := load(TorchDiscriminator, prefix+"sn_v", []int{len(sn.V)}, sn.V, false); err != nil {
			return err
		}
	}
	gan.D.refresh()
	return nil
}
