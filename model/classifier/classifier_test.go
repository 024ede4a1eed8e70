package classifier

import (
	"context"
	"errors"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ganstudio/ganstudio/model/checkpoint"
	"github.com/ganstudio/ganstudio/training/dataset"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func inputNode(g *G.ExprGraph, name string, shape tensor.Shape, data []float32) *G.Node {
	t := tensor.New(tensor.WithShape(shape.Clone()...), tensor.WithBacking(append([]float32(nil), data...)))
	return G.NewTensor(g, tensor.Float32, shape.Dims(), G.WithShape(shape.Clone()...), G.WithName(name), G.WithValue(t))
}

func randSlice(r *rand.Rand, n int, scale float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = (r.Float32()*2 - 1) * scale
	}
	return s
}

// lossAndGrad builds loss = Σ op(x)·R (R fixed random weights) or, for a
// scalar op, the op itself, and returns the loss and its gradient wrt x.
func lossAndGrad(t *testing.T, build func(g *G.ExprGraph, x *G.Node) (*G.Node, error), shape tensor.Shape, x []float32, seed uint64) (float64, []float32) {
	t.Helper()
	g := G.NewGraph()
	xn := inputNode(g, "x", shape, x)
	y, err := build(g, xn)
	if err != nil {
		t.Fatal(err)
	}
	loss := y
	if !y.IsScalar() {
		r := rand.New(rand.NewPCG(seed, 9))
		w := inputNode(g, "r", y.Shape(), randSlice(r, y.Shape().TotalSize(), 1))
		prod, err := G.HadamardProd(y, w)
		if err != nil {
			t.Fatal(err)
		}
		if loss, err = G.Sum(prod); err != nil {
			t.Fatal(err)
		}
	}
	grads, err := G.Grad(loss, xn)
	if err != nil {
		t.Fatal(err)
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	var l float64
	switch v := loss.Value().Data().(type) {
	case float32:
		l = float64(v)
	case []float32:
		l = float64(v[0])
	}
	return l, append([]float32(nil), grads[0].Value().Data().([]float32)...)
}

// TestGradients checks the ops' analytic gradients against central
// differences of the loss.
func TestGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	targets := make([]float32, 4*5)
	for i := 0; i < 4; i++ {
		targets[i*5+r.IntN(5)] = 1
	}
	soft := randSlice(r, 4*5, 1)
	for i := range soft {
		soft[i] = float32(math.Abs(float64(soft[i])))
	}
	tests := []struct {
		name  string
		shape tensor.Shape
		scale float32
		// distinct inputs at least 0.05 apart, so that the finite
		// difference never swaps a window's maximum
		distinct bool
		build    func(g *G.ExprGraph, x *G.Node) (*G.Node, error)
	}{
		{"max pool", tensor.Shape{2, 3, 4, 6}, 1, true, func(g *G.ExprGraph, x *G.Node) (*G.Node, error) { return MaxPool2(x) }},
		{"softmax cross-entropy, one-hot", tensor.Shape{4, 5}, 3, false, func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
			return SoftmaxCrossEntropy(x, inputNode(g, "t", tensor.Shape{4, 5}, targets))
		}},
		{"softmax cross-entropy, soft targets", tensor.Shape{4, 5}, 3, false, func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
			return SoftmaxCrossEntropy(x, inputNode(g, "t", tensor.Shape{4, 5}, soft))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := randSlice(r, tt.shape.TotalSize(), tt.scale)
			if tt.distinct {
				for i, p := range r.Perm(len(x)) {
					x[i] = float32(p)*0.05 - 1
				}
			}
			_, grad := lossAndGrad(t, tt.build, tt.shape, x, 3)
			const h = 1e-2
			for i := range x {
				xp := append([]float32(nil), x...)
				xp[i] += h
				lp, _ := lossAndGrad(t, tt.build, tt.shape, xp, 3)
				xp[i] -= 2 * h
				lm, _ := lossAndGrad(t, tt.build, tt.shape, xp, 3)
				num := (lp - lm) / (2 * h)
				if d := math.Abs(num - float64(grad[i])); d > 2e-3+1e-2*math.Abs(num) {
					t.Errorf("d/dx[%d] = %.5f, numerically %.5f", i, grad[i], num)
				}
			}
		})
	}
}

func TestSoftmaxCrossEntropyValues(t *testing.T) {
	tests := []struct {
		name            string
		logits, targets []float32
		want            float64
	}{
		{"uniform logits", []float32{0, 0, 0, 0}, []float32{1, 0, 0, 0}, math.Log(4)},
		{"confident and right", []float32{100, 0, 0, 0}, []float32{1, 0, 0, 0}, 3 * math.Exp(-100)},
		// log(sigmoid) style formulas give Inf or 0 here.
		{"confident and wrong, large logits", []float32{1000, 0, 0, 0}, []float32{0, 1, 0, 0}, 1000},
		{"large negative logits", []float32{-1000, -1001, -1002, -1003}, []float32{1, 0, 0, 0}, math.Log(1 + math.Exp(-1) + math.Exp(-2) + math.Exp(-3))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := G.NewGraph()
			x := inputNode(g, "x", tensor.Shape{1, 4}, tt.logits)
			y := inputNode(g, "y", tensor.Shape{1, 4}, tt.targets)
			loss, err := SoftmaxCrossEntropy(x, y)
			if err != nil {
				t.Fatal(err)
			}
			m := G.NewTapeMachine(g)
			defer m.Close()
			if err := m.RunAll(); err != nil {
				t.Fatal(err)
			}
			got := float64(loss.Value().Data().(float32))
			if math.Abs(got-tt.want) > 1e-5*math.Max(1, tt.want) {
				t.Fatalf("loss %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	g := G.NewGraph()
	odd := inputNode(g, "odd", tensor.Shape{1, 1, 5, 4}, make([]float32, 20))
	flat := inputNode(g, "flat", tensor.Shape{2, 3}, make([]float32, 6))
	other := inputNode(g, "other", tensor.Shape{3, 2}, make([]float32, 6))
	if _, err := MaxPool2(odd); err == nil {
		t.Error("MaxPool2 accepted an odd height")
	}
	if _, err := MaxPool2(flat); err == nil {
		t.Error("MaxPool2 accepted a 2-D input")
	}
	if _, err := MaxPool2(nil); err == nil {
		t.Error("MaxPool2 accepted nil")
	}
	if _, err := SoftmaxCrossEntropy(flat, other); err == nil {
		t.Error("SoftmaxCrossEntropy accepted mismatched shapes")
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	n := New("mnist", make([]string, NumClasses), 1)
	if _, err := n.Run(make([]float32, 10), 1); err == nil {
		t.Error("Run accepted 10 values as an image")
	}
	if _, err := n.Run(nil, 0); err == nil {
		t.Error("Run accepted zero images")
	}
}

// TestRunBatchesAgree checks that the padded last chunk and different
// batch sizes give the same outputs, for both networks (whose inference
// graphs share an arena).
func TestRunBatchesAgree(t *testing.T) {
	for _, ds := range []string{"mnist", "cifar10"} {
		t.Run(ds, func(t *testing.T) {
			n := New(ds, make([]string, NumClasses), 3)
			r := rand.New(rand.NewPCG(2, 2))
			count, size, fs := n.arch.inferBatch+7, n.InputSize(), n.FeatureSize()
			x := randSlice(r, count*size, 1)
			all, err := n.Run(x, count)
			if err != nil {
				t.Fatal(err)
			}
			one, err := n.Run(x[(count-1)*size:], 1)
			if err != nil {
				t.Fatal(err)
			}
			for j := 0; j < fs; j++ {
				if d := math.Abs(float64(one.Features[j] - all.Features[(count-1)*fs+j])); d > 1e-4 {
					t.Fatalf("feature %d of the last image differs by %v between batch sizes", j, d)
				}
			}
			again, err := n.Run(x, count)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(again.Features, all.Features) {
				t.Fatal("a run after another batch size's differs")
			}
			var sum float64
			for _, p := range all.Probs[:NumClasses] {
				sum += float64(p)
			}
			if math.Abs(sum-1) > 1e-5 {
				t.Fatalf("probabilities sum to %v", sum)
			}
		})
	}
}

func TestSaveLoad(t *testing.T) {
	classes := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	n := New("mnist", classes, 5)
	n.Info.TestAccuracy = 0.5
	path := filepath.Join(t.TempDir(), "c.ckpt")
	if err := n.Save(path); err != nil {
		t.Fatal(err)
	}
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if m.Info.Dataset != "mnist" || m.Info.TestAccuracy != 0.5 || m.Info.Classes[3] != "3" {
		t.Fatalf("info %+v", m.Info)
	}
	for i, p := range n.Params() {
		q := m.Params()[i].Data()
		for j, v := range p.Data() {
			if q[j] != v {
				t.Fatalf("%s[%d] = %v, saved %v", p.Name, j, q[j], v)
			}
		}
	}

	// Files that are not classifiers are refused with a clear error.
	f, _ := n.File()
	f.Tensors = f.Tensors[:3]
	bad := filepath.Join(t.TempDir(), "short.ckpt")
	if err := checkpoint.Write(bad, f); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); !errors.Is(err, ErrNotClassifier) {
		t.Errorf("a file missing tensors: %v", err)
	}
	f, _ = n.File()
	f.Tensors[0].Data[0] = float32(math.NaN())
	if err := checkpoint.Write(bad, f); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); !errors.Is(err, ErrNotClassifier) {
		t.Errorf("a file with NaN weights: %v", err)
	}
	os.WriteFile(bad, []byte("not a checkpoint"), 0o644)
	if _, err := Load(bad); err == nil {
		t.Error("Load accepted garbage")
	}
	if _, err := Shipped("svhn"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Shipped(svhn): %v", err)
	}
}

// TestShippedAccuracy checks the shipped weights on the real test sets:
// at least 99.0% on MNIST, 90% on Fashion-MNIST and 80% on CIFAR-10.
func TestShippedAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("classifies 20,000 images; skipped with -short")
	}
	tests := []struct {
		dataset string
		min     float64
	}{
		{"mnist", 0.990},
		{"fashion-mnist", 0.900},
		{"cifar10", 0.800},
	}
	for _, tt := range tests {
		t.Run(tt.dataset, func(t *testing.T) {
			net, err := Shipped(tt.dataset)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			size, channels := ShapeFor(tt.dataset)
			test, err := dataset.Open(ctx, dataset.Spec{Name: tt.dataset, Split: "test", Size: size, Channels: channels}, dataset.Options{})
			if err != nil {
				t.Skipf("the %s test set is not available here: %v", tt.dataset, err)
			}
			if test.Len() != 10000 {
				t.Fatalf("%d test images, want 10000", test.Len())
			}
			acc, err := net.Accuracy(ctx, test)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %.2f%% (recorded at training: %.2f%%)", tt.dataset, 100*acc, 100*net.Info.TestAccuracy)
			if acc < tt.min {
				t.Fatalf("test accuracy %.2f%%, want at least %.1f%%", 100*acc, 100*tt.min)
			}
			if math.Abs(acc-net.Info.TestAccuracy) > 1e-4 {
				t.Errorf("accuracy %.4f differs from the %.4f recorded when the weights were saved", acc, net.Info.TestAccuracy)
			}
		})
	}
}

// TestTrainLearns trains briefly on a slice of MNIST and checks that the
// loss falls and accuracy rises well above chance.
func TestTrainLearns(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("trains for seconds; skipped with -short and -race")
	}
	ctx := context.Background()
	train, err := dataset.Open(ctx, dataset.Spec{Name: "mnist", Split: "train", Size: ImageSize, Channels: 1}, dataset.Options{})
	if err != nil {
		t.Skipf("MNIST is not available here: %v", err)
	}
	sub := subset{train, 3000}
	n := New("mnist", train.Classes(), 1)
	var first, last float64
	err = n.Train(ctx, sub, TrainOptions{Epochs: 2, Batch: 50, Progress: func(p Progress) {
		if first == 0 {
			first = p.Loss
		}
		last = p.Loss
	}})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := n.Accuracy(ctx, subset{train, 1000})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loss %.3f → %.3f, accuracy %.1f%%", first, last, 100*acc)
	if !(last < first) || acc < 0.8 {
		t.Fatalf("did not learn: loss %.3f → %.3f, accuracy %.1f%%", first, last, 100*acc)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := n.Train(cancelled, sub, TrainOptions{Epochs: 1}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled training: %v", err)
	}
}

func TestTrainRejectsBadOptions(t *testing.T) {
	n := New("mnist", make([]string, NumClasses), 1)
	tiny := fakeData{n: 10, label: 1}
	tests := []struct {
		name string
		data Data
		opts TrainOptions
	}{
		{"fewer images than a batch", tiny, TrainOptions{Batch: 64}},
		{"negative epochs", tiny, TrainOptions{Epochs: -1, Batch: 2}},
		{"learning rate 2", tiny, TrainOptions{Batch: 2, LearnRate: 2}},
		{"keep 1.5", tiny, TrainOptions{Batch: 2, Keep: 1.5}},
		{"label out of range", fakeData{n: 10, label: 12}, TrainOptions{Batch: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := n.Train(context.Background(), tt.data, tt.opts); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

type subset struct {
	Data
	n int
}

func (s subset) Len() int { return s.n }

type fakeData struct{ n, label int }

func (f fakeData) Len() int                    { return f.n }
func (f fakeData) Fill([]float32, []int) error { return nil }
func (f fakeData) Label(int) int               { return f.label }

// colourBlobs is a labelled set of 32×32 colour images whose class is a
// colour placed at a random spot: learnable in an epoch, and only by
// looking at colour.
type colourBlobs struct{ n int }

func (c colourBlobs) Len() int        { return c.n }
func (c colourBlobs) Label(i int) int { return i % NumClasses }
func (c colourBlobs) Fill(dst []float32, idx []int) error {
	const per = 3 * 32 * 32
	for k, i := range idx {
		r := rand.New(rand.NewPCG(uint64(i), 9))
		img := dst[k*per : (k+1)*per]
		for j := range img {
			img[j] = float32(r.Float64()*0.4 - 0.2)
		}
		l := c.Label(i)
		x0, y0 := r.IntN(20), r.IntN(20)
		for ch := range 3 {
			v := float32((l>>ch)&1)*1.6 - 0.8
			switch l {
			case 8:
				v = float32(ch) - 1
			case 9:
				v = 1 - float32(ch)
			}
			for y := y0; y < y0+12; y++ {
				for x := x0; x < x0+12; x++ {
					img[ch*1024+y*32+x] = v
				}
			}
		}
	}
	return nil
}

// The colour network learns, and saves and loads with its BatchNorm
// statistics: the loaded net classifies exactly as the trained one.
func TestColourNetLearnsAndRoundTrips(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a network")
	}
	n := New("cifar10", []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, 1)
	if n.ImageSize() != 32 || n.Channels() != 3 || n.FeatureSize() != 256 || n.Info.Arch != ColourArch {
		t.Fatalf("cifar10 classifier is %d×%d×%d with %d features (%s)", n.ImageSize(), n.ImageSize(), n.Channels(), n.FeatureSize(), n.Info.Arch)
	}
	train, test := colourBlobs{2000}, colourBlobs{200}
	if err := n.Train(context.Background(), train, TrainOptions{Epochs: 2, Batch: 50, LearnRate: 0.003}); err != nil {
		t.Fatal(err)
	}
	acc, err := n.Accuracy(context.Background(), test)
	if err != nil {
		t.Fatal(err)
	}
	if acc < 0.9 {
		t.Fatalf("accuracy %.2f on coloured squares after 2 epochs, want ≥ 0.9", acc)
	}
	path := filepath.Join(t.TempDir(), "c.ckpt")
	if err := n.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 7*3*32*32)
	test.Fill(x, []int{0, 1, 2, 3, 4, 5, 6})
	a, _ := n.Run(x, 7)
	b, err := back.Run(x, 7)
	if err != nil || !slices.Equal(a.Features, b.Features) {
		t.Fatalf("the loaded net's features differ from the trained net's (%v)", err)
	}
}
