package metrics

import (
	"fmt"
	"math"
)

// Watch turns the metrics and losses of a run into plain-words warnings:
// class coverage dropping (likely mode collapse) and D's loss sinking to
// its floor (G's gradient vanishing). Each warning is returned once when
// its condition starts, and again only after it has cleared. The zero
// value is not ready: use NewWatch. A Watch is not safe for concurrent
// use.
type Watch struct {
	// LossFloor is the lowest loss D can reach: with one-sided label
	// smoothing s, real images cost at least the entropy of 1−s.
	LossFloor float64

	coverage   []Coverage // every measurement so far
	collapsing bool
	ema        float64
	emaSteps   int
	vanishing  bool
}

// NewWatch returns a watch for a run whose D targets real images with
// 1 − smoothing.
func NewWatch(smoothing float32) *Watch {
	t := 1 - float64(smoothing)
	floor := 0.0
	if t > 0 && t < 1 {
		floor = -(t*math.Log(t) + (1-t)*math.Log(1-t))
	}
	return &Watch{LossFloor: floor}
}

// Metrics looks at the metrics of step and returns the warnings that
// start now (none most of the time). Mode collapse is judged by
// DefaultCollapse on every measurement so far.
func (w *Watch) Metrics(step int, r Result) []string {
	classes := r.RealClasses
	if classes == 0 {
		classes = len(r.Histogram)
	}
	w.coverage = append(w.coverage, Coverage{Step: step, Covered: r.Covered})
	v := DefaultCollapse.Judge(w.coverage, classes)
	was := w.collapsing
	w.collapsing = v.Collapsed
	if v.Collapsed && !was {
		return []string{v.Message()}
	}
	return nil
}

// Losses looks at D's loss of one step (smoothed over about 50 steps
// inside) and returns the warnings that start now.
func (w *Watch) Losses(step int, dLoss float64) []string {
	if math.IsNaN(dLoss) || math.IsInf(dLoss, 0) {
		return nil
	}
	const alpha = 0.04
	if w.emaSteps == 0 {
		w.ema = dLoss
	} else {
		w.ema += alpha * (dLoss - w.ema)
	}
	w.emaSteps++
	if w.emaSteps < 50 {
		return nil
	}
	above := w.ema - w.LossFloor
	switch {
	case above < 0.05 && !w.vanishing:
		w.vanishing = true
		return []string{fmt.Sprintf(
			"D's loss has sunk to %.3f, next to the lowest it can reach (%.3f) at step %d: the discriminator wins every time, so the generator's gradient is vanishing and it has stopped learning. Try a lower discriminator learning rate or more label smoothing.",
			w.ema, w.LossFloor, step)}
	case above > 0.15 && w.vanishing:
		w.vanishing = false
	}
	return nil
}
