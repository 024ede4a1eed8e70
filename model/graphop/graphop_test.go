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

func TestOutputRestoresShape(t *testing.T) {
	var out Output
	d, data := out.Get(tensor.Shape{2, 3})
	if len(data) != 6 {
		t.Fatal(len(data))
	}
	data[0] = 7
	d.Reshape(6) // as a later Reshape op on the recycled register does
	d2, data2 := out.Get(tensor.Shape{2, 3})
	if d2 != d || data2[0] != 7 || !d2.Shape().Eq(tensor.Shape{2, 3}) {
		t.Fatalf("buffer not reused with its shape restored: %v %v", d2.Shape(), data2[0])
	}
}

// The regions of an arena overlap from its start: the arena holds the
// largest region, a buffer keeps its span from run to run, and buffers
// outside any region have memory of their own.
func TestArenaRegionsShareMemory(t *testing.T) {
	a := NewArena()
	r1, r2 := a.Region(), a.Region()
	var x, y, z Buffer
	x.Reserve(r1, 100)
	y.Reserve(r1, 50)
	z.Reserve(r2, 20)
	if r1.Size() != 112+64 || a.Size() != r1.Size() {
		t.Fatalf("region sizes %d, arena %d: want 176 both (16-value alignment)", r1.Size(), a.Size())
	}
	xs, ys, zs := x.Floats(100), y.Floats(50), z.Floats(20)
	if &zs[0] != &xs[0] {
		t.Error("the second region does not start where the first does")
	}
	if &ys[0] != &a.mem[112] {
		t.Error("the first region's buffers are not consecutive and aligned")
	}
	if cap(xs) != 100 {
		t.Errorf("a span's capacity %d reaches into the next buffer", cap(xs))
	}
	// A larger region compiled later grows the arena; spans move with it.
	var w Buffer
	w.Reserve(a.Region(), 1000)
	if ws, xs2 := w.Floats(1000), x.Floats(100); &ws[0] != &xs2[0] || a.Size() != 1008 {
		t.Errorf("after growth the regions do not share the new memory (arena %d)", a.Size())
	}
	// Scratch of any region shares one span, beside the regions.
	var s1, s2 Buffer
	s1.ReserveScratch(r1, 30)
	s2.ReserveScratch(r2, 300)
	if a.Size() != 1008+300 || &s1.Floats(30)[0] != &s2.Floats(300)[0] {
		t.Errorf("scratch buffers do not share one span beside the regions (arena %d)", a.Size())
	}
	if &s1.Floats(30)[0] == &x.Floats(100)[0] {
		t.Error("scratch overlaps a region")
	}
	var own Buffer
	o1 := own.Floats(8)
	o1[0] = 3
	if o2 := own.Floats(8); &o2[0] != &o1[0] || o2[0] != 3 {
		t.Error("a buffer outside any region is not kept from run to run")
	}
}
