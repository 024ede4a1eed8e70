package ui

import (
	"fmt"
	"image"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/ganstudio/ganstudio/model"
	"github.com/ganstudio/ganstudio/model/nn"
	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/dataset"
	"github.com/ganstudio/ganstudio/ui/session"
)

// Data set choices of the picker, in the order shown.
const (
	choiceMNIST   = "MNIST (handwritten digits)"
	choiceFashion = "Fashion-MNIST (clothes)"
	choiceCIFAR   = "CIFAR-10 (small photos)"
	choiceFolder  = "A folder of images…"

	fitCropLabel = "Crop to the centre square"
	fitPadLabel  = "Pad: the whole picture"
	allClasses   = "all classes"
	someClasses  = "several classes…"
)

// cifarClasses are the class picker's: CIFAR-10's, from the catalogue.
var cifarClasses = func() []string { info, _ := dataset.About("cifar10"); return info.Classes }()

// choiceFor is the picker entry that shows a data set spec.
func choiceFor(s dataset.Spec) string {
	if s.Path != "" {
		return choiceFolder
	}
	switch name, _ := dataset.Lookup(s.Name); name {
	case "fashion-mnist":
		return choiceFashion
	case "cifar10":
		return choiceCIFAR
	}
	return choiceMNIST
}

// lossLabels name the objectives (model.Losses, in order) in the set-up
// panel.
var lossLabels = []string{"BCE (the seed's)", "Hinge", "Least squares"}

func lossLabel(l model.Loss) string {
	for i, known := range model.Losses {
		if l == known {
			return lossLabels[i]
		}
	}
	return lossLabels[0] // "" is the seed's
}

func lossOf(label string) model.Loss {
	for i, l := range lossLabels {
		if l == label {
			return model.Losses[i]
		}
	}
	return model.LossBCE
}

// presetLabel is how the window offers a preset: by what it is for (the
// README's preset table gives each one's name for the command line).
func presetLabel(name string) string { return training.PresetPurpose(name) }

// presetLabels are the built-in presets' labels in alphabetical order.
func presetLabels() []string {
	var out []string
	for _, name := range training.Presets() {
		out = append(out, presetLabel(name))
	}
	sort.Strings(out)
	return out
}

// presetNamed is the name of the preset offered as label.
func presetNamed(label string) string {
	for _, name := range training.Presets() {
		if presetLabel(name) == label {
			return name
		}
	}
	return label
}

// setupView is the left panel: preset, data set with a strip of real
// images, and the hyperparameters.
type setupView struct {
	s *Studio

	preset      *widget.Select
	data        *widget.Select
	class       *widget.Select
	loss        *widget.Select
	augment     *widget.CheckGroup
	conditional *widget.Check
	spectral    *widget.Check
	classChecks *widget.CheckGroup // the open "several classes" dialog's
	folder      *widget.Label
	fit         *widget.RadioGroup // how a folder's non-square pictures become square
	strip       *canvas.Image
	dataInfo    *widget.Label
	entries     map[string]*widget.Entry
	sliders     map[string]*widget.Slider
	ratesSeen   int // history.Rates version the learning rates show
	errLabel    *widget.Label
	filling     bool // set while the panel is refilled from the config
	lastChoice  string
	content     fyne.CanvasObject
}

func newSetupView(s *Studio) *setupView {
	v := &setupView{s: s, entries: map[string]*widget.Entry{}, sliders: map[string]*widget.Slider{}}

	v.preset = widget.NewSelect(presetLabels(), func(label string) {
		if v.filling {
			return
		}
		cfg, err := training.Preset(presetNamed(label))
		if err != nil {
			v.showError(err)
			return
		}
		s.cfg = cfg
		v.fill()
		v.showError(nil)
		s.setupChanged()
	})
	v.preset.PlaceHolder = "(custom)"

	v.data = widget.NewSelect([]string{choiceMNIST, choiceFashion, choiceCIFAR, choiceFolder}, func(choice string) {
		if v.filling {
			return
		}
		v.pickData(choice)
	})
	v.class = widget.NewSelect(classOptions(nil), func(c string) {
		if v.filling {
			return
		}
		switch c {
		case someClasses:
			v.askClasses()
		case allClasses:
			v.setClasses(nil)
		case classLabel(s.cfg.Data.Classes):
			// the several classes chosen before: nothing changes
		default:
			v.setClasses([]string{c})
		}
	})
	v.loss = widget.NewSelect(lossLabels, func(label string) {
		if v.filling {
			return
		}
		s.cfg.Model.Loss = lossOf(label)
		v.customised()
	})
	var names []string
	for _, a := range nn.Augmentations {
		names = append(names, string(a))
	}
	v.augment = widget.NewCheckGroup(names, func(on []string) {
		if v.filling {
			return
		}
		s.cfg.Model.Augment = strings.Join(on, ",")
		v.customised()
	})
	v.augment.Horizontal = true
	v.conditional = widget.NewCheck("Class-conditional: G learns each class apart", func(on bool) {
		if v.filling {
			return
		}
		s.cfg.Conditional = on
		v.customised()
	})
	v.spectral = widget.NewCheck("Spectral normalisation in D (in place of its BatchNorm)", func(on bool) {
		if v.filling {
			return
		}
		s.cfg.Model.SpectralNorm = on
		v.customised()
	})
	v.folder = widget.NewLabel("")
	v.folder.Wrapping = fyne.TextWrapBreak
	v.fit = widget.NewRadioGroup([]string{fitCropLabel, fitPadLabel}, func(choice string) {
		if v.filling || choice == "" {
			return
		}
		s.cfg.Data.Fit = dataset.FitCrop
		if choice == fitPadLabel {
			s.cfg.Data.Fit = dataset.FitPad
		}
		v.customised()
		s.setupChanged() // the strip below shows the pictures as the network will see them
	})
	v.fit.Horizontal = true
	v.fit.Required = true
	v.strip = canvas.NewImageFromImage(image.NewNRGBA(image.Rect(0, 0, 1, 1)))
	v.strip.ScaleMode = canvas.ImageScalePixels
	v.strip.FillMode = canvas.ImageFillContain
	v.strip.SetMinSize(fyne.NewSize(300, 30))
	v.dataInfo = widget.NewLabel("")
	v.dataInfo.Wrapping = fyne.TextWrapWord
	v.dataInfo.TextStyle.Italic = true

	form := container.NewVBox()
	for _, p := range session.Params() {
		form.Add(v.paramRow(p))
	}
	v.errLabel = widget.NewLabel("")
	v.errLabel.Importance = widget.DangerImportance
	v.errLabel.Wrapping = fyne.TextWrapWord
	v.errLabel.Hide()

	v.content = container.NewVBox(
		heading("What to learn"),
		container.New(layout.NewFormLayout(), widget.NewLabel("Preset"), v.preset, widget.NewLabel("Data set"), v.data, widget.NewLabel("Class"), v.class),
		v.folder,
		v.fit,
		v.strip,
		v.dataInfo,
		heading("Hyperparameters"),
		v.errLabel,
		container.New(layout.NewFormLayout(), widget.NewLabel("Objective"), v.loss),
		widget.NewLabel("DiffAugment: D sees real and fake images through"),
		v.augment,
		v.conditional,
		v.spectral,
		form,
		hint("Bold values can change while training runs: release the slider, or press Enter in the box, to apply. The others are locked until it stops."),
	)
	return v
}

// fill shows the Studio's config in every control.
func (v *setupView) fill() {
	v.filling = true
	defer func() { v.filling = false }()
	c := &v.s.cfg
	if c.Preset != "" {
		v.preset.SetSelected(presetLabel(c.Preset))
	} else {
		v.preset.ClearSelected()
	}
	v.data.SetSelected(choiceFor(c.Data))
	v.lastChoice = choiceFor(c.Data)
	v.showClasses(c.Data.Classes)
	v.loss.SetSelected(lossLabel(c.Model.Loss))
	policy, _ := nn.ParseAugmentations(c.Model.Augment)
	var on []string
	for _, a := range policy {
		on = append(on, string(a))
	}
	v.augment.SetSelected(on)
	v.conditional.SetChecked(c.Conditional)
	v.spectral.SetChecked(c.Model.SpectralNorm)
	v.showDataControls()
	for _, p := range session.Params() {
		v.showParam(p)
	}
}

// paramRow is one hyperparameter: its label and a box for an exact value
// on one line, its slider below. While a run goes, a live value applies
// when the slider is released or Enter is pressed, never halfway through
// typing; before it, every valid edit applies at once.
func (v *setupView) paramRow(p session.Param) fyne.CanvasObject {
	e := widget.NewEntry()
	e.Validator = func(text string) error {
		c := v.s.cfg
		_, err := session.ApplyParam(&c, p, text)
		return err
	}
	e.OnChanged = func(text string) {
		if v.filling {
			return
		}
		if st := v.s.state(); p.Live && (st.running || st.paused) {
			return // applies on Enter
		}
		v.apply(p, text)
	}
	e.OnSubmitted = func(text string) { v.apply(p, text) }
	v.entries[p.Key] = e
	label := p.Label
	if p.HP != nil && p.HP.Unit != "" {
		label += " (" + p.HP.Unit + ")"
	}
	lbl := widget.NewLabel(label)
	lbl.TextStyle.Bold = p.Live
	box := container.NewGridWrap(fyne.NewSize(96, e.MinSize().Height), e)
	row := container.NewBorder(nil, nil, nil, box, lbl)
	if p.HP == nil {
		return row
	}
	h := *p.HP
	pos := h.Positions()
	sl := widget.NewSlider(0, float64(len(pos)-1))
	sl.Step = 1
	// Dragging shows each stop's value in the box; releasing applies it.
	sl.OnChanged = func(i float64) {
		if !v.filling {
			e.SetText(h.Format(pos[int(i)]))
		}
	}
	sl.OnChangeEnded = func(i float64) {
		if !v.filling {
			set, err := session.ApplyValue(&v.s.cfg, p, pos[int(i)]) // the stop's number, as it is
			v.applied(p, set, err)
		}
	}
	v.sliders[p.Key] = sl
	return container.NewVBox(row, sl)
}

// apply makes the text of p's box its value (see applyParam).
func (v *setupView) apply(p session.Param, text string) {
	set, err := session.ApplyParam(&v.s.cfg, p, text)
	v.applied(p, set, err)
}

// applied shows the outcome of an edit of p and passes a live setting,
// checked once by the table, to the run.
func (v *setupView) applied(p session.Param, set training.Setting, err error) {
	v.showError(err)
	if err != nil {
		return // refused: the config keeps its last valid value
	}
	v.customised()
	v.showParam(p)
	v.s.paramChanged(p, set)
}

// showParam shows p's value in the config in its box and slider.
func (v *setupView) showParam(p session.Param) {
	was := v.filling
	v.filling = true
	defer func() { v.filling = was }()
	text := p.Get(&v.s.cfg)
	if e := v.entries[p.Key]; e.Text != text {
		e.SetText(text)
	}
	e := v.entries[p.Key]
	e.SetValidationError(nil)
	if sl := v.sliders[p.Key]; sl != nil {
		sl.SetValue(float64(p.HP.Nearest(p.HP.Get(v.s.cfg))))
	}
}

// followRates shows the learning rates the trainer reported last when
// they are not what the panel holds: a rollback halving them. The report
// of the panel's own change holds what the panel shows already, and is not
// written back into it.
func (v *setupView) followRates() {
	r, version := v.s.hist.Rates()
	if version == v.ratesSeen {
		return
	}
	v.ratesSeen = version
	if r.G == v.s.cfg.LearnRateG && r.D == v.s.cfg.LearnRateD {
		return
	}
	v.s.cfg.LearnRateG, v.s.cfg.LearnRateD = r.G, r.D
	for _, p := range session.Params() {
		if p.Live {
			v.showParam(p)
		}
	}
}

// classOptions are the class picker's entries: all, each class, the
// several classes chosen (if any), and the way to choose several.
func classOptions(chosen []string) []string {
	opts := append([]string{allClasses}, cifarClasses...)
	if len(chosen) > 1 {
		opts = append(opts, classLabel(chosen))
	}
	return append(opts, someClasses)
}

// classLabel names a choice of classes in the picker.
func classLabel(classes []string) string {
	if len(classes) == 0 {
		return allClasses
	}
	return strings.Join(classes, ", ")
}

// showClasses shows a class filter in the picker (the caller sets filling
// or is fill).
func (v *setupView) showClasses(classes []string) {
	v.class.Options = classOptions(classes)
	v.class.SetSelected(classLabel(classes))
}

// setClasses trains on the given classes from now on (nil: all).
func (v *setupView) setClasses(classes []string) {
	v.s.cfg.Data.Classes = classes
	v.filling = true
	v.showClasses(classes)
	v.filling = false
	v.customised()
	v.s.setupChanged()
}

// askClasses lets the user tick the classes to train on. The dialog's
// check group stays in v.classChecks while it is open.
func (v *setupView) askClasses() {
	v.classChecks = widget.NewCheckGroup(cifarClasses, nil)
	v.classChecks.Horizontal = false
	v.classChecks.SetSelected(v.s.cfg.Data.Classes)
	d := dialog.NewCustomConfirm("Classes to train on", "Use these", "Cancel", v.classChecks, func(ok bool) {
		v.answerClasses(ok)
	}, v.s.win)
	d.Show()
}

// answerClasses applies the ticked classes (ok) or puts the picker back.
func (v *setupView) answerClasses(ok bool) {
	ticked := v.classChecks.Selected
	v.classChecks = nil
	if !ok {
		v.filling = true
		v.showClasses(v.s.cfg.Data.Classes)
		v.filling = false
		return
	}
	var chosen []string // in the data set's order, whatever the order of the ticks
	for _, c := range cifarClasses {
		if slices.Contains(ticked, c) {
			chosen = append(chosen, c)
		}
	}
	v.setClasses(chosen)
}

func (v *setupView) showDataControls() {
	c := v.s.cfg.Data
	if choiceFor(c) == choiceCIFAR {
		v.class.Enable()
	} else {
		v.class.Disable()
	}
	if c.Path != "" {
		v.folder.SetText("Folder: " + c.Path)
		v.folder.Show()
		was := v.filling
		v.filling = true
		v.fit.SetSelected(map[bool]string{true: fitPadLabel, false: fitCropLabel}[c.Fit == dataset.FitPad])
		v.filling = was
		v.fit.Show()
	} else {
		v.folder.Hide()
		v.fit.Hide()
	}
	v.relayout()
}

// relayout lays the panel out again after a message or the folder line
// appeared or went: the box must give it room or close the gap.
func (v *setupView) relayout() {
	if v.content != nil {
		v.content.Refresh()
	}
}

// customised marks the config as no longer a preset as shipped.
func (v *setupView) customised() {
	if v.s.cfg.Preset == "" {
		return
	}
	v.s.cfg.Preset = ""
	v.filling = true
	v.preset.ClearSelected()
	v.filling = false
}

func (v *setupView) pickData(choice string) {
	s := v.s
	set := func(spec dataset.Spec) {
		s.cfg.Data = spec
		s.cfg.Model.ImageSize, s.cfg.Model.Channels = training.ShapeFor(spec, s.cfg.Model.ImageSize)
		v.lastChoice = choice
		v.showDataControls()
		v.customised()
		s.setupChanged()
	}
	switch choice {
	case choiceMNIST:
		set(dataset.Spec{Name: "mnist"})
	case choiceFashion:
		set(dataset.Spec{Name: "fashion-mnist"})
	case choiceCIFAR:
		set(dataset.Spec{Name: "cifar10"})
	case choiceFolder:
		s.chooser.OpenFolder("Folder of training images", func(path string) {
			if path == "" {
				// Cancelled: show the data set that is still in use.
				v.filling = true
				v.data.SetSelected(v.lastChoice)
				v.filling = false
				return
			}
			size, ch := training.ShapeFor(dataset.Spec{Path: path}, s.cfg.Model.ImageSize)
			set(dataset.Spec{Path: path, Size: size, Channels: ch})
		})
	}
}

// showError shows err under the hyperparameters, or hides the message.
func (v *setupView) showError(err error) {
	if err == nil {
		if v.errLabel.Visible() {
			v.errLabel.SetText("")
			v.errLabel.Hide()
			v.relayout()
		}
		return
	}
	v.errLabel.SetText(err.Error()) // one line per problem (errors.Join)
	if !v.errLabel.Visible() {
		v.errLabel.Show()
		v.relayout()
	}
}

// lock disables what cannot change during a run; the learning rates stay.
func (v *setupView) lock(running bool) {
	for _, w := range []fyne.Disableable{v.preset, v.data, v.loss, v.augment, v.conditional, v.spectral} {
		if running {
			w.Disable()
		} else {
			w.Enable()
		}
	}
	if running || choiceFor(v.s.cfg.Data) != choiceCIFAR {
		v.class.Disable()
	} else {
		v.class.Enable()
	}
	for _, p := range session.Params() {
		on := !running || p.Live
		setEnabled(v.entries[p.Key], on)
		if sl := v.sliders[p.Key]; sl != nil {
			setEnabled(sl, on)
		}
	}
}

// showStrip shows real images of the data set, or why there are none.
func (v *setupView) showStrip(img image.Image, info string) {
	if img != nil {
		v.strip.Image = img
		v.strip.Refresh()
	}
	v.dataInfo.SetText(info)
}

// dataInfoText describes an opened data set in one line.
func dataInfoText(d *dataset.Dataset) string {
	src := d.Source()
	// Sources name a module or a folder and then a long path: the first
	// words say enough here.
	if i := strings.Index(src, " /"); i > 0 {
		src = src[:i]
	} else if strings.HasPrefix(src, "/") {
		src = filepath.Base(src)
	}
	return fmt.Sprintf("%d images, from %s", d.Len(), src)
}
