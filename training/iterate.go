package training

import (
	"fmt"
	"math/rand/v2"

	"github.com/ganstudio/ganstudio/model"
	"github.com/ganstudio/ganstudio/training/events"
)

// iterate runs one training iteration on the batch readBatch put into the
// step, as examples/dcgan's main.py does: (1) the G update, then (2) the D
// update, on the same batch and noise, as the seed does. Each update
// minimises one column of the run's objective, t.cfg.Model.Loss; its
// table is at model.Loss (bce, the seed's, is shown in the banners), and
// model.GAN.NewStep builds the two graphs from it.
func (t *Trainer) iterate(lrG, lrD float64) (events.Step, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := t.StepsDone() + 1 // this iteration's number

	// ---- noise: z ~ U[−1, 1), one row per image, for both updates ----
	noise := t.step.Noise()
	for i := range noise {
		noise[i] = float32(uniform(t.rng))
	}
	t.optG.LearnRate, t.optD.LearnRate = lrG, lrD

	// ---- spectral norm (SN runs): one power iteration re-estimates σ of D's weights ----
	t.gan.D.Normalize()

	// ---- (1) update G: make D call the fakes real; bce: minimise BCE(d(G(z)), r) ----
	gLoss, err := t.step.UpdateG(t.optG)
	if err != nil {
		return events.Step{}, fmt.Errorf("step %d: %w", n, err)
	}

	// ---- (2) update D: tell the real batch from the fakes; bce: minimise BCE(d(x), r) + BCE(d(G(z)), 0) ----
	dLoss, dReal, dFake, err := t.step.UpdateD(t.optD)
	if err != nil {
		return events.Step{}, fmt.Errorf("step %d: %w", n, err)
	}

	// ---- average G: what grids, samples and metrics draw from (EMA runs) ----
	t.gan.UpdateAverage(n)

	t.keepRealBatch()
	t.stepsDone.Store(int64(n))
	return events.Step{Step: n, DLoss: dLoss, GLoss: gLoss, DReal: dReal, DFake: dFake, LearnRateG: lrG, LearnRateD: lrD}, nil
}

// keepRealBatch keeps up to 64 images of the batch just trained on (and
// their classes), for D's verdict on real images beside the grid: enough
// for a histogram, cheap to judge (t.mu held).
func (t *Trainer) keepRealBatch() {
	batch, img := t.step.Batch(), len(t.step.Real())/t.step.Batch()
	n := min(batch, 64)
	if t.realSeen == nil {
		t.realSeen = make([]float32, n*img)
		if t.k > 0 {
			t.realClasses = make([]float32, n*t.k)
		}
	}
	copy(t.realSeen, t.step.Real())
	if t.k > 0 {
		model.OneHot(t.realClasses, t.batchLabels[:n], t.k)
	}
}

// uniform draws from [−1, 1), the seed's noise distribution.
func uniform(src *rand.PCG) float64 {
	return float64(src.Uint64()>>11)/(1<<53)*2 - 1
}
