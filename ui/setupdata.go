package ui

import (
	"image"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/training/dataset"
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

// fitLabel is the choice that shows how a folder's pictures are made
// square.
func fitLabel(f string) string {
	if f == dataset.FitPad {
		return fitPadLabel
	}
	return fitCropLabel
}

// newDataPickers makes the choices of what to learn: the preset, the data
// set, its classes or its folder, and the strip of its pictures.
func (v *setupView) newDataPickers() {
	v.preset = widget.NewSelect(presetLabels(), func(label string) {
		cfg, err := training.Preset(presetNamed(label))
		if err != nil {
			v.showError(err)
			return
		}
		v.showError(nil)
		v.cfg.Load(cfg)
	})
	v.preset.PlaceHolder = "(custom)"
	v.data = widget.NewSelect([]string{choiceMNIST, choiceFashion, choiceCIFAR, choiceFolder}, v.pickData)
	v.class = widget.NewSelect(classOptions(nil), func(choice string) {
		switch choice {
		case someClasses:
			v.askClasses()
		case allClasses:
			v.setClasses(nil)
		case classLabel(v.cfg.Config().Data.Classes):
			// the several classes chosen before: nothing changes
		default:
			v.setClasses([]string{choice})
		}
	})
	v.folder = widget.NewLabel("")
	v.folder.Wrapping = fyne.TextWrapBreak
	v.fit = widget.NewRadioGroup([]string{fitCropLabel, fitPadLabel}, func(choice string) {
		if choice == "" {
			return
		}
		v.cfg.Edit(func(c *training.Config) {
			c.Data.Fit = dataset.FitCrop
			if choice == fitPadLabel {
				c.Data.Fit = dataset.FitPad
			}
		})
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

// showClasses shows a class filter in the picker.
func (v *setupView) showClasses(classes []string) {
	v.class.Options = classOptions(classes)
	v.class.Selected = classLabel(classes)
	v.class.Refresh()
}

// setClasses trains on the given classes from now on (nil: all).
func (v *setupView) setClasses(classes []string) {
	v.cfg.Edit(func(c *training.Config) { c.Data.Classes = classes })
}

// askClasses lets the user tick the classes to train on. The dialog's
// check group stays in v.classChecks while it is open.
func (v *setupView) askClasses() {
	v.classChecks = widget.NewCheckGroup(cifarClasses, nil)
	v.classChecks.Horizontal = false
	v.classChecks.SetSelected(v.cfg.Config().Data.Classes)
	d := dialog.NewCustomConfirm("Classes to train on", "Use these", "Cancel", v.classChecks, func(ok bool) {
		v.answerClasses(ok)
	}, v.hooks.win)
	d.Show()
}

// answerClasses applies the ticked classes (ok) or puts the picker back.
func (v *setupView) answerClasses(ok bool) {
	ticked := v.classChecks.Selected
	v.classChecks = nil
	if !ok {
		v.showClasses(v.cfg.Config().Data.Classes)
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

// showDataControls shows the class picker for CIFAR-10 and the folder
// and its fit for a folder.
func (v *setupView) showDataControls() {
	c := v.cfg.Config().Data
	if choiceFor(c) == choiceCIFAR {
		v.class.Enable()
	} else {
		v.class.Disable()
	}
	if c.Path != "" {
		v.folder.SetText("Folder: " + c.Path)
		v.folder.Show()
		v.fit.Selected = fitLabel(c.Fit)
		v.fit.Refresh()
		v.fit.Show()
	} else {
		v.folder.Hide()
		v.fit.Hide()
	}
	v.relayout()
}

// pickData trains on the data set chosen in the picker; a folder is asked
// for first.
func (v *setupView) pickData(choice string) {
	set := func(spec dataset.Spec) {
		v.cfg.Edit(func(c *training.Config) {
			c.Data = spec
			c.Model.ImageSize, c.Model.Channels = training.ShapeFor(spec, c.Model.ImageSize)
		})
	}
	switch choice {
	case choiceMNIST:
		set(dataset.Spec{Name: "mnist"})
	case choiceFashion:
		set(dataset.Spec{Name: "fashion-mnist"})
	case choiceCIFAR:
		set(dataset.Spec{Name: "cifar10"})
	case choiceFolder:
		v.hooks.chooser.OpenFolder("Folder of training images", func(path string) {
			if path == "" {
				v.show() // cancelled: show the data set that is still in use
				return
			}
			size, ch := training.ShapeFor(dataset.Spec{Path: path}, v.cfg.Config().Model.ImageSize)
			set(dataset.Spec{Path: path, Size: size, Channels: ch})
		})
	}
}
