package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ---- naive references ----

func refLeaky(x []float32, alpha float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		if v > 0 {
			out[i] = float64(v)
		} else {
			out[i] = float64(alpha) * float64(v)
		}
	}
	return out
}

// refBN returns the normalised output and the batch mean and biased
// variance per channel, all in float64.
func refBN(x []float32, shape tensor.Shape, gamma, beta []float32, training bool, sMean, sVar []float32, eps float64) (y, mean, variance []float64) {
	n, c := shape[0], shape[1]
	hw := shape.TotalSize() / (n * c)
	y = make([]float64, len(x))
	mean, variance = make([]float64, c), make([]float64, c)
	for ch := range c {
		if training {
			var s float64
			for i := range n {
				for j := range hw {
					s += float64(x[(i*c+ch)*hw+j])
				}
			}
			mean[ch] = s / float64(n*hw)
			var q float64
			for i := range n {
				for j := range hw {
					d := float64(x[(i*c+ch)*hw+j]) - mean[ch]
					q += d * d
				}
			}
			variance[ch] = q / float64(n*hw)
		} else {
			mean[ch], variance[ch] = float64(sMean[ch]), float64(sVar[ch])
		}
		for i := range n {
			for j := range hw {
				k := (i*c+ch)*hw + j
				y[k] = (float64(x[k])-mean[ch])/math.Sqrt(variance[ch]+eps)*float64(gamma[ch]) + float64(beta[ch])
			}
		}
	}
	return y, mean, variance
}

func refXent(x []float32, t float64) float64 {
	var s float64
	for _, v := range x {
		f := float64(v)
		// log(1+exp(f)) − f·t, written with the textbook branches.
		var sp float64
		if f > 30 {
			sp = f + math.Exp(-f)
		} else {
			sp = math.Log(1 + math.Exp(f))
		}
		s += sp - f*t
	}
	return s / float64(len(x))
}

// runForward builds out = build(inputs) and returns its value after one run.
func runForward(t *testing.T, shapes []tensor.Shape, data [][]float32, build func(in []*gorgonia.Node) (*gorgonia.Node, error)) []float64 {
	t.Helper()
	g := gorgonia.NewGraph()
	var in []*gorgonia.Node
	for i, s := range shapes {
		in = append(in, inputNode(g, "in"+string(rune('a'+i)), s, data[i]))
	}
	out, err := build(in)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	var v gorgonia.Value
	gorgonia.Read(out, &v)
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatalf("RunAll: %v", err)
	}
	return valueData(t, v)
}

// ---- forward against references ----

func TestLeakyReLUForward(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name  string
		shape tensor.Shape
		alpha float32
	}{
		{"nchw", tensor.Shape{2, 3, 4, 5}, 0.01},
		{"nc", tensor.Shape{7, 3}, 0.2},
		{"large", tensor.Shape{4, 64, 16, 16}, 0.01},
		{"vector", tensor.Shape{5}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := randSlice(r, tc.shape.TotalSize(), -3, 3)
			x[0] = 0
			got := runForward(t, []tensor.Shape{tc.shape}, [][]float32{x}, func(in []*gorgonia.Node) (*gorgonia.Node, error) {
				return LeakyReLU(in[0], tc.alpha)
			})
			assertClose(t, "y", got, refLeaky(x, tc.alpha), 0, 1e-7)
		})
	}
}

func TestBatchNormForward(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name     string
		shape    tensor.Shape
		gshape   tensor.Shape
		training bool
		offset   float32 // large offsets check the shifted variance
	}{
		{"train nchw", tensor.Shape{4, 3, 5, 5}, tensor.Shape{3}, true, 0},
		{"train nc", tensor.Shape{16, 5}, tensor.Shape{5}, true, 0},
		{"train gamma 1c11", tensor.Shape{2, 3, 2, 2}, tensor.Shape{1, 3, 1, 1}, true, 0},
		{"train big offset", tensor.Shape{8, 4, 7, 7}, tensor.Shape{4}, true, 1000},
		{"train rows > block", tensor.Shape{2, 2, 20, 20}, tensor.Shape{2}, true, 3},
		{"infer nchw", tensor.Shape{4, 3, 5, 5}, tensor.Shape{3}, false, 0},
		{"infer nc", tensor.Shape{16, 5}, tensor.Shape{5}, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.shape[1]
			x := randSlice(r, tc.shape.TotalSize(), tc.offset-2, tc.offset+2)
			gamma := randSlice(r, c, 0.5, 1.5)
			beta := randSlice(r, c, -0.5, 0.5)
			st := NewStats(c)
			copy(st.Mean, randSlice(r, c, -1, 1))
			copy(st.Var, randSlice(r, c, 0.5, 2))
			sm, sv := append([]float32(nil), st.Mean...), append([]float32(nil), st.Var...)
			got := runForward(t, []tensor.Shape{tc.shape, tc.gshape, tc.gshape}, [][]float32{x, gamma, beta},
				func(in []*gorgonia.Node) (*gorgonia.Node, error) {
					return BatchNorm(in[0], in[1], in[2], st, tc.training, 0.99, 1e-3)
				})
			want, mean, variance := refBN(x, tc.shape, gamma, beta, tc.training, sm, sv, 1e-3)
			assertClose(t, "y", got, want, 2e-5, 1e-4)
			for ch := range c {
				wm, wv := float64(sm[ch]), float64(sv[ch])
				if tc.training {
					wm = 0.99*wm + 0.01*mean[ch]
					wv = 0.99*wv + 0.01*variance[ch]
				}
				if math.Abs(float64(st.Mean[ch])-wm) > 1e-5*(1+math.Abs(wm)) || math.Abs(float64(st.Var[ch])-wv) > 1e-5*(1+wv) {
					t.Errorf("stats[%d] = %v/%v, want %v/%v", ch, st.Mean[ch], st.Var[ch], wm, wv)
				}
			}
		})
	}
}

func TestBatchNormRunningStatsDecay(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	shape := tensor.Shape{8, 2, 3, 3}
	x := randSlice(r, shape.TotalSize(), 1, 5)
	g := gorgonia.NewGraph()
	xn := inputNode(g, "x", shape, x)
	gn := inputNode(g, "gamma", tensor.Shape{2}, []float32{1, 1})
	bn := inputNode(g, "beta", tensor.Shape{2}, []float32{0, 0})
	st := NewStats(2)
	if _, err := BatchNorm(xn, gn, bn, st, true, 0.9, 1e-3); err != nil {
		t.Fatal(err)
	}
	_, mean, variance := refBN(x, shape, []float32{1, 1}, []float32{0, 0}, true, nil, nil, 1e-3)
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	wantM, wantV := []float64{0, 0}, []float64{1, 1}
	for step := range 3 {
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		for c := range 2 {
			wantM[c] = 0.9*wantM[c] + 0.1*mean[c]
			wantV[c] = 0.9*wantV[c] + 0.1*variance[c]
			if math.Abs(float64(st.Mean[c])-wantM[c]) > 1e-5 || math.Abs(float64(st.Var[c])-wantV[c]) > 1e-5 {
				t.Errorf("step %d ch %d: stats %v/%v, want %v/%v", step, c, st.Mean[c], st.Var[c], wantM[c], wantV[c])
			}
		}
	}
}

func TestSigmoidCrossEntropyForward(t *testing.T) {
	for _, tc := range []struct {
		name   string
		shape  tensor.Shape
		x      []float32
		target float32
	}{
		{"moderate n", tensor.Shape{4}, []float32{-2, -0.5, 0.5, 3}, 0.9},
		{"moderate n1", tensor.Shape{4, 1}, []float32{-2, -0.5, 0.5, 3}, 0},
		{"extreme smoothing", tensor.Shape{4}, []float32{-100, 100, -100, 100}, 0.9},
		{"extreme zero target", tensor.Shape{2, 1}, []float32{-100, 100}, 0},
		{"extreme one target", tensor.Shape{2}, []float32{-100, 100}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := runForward(t, []tensor.Shape{tc.shape}, [][]float32{tc.x}, func(in []*gorgonia.Node) (*gorgonia.Node, error) {
				return SigmoidCrossEntropy(in[0], tc.target)
			})
			want := refXent(tc.x, float64(tc.target))
			if math.IsNaN(got[0]) || math.IsInf(got[0], 0) {
				t.Fatalf("loss = %v", got[0])
			}
			assertClose(t, "loss", got, []float64{want}, 1e-6, 1e-6)
		})
	}
}

// Each point loss against its formula, on both sides of the hinge's kink.
func TestMeanLossForward(t *testing.T) {
	x := []float32{-2, -0.5, 0, 0.5, 2}
	for _, tc := range []struct {
		kind PointLoss
		f    func(x float64) float64
	}{
		{HingeReal, func(x float64) float64 { return math.Max(0, 1-x) }},
		{HingeFake, func(x float64) float64 { return math.Max(0, 1+x) }},
		{Negated, func(x float64) float64 { return -x }},
		{Squared, func(x float64) float64 { return (x - 0.9) * (x - 0.9) / 2 }},
	} {
		var want float64
		for _, v := range x {
			want += tc.f(float64(v))
		}
		want /= float64(len(x))
		got := runForward(t, []tensor.Shape{{5}}, [][]float32{x}, func(in []*gorgonia.Node) (*gorgonia.Node, error) {
			return MeanLoss(in[0], tc.kind, 0.9)
		})
		if math.Abs(got[0]-want) > 1e-6 {
			t.Errorf("%v: %v, want %v", tc.kind, got[0], want)
		}
	}
}

// DiffAugment's transforms do what they say: a translation moves the
// image, a cutout blanks a square of half its size, and a policy is read
// in any order and case.
func TestDiffAugmentTransforms(t *testing.T) {
	const size = 16
	x := make([]float32, size*size)
	for i := range x {
		x[i] = 1
	}
	for _, tc := range []struct {
		policy    []Augmentation
		minZeroes int
		maxZeroes int
	}{
		{[]Augmentation{Translation}, 0, 2 * 2 * size},       // up to 2 rows and 2 columns shifted out
		{[]Augmentation{Cutout}, 0, (size / 2) * (size / 2)}, // clipped at the edges, never more than 8×8
	} {
		rng := rand.NewPCG(9, 9)
		seen := map[int]bool{}
		for run := 0; run < 20; run++ {
			out := runForward(t, []tensor.Shape{{1, 1, size, size}}, [][]float32{x}, func(in []*gorgonia.Node) (*gorgonia.Node, error) {
				return DiffAugment(in[0], tc.policy, rng)
			})
			zeroes := 0
			for _, v := range out {
				switch v {
				case 0:
					zeroes++
				case 1:
				default:
					t.Fatalf("%v: value %v in an image of ones", tc.policy, v)
				}
			}
			if zeroes < tc.minZeroes || zeroes > tc.maxZeroes {
				t.Fatalf("%v: %d pixels blanked, want %d to %d", tc.policy, zeroes, tc.minZeroes, tc.maxZeroes)
			}
			seen[zeroes] = true
		}
		if len(seen) < 3 {
			t.Errorf("%v: 20 runs blanked only %v pixel counts: the draws do not vary", tc.policy, seen)
		}
	}
	got, err := ParseAugmentations(" Cutout,translation, color ")
	if err != nil || fmt.Sprint(got) != "[color translation cutout]" {
		t.Errorf("ParseAugmentations = %v, %v", got, err)
	}
	if _, err := ParseAugmentations("translation,flip"); err == nil || !strings.Contains(err.Error(), "flip") {
		t.Errorf("an unknown augmentation gave %v", err)
	}
}

func TestSigmoidCrossEntropyExtremeGradient(t *testing.T) {
	g := gorgonia.NewGraph()
	x := inputNode(g, "x", tensor.Shape{4, 1}, []float32{-100, 100, -100, 100})
	loss, err := SigmoidCrossEntropy(x, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := gorgonia.Grad(loss, x)
	if err != nil {
		t.Fatal(err)
	}
	var gv gorgonia.Value
	gorgonia.Read(grads[0], &gv)
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	// (sigmoid(x) − 0.9)/4: sigmoid(−100) ≈ 0, sigmoid(100) = 1.
	assertClose(t, "grad", valueData(t, gv), []float64{-0.9 / 4, 0.1 / 4, -0.9 / 4, 0.1 / 4}, 1e-7, 1e-6)
}

// ---- gradients ----

func TestGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	awayFromZero := func(n int) []float32 {
		s := randSlice(r, n, 0.1, 2)
		for i := range s {
			if r.IntN(2) == 0 {
				s[i] = -s[i]
			}
		}
		return s
	}
	var specs []gradSpec
	for _, sh := range []tensor.Shape{{2, 3, 2, 2}, {5, 4}} {
		specs = append(specs, gradSpec{
			name: fmt.Sprint("LeakyReLU ", sh), shapes: []tensor.Shape{sh},
			data:  [][]float32{awayFromZero(sh.TotalSize())},
			build: func(in []*gorgonia.Node) (*gorgonia.Node, error) { return LeakyReLU(in[0], 0.2) },
			h:     1e-2, abs: 1e-3, rel: 1e-3,
		})
	}
	for _, tc := range []struct {
		shape, gshape tensor.Shape
		training      bool
	}{
		{tensor.Shape{3, 2, 2, 3}, tensor.Shape{2}, true},
		{tensor.Shape{6, 3}, tensor.Shape{3}, true},
		{tensor.Shape{2, 2, 3, 3}, tensor.Shape{1, 2, 1, 1}, true},
		{tensor.Shape{3, 2, 2, 3}, tensor.Shape{2}, false},
	} {
		c := tc.shape[1]
		st := NewStats(c)
		copy(st.Mean, randSlice(r, c, -0.5, 0.5))
		copy(st.Var, randSlice(r, c, 0.5, 2))
		specs = append(specs, gradSpec{
			name:   fmt.Sprint("BatchNorm ", tc.shape) + map[bool]string{true: " train", false: " infer"}[tc.training],
			shapes: []tensor.Shape{tc.shape, tc.gshape, tc.gshape},
			data:   [][]float32{randSlice(r, tc.shape.TotalSize(), -2, 2), randSlice(r, c, 0.5, 1.5), randSlice(r, c, -0.5, 0.5)},
			build: func(in []*gorgonia.Node) (*gorgonia.Node, error) {
				return BatchNorm(in[0], in[1], in[2], st, tc.training, 0.99, 1e-3)
			},
			h: 5e-3, abs: 2e-3, rel: 1e-2,
		})
	}
	for _, tc := range []struct {
		shape  tensor.Shape
		target float32
	}{{tensor.Shape{6}, 0.9}, {tensor.Shape{5, 1}, 0}} {
		specs = append(specs, gradSpec{
			name: fmt.Sprint("SigmoidCrossEntropy ", tc.shape), shapes: []tensor.Shape{tc.shape},
			data:  [][]float32{randSlice(r, tc.shape.TotalSize(), -4, 4)},
			build: func(in []*gorgonia.Node) (*gorgonia.Node, error) { return SigmoidCrossEntropy(in[0], tc.target) },
			h:     1e-2, abs: 1e-4, rel: 1e-3,
		})
	}
	// The hinge's kink at ±1 is kept clear of the finite difference.
	for _, kind := range []PointLoss{HingeReal, HingeFake, Negated, Squared} {
		x := randSlice(r, 7, -3, 3)
		for i := range x {
			for math.Abs(math.Abs(float64(x[i]))-1) < 0.1 {
				x[i] = float32(r.Float64()*6 - 3)
			}
		}
		specs = append(specs, gradSpec{
			name: fmt.Sprint("MeanLoss ", kind), shapes: []tensor.Shape{{7, 1}},
			data:  [][]float32{x},
			build: func(in []*gorgonia.Node) (*gorgonia.Node, error) { return MeanLoss(in[0], kind, 0.7) },
			h:     1e-2, abs: 1e-4, rel: 1e-3,
		})
	}
	// DiffAugment with a reseeded rng: the same draws on every run.
	for _, policy := range [][]Augmentation{{Color}, {Translation}, {Cutout}, Augmentations} {
		rng := rand.NewPCG(5, 5)
		specs = append(specs, gradSpec{
			name: fmt.Sprint("DiffAugment ", policy), shapes: []tensor.Shape{{3, 3, 8, 8}},
			data:   [][]float32{randSlice(r, 3*3*64, -1, 1)},
			build:  func(in []*gorgonia.Node) (*gorgonia.Node, error) { return DiffAugment(in[0], policy, rng) },
			before: func() { rng.Seed(5, 5) },
			h:      1e-2, abs: 1e-3, rel: 1e-3,
		})
	}
	// Dropout with a reseeded rng: the same mask on every run.
	{
		rng := rand.NewPCG(1, 1)
		specs = append(specs, gradSpec{
			name: "Dropout", shapes: []tensor.Shape{{4, 3, 3}},
			data:   [][]float32{randSlice(r, 36, -2, 2)},
			build:  func(in []*gorgonia.Node) (*gorgonia.Node, error) { return Dropout(in[0], 0.7, rng) },
			before: func() { rng.Seed(1, 1) },
			h:      1e-2, abs: 1e-3, rel: 1e-3,
		})
	}
	// The fused op: pick data whose pre-activations stay clear of the kink.
	for _, tc := range []struct {
		training bool
		keep     float32
	}{{true, 0.75}, {true, 1}, {false, 0.75}} {
		shape := tensor.Shape{3, 2, 2, 3}
		var x, gamma, beta []float32
		st := NewStats(2)
		copy(st.Mean, []float32{0.1, -0.2})
		copy(st.Var, []float32{0.8, 1.3})
		for {
			x, gamma, beta = randSlice(r, shape.TotalSize(), -2, 2), randSlice(r, 2, 0.5, 1.5), randSlice(r, 2, -0.5, 0.5)
			z, _, _ := refBN(x, shape, gamma, beta, tc.training, st.Mean, st.Var, 1e-3)
			ok := true
			for _, v := range z {
				ok = ok && math.Abs(v) > 0.05
			}
			if ok {
				break
			}
		}
		rng := rand.NewPCG(2, 2)
		specs = append(specs, gradSpec{
			name:   "BatchNormLeakyDropout " + map[bool]string{true: "train", false: "infer"}[tc.training],
			shapes: []tensor.Shape{shape, {2}, {2}},
			data:   [][]float32{x, gamma, beta},
			build: func(in []*gorgonia.Node) (*gorgonia.Node, error) {
				return BatchNormLeakyDropout(in[0], in[1], in[2], st, tc.training, 0.99, 1e-3, 0.2, tc.keep, rng)
			},
			before: func() { rng.Seed(2, 2) },
			h:      2e-3, abs: 2e-3, rel: 1e-2,
		})
	}
	for _, s := range specs {
		t.Run(s.name, func(t *testing.T) { checkGradient(t, s) })
	}
}

// ---- dropout specifics ----

func dropoutOpOf(t *testing.T, n *gorgonia.Node) *dropoutOp {
	t.Helper()
	op, ok := n.Op().(*dropoutOp)
	if !ok {
		t.Fatalf("node op is %T", n.Op())
	}
	return op
}

func TestDropoutMaskGradientAndRate(t *testing.T) {
	for _, keep := range []float32{0.8, 0.5, 0.1, 1} {
		t.Run(fmt.Sprint("keep=", keep), func(t *testing.T) {
			shape := tensor.Shape{64, 128, 11, 11} // odd row length exercises the paired bits
			r := rand.New(rand.NewPCG(9, 9))
			x := randSlice(r, shape.TotalSize(), 0.5, 1.5)
			g := gorgonia.NewGraph()
			xn := inputNode(g, "x", shape, x)
			y, err := Dropout(xn, keep, rand.NewPCG(3, 4))
			if err != nil {
				t.Fatal(err)
			}
			loss, err := gorgonia.Sum(y)
			if err != nil {
				t.Fatal(err)
			}
			grads, err := gorgonia.Grad(loss, xn)
			if err != nil {
				t.Fatal(err)
			}
			var yv, gv gorgonia.Value
			gorgonia.Read(y, &yv)
			gorgonia.Read(grads[0], &gv)
			vm := gorgonia.NewTapeMachine(g)
			defer vm.Close()
			var prevMask []float32
			for run := range 2 {
				vm.Reset()
				if err := vm.RunAll(); err != nil {
					t.Fatal(err)
				}
				mask := dropoutOpOf(t, y).Mask()
				yd, gd := valueData(t, yv), valueData(t, gv)
				kept := 0
				for i, m := range mask {
					want := 0.0
					if m != 0 {
						kept++
						want = 1 / float64(keep)
						if float64(m) != float64(float32(1/keep)) {
							t.Fatalf("mask[%d] = %v", i, m)
						}
					}
					if math.Abs(gd[i]-want) > 1e-6 || math.Abs(yd[i]-want*float64(x[i])) > 1e-5 {
						t.Fatalf("run %d elem %d: grad %v y %v, want grad %v y %v", run, i, gd[i], yd[i], want, want*float64(x[i]))
					}
				}
				rate := float64(kept) / float64(len(mask))
				if math.Abs(rate-float64(keep)) > 3e-3 {
					t.Errorf("keep rate %v, want %v", rate, keep)
				}
				if run == 1 && keep < 1 && equalF32(prevMask, mask) {
					t.Error("mask did not change between runs")
				}
				prevMask = append([]float32(nil), mask...)
			}
		})
	}
}

func equalF32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The mask must depend only on the rng state, not on how work is split:
// an exact resume restores the rng and must see the same masks.
func TestDropoutResumeFromRNGState(t *testing.T) {
	shape := tensor.Shape{3, 70001}
	x := randSlice(rand.New(rand.NewPCG(1, 1)), shape.TotalSize(), -1, 1)
	rng := rand.NewPCG(5, 5)
	rng.Uint64()
	state, err := rng.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	first := runForward(t, []tensor.Shape{shape}, [][]float32{x}, func(in []*gorgonia.Node) (*gorgonia.Node, error) {
		return Dropout(in[0], 0.8, rng)
	})
	resumed := rand.NewPCG(0, 0)
	if err := resumed.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	second := runForward(t, []tensor.Shape{shape}, [][]float32{x}, func(in []*gorgonia.Node) (*gorgonia.Node, error) {
		return Dropout(in[0], 0.8, resumed)
	})
	assertClose(t, "resumed", second, first, 0, 0)
	// A serial mask over the whole tensor equals the parallel one.
	d, _ := newDropper(0.8, rand.NewPCG(0, 0))
	d.key = func() uint64 { p := rand.NewPCG(0, 0); _ = p.UnmarshalBinary(state); return p.Uint64() }()
	m := make([]float32, len(x))
	d.fillMask(m, 0)
	for i := range m {
		if float64(x[i]*m[i]) != first[i] {
			t.Fatalf("elem %d: serial mask gives %v, op gave %v", i, x[i]*m[i], first[i])
		}
	}
}

// ---- fused op equals the composition ----

func TestFusedEqualsComposition(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, tc := range []struct {
		name     string
		shape    tensor.Shape
		training bool
		keep     float32
	}{
		{"train [8,16,7,7]", tensor.Shape{8, 16, 7, 7}, true, 0.8},
		{"train [4,8,5,5] keep 1", tensor.Shape{4, 8, 5, 5}, true, 1},
		{"train [32,24]", tensor.Shape{32, 24}, true, 0.8},
		{"infer [8,16,4,4]", tensor.Shape{8, 16, 4, 4}, false, 0.8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.shape[1]
			x := randSlice(r, tc.shape.TotalSize(), -2, 3)
			gamma, beta := randSlice(r, c, 0.5, 1.5), randSlice(r, c, -0.5, 0.5)
			w := randSlice(r, tc.shape.TotalSize(), -1, 1)
			sm, sv := randSlice(r, c, -0.5, 0.5), randSlice(r, c, 0.5, 2)
			type result struct {
				y, dx, dg, db []float64
				stats         *Stats
			}
			run := func(fused bool) result {
				g := gorgonia.NewGraph()
				xn := inputNode(g, "x", tc.shape, x)
				gn := inputNode(g, "gamma", tensor.Shape{c}, gamma)
				bn := inputNode(g, "beta", tensor.Shape{c}, beta)
				st := NewStats(c)
				copy(st.Mean, sm)
				copy(st.Var, sv)
				var rng *rand.PCG
				if tc.keep < 1 {
					rng = rand.NewPCG(77, 78)
				}
				var y *gorgonia.Node
				var err error
				if fused {
					y, err = BatchNormLeakyDropout(xn, gn, bn, st, tc.training, 0.99, 1e-3, 0.01, tc.keep, rng)
				} else {
					y, err = BatchNorm(xn, gn, bn, st, tc.training, 0.99, 1e-3)
					if err == nil {
						y, err = LeakyReLU(y, 0.01)
					}
					if err == nil {
						y, err = Dropout(y, tc.keep, rng)
					}
				}
				if err != nil {
					t.Fatal(err)
				}
				prod, err := gorgonia.HadamardProd(y, gorgonia.NewConstant(dense(tc.shape, w)))
				if err != nil {
					t.Fatal(err)
				}
				loss, err := gorgonia.Sum(prod)
				if err != nil {
					t.Fatal(err)
				}
				grads, err := gorgonia.Grad(loss, xn, gn, bn)
				if err != nil {
					t.Fatal(err)
				}
				vals := make([]gorgonia.Value, 4)
				gorgonia.Read(y, &vals[0])
				for i := range grads {
					gorgonia.Read(grads[i], &vals[i+1])
				}
				vm := gorgonia.NewTapeMachine(g)
				defer vm.Close()
				if err := vm.RunAll(); err != nil {
					t.Fatal(err)
				}
				return result{valueData(t, vals[0]), valueData(t, vals[1]), valueData(t, vals[2]), valueData(t, vals[3]), st}
			}
			a, b := run(true), run(false)
			assertClose(t, "y", a.y, b.y, 1e-6, 1e-5)
			assertClose(t, "dx", a.dx, b.dx, 1e-5, 1e-4)
			assertClose(t, "dgamma", a.dg, b.dg, 1e-4, 1e-4)
			assertClose(t, "dbeta", a.db, b.db, 1e-4, 1e-4)
			assertClose(t, "stats mean", f64s(a.stats.Mean), f64s(b.stats.Mean), 0, 0)
			assertClose(t, "stats var", f64s(a.stats.Var), f64s(b.stats.Var), 0, 0)
		})
	}
}

// ---- reuse of owned buffers across runs ----

func TestTapeMachineRunsTwiceConsistently(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	shape := tensor.Shape{8, 6, 5, 5}
	x := randSlice(r, shape.TotalSize(), -2, 2)
	g := gorgonia.NewGraph()
	xn := inputNode(g, "x", shape, x)
	gn := inputNode(g, "gamma", tensor.Shape{6}, randSlice(r, 6, 0.5, 1.5))
	bn := inputNode(g, "beta", tensor.Shape{6}, randSlice(r, 6, -0.5, 0.5))
	rng := rand.NewPCG(1, 2)
	st := NewStats(6)
	// The whole seed block, unfused then fused, into a logit and the loss.
	h, err := BatchNorm(xn, gn, bn, st, true, 0.99, 1e-3)
	if err == nil {
		h, err = LeakyReLU(h, 0.01)
	}
	if err == nil {
		h, err = Dropout(h, 0.8, rng)
	}
	if err == nil {
		h, err = BatchNormLeakyDropout(h, gn, bn, NewStats(6), true, 0.99, 1e-3, 0.01, 0.8, rng)
	}
	if err != nil {
		t.Fatal(err)
	}
	flat, err := gorgonia.Reshape(h, tensor.Shape{8, 150})
	if err != nil {
		t.Fatal(err)
	}
	wn := inputNode(g, "w", tensor.Shape{150, 1}, randSlice(r, 150, -0.1, 0.1))
	logits, err := gorgonia.Mul(flat, wn)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := SigmoidCrossEntropy(logits, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := gorgonia.Grad(loss, xn, gn, bn, wn)
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]gorgonia.Value, 1+len(grads))
	gorgonia.Read(loss, &vals[0])
	for i := range grads {
		gorgonia.Read(grads[i], &vals[i+1])
	}
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	var first [][]float64
	for run := range 3 {
		rng.Seed(1, 2)
		copy(st.Mean, make([]float32, 6))
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		var now [][]float64
		for _, v := range vals {
			now = append(now, valueData(t, v))
		}
		if run == 0 {
			first = now
			continue
		}
		for i := range now {
			assertClose(t, "run value "+string(rune('0'+i)), now[i], first[i], 0, 0)
		}
	}
}

// ---- no allocations per run ----

func TestNoAllocationsPerRun(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	shape := tensor.Shape{16, 32, 7, 7}
	x := dense(shape, randSlice(r, shape.TotalSize(), -2, 2))
	gy := dense(shape, randSlice(r, shape.TotalSize(), -1, 1))
	gamma := dense(tensor.Shape{32}, randSlice(r, 32, 0.5, 1.5))
	beta := dense(tensor.Shape{32}, randSlice(r, 32, -0.5, 0.5))
	g := gorgonia.NewGraph()
	xn := inputNode(g, "x", shape, nil)
	gn := inputNode(g, "gamma", tensor.Shape{32}, nil)
	bn := inputNode(g, "beta", tensor.Shape{32}, nil)
	_ = gy
	ops := map[string]func() (gorgonia.Op, []gorgonia.Value, gorgonia.Op, []gorgonia.Value){}
	addBN := func(name string, fused bool) {
		ops[name] = func() (gorgonia.Op, []gorgonia.Value, gorgonia.Op, []gorgonia.Value) {
			var n *gorgonia.Node
			var err error
			if fused {
				n, err = BatchNormLeakyDropout(xn, gn, bn, NewStats(32), true, 0.99, 1e-3, 0.01, 0.8, rand.NewPCG(1, 1))
			} else {
				n, err = BatchNorm(xn, gn, bn, NewStats(32), true, 0.99, 1e-3)
			}
			if err != nil {
				t.Fatal(err)
			}
			op := n.Op().(*bnOp)
			b := newBNGradOp(op)
			return op, []gorgonia.Value{x, gamma, beta}, b, []gorgonia.Value{x, gamma, gy}
		}
	}
	addBN("BatchNorm", false)
	addBN("BatchNormLeakyDropout", true)
	ops["LeakyReLU"] = func() (gorgonia.Op, []gorgonia.Value, gorgonia.Op, []gorgonia.Value) {
		n, err := LeakyReLU(xn, 0.01)
		if err != nil {
			t.Fatal(err)
		}
		op := n.Op().(*leakyOp)
		b := newLeakyGradOp(0.01, shape)
		return op, []gorgonia.Value{x}, b, []gorgonia.Value{x, gy}
	}
	ops["Dropout"] = func() (gorgonia.Op, []gorgonia.Value, gorgonia.Op, []gorgonia.Value) {
		n, err := Dropout(xn, 0.8, rand.NewPCG(1, 1))
		if err != nil {
			t.Fatal(err)
		}
		op := n.Op().(*dropoutOp)
		b := newDropoutGradOp(op)
		return op, []gorgonia.Value{x}, b, []gorgonia.Value{gy}
	}
	for name, mk := range ops {
		t.Run(name, func(t *testing.T) {
			fwd, fin, bwd, bin := mk()
			var first gorgonia.Value
			allocs := testing.AllocsPerRun(5, func() {
				v, err := fwd.Do(fin...)
				if err != nil {
					t.Fatal(err)
				}
				if first == nil {
					first = v
				} else if v != first {
					t.Fatal("forward returned a different buffer")
				}
				if _, err := bwd.Do(bin...); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per forward+backward run", allocs)
			}
		})
	}
}

// ---- build-time errors ----

func TestBuildErrors(t *testing.T) {
	g := gorgonia.NewGraph()
	x4 := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(2, 3, 4, 4), gorgonia.WithName("x4"))
	x1 := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(3), gorgonia.WithName("x1"))
	x64 := gorgonia.NewTensor(g, tensor.Float64, 4, gorgonia.WithShape(2, 3, 4, 4), gorgonia.WithName("x64"))
	g3 := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(3), gorgonia.WithName("g3"))
	g4 := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(4), gorgonia.WithName("g4"))
	g31 := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(3, 3), gorgonia.WithName("g33"))
	l2 := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(4, 2), gorgonia.WithName("l2"))
	sc := gorgonia.NewScalar(g, tensor.Float32, gorgonia.WithName("s"))
	rng := rand.NewPCG(1, 1)
	for _, tc := range []struct {
		name string
		err  func() error
		want string
	}{
		{"bn gamma size", func() error { _, err := BatchNorm(x4, g4, g3, NewStats(3), true, 0.99, 1e-3); return err }, "gamma must have 3"},
		{"bn gamma 2d", func() error { _, err := BatchNorm(x4, g31, g3, NewStats(3), true, 0.99, 1e-3); return err }, "gamma"},
		{"bn stats size", func() error { _, err := BatchNorm(x4, g3, g3, NewStats(4), true, 0.99, 1e-3); return err }, "stats have 4"},
		{"bn nil stats", func() error { _, err := BatchNorm(x4, g3, g3, nil, true, 0.99, 1e-3); return err }, "stats is nil"},
		{"bn 1d input", func() error { _, err := BatchNorm(x1, g3, g3, NewStats(3), true, 0.99, 1e-3); return err }, "[N,C]"},
		{"bn float64", func() error { _, err := BatchNorm(x64, g3, g3, NewStats(3), true, 0.99, 1e-3); return err }, "float32"},
		{"bn nil gamma", func() error { _, err := BatchNorm(x4, nil, g3, NewStats(3), true, 0.99, 1e-3); return err }, "gamma is nil"},
		{"bn bad decay", func() error { _, err := BatchNorm(x4, g3, g3, NewStats(3), true, 1.5, 1e-3); return err }, "decay"},
		{"bn bad eps", func() error { _, err := BatchNorm(x4, g3, g3, NewStats(3), true, 0.99, 0); return err }, "eps"},
		{"fused keep", func() error {
			_, err := BatchNormLeakyDropout(x4, g3, g3, NewStats(3), true, 0.99, 1e-3, 0.01, 0, rng)
			return err
		}, "keep"},
		{"fused nil rng", func() error {
			_, err := BatchNormLeakyDropout(x4, g3, g3, NewStats(3), true, 0.99, 1e-3, 0.01, 0.8, nil)
			return err
		}, "rng"},
		{"dropout keep > 1", func() error { _, err := Dropout(x4, 1.5, rng); return err }, "keep"},
		{"dropout nil rng", func() error { _, err := Dropout(x4, 0.5, nil); return err }, "rng"},
		{"dropout float64", func() error { _, err := Dropout(x64, 0.5, rng); return err }, "float32"},
		{"leaky nil", func() error { _, err := LeakyReLU(nil, 0.1); return err }, "nil"},
		{"leaky scalar", func() error { _, err := LeakyReLU(sc, 0.1); return err }, "tensor"},
		{"xent shape", func() error { _, err := SigmoidCrossEntropy(l2, 0.9); return err }, "[N] or [N,1]"},
		{"xent 4d", func() error { _, err := SigmoidCrossEntropy(x4, 0.9); return err }, "[N] or [N,1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}
