package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/ui/session"
)

// paramRow is one hyperparameter: its label and a box for an exact value
// on one line, its slider below. While a run goes, a live value applies
// when the slider is released or Enter is pressed, never halfway through
// typing; before it, every valid edit applies at once.
func (v *setupView) paramRow(p session.Param) fyne.CanvasObject {
	e := widget.NewEntry()
	e.Validator = func(text string) error {
		c := v.cfg.Config()
		_, err := session.ApplyParam(&c, p, text)
		return err
	}
	e.OnChanged = func(text string) {
		if p.Live && v.hooks.training() {
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
	sl.OnChanged = func(i float64) { e.SetText(h.Format(pos[int(i)])) }
	sl.OnChangeEnded = func(i float64) {
		c := v.cfg.Config()
		set, err := session.ApplyValue(&c, p, pos[int(i)]) // the stop's number, as it is
		v.applied(p, c, set, err)
	}
	v.sliders[p.Key] = sl
	return container.NewVBox(row, sl)
}

// apply makes the text of p's box its value (see session.ApplyParam).
func (v *setupView) apply(p session.Param, text string) {
	c := v.cfg.Config()
	set, err := session.ApplyParam(&c, p, text)
	v.applied(p, c, set, err)
}

// applied shows the outcome of an edit of p, which made the configuration
// c, and passes a live setting, checked once by the table, to the run.
func (v *setupView) applied(p session.Param, c training.Config, set training.Setting, err error) {
	v.showError(err)
	if err != nil {
		return // refused: the config keeps its last valid value
	}
	v.cfg.Edit(func(old *training.Config) { *old = c })
	v.showParam(p) // the box as the table writes the value
	v.hooks.param(p, set)
}

// showParam shows p's value in the config in its box and slider.
func (v *setupView) showParam(p session.Param) {
	c := v.cfg.Config()
	e := v.entries[p.Key]
	if text := p.Get(&c); e.Text != text {
		e.SetText(text)
	}
	e.SetValidationError(nil)
	if sl := v.sliders[p.Key]; sl != nil {
		sl.Value = float64(p.HP.Nearest(p.HP.Get(c)))
		sl.Refresh()
	}
}
