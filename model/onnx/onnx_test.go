package onnx

import (
	"crypto/sha256"
	"fmt"
	"testing"
)

// A small model with every kind of field written: its bytes are those the
// hand-written encoder wrote before protowire, which onnx.checker and
// ONNX Runtime accept (app/interop_test.go, model/onnx_interop_test.go).
func TestModelBytes(t *testing.T) {
	var g Graph
	g.Name = "gen"
	g.Input("z", Dim{Name: "batch"}, Dim{Size: 100})
	g.Output("x", Dim{Name: "batch"}, Dim{Size: 1}, Dim{Size: 28}, Dim{Size: 28})
	g.Weight("w", []int{2, 3}, []float32{1, 2, 3, -4, 5.5, 0})
	g.Int64s("shape", -1, 128, 7, 7)
	g.Node("Conv", []string{"z", "w"}, []string{"y"}, Ints("pads", 1, 1, 1, 1), Int("group", 1), FloatAttr("alpha", 0.2), Ints("neg", -3))
	g.Node("Tanh", []string{"y"}, []string{"x"})
	b := g.Model("ganstudio", "doc text")
	const want = "7679d8c1525ca9a6616ce971662b3598b348580cc6a7d89b4a11f848f7612d12"
	if got := fmt.Sprintf("%x", sha256.Sum256(b)); got != want || len(b) != 288 {
		t.Errorf("model of %d bytes, SHA-256 %s; want 288 bytes, %s", len(b), got, want)
	}
}
