// Package training runs a GAN's training loop in a goroutine and reports
// it as a stream of events; it also writes the run directory (configuration,
// losses, preview grids, checkpoints) that the CLI and the app share.
package training

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/ganstudio/ganstudio/model"
	"github.com/ganstudio/ganstudio/model/checkpoint"
	"github.com/ganstudio/ganstudio/training/dataset"
	"github.com/ganstudio/ganstudio/training/events"
)

// PreviewSamples is the number of images in a preview grid (5×5).
const PreviewSamples = 25

// Trainer runs one training run. Its methods are safe to call from any
// goroutine.
type Trainer struct {
	cfg   Config // guarded by ctl (the learning rates change live)
	data  *dataset.Dataset
	files *runFiles
	log   *runLog
	bus   *events.Bus

	// Generator's lock also serialises training iterations and
	// checkpoint snapshots: all of them touch the weights.
	Generator
	optG, optD  *model.Adam
	step        *model.Step
	rng         *rand.PCG // dropout masks and the noise of every batch
	batchLabels []int     // the classes of the batch (conditional GANs)
	done        int       // iterations finished
	rollbacks   int       // divergences recovered from

	ctl      sync.Mutex
	wake     *sync.Cond
	started  bool
	paused   bool
	stepping int // iterations a paused run may still do (Step)
	stopping bool
	saved    int // step of the last checkpoint written, −1 before the first

	askOnDiverge bool            // see PauseOnDivergence
	writing      *backgroundSave // the checkpoint being written; the loop's own
	finished     chan struct{}
	err          error
}

// New prepares a run of cfg on data (nil: open cfg.Data), writing into
// runDir ("" : a new folder under runs/). Training starts with Start.
func New(cfg Config, data *dataset.Dataset, runDir string) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if runDir == "" {
		runDir = NewRunDir("runs", cfg.Preset)
	}
	t, err := newTrainer(cfg, data)
	if err != nil {
		return nil, err
	}
	t.drawPreviewNoise()
	if t.files, err = createRunFiles(runDir, t.cfg, 0); err != nil {
		return nil, err
	}
	t.log = openRunLog(runDir)
	return t, nil
}

func newTrainer(cfg Config, data *dataset.Dataset) (*Trainer, error) {
	if data == nil {
		var err error
		if data, err = OpenData(context.Background(), cfg, dataset.Options{}); err != nil {
			return nil, err
		}
	}
	size, ch := data.Shape()
	if size != cfg.Model.ImageSize || ch != cfg.Model.Channels {
		return nil, fmt.Errorf("data set images are %d×%d×%d, the network makes %d×%d×%d: pick a preset for this data set",
			size, size, ch, cfg.Model.ImageSize, cfg.Model.ImageSize, cfg.Model.Channels)
	}
	if data.Len() < cfg.BatchSize {
		return nil, fmt.Errorf("data set has %d images, fewer than one batch of %d: lower the batch size", data.Len(), cfg.BatchSize)
	}
	cfg, err := conditionOn(cfg, data)
	if err != nil {
		return nil, err
	}
	gan, err := newGAN(cfg)
	if err != nil {
		return nil, err
	}
	t := &Trainer{
		cfg: cfg, data: data, bus: events.NewBus(),
		Generator: Generator{gan: gan, previewNoise: make([]float32, PreviewSamples*cfg.Model.NoiseSize)},
		optG:      model.NewAdam(gan.G.Params(), cfg.LearnRateG, cfg.Beta1, cfg.Beta2),
		optD:      model.NewAdam(gan.D.Params(), cfg.LearnRateD, cfg.Beta1, cfg.Beta2),
		rng:       rand.NewPCG(cfg.Seed, 0x747261696e),
		finished:  make(chan struct{}),
		saved:     -1,
	}
	t.wake = sync.NewCond(&t.ctl)
	t.setClasses(cfg)
	t.batchLabels = make([]int, cfg.BatchSize)
	if t.step, err = gan.NewStep(cfg.BatchSize, 1-cfg.LabelSmoothing, t.rng); err != nil {
		return nil, err
	}
	return t, nil
}

// drawPreviewNoise draws the fixed noise of a new run's preview grids.
func (t *Trainer) drawPreviewNoise() {
	rng := rand.New(rand.NewPCG(t.cfg.Seed, 0x707265)) // its own stream: the preview noise does not shift the batches
	for i := range t.previewNoise {
		t.previewNoise[i] = float32(rng.Float64()*2 - 1)
	}
}

// conditionOn fills in a conditional run's classes from its data set: a
// data set without labels cannot train one.
func conditionOn(cfg Config, data *dataset.Dataset) (Config, error) {
	if !cfg.Conditional {
		cfg.Model.Classes, cfg.ClassNames, cfg.TrainClasses = 0, nil, nil
		return cfg, nil
	}
	names := data.Classes()
	if len(names) == 0 {
		return cfg, fmt.Errorf("the data set has no labels, and conditional training needs them: use MNIST, Fashion-MNIST, CIFAR-10 or a folder with a subfolder per class")
	}
	seen := make([]bool, len(names))
	for i := 0; i < data.Len(); i++ {
		if l := data.Label(i); l >= 0 && l < len(seen) {
			seen[l] = true
		}
	}
	cfg.TrainClasses = nil
	for c, ok := range seen {
		if ok {
			cfg.TrainClasses = append(cfg.TrainClasses, c)
		}
	}
	if len(cfg.TrainClasses) == 0 {
		return cfg, fmt.Errorf("no image of the data set has a class: conditional training needs labelled images")
	}
	cfg.Model.Classes, cfg.ClassNames = len(names), names
	return cfg, nil
}

// OpenData opens the data set cfg trains on, at the network's image shape.
func OpenData(ctx context.Context, cfg Config, opts dataset.Options) (*dataset.Dataset, error) {
	spec := cfg.Data
	spec.Size, spec.Channels = cfg.Model.ImageSize, cfg.Model.Channels
	return dataset.Open(ctx, spec, opts)
}

// Config returns the run's configuration, with the learning rates now in use.
func (t *Trainer) Config() Config {
	t.ctl.Lock()
	defer t.ctl.Unlock()
	return t.cfg
}

// RunDir returns the folder the run writes to.
func (t *Trainer) RunDir() string { return t.files.dir }

// Data returns the data set the run trains on.
func (t *Trainer) Data() *dataset.Dataset { return t.data }

// Subscribe returns a new reader of the run's events.
func (t *Trainer) Subscribe() *events.Subscription { return t.bus.Subscribe() }

// StepsDone returns the number of iterations finished.
func (t *Trainer) StepsDone() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.done
}

// TotalSteps returns the number of iterations the run does in all.
func (t *Trainer) TotalSteps() int {
	if t.cfg.Steps > 0 {
		return t.cfg.Steps
	}
	return t.cfg.Epochs * t.stepsPerEpoch()
}

func (t *Trainer) stepsPerEpoch() int { return t.data.Len() / t.cfg.BatchSize }

// Start launches the training goroutine and returns at once.
func (t *Trainer) Start() error {
	t.ctl.Lock()
	defer t.ctl.Unlock()
	if t.started {
		return errors.New("training has already started")
	}
	t.started = true
	go t.loop()
	return nil
}

// Pause holds training after the current iteration.
func (t *Trainer) Pause() {
	t.ctl.Lock()
	defer t.ctl.Unlock()
	if t.started && !t.paused && !t.stopping {
		t.paused = true
		t.report(events.State{Phase: events.Paused, Step: t.StepsDone(), Message: "paused"})
	}
}

// Resume continues a paused run.
func (t *Trainer) Resume() {
	t.ctl.Lock()
	defer t.ctl.Unlock()
	if t.paused {
		t.paused, t.stepping = false, 0
		t.wake.Broadcast()
		t.report(events.State{Phase: events.Running, Step: t.StepsDone(), Message: "running"})
	}
}

// Step runs exactly one iteration of a paused run and pauses again, so
// that its effect on the losses, the grid and D's verdicts can be seen
// one update at a time. A grid follows the step whatever SampleEvery says.
func (t *Trainer) Step() error {
	t.ctl.Lock()
	defer t.ctl.Unlock()
	switch {
	case !t.started || t.stopping:
		return errors.New("the run is not going: start or continue it, then pause it to step")
	case !t.paused:
		return errors.New("the run is training: pause it first, then step one iteration at a time")
	}
	t.stepping++
	t.wake.Broadcast()
	return nil
}

// Stop ends the run after the current iteration, saves a checkpoint and
// waits for the goroutine to finish. It returns the run's error, if any.
func (t *Trainer) Stop() error {
	t.ctl.Lock()
	if !t.started {
		// Nothing ran; the files are closed so that the folder can go.
		t.started, t.stopping = true, true
		close(t.finished)
		t.ctl.Unlock()
		t.log.close()
		return t.files.close()
	}
	t.stopping = true
	t.wake.Broadcast()
	t.ctl.Unlock()
	return t.Wait()
}

// Wait blocks until the run ends and returns its error, if any.
func (t *Trainer) Wait() error {
	<-t.finished
	t.ctl.Lock()
	defer t.ctl.Unlock()
	return t.err
}

// Done is closed when the run has ended.
func (t *Trainer) Done() <-chan struct{} { return t.finished }

// SetLearningRates changes the learning rates of G and D from the next
// iteration on.
func (t *Trainer) SetLearningRates(g, d float64) error {
	c := t.Config()
	c.LearnRateG, c.LearnRateD = g, d
	if err := c.Validate(); err != nil {
		return err
	}
	t.ctl.Lock()
	t.cfg.LearnRateG, t.cfg.LearnRateD = g, d
	t.ctl.Unlock()
	t.report(events.Rates{Step: t.StepsDone(), G: g, D: d, Why: "changed"})
	return nil
}

// waitTurn blocks while paused and no Step is asked for; it reports false
// when the run must stop, and stepped when this turn is a single Step.
func (t *Trainer) waitTurn() (lrG, lrD float64, stepped, ok bool) {
	t.ctl.Lock()
	defer t.ctl.Unlock()
	for t.paused && t.stepping == 0 && !t.stopping {
		t.wake.Wait()
	}
	if t.paused && t.stepping > 0 {
		t.stepping--
		stepped = true
	}
	return t.cfg.LearnRateG, t.cfg.LearnRateD, stepped, !t.stopping
}

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

func (t *Trainer) train() error {
	t.report(events.State{Phase: events.Running, Step: t.StepsDone(), Message: "running"})
	total, perEpoch, batch := t.TotalSteps(), t.stepsPerEpoch(), t.cfg.BatchSize
	rate := newRateMeter()
	mon := t.startMonitor()
	defer mon.close()
	lastSave := time.Now()
	if t.done == 0 {
		// The untrained generator's grid: where every run starts, shown
		// at once and kept with the run's other grids.
		t.publishGrid(0)
	}
	order := batchOrder{epoch: -1}
	for t.StepsDone() < total {
		lrG, lrD, stepped, ok := t.waitTurn()
		if !ok {
			break
		}
		begin := time.Now()
		epoch, err := t.readBatch(&order)
		if err != nil {
			return err
		}
		s, err := t.iterate(lrG, lrD)
		if err != nil {
			return err
		}
		s.Epoch, s.Epochs, s.TotalSteps = epoch+1, (total+perEpoch-1)/perEpoch, total
		s.ImagesPerSec = rate.add(batch, time.Since(begin))
		s.ETA = time.Duration(float64(total-s.Step) * float64(batch) / s.ImagesPerSec * float64(time.Second))
		s.Time = time.Now()
		if diverged(s) {
			if err := t.recover(s); err != nil {
				return err
			}
			continue
		}
		t.bus.Publish(s)
		if err := t.files.writeStep(s); err != nil {
			t.warn(s.Step, err)
		}
		mon.step(s)
		if s.Step%t.cfg.SampleEvery == 0 || s.Step == total || stepped {
			t.publishGrid(s.Step)
		}
		t.finishSave(false)
		byStep := t.cfg.CheckpointEvery > 0 && s.Step%t.cfg.CheckpointEvery == 0
		byTime := t.cfg.AutosaveSeconds > 0 && time.Since(lastSave).Seconds() >= t.cfg.AutosaveSeconds
		// A step checkpoint waits for the write before it; an autosave
		// skips its turn instead, so a slow disk never holds up training.
		if byStep {
			t.finishSave(true)
		}
		if (byStep || (byTime && t.writing == nil)) && t.lastSaved() < s.Step {
			t.startSave()
			lastSave = time.Now()
		}
	}
	if t.StepsDone() >= total {
		mon.final(t.StepsDone())
	}
	t.finishSave(true)
	if t.lastSaved() != t.StepsDone() {
		t.saveOrPause()
	}
	return nil
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
	perEpoch, batch := t.stepsPerEpoch(), t.cfg.BatchSize
	epoch, i := t.done/perEpoch, t.done%perEpoch
	if epoch != o.epoch {
		o.indices, o.epoch = t.data.Permutation(t.cfg.Seed, epoch), epoch
	}
	idx := o.indices[i*batch : (i+1)*batch]
	if err := t.data.Fill(t.step.Real(), idx); err != nil {
		return epoch, fmt.Errorf("step %d: read batch: %w", t.done+1, err)
	}
	for k, j := range idx {
		t.batchLabels[k] = t.data.Label(j)
	}
	if err := t.step.SetClasses(t.batchLabels); err != nil {
		return epoch, fmt.Errorf("step %d: %w", t.done+1, err)
	}
	return epoch, nil
}

// saveOrPause writes a checkpoint. When that fails (a full disk, a folder
// gone) it pauses the run, because every further step would be at risk,
// and tries again whenever the run is resumed; a run that is being stopped
// keeps its previous checkpoints and ends.
func (t *Trainer) saveOrPause() {
	for {
		err := t.checkpoint()
		if err == nil {
			return
		}
		// NaN weights are no disk problem: the next step's loss shows the
		// divergence, and recovering from it is recover's job.
		if errors.Is(err, ErrNonFinite) || !t.pauseFor(err, t.checkpointFailure(err)) {
			t.warn(t.StepsDone(), err)
			return
		}
	}
}

// checkpointFailure says in plain words why the run pauses after the
// checkpoint error err.
func (t *Trainer) checkpointFailure(err error) string {
	t.ctl.Lock()
	defer t.ctl.Unlock()
	last := "none yet"
	if t.saved >= 0 {
		last = fmt.Sprintf("step %d", t.saved)
	}
	fix := "fix that"
	switch {
	case errors.Is(err, syscall.ENOSPC):
		fix = "free some space"
	case errors.Is(err, syscall.EROFS), errors.Is(err, fs.ErrPermission):
		fix = "make the run folder writable"
	}
	return fmt.Sprintf("%v. Training is paused so that no more steps go unsaved (last checkpoint: %s); %s and resume to try again", err, last, fix)
}

// pauseFor pauses the run because of err, telling the user msg, and waits
// to be resumed; it reports false when the run is stopping instead.
func (t *Trainer) pauseFor(err error, msg string) bool {
	t.ctl.Lock()
	defer t.ctl.Unlock()
	if t.stopping {
		return false
	}
	t.paused = true
	t.report(events.State{Phase: events.Paused, Step: t.StepsDone(), Warning: true, Err: err, Message: msg})
	for t.paused && !t.stopping {
		t.wake.Wait()
	}
	return !t.stopping
}

// ErrDiverged is wrapped by the errors and pauses of a run whose loss
// became NaN or infinite.
var ErrDiverged = errors.New("training diverged")

// PauseOnDivergence makes a divergence pause the run whatever the
// configuration's OnDiverge says, so that someone can decide: Resume then
// rolls back to the last checkpoint with halved learning rates, and Stop
// ends the run. The window calls it; headless runs act on OnDiverge.
func (t *Trainer) PauseOnDivergence() {
	t.ctl.Lock()
	defer t.ctl.Unlock()
	t.askOnDiverge = true
}

// maxRollbacks bounds how often one run rolls back, so that a run that
// cannot be saved by lower learning rates ends instead of looping.
const maxRollbacks = 5

// recover handles a NaN or infinite loss: it rolls back to the last
// checkpoint with halved learning rates when the configuration asks for it
// (or, after PauseOnDivergence, when the user resumes the paused run) and
// that is possible, and otherwise returns the error that ends the run.
func (t *Trainer) recover(s events.Step) error {
	diverged := fmt.Errorf("%w at step %d (D loss %g, G loss %g)", ErrDiverged, s.Step, s.DLoss, s.GLoss)
	what := diverged.Error()
	t.ctl.Lock()
	ask := t.askOnDiverge
	t.ctl.Unlock()
	if !ask && t.cfg.OnDiverge != "rollback" {
		return fmt.Errorf("%w: lower the learning rates and resume from the last checkpoint", diverged)
	}
	if t.rollbacks >= maxRollbacks {
		return fmt.Errorf("%w after %d rollbacks with ever lower learning rates: check the data and the configuration", diverged, t.rollbacks)
	}
	t.finishSave(true)
	f, ckpt, _, err := findCheckpoint(t.files.dir)
	if err != nil {
		return fmt.Errorf("%w, and there is no checkpoint to roll back to: %w", diverged, err)
	}
	if ask && !t.pauseFor(diverged, fmt.Sprintf("%s. Resume rolls back to the last good checkpoint (%s) and halves the learning rates; Stop ends the run there",
		what, filepath.Base(ckpt))) {
		return nil // stopped: the loop ends, and the NaN weights are not saved
	}
	t.mu.Lock()
	err = t.restore(f)
	back := t.done
	t.mu.Unlock()
	if err != nil {
		return fmt.Errorf("%s; roll back: %w", what, err)
	}
	t.rollbacks++
	t.ctl.Lock()
	t.saved = back
	t.cfg.LearnRateG /= 2
	t.cfg.LearnRateD /= 2
	cfg := t.cfg
	t.ctl.Unlock()
	t.files.close()
	if t.files, err = createRunFiles(t.files.dir, cfg, back); err != nil {
		return fmt.Errorf("%s; roll back: %w", what, err)
	}
	t.report(events.State{Phase: events.Running, Step: back, Warning: true,
		Message: fmt.Sprintf("%s; rolled back to step %d and halved the learning rates (G %g, D %g)", what, back, cfg.LearnRateG, cfg.LearnRateD)})
	t.bus.Publish(events.Rates{Step: back, G: cfg.LearnRateG, D: cfg.LearnRateD, Why: "rollback"})
	return nil
}

// iterate runs one training iteration: the G update, then the D update, on
// the same batch and noise, as the seed does. What each update minimises
// is the objective of the run's loss, written out at model.Loss.
func (t *Trainer) iterate(lrG, lrD float64) (events.Step, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	noise := t.step.Noise()
	for i := range noise {
		noise[i] = float32(uniform(t.rng))
	}
	t.optG.LearnRate, t.optD.LearnRate = lrG, lrD

	// ---- spectral norm (SN runs): one power iteration re-estimates σ of D's weights ----
	t.gan.D.Normalize()

	// ---- update G: make D call the fakes real ----
	gLoss, err := t.step.UpdateG(t.optG)
	if err != nil {
		return events.Step{}, fmt.Errorf("step %d: %w", t.done+1, err)
	}

	// ---- update D: tell the real batch from the fakes ----
	dLoss, dReal, dFake, err := t.step.UpdateD(t.optD)
	if err != nil {
		return events.Step{}, fmt.Errorf("step %d: %w", t.done+1, err)
	}

	// ---- average G: what grids, samples and metrics draw from (EMA runs) ----
	t.gan.UpdateAverage(t.done + 1)

	t.keepRealBatch()
	t.done++
	return events.Step{Step: t.done, DLoss: dLoss, GLoss: gLoss, DReal: dReal, DFake: dFake, LearnRateG: lrG, LearnRateD: lrD}, nil
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

func diverged(s events.Step) bool {
	for _, v := range []float32{s.DLoss, s.GLoss} {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return true
		}
	}
	return false
}

// report publishes e and writes it to the run's log.
func (t *Trainer) report(e events.Event) {
	t.bus.Publish(e)
	t.log.record(e)
}

func (t *Trainer) warn(step int, err error) {
	t.report(events.State{Phase: events.Running, Step: step, Warning: true, Err: err,
		Message: err.Error() + " (training goes on)"})
}

// notice publishes a plain-words observation about the run (likely mode
// collapse, vanishing gradients).
func (t *Trainer) notice(step int, msg string) {
	t.report(events.State{Phase: events.Running, Step: step, Warning: true, Message: msg})
}

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

// checkpoint saves one to the run directory and waits for it; on failure
// the previous checkpoints are intact.
func (t *Trainer) checkpoint() error {
	f, step, err := t.snapshot()
	if err != nil {
		return err
	}
	path := t.files.checkpointPath(step)
	if err := checkpoint.Write(path, f); err != nil {
		return err
	}
	t.recordSave(step, path)
	return nil
}

// lastSaved returns the step of the newest checkpoint written, −1 before
// the first.
func (t *Trainer) lastSaved() int {
	t.ctl.Lock()
	defer t.ctl.Unlock()
	return t.saved
}

// A backgroundSave is a checkpoint being written while training goes on.
type backgroundSave struct {
	step int
	path string
	done chan error // the write's result, sent once
}

// startSave copies the run's state and writes it to a checkpoint in the
// background; finishSave collects the result.
func (t *Trainer) startSave() {
	f, step, err := t.snapshot()
	if err != nil {
		t.warn(step, err) // NaN weights: the next loss shows the divergence
		return
	}
	w := &backgroundSave{step: step, path: t.files.checkpointPath(step), done: make(chan error, 1)}
	t.writing = w
	go func() { w.done <- checkpoint.Write(w.path, f) }()
}

// finishSave collects the background write, if one has finished (or,
// with wait, when it finishes). A write that failed is tried again at once
// and in the open, where a full disk pauses the run (saveOrPause).
func (t *Trainer) finishSave(wait bool) {
	w := t.writing
	if w == nil {
		return
	}
	var err error
	if wait {
		err = <-w.done
	} else {
		select {
		case err = <-w.done:
		default:
			return
		}
	}
	t.writing = nil
	if err != nil {
		t.saveOrPause()
		return
	}
	t.recordSave(w.step, w.path)
}

// recordSave records the checkpoint of step written to path: the run's newest,
// reported to the window and the log, with the oldest beyond
// KeepCheckpoints deleted.
func (t *Trainer) recordSave(step int, path string) {
	t.ctl.Lock()
	t.saved = max(t.saved, step)
	t.ctl.Unlock()
	t.report(events.Checkpoint{Step: step, Path: path, Time: time.Now()})
	if err := t.files.prune(t.cfg.KeepCheckpoints); err != nil {
		t.warn(step, err)
	}
}

// rateMeter averages throughput over recent iterations so that the ETA
// follows changes (another program, a pause) without jumping.
type rateMeter struct{ perSec float64 }

func newRateMeter() *rateMeter { return &rateMeter{} }

func (r *rateMeter) add(images int, took time.Duration) float64 {
	now := float64(images) / took.Seconds()
	if r.perSec == 0 {
		r.perSec = now
	} else {
		r.perSec = 0.9*r.perSec + 0.1*now
	}
	return r.perSec
}
