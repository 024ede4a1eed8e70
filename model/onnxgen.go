package model

import (
	"fmt"
	"math"

	"github.com/ganstudio/ganstudio/model/onnx"
)

// ONNX returns g as an ONNX model for inference: inputs "noise" [n,
// NoiseSize] (and, for a conditional GAN, "classes" [n, Classes], one-hot
// rows), output "images" [n, C, S, S] in [−1, 1]. batch fixes n; 0 leaves
// it dynamic. Each BatchNorm is folded into the layer before it (its
// running statistics become that layer's scale and bias), and dropout,
// off in inference, is gone.
func (g *Generator) ONNX(batch int) ([]byte, error) {
	cfg := g.cfg
	if batch < 0 {
		return nil, fmt.Errorf("onnx: batch %d: use 0 (dynamic) or a positive size", batch)
	}
	n := onnx.Dim{Size: batch}
	if batch == 0 {
		n = onnx.Dim{Name: "batch"}
	}
	w := cfg.Width
	gr := &onnx.Graph{Name: "ganstudio_generator"}
	gr.Input("noise", n, onnx.Dim{Size: cfg.NoiseSize})
	x := "noise"
	if cfg.Classes > 0 {
		gr.Input("classes", n, onnx.Dim{Size: cfg.Classes})
		gr.Node("Concat", []string{"noise", "classes"}, []string{"z"}, onnx.Int("axis", 1)) // [n, NoiseSize+Classes]
		x = "z"
	}
	// project: x·W [n, 16w], with bn0 folded per column (column j feeds channel j/16).
	scale, shift := g.bn0.folded(cfg.BNEps)
	in := cfg.NoiseSize + cfg.Classes
	wt, bias := append([]float32(nil), g.project.Data()...), make([]float32, 16*w)
	for i := range in {
		for j := range 16 * w {
			wt[i*16*w+j] *= scale[j/16]
		}
	}
	for j := range bias {
		bias[j] = shift[j/16]
	}
	gr.Weight("project.weight", []int{in, 16 * w}, wt)
	gr.Weight("project.bias", []int{16 * w}, bias)
	gr.Node("Gemm", []string{x, "project.weight", "project.bias"}, []string{"project"}) // [n, 16w]
	gr.Int64s("shape", -1, int64(w), 4, 4)
	gr.Node("Reshape", []string{"project", "shape"}, []string{"x0"}) // [n, w, 4, 4]
	act := cfg.Alpha
	if cfg.ImageSize == 64 {
		act = 0 // DCGAN's generator: ReLU
	}
	alpha := onnx.FloatAttr("alpha", act)
	gr.Node("LeakyRelu", []string{"x0"}, []string{"a0"}, alpha)
	x = "a0"
	for i, l := range g.upLayers() {
		out := fmt.Sprintf("x%d", i+1)
		g.onnxConvT(gr, l.name, l.kernel, l.bias, l.bn, x, out, l.stride, l.valid)
		if l.bn == nil {
			gr.Node("Tanh", []string{out}, []string{"images"})
			break
		}
		x = fmt.Sprintf("a%d", i+1)
		gr.Node("LeakyRelu", []string{out}, []string{x}, alpha)
	}
	gr.Output("images", n, onnx.Dim{Size: cfg.Channels}, onnx.Dim{Size: cfg.ImageSize}, onnx.Dim{Size: cfg.ImageSize})
	doc := fmt.Sprintf("GAN Studio DCGAN generator: noise uniform in [-1, 1]^%d", cfg.NoiseSize)
	if cfg.Classes > 0 {
		doc += fmt.Sprintf(", classes one-hot [n, %d]", cfg.Classes)
	}
	return gr.Model("GAN Studio", doc+"; images NCHW in [-1, 1]"), nil
}

// upLayer is one of the generator's transposed convolutions, with the
// BatchNorm after it (nil for the last, into tanh).
type upLayer struct {
	name         string
	kernel, bias *Param
	bn           *BatchNorm
	stride       int
	valid        bool // 'valid' padding; 'same' otherwise
}

// upLayers lists the generator's transposed convolutions in order, as its
// build runs them.
func (g *Generator) upLayers() []upLayer {
	switch g.cfg.ImageSize {
	case 64:
		return []upLayer{{"up1", g.up1, nil, g.bn1, 2, false}, {"up2", g.up2, nil, g.bn2, 2, false},
			{"up3", g.up3, nil, g.bn3, 2, false}, {"to_image", g.toImage, g.toImageBias, nil, 2, false}}
	case 32:
		return []upLayer{{"up1", g.up1, nil, g.bn1, 2, false}, {"up2", g.up2, nil, g.bn2, 2, false}, {"to_image", g.toImage, g.toImageBias, nil, 2, false}}
	}
	return []upLayer{{"up1", g.up1, nil, g.bn1, 1, true}, {"up2", g.up2, nil, g.bn2, 2, false}, {"to_image", g.toImage, g.toImageBias, nil, 2, false}}
}

// onnxConvT adds a transposed convolution with kernel k [in, out, s, s],
// its bias (or none), and bn (or none) folded into it. 'Same' padding
// crops the full output as TF does: of the k − stride extra rows, half
// (rounded down) at the start and the rest at the end.
func (g *Generator) onnxConvT(gr *onnx.Graph, name string, k, bias *Param, bn *BatchNorm, in, out string, stride int, valid bool) {
	shape := k.T.Shape()
	cin, cout, size := shape[0], shape[1], shape[2]
	pads := []int64{0, 0, 0, 0}
	if !valid {
		total := int64(size - stride)
		pads = []int64{total / 2, total / 2, total - total/2, total - total/2}
	}
	wt := append([]float32(nil), k.Data()...)
	b := make([]float32, cout)
	if bias != nil {
		copy(b, bias.Data())
	}
	if bn != nil {
		scale, shift := bn.folded(g.cfg.BNEps)
		plane := size * size
		for i := range cin {
			for o := range cout {
				row := wt[(i*cout+o)*plane : (i*cout+o+1)*plane]
				for j := range row {
					row[j] *= scale[o]
				}
			}
		}
		for o := range b {
			b[o] = b[o]*scale[o] + shift[o]
		}
	}
	gr.Weight(name+".weight", []int{cin, cout, size, size}, wt)
	gr.Weight(name+".bias", []int{cout}, b)
	gr.Node("ConvTranspose", []string{in, name + ".weight", name + ".bias"}, []string{out},
		onnx.Ints("kernel_shape", int64(size), int64(size)), onnx.Ints("strides", int64(stride), int64(stride)), onnx.Ints("pads", pads...))
}

// folded returns BatchNorm's inference transform y = scale·x + shift per
// channel, from its running statistics.
func (bn *BatchNorm) folded(eps float32) (scale, shift []float32) {
	gamma, beta := bn.Gamma.Data(), bn.Beta.Data()
	scale, shift = make([]float32, len(gamma)), make([]float32, len(gamma))
	for c := range gamma {
		s := float64(gamma[c]) / math.Sqrt(float64(bn.Stats.Var[c])+float64(eps))
		scale[c] = float32(s)
		shift[c] = float32(float64(beta[c]) - float64(bn.Stats.Mean[c])*s)
	}
	return scale, shift
}
