// Package metrics measures the quality of generated samples with the
// project's own classifiers (model/classifier), against a data set's real
// test images:
//
//   - FCD, the Fréchet distance between Gaussians fitted to the
//     classifier's penultimate features of the samples and of the real test
//     set (FID's recipe with our classifier instead of Inception): 0 when
//     the two match, larger is worse.
//   - The classifier score, exp(E[KL(p(y|x) ‖ p(y))]) (the Inception
//     Score's recipe): from 1 (every sample looks alike, or none looks like
//     any class) to 10 (every sample is confidently one class and the
//     classes are balanced); larger is better.
//   - The class histogram of the samples (by the classifier's top class)
//     and the number of classes covered: a class counts as covered when its
//     share of the samples is at least a fifth of its share of the real test
//     set. Mode collapse shows here first.
//   - Precision and recall (Kynkäänniemi et al. 2019, k = 3) on the same
//     features: the share of samples that fall inside the real images'
//     k-nearest-neighbour balls, and the share of real images that fall
//     inside the samples' balls. Both are computed on equally many samples
//     and real images.
//
// Build a Reference once per data set (NewReference, or NewMonitor for the
// shipped classifiers, which caches it per process) and evaluate any number
// of sample sets against it.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/ganstudio/ganstudio/model/classifier"
	"github.com/ganstudio/ganstudio/model/kernels"
	"gonum.org/v1/gonum/mat"
)

const (
	// K is the neighbourhood size of precision and recall.
	K = 3
	// CoverageFraction is the share of a class's real frequency that its
	// share of the samples must reach for the class to count as covered.
	CoverageFraction = 0.2
	// MaxPRSize caps the number of images precision and recall compare.
	MaxPRSize = 5000
)

// Result holds the metrics of one set of samples.
type Result struct {
	N int `json:"n"` // number of samples evaluated
	// FCD is the Fréchet classifier distance to the real test set (lower is
	// better, ~0 for real images).
	FCD float64 `json:"fcd"`
	// Score is the classifier score, 1 to NumClasses (higher is better).
	Score float64 `json:"score"`
	// Classes names the classes; Histogram[i] counts the samples whose top
	// class is i.
	Classes   []string `json:"classes"`
	Histogram []int    `json:"histogram"`
	// Covered is the number of covered classes (see CoverageFraction).
	Covered int `json:"covered"`
	// Imbalance is the total-variation distance between the samples' class
	// distribution and the real one: 0 when they match, 1 when disjoint.
	Imbalance float64 `json:"imbalance"`
	// Confidence is the mean top-class probability: low for noise and blur.
	Confidence float64 `json:"confidence"`
	// Precision and Recall are Kynkäänniemi et al.'s, with k = K, on
	// PRSize samples and as many real images.
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	PRSize    int     `json:"pr_size"`
	// RealClasses is the number of classes the real images hold: 10 for
	// a whole data set, 1 for a class-filtered run of horses. Covered
	// counts among these only.
	RealClasses int `json:"real_classes"`
	// FeaturesOnly says that only FCD was measured: the real images are a
	// folder of pictures without labels the classifier knows, so class
	// counts, score, precision and recall would mean nothing.
	FeaturesOnly bool `json:"features_only,omitempty"`
	// Elapsed is the time the evaluation took.
	Elapsed time.Duration `json:"elapsed_ns"`
}

// Reference is the real side of every comparison: a classifier and the
// statistics of its data set's test images, computed once. It is safe for
// concurrent use.
type Reference struct {
	net      *classifier.Net
	n        int
	labelled bool      // false for a folder: FCD only
	mean     []float64 // FeatureSize
	cov      *mat.SymDense
	sqrtCov  *mat.SymDense
	traceCov float64
	freq     []float64 // class frequencies of the real images (true labels)
	feats    []float32 // n × FeatureSize, in a fixed random order
}

// NewReference runs net over every image of real (its test split, or the
// classes of it a run trains on) and keeps the statistics the metrics
// compare against. real's labels give the class frequencies.
func NewReference(ctx context.Context, net *classifier.Net, real classifier.Data) (*Reference, error) {
	return newReference(ctx, net, real, true)
}

// NewFeatureReference is NewReference for real images whose labels are
// not the classifier's classes (a folder of the user's pictures): results
// against it hold the feature distance FCD only.
func NewFeatureReference(ctx context.Context, net *classifier.Net, real classifier.Data) (*Reference, error) {
	return newReference(ctx, net, real, false)
}

func newReference(ctx context.Context, net *classifier.Net, real classifier.Data, labelled bool) (*Reference, error) {
	n := real.Len()
	if n < 2*K+2 {
		return nil, fmt.Errorf("metrics reference: %d real images is too few", n)
	}
	feats, _, err := features(ctx, net, n, func(dst []float32, idx []int) error { return real.Fill(dst, idx) })
	if err != nil {
		return nil, fmt.Errorf("metrics reference: %w", err)
	}
	r := &Reference{net: net, n: n, labelled: labelled, freq: make([]float64, classifier.NumClasses)}
	for i := 0; i < n && labelled; i++ {
		l := real.Label(i)
		if l < 0 || l >= classifier.NumClasses {
			return nil, fmt.Errorf("metrics reference: image %d has label %d, want 0 to %d", i, l, classifier.NumClasses-1)
		}
		r.freq[l]++
	}
	for i := range r.freq {
		r.freq[i] /= float64(n)
	}
	r.mean, r.cov = meanCov(feats, n)
	r.traceCov = mat.Trace(r.cov)
	if r.sqrtCov, err = sqrtSym(r.cov); err != nil {
		return nil, fmt.Errorf("metrics reference: %w", err)
	}
	// A fixed shuffle, so that the first m rows are a fair subsample for
	// precision and recall at any sample count m.
	perm := rand.New(rand.NewPCG(1, 2)).Perm(n)
	f := net.FeatureSize()
	r.feats = make([]float32, len(feats))
	for i, j := range perm {
		copy(r.feats[i*f:(i+1)*f], feats[j*f:(j+1)*f])
	}
	return r, nil
}

// Len returns the number of real images the reference was built from.
func (r *Reference) Len() int { return r.n }

// Classifier returns the classifier the reference uses.
func (r *Reference) Classifier() *classifier.Net { return r.net }

// features runs net over n images that fill writes, in chunks.
func features(ctx context.Context, net *classifier.Net, n int, fill func(dst []float32, idx []int) error) (feats, probs []float32, err error) {
	const chunk = 1000
	size := net.InputSize()
	x := make([]float32, min(chunk, n)*size)
	idx := make([]int, 0, chunk)
	feats = make([]float32, 0, n*net.FeatureSize())
	probs = make([]float32, 0, n*classifier.NumClasses)
	for lo := 0; lo < n; lo += chunk {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		k := min(chunk, n-lo)
		idx = idx[:0]
		for i := lo; i < lo+k; i++ {
			idx = append(idx, i)
		}
		if err := fill(x[:k*size], idx); err != nil {
			return nil, nil, err
		}
		out, err := net.Run(x[:k*size], k)
		if err != nil {
			return nil, nil, err
		}
		feats = append(feats, out.Features...)
		probs = append(probs, out.Probs...)
	}
	return feats, probs, nil
}

// Evaluate measures n samples held in x (NCHW in [−1, 1], at the
// classifier's shape: see Tensor) against the reference. At least 2·K+2
// samples are needed; a few hundred or more give stable numbers.
func (r *Reference) Evaluate(ctx context.Context, x []float32, n int) (Result, error) {
	start := time.Now()
	size := r.net.InputSize()
	if n < 2*K+2 {
		return Result{}, fmt.Errorf("metrics: %d samples is too few, need at least %d", n, 2*K+2)
	}
	if len(x) != n*size {
		s := r.net.ImageSize()
		return Result{}, fmt.Errorf("metrics: %d values is not %d images of %d×%d×%d", len(x), n, s, s, r.net.Channels())
	}
	for _, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return Result{}, errors.New("metrics: the samples hold non-finite values")
		}
	}
	feats, probs, err := features(ctx, r.net, n, func(dst []float32, idx []int) error {
		copy(dst, x[idx[0]*size:(idx[len(idx)-1]+1)*size])
		return nil
	})
	if err != nil {
		return Result{}, fmt.Errorf("metrics: %w", err)
	}
	res := Result{N: n}
	if res.FCD, err = r.fcd(feats, n); err != nil {
		return Result{}, fmt.Errorf("metrics: %w", err)
	}
	if !r.labelled {
		res.FeaturesOnly = true
		res.Elapsed = time.Since(start)
		return res, nil
	}
	res.Classes = append([]string(nil), r.net.Info.Classes...)
	res.Score, res.Confidence, res.Histogram = classStats(probs, n)
	for c, count := range res.Histogram {
		share := float64(count) / float64(n)
		if r.freq[c] > 0 {
			res.RealClasses++
			if count > 0 && share >= CoverageFraction*r.freq[c] {
				res.Covered++
			}
		}
		res.Imbalance += math.Abs(share-r.freq[c]) / 2
	}
	m := min(n, r.n, MaxPRSize)
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	f := r.net.FeatureSize()
	res.Precision, res.Recall = precisionRecall(r.feats[:m*f], feats[:m*f], m, f)
	res.PRSize = m
	res.Elapsed = time.Since(start)
	return res, nil
}

// fcd is the Fréchet distance between the reference's Gaussian and the one
// fitted to feats: |μ₁−μ₂|² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^½ Σ₂ Σ₁^½)^½.
func (r *Reference) fcd(feats []float32, n int) (float64, error) {
	mean, cov := meanCov(feats, n)
	var d2 float64
	for i, m := range mean {
		d := m - r.mean[i]
		d2 += d * d
	}
	var tmp, prod mat.Dense
	tmp.Mul(r.sqrtCov, cov)
	prod.Mul(&tmp, r.sqrtCov)
	f := len(mean)
	sym := mat.NewSymDense(f, nil)
	for i := 0; i < f; i++ {
		for j := i; j < f; j++ {
			sym.SetSym(i, j, (prod.At(i, j)+prod.At(j, i))/2)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(sym, false) {
		return 0, errors.New("the covariance product did not factorise")
	}
	var trSqrt float64
	for _, v := range eig.Values(nil) {
		if v > 0 {
			trSqrt += math.Sqrt(v)
		}
	}
	return max(0, d2+r.traceCov+mat.Trace(cov)-2*trSqrt), nil
}

// meanCov returns the mean and the (n−1)-normalised covariance of n rows
// of features.
func meanCov(feats []float32, n int) ([]float64, *mat.SymDense) {
	f := len(feats) / n
	mean := make([]float64, f)
	for i := 0; i < n; i++ {
		for j, v := range feats[i*f : (i+1)*f] {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	centred := make([]float64, n*f)
	for i := 0; i < n; i++ {
		for j, v := range feats[i*f : (i+1)*f] {
			centred[i*f+j] = float64(v) - mean[j]
		}
	}
	cov := mat.NewSymDense(f, nil)
	cov.SymOuterK(1/float64(max(n-1, 1)), mat.NewDense(n, f, centred).T())
	return mean, cov
}

// sqrtSym returns the symmetric square root of a positive semi-definite
// matrix, clipping the small negative eigenvalues rounding makes.
func sqrtSym(a *mat.SymDense) (*mat.SymDense, error) {
	var eig mat.EigenSym
	if !eig.Factorize(a, true) {
		return nil, errors.New("the covariance did not factorise")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	f := len(vals)
	out := mat.NewSymDense(f, nil)
	for i := 0; i < f; i++ {
		for j := i; j < f; j++ {
			var s float64
			for k, l := range vals {
				if l > 0 {
					s += vecs.At(i, k) * math.Sqrt(l) * vecs.At(j, k)
				}
			}
			out.SetSym(i, j, s)
		}
	}
	return out, nil
}

// classStats returns the classifier score, the mean top probability and
// the histogram of top classes of n rows of probabilities.
func classStats(probs []float32, n int) (score, confidence float64, hist []int) {
	c := classifier.NumClasses
	hist = make([]int, c)
	marginal := make([]float64, c)
	for i := 0; i < n; i++ {
		row := probs[i*c : (i+1)*c]
		top := classifier.Argmax(row)
		hist[top]++
		confidence += float64(row[top])
		for j, p := range row {
			marginal[j] += float64(p)
		}
	}
	for j := range marginal {
		marginal[j] /= float64(n)
	}
	var kl float64
	for i := 0; i < n; i++ {
		for j, p := range probs[i*c : (i+1)*c] {
			if p > 0 && marginal[j] > 0 {
				kl += float64(p) * (math.Log(float64(p)) - math.Log(marginal[j]))
			}
		}
	}
	return math.Exp(kl / float64(n)), confidence / float64(n), hist
}

// precisionRecall computes Kynkäänniemi et al.'s improved precision and
// recall between m real and m fake rows of f features, with k = K.
func precisionRecall(real, fake []float32, m, f int) (precision, recall float64) {
	realR := knnRadii(real, m, f)
	fakeR := knnRadii(fake, m, f)
	return inside(fake, real, realR, m, f), inside(real, fake, fakeR, m, f)
}

// rowBlock is the number of query rows whose distances are held at once.
const rowBlock = 256

// sqDistances fills d (rows×m) with the squared distances between rows
// q[lo:lo+rows] of a and all m rows of b; norms are the rows' squared
// lengths.
func sqDistances(a []float32, aNorm []float32, lo, rows int, b []float32, bNorm []float32, m, f int, d []float32) {
	kernels.Sgemm(false, true, rows, m, f, -2, a[lo*f:(lo+rows)*f], f, b, f, 0, d, m)
	for i := 0; i < rows; i++ {
		row := d[i*m : (i+1)*m]
		ai := aNorm[lo+i]
		for j := range row {
			// Rounding leaves identical rows a tiny positive distance;
			// snap it to 0 so that duplicates fall inside each other's
			// zero-radius balls.
			s := ai + bNorm[j]
			if v := row[j] + s; v > 1e-5*s {
				row[j] = v
			} else {
				row[j] = 0
			}
		}
	}
}

func norms(x []float32, m, f int) []float32 {
	out := make([]float32, m)
	for i := range out {
		var s float32
		for _, v := range x[i*f : (i+1)*f] {
			s += v * v
		}
		out[i] = s
	}
	return out
}

// knnRadii returns, for each of the m rows of x, the squared distance to
// its K-th nearest other row.
func knnRadii(x []float32, m, f int) []float32 {
	nx := norms(x, m, f)
	radii := make([]float32, m)
	d := make([]float32, rowBlock*m)
	for lo := 0; lo < m; lo += rowBlock {
		rows := min(rowBlock, m-lo)
		sqDistances(x, nx, lo, rows, x, nx, m, f, d)
		for i := 0; i < rows; i++ {
			row := d[i*m : (i+1)*m]
			var best [K]float32 // ascending
			for k := range best {
				best[k] = float32(math.Inf(1))
			}
			for j, v := range row {
				if j == lo+i || v >= best[K-1] {
					continue
				}
				k := K - 1
				for k > 0 && best[k-1] > v {
					best[k] = best[k-1]
					k--
				}
				best[k] = v
			}
			radii[lo+i] = best[K-1]
		}
	}
	return radii
}

// inside returns the share of the m rows of q that lie within the ball of
// at least one row of p (squared radii pr).
func inside(q, p []float32, pr []float32, m, f int) float64 {
	nq, np := norms(q, m, f), norms(p, m, f)
	d := make([]float32, rowBlock*m)
	count := 0
	for lo := 0; lo < m; lo += rowBlock {
		rows := min(rowBlock, m-lo)
		sqDistances(q, nq, lo, rows, p, np, m, f, d)
		for i := 0; i < rows; i++ {
			for j, v := range d[i*m : (i+1)*m] {
				if v <= pr[j] {
					count++
					break
				}
			}
		}
	}
	return float64(count) / float64(m)
}
