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
