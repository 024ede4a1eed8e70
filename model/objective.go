package model

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"

	"github.com/ganstudio/ganstudio/model/nn"
)

// Loss names a GAN objective. Written with D's raw output d(·) (a logit),
// real images x, noise z and the real label r (1 − label smoothing):
//
//	loss   D minimises                                     G minimises
//	bce    BCE(d(x), r) + BCE(d(G(z)), 0)                  BCE(d(G(z)), r)        the seed's, non-saturating
//	hinge  mean max(0, 1 − d(x)) + mean max(0, 1 + d(G(z))) −mean d(G(z))          Lim & Ye 2017, SNGAN, BigGAN
//	ls     ½ mean (d(x) − r)² + ½ mean d(G(z))²            ½ mean (d(G(z)) − r)²  Mao et al. 2017 (LSGAN)
//
// Every term is a mean over the batch. Label smoothing moves r in bce
// and ls; the hinge has margins instead.
type Loss string

// The objectives; "" is bce, the seed's.
const (
	LossBCE   Loss = "bce"
	LossHinge Loss = "hinge"
	LossLS    Loss = "ls"
)

// Losses lists the objectives, the default first.
var Losses = []Loss{LossBCE, LossHinge, LossLS}

func (l Loss) orDefault() Loss {
	if l == "" {
		return LossBCE
	}
	return l
}

// Check reports a loss that is not one of Losses.
func (l Loss) Check() error {
	for _, known := range Losses {
		if l.orDefault() == known {
			return nil
		}
	}
	return fmt.Errorf("loss %q is unknown: use bce (the seed's), hinge or ls", string(l))
}

// term is one of the objective's three terms: a point loss on D's logits.
type term struct {
	kind   nn.PointLoss
	target float32
}

// terms returns the objective's terms: D's on real images, D's on fakes
// and G's on fakes, for the real label r.
func (l Loss) terms(r float32) (dReal, dFake, g term) {
	switch l.orDefault() {
	case LossHinge:
		return term{kind: nn.HingeReal}, term{kind: nn.HingeFake}, term{kind: nn.Negated}
	case LossLS:
		return term{kind: nn.Squared, target: r}, term{kind: nn.Squared}, term{kind: nn.Squared, target: r}
	}
	return term{kind: nn.CrossEntropy, target: r}, term{kind: nn.CrossEntropy}, term{kind: nn.CrossEntropy, target: r}
}

// verdict maps D's logit to the [0, 1] score the window and the curves
// show as D(·): the sigmoid for the objectives read through one (bce, and
// the hinge, whose margins sit at ±1), the output itself, clamped, for
// least squares, whose targets are 0 and 1.
func (l Loss) verdict(logit float32) float32 {
	if l.orDefault() == LossLS {
		return min(max(logit, 0), 1)
	}
	return float32(1 / (1 + math.Exp(-float64(logit))))
}

// loss adds one term of the objective on logits.
func (b *ganGraph) loss(logits *G.Node, t term) *G.Node {
	return b.Do("loss", func() (*G.Node, error) { return nn.MeanLoss(logits, t.kind, t.target) })
}
