// Package events is the typed stream through which a training run reports
// its progress to whoever watches it: the terminal, the run directory, the
// window. Publishing never blocks: a slow reader makes preview grids coalesce
// (only the newest pending one is kept) but never loses a step.
package events

import (
	"image"
	"sync"
	"time"
)

// Event is one report of a training run: a Step, a Grid, a State or a
// Checkpoint.
type Event interface{ isEvent() }

// Step reports one finished training iteration (a G update and a D update).
type Step struct {
	Step       int // 1-based count of iterations done in the whole run
	TotalSteps int // iterations the run will do when it finishes
	Epoch      int // 1-based epoch the step belongs to
	Epochs     int
	DLoss      float32 // discriminator loss, real + fake
	GLoss      float32
	DReal      float32 // mean D(x) on the real batch, in [0,1]
	DFake      float32 // mean D(G(z)) on the fake batch, in [0,1]
	// ImagesPerSec counts real images consumed per second of training time,
	// averaged over the recent steps.
	ImagesPerSec float64
	ETA          time.Duration
	Time         time.Time
	// LearnRateG and LearnRateD are the rates this step's updates used.
	LearnRateG, LearnRateD float64
}

// Rates reports the learning rates the run uses from Step on: after a live
// change, and after a rollback halved them. Why says which.
type Rates struct {
	Step int
	G, D float64
	Why  string
}

// Grid is a preview: the generator's samples of the run's fixed noise batch,
// laid out as a 5×5 grid, taken after Step iterations.
type Grid struct {
	Step  int
	Image *image.NRGBA
	// Fake is D's verdict on each cell, row by row, and Real its verdict
	// on real images of the same moment (see training.Preview); either
	// is nil where it was not measured.
	Fake, Real []float32
}

// Phase is where a run is in its life.
type Phase int

// The phases of a run, in the order they usually happen.
const (
	Running Phase = iota
	Paused
	Stopped  // stopped by the user before the end; resumable
	Finished // all steps done
	Failed   // stopped by an error; Err says which
)

func (p Phase) String() string {
	switch p {
	case Running:
		return "running"
	case Paused:
		return "paused"
	case Stopped:
		return "stopped"
	case Finished:
		return "finished"
	case Failed:
		return "failed"
	}
	return "unknown"
}

// State reports a change of phase, or a problem the run survived (Warning).
// A warning in phase Paused is a pause the trainer chose because a
// checkpoint could not be written: resuming tries the checkpoint again.
type State struct {
	Phase   Phase
	Step    int
	Message string // plain words for the user
	Err     error  // set for Failed, and for warnings that carry an error
	Warning bool   // Message says what went wrong; the run goes on, or waits (Paused)
}

// Metrics reports the quality of a fixed number of samples, measured with
// the data set's classifier in the background after Step iterations.
type Metrics struct {
	Step int
	N    int // samples evaluated
	// FCD is the Fréchet distance on the classifier's features to the
	// real test set: lower is better, about 2 for real images.
	FCD float64
	// Score is the classifier score, 1 to the number of classes: higher
	// is better.
	Score             float64
	Precision, Recall float64
	// Covered counts the classes the samples cover; a drop is the first
	// sign of mode collapse.
	Covered   int
	Classes   []string
	Histogram []int // samples per class
	// RealClasses is the number of classes the real images hold (1 for a
	// run on horses only): Covered is out of it. 0 means len(Histogram).
	RealClasses int
	// FeaturesOnly says that only FCD was measured (a folder of pictures:
	// the classifier's classes are not its classes).
	FeaturesOnly bool
	// Unavailable, when set, says in plain words why this run has no
	// metrics (no classifier for its data set); the other fields are zero.
	Unavailable string
}

// Checkpoint reports a checkpoint written to Path after Step iterations,
// finished at Time.
type Checkpoint struct {
	Step int
	Path string
	Time time.Time
}

func (Step) isEvent()       {}
func (Grid) isEvent()       {}
func (State) isEvent()      {}
func (Checkpoint) isEvent() {}
func (Metrics) isEvent()    {}
func (Rates) isEvent()      {}

// Bus fans events out to any number of subscribers without ever blocking
// the publisher.
type Bus struct {
	mu   sync.Mutex
	subs map[*Subscription]struct{}
}

// NewBus returns a bus with no subscribers.
func NewBus() *Bus { return &Bus{subs: make(map[*Subscription]struct{})} }

// Subscribe returns a new subscription that receives every event published
// from now on.
func (b *Bus) Subscribe() *Subscription {
	s := &Subscription{bus: b, ready: make(chan struct{}, 1)}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// Publish queues e for every subscriber and returns at once.
func (b *Bus) Publish(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		s.push(e)
	}
}

// Subscription is one reader's queue of events.
type Subscription struct {
	bus   *Bus
	mu    sync.Mutex
	queue []Event
	ready chan struct{}
}

func (s *Subscription) push(e Event) {
	s.mu.Lock()
	if _, isGrid := e.(Grid); isGrid {
		// Only the newest grid matters to a reader that is behind; the
		// older one would be replaced on screen before anyone saw it.
		for i, q := range s.queue {
			if _, ok := q.(Grid); ok {
				s.queue = append(s.queue[:i], s.queue[i+1:]...)
				break
			}
		}
	}
	s.queue = append(s.queue, e)
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// Ready is signalled whenever events are waiting; call Drain after it fires.
func (s *Subscription) Ready() <-chan struct{} { return s.ready }

// Drain returns the waiting events in publication order and empties the
// queue.
func (s *Subscription) Drain() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.queue
	s.queue = nil
	return out
}

// Close stops delivery to s.
func (s *Subscription) Close() {
	s.bus.mu.Lock()
	delete(s.bus.subs, s)
	s.bus.mu.Unlock()
}
