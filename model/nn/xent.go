package nn

import "gorgonia.org/gorgonia"

// SigmoidCrossEntropy returns the mean over the batch of the sigmoid
// cross-entropy of logits ([N] or [N,1]) against the constant target (0.9
// for one-sided label smoothing): MeanLoss with CrossEntropy. It is
// computed as max(x,0) − x·t + log(1+exp(−|x|)), which neither overflows
// nor loses the loss to rounding at large |x| the way log(sigmoid(x))
// does, and is accumulated in float64. The gradient is (sigmoid(x) − t)/N.
func SigmoidCrossEntropy(logits *gorgonia.Node, target float32) (*gorgonia.Node, error) {
	return MeanLoss(logits, CrossEntropy, target)
}
