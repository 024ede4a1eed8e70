package ui

import (
	"fmt"
	"image"
	"path/filepath"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/ganstudio/ganstudio/model"
	"github.com/ganstudio/ganstudio/model/nn"
	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/dataset"
	"github.com/ganstudio/ganstudio/ui/session"
)

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

// augmentNames are the augmentations an Augment setting turns on, as the
// panel's check group names them.
func augmentNames(augment string) []string {
	policy, _ := nn.ParseAugmentations(augment)
	var on []string
	for _, a := range policy {
		on = append(on, string(a))
	}
	return on
}

// setupHooks is what the set-up panel needs beyond the configuration it
// edits.
type setupHooks struct {
	win     fyne.Window // the classes dialog's
	chooser fileChooser // asks for a folder of pictures
	// training reports whether a run goes: a live value then applies on
	// Enter or on release, never halfway through typing.
	training func() bool
	// param hands a valid edit of one value, checked by the table, to
	// the run (Studio.paramChanged).
	param func(session.Param, training.Setting)
}

// setupView is the left panel: preset, data set with a strip of real
// images, and the hyperparameters. It shows the Setup it is given and
// writes the user's edits to it; it shows the Setup again whenever that
// changes, by setting its widgets' values without their callbacks, so
// that showing is never taken for an edit.
type setupView struct {
	cfg   *session.Setup
	hooks setupHooks

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
	errLabel    *widget.Label
	content     fyne.CanvasObject
}

func newSetupView(cfg *session.Setup, hooks setupHooks) *setupView {
	v := &setupView{cfg: cfg, hooks: hooks, entries: map[string]*widget.Entry{}, sliders: map[string]*widget.Slider{}}
	v.newDataPickers()
	v.newModelPickers()
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
	v.show()
	cfg.Watch(v.show)
	return v
}

// newModelPickers makes the choices of the network and its objective.
func (v *setupView) newModelPickers() {
	v.loss = widget.NewSelect(lossLabels, func(label string) {
		v.cfg.Edit(func(c *training.Config) {
			if label != lossLabel(c.Model.Loss) { // "" and "bce" are both the seed's
				c.Model.Loss = lossOf(label)
			}
		})
	})
	var names []string
	for _, a := range nn.Augmentations {
		names = append(names, string(a))
	}
	v.augment = widget.NewCheckGroup(names, func(on []string) {
		v.cfg.Edit(func(c *training.Config) { c.Model.Augment = strings.Join(on, ",") })
	})
	v.augment.Horizontal = true
	v.conditional = widget.NewCheck("Class-conditional: G learns each class apart", func(on bool) {
		v.cfg.Edit(func(c *training.Config) { c.Conditional = on })
	})
	v.spectral = widget.NewCheck("Spectral normalisation in D (in place of its BatchNorm)", func(on bool) {
		v.cfg.Edit(func(c *training.Config) { c.Model.SpectralNorm = on })
	})
}

// show shows the Setup's configuration in every control. Values are set
// as fields and refreshed: a widget's setter would call its callback,
// which is for the user's edits.
func (v *setupView) show() {
	c := v.cfg.Config()
	v.preset.Selected = ""
	if c.Preset != "" {
		v.preset.Selected = presetLabel(c.Preset)
	}
	v.preset.Refresh()
	v.data.Selected = choiceFor(c.Data)
	v.data.Refresh()
	v.showClasses(c.Data.Classes)
	v.loss.Selected = lossLabel(c.Model.Loss)
	v.loss.Refresh()
	v.augment.Selected = augmentNames(c.Model.Augment)
	v.augment.Refresh()
	v.conditional.Checked = c.Conditional
	v.conditional.Refresh()
	v.spectral.Checked = c.Model.SpectralNorm
	v.spectral.Refresh()
	v.showDataControls()
	for _, p := range session.Params() {
		v.showParam(p)
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

// relayout lays the panel out again after a message or the folder line
// appeared or went: the box must give it room or close the gap.
func (v *setupView) relayout() {
	if v.content != nil {
		v.content.Refresh()
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
	if running || choiceFor(v.cfg.Config().Data) != choiceCIFAR {
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
