package model

import (
	"slices"
	"testing"
)

func TestTorchName(t *testing.T) {
	for _, tc := range []struct{ ours, torch string }{
		{"g/project", "project.weight"},
		{"g/bn0/gamma", "bn0.weight"},
		{"g/bn0/beta", "bn0.bias"},
		{"g/bn1/running_var", "bn1.running_var"},
		{"g/to_image/bias", "to_image.bias"},
		{"d/conv1", "conv1.weight"},
		{"d/embed", "embed.weight"},
	} {
		if got := torchName(tc.ours); got != tc.torch {
			t.Errorf("torchName(%q) = %q, want %q", tc.ours, got, tc.torch)
		}
	}
}

// Exporting and loading back gives the same weights, statistics and
// moments, and dense weights go out in nn.Linear's [out, in].
func TestTorchModulesRoundTrip(t *testing.T) {
	cfg := Seed(28, 1)
	cfg.Width, cfg.Classes = 16, 3
	a, _ := New(cfg, 1)
	a.EnableAverage(0.9)
	optG, optD := NewAdam(a.G.Params(), 1e-3, 0.5, 0.999), NewAdam(a.D.Params(), 1e-3, 0.5, 0.999)
	for i := range optG.M {
		for j := range optG.M[i] {
			optG.M[i][j], optG.V[i][j] = float32(i+j), float32(i*j)
		}
	}
	a.G.norms[0].Stats.Mean[2] = 0.25
	mods := a.TorchModules(optG, optD)
	var names []string
	for _, m := range mods {
		names = append(names, m.Name)
	}
	if want := []string{TorchGenerator, TorchOptimizerG, TorchDiscriminator, TorchOptimizerD, TorchAveraged}; !slices.Equal(names, want) {
		t.Fatalf("modules %v, want %v", names, want)
	}
	if p := mods[0].Tensors[0]; p.Name != "project.weight" || !slices.Equal(p.Shape, []int{16 * 16, 100 + 3}) {
		t.Fatalf("first tensor %s %v, want project.weight [256 103]", p.Name, p.Shape)
	}
	b, _ := New(cfg, 2)
	b.EnableAverage(0.9)
	optG2, optD2 := NewAdam(b.G.Params(), 1e-3, 0.5, 0.999), NewAdam(b.D.Params(), 1e-3, 0.5, 0.999)
	if err := b.LoadTorch(mods, optG2, optD2); err != nil {
		t.Fatal(err)
	}
	sa, sb := a.Snapshot(optG, optD), b.Snapshot(optG2, optD2)
	for i := range sa {
		if sa[i].Name != sb[i].Name || !slices.Equal(sa[i].Data, sb[i].Data) {
			t.Fatalf("%s differs after the round trip", sa[i].Name)
		}
	}
	mods[2].Tensors = mods[2].Tensors[1:]
	if err := b.LoadTorch(mods, optG2, optD2); err == nil {
		t.Fatal("a discriminator without conv1.weight loaded")
	}
}
