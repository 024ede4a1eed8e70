package graphop

import (
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestBaseIdentity(t *testing.T) {
	a := NewBase("scale", tensor.Shape{2, 3}, 2, 2)
	b := NewBase("scale", tensor.Shape{2, 3}, 2, 2)
	if a.Arity() != 1 || a.String() != "scale" {
		t.Fatalf("arity %d, name %q", a.Arity(), a.String())
	}
	// Ops own buffers: two alike ops must never hash alike.
	if a.Hashcode() == b.Hashcode() {
		t.Fatal("two ops of one name and shape share a hash")
	}
	for _, tt := range []struct {
		ranks []int
		want  string
	}{
		{[]int{2, 2}, "Matrix a → Matrix a"},
		{[]int{4, 0, 4}, "Tensor-4 a → a → Tensor-4 a"}, // rank 0: a scalar
	} {
		b := NewBase("op", tensor.Shape{1}, tt.ranks...)
		if got := b.Type().String(); got != tt.want {
			t.Errorf("ranks %v: type %s, want %s", tt.ranks, got, tt.want)
		}
	}
	s, _ := a.InferShape()
	s[0] = 99
	if a.OutShape()[0] != 2 {
		t.Fatal("InferShape hands out the op's own shape")
	}
}

func TestInputsChecks(t *testing.T) {
	op := NewBase("op", tensor.Shape{4}, 1, 1, 1)
	vec := func(n int, dt tensor.Dtype) gorgonia.Value {
		return tensor.New(tensor.WithShape(n), tensor.Of(dt))
	}
	tests := []struct {
		name string
		vs   []gorgonia.Value
		want string // "" : no error
	}{
		{"right", []gorgonia.Value{vec(4, tensor.Float32), vec(4, tensor.Float32)}, ""},
		{"too few", []gorgonia.Value{vec(4, tensor.Float32)}, "got 1 inputs, want 2"},
		{"wrong size", []gorgonia.Value{vec(4, tensor.Float32), vec(5, tensor.Float32)}, "does not have the 4 values"},
		{"wrong type", []gorgonia.Value{vec(4, tensor.Float64), vec(4, tensor.Float32)}, "want float32"},
		{"not a tensor", []gorgonia.Value{gorgonia.NewF32(1), vec(4, tensor.Float32)}, "want a *tensor.Dense"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := op.Inputs(tt.vs, []string{"x", "y"}, []int{4, 4})
			switch {
			case tt.want == "" && err != nil:
				t.Fatal(err)
			case tt.want == "" && (len(got) != 2 || len(got[1]) != 4):
				t.Fatalf("got %d inputs", len(got))
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}

func TestOwnedBufferRestoresShape(t *testing.T) {
	var buf *tensor.Dense
	d, data, err := OwnedBuffer(&buf, tensor.Shape{2, 3})
	if err != nil || len(data) != 6 {
		t.Fatal(err, len(data))
	}
	data[0] = 7
	d.Reshape(6) // as a later Reshape op on the recycled register does
	d2, data2, err := OwnedBuffer(&buf, tensor.Shape{2, 3})
	if err != nil || d2 != d || data2[0] != 7 || !d2.Shape().Eq(tensor.Shape{2, 3}) {
		t.Fatalf("buffer not reused with its shape restored: %v %v %v", err, d2.Shape(), data2[0])
	}
}
