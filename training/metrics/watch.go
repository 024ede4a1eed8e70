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

	bestCovered, bestStep int
	collapsing            bool
	ema                   float64
	emaSteps              int
	vanishing             bool
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
// start now (none most of the time).
func (w *Watch) Metrics(step int, r Result) []string {
	var out []string
	classes := r.RealClasses
	if classes == 0 {
		classes = len(r.Histogram)
	}
	if classes < 2 {
		// A run on one class (CIFAR's horses) has no modes to lose: its
		// coverage dropping to 0 says the samples look less like the
		// class, which FCD shows better.
		return nil
	}
	if r.Covered > w.bestCovered {
		w.bestCovered, w.bestStep = r.Covered, step
	}
	// Coverage that fell by two or more classes from its best, or that
	// was good and is now half or less, is a collapse.
	drop := w.bestCovered-r.Covered >= 2 || (w.bestCovered >= classes/2 && r.Covered <= classes/2 && r.Covered < w.bestCovered)
	switch {
	case drop && !w.collapsing:
		w.collapsing = true
		out = append(out, fmt.Sprintf(
			"Likely mode collapse: the samples now cover only %d of %d classes (%d at step %d). The generator is producing a few kinds of image over and over; try a lower learning rate, or go back to an earlier checkpoint.",
			r.Covered, classes, w.bestCovered, w.bestStep))
	case !drop && w.collapsing && r.Covered >= w.bestCovered-1:
		w.collapsing = false
	}
	return out
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
