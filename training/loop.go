package training

import (
	"fmt"
	"time"

	"github.com/ganstudio/ganstudio/training/events"
)

// loop is the training goroutine: it trains, closes the run's files and
// reports how the run ended.
func (t *Trainer) loop() {
	err := t.train()
	if cerr := t.files.close(); err == nil {
		err = cerr
	}
	t.ctl.Lock()
	t.err = err
	t.ctl.Unlock()
	switch {
	case err != nil:
		t.report(events.State{Phase: events.Failed, Step: t.StepsDone(), Err: err, Message: err.Error()})
	case t.StepsDone() >= t.TotalSteps():
		t.report(events.State{Phase: events.Finished, Step: t.StepsDone(), Message: "finished"})
	default:
		t.report(events.State{Phase: events.Stopped, Step: t.StepsDone(), Message: "stopped"})
	}
	t.log.close()
	close(t.finished)
}

// runLoop is what the training goroutine keeps from one iteration to the
// next.
type runLoop struct {
	t               *Trainer
	total, perEpoch int
	order           batchOrder
	rate            rateMeter
	mon             *monitor
	lastSave        time.Time // when the newest checkpoint was started (autosave)
}

// train runs iterations until the run is done or stopped: wait for the
// controls, read a batch, iterate, then report the step (or roll back from
// a divergence) and write what is due. It ends with a checkpoint.
func (t *Trainer) train() error {
	t.report(events.State{Phase: events.Running, Step: t.StepsDone(), Message: "running"})
	l := &runLoop{t: t, total: t.TotalSteps(), perEpoch: t.stepsPerEpoch(), order: batchOrder{epoch: -1},
		mon: t.startMonitor(), lastSave: time.Now()}
	defer l.mon.close()
	if t.StepsDone() == 0 {
		// The untrained generator's grid: where every run starts, shown
		// at once and kept with the run's other grids.
		t.publishGrid(0)
	}
	for t.StepsDone() < l.total {
		lrG, lrD, stepped, ok := t.waitTurn()
		if !ok {
			break
		}
		begin := time.Now()
		epoch, err := t.readBatch(&l.order)
		if err != nil {
			return err
		}
		s, err := t.iterate(lrG, lrD)
		if err != nil {
			return err
		}
		l.timed(&s, epoch, time.Since(begin))
		if diverged(s) {
			if err := t.rollback.afterDivergence(s); err != nil {
				return err
			}
			continue
		}
		l.record(s, stepped)
	}
	if t.StepsDone() >= l.total {
		l.mon.final(t.StepsDone())
	}
	t.saves.finish(true)
	if t.saves.newest != t.StepsDone() {
		t.saves.saveOrPause()
	}
	return nil
}

// timed fills in where step s stands in the run and how fast it goes.
func (l *runLoop) timed(s *events.Step, epoch int, took time.Duration) {
	batch := l.t.cfg.BatchSize
	s.Epoch, s.Epochs, s.TotalSteps = epoch+1, (l.total+l.perEpoch-1)/l.perEpoch, l.total
	s.ImagesPerSec = l.rate.add(batch, took)
	s.ETA = time.Duration(float64(l.total-s.Step) * float64(batch) / s.ImagesPerSec * float64(time.Second))
	s.Time = time.Now()
}

// record reports step s and writes what its number makes due: its row of
// losses.csv, a grid (also after a single Step), a checkpoint.
func (l *runLoop) record(s events.Step, stepped bool) {
	t := l.t
	t.bus.Publish(s)
	if err := t.files.writeStep(s); err != nil {
		t.warn(s.Step, err)
	}
	l.mon.step(s)
	if s.Step%t.cfg.SampleEvery == 0 || s.Step == l.total || stepped {
		t.publishGrid(s.Step)
	}
	t.saves.finish(false)
	byStep := t.cfg.CheckpointEvery > 0 && s.Step%t.cfg.CheckpointEvery == 0
	byTime := t.cfg.AutosaveSeconds > 0 && time.Since(l.lastSave).Seconds() >= t.cfg.AutosaveSeconds
	// A step checkpoint waits for the write before it; an autosave skips
	// its turn instead, so that a slow disk never holds up training.
	if byStep {
		t.saves.finish(true)
	}
	if (byStep || (byTime && t.saves.writing == nil)) && t.saves.newest < s.Step {
		t.saves.start()
		l.lastSave = time.Now()
	}
}

// batchOrder is the order an epoch's images are read in.
type batchOrder struct {
	epoch   int // the epoch of indices; −1 before the first
	indices []int
}

// readBatch puts the real images of the next iteration, and their
// classes, into the step: the next batch of the epoch's shuffle (o keeps
// it from one call to the next). It returns the epoch, counted from 0.
func (t *Trainer) readBatch(o *batchOrder) (epoch int, err error) {
	perEpoch, batch, done := t.stepsPerEpoch(), t.cfg.BatchSize, t.StepsDone()
	epoch, i := done/perEpoch, done%perEpoch
	if epoch != o.epoch {
		o.indices, o.epoch = t.data.Permutation(t.cfg.Seed, epoch), epoch
	}
	idx := o.indices[i*batch : (i+1)*batch]
	if err := t.data.Fill(t.step.Real(), idx); err != nil {
		return epoch, fmt.Errorf("step %d: read batch: %w", done+1, err)
	}
	for k, j := range idx {
		t.batchLabels[k] = t.data.Label(j)
	}
	if err := t.step.SetClasses(t.batchLabels); err != nil {
		return epoch, fmt.Errorf("step %d: %w", done+1, err)
	}
	return epoch, nil
}

// publishGrid draws the preview grid of step, saves it in the run folder
// and publishes it.
func (t *Trainer) publishGrid(step int) {
	p, err := t.Grid(TrainingNoise)
	if err != nil {
		t.warn(step, err)
		return
	}
	if err := t.files.writeGrid(step, p.Image); err != nil {
		t.warn(step, err)
	}
	t.bus.Publish(events.Grid{Step: step, Image: p.Image, Fake: p.Fake, Real: p.Real})
}

// rateMeter averages throughput over recent iterations so that the ETA
// follows changes (another program, a pause) without jumping.
type rateMeter struct{ perSec float64 }

func (r *rateMeter) add(images int, took time.Duration) float64 {
	now := float64(images) / took.Seconds()
	if r.perSec == 0 {
		r.perSec = now
	} else {
		r.perSec = 0.9*r.perSec + 0.1*now
	}
	return r.perSec
}
