package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/ganstudio/ganstudio/training"
	"github.com/ganstudio/ganstudio/ui/session"
)

// walkSteps is the number of images shown from one picked sample to the
// other, both included.
const walkSteps = 9

// walkView is the latent walk: tap two samples of the grid and see the
// images the generator makes between their noise vectors.
type walkView struct {
	host    host
	sampler func() session.Sampler // what draws the walk, if anything
	// ends maps two picked cells of the grid on screen to the noise and
	// cells to walk between; mark outlines the picked cells there.
	ends    func(a, b int) (training.Noise, int, int, error)
	mark    func(cells []int)
	show    func() // brings the walk into view (nil: nothing to do)
	picked  []int
	strip   *canvas.Image
	info    *widget.Label
	clear   *widget.Button
	enabled bool
	content fyne.CanvasObject
}

func newWalkView(h host, sampler func() session.Sampler, ends func(a, b int) (training.Noise, int, int, error), mark func([]int)) *walkView {
	v := &walkView{host: h, sampler: sampler, ends: ends, mark: mark}
	v.strip = pixelImage(9*40, 40)
	v.info = widget.NewLabel("Tap two samples of the generated grid to see the images between them.")
	v.info.Wrapping = fyne.TextWrapWord
	v.clear = widget.NewButton("Clear", func() { v.setPicked(nil) })
	v.content = container.NewBorder(container.NewVBox(heading("Latent walk"), container.NewBorder(nil, nil, nil, v.clear, v.info)), nil, nil, nil, v.strip)
	return v
}

// pick adds a tapped cell; the third tap starts a new pair.
func (v *walkView) pick(cell int) {
	if !v.enabled {
		v.info.SetText("Start or open a run first: the walk needs the generator.")
		v.host.setStatus("%s", v.info.Text)
		return
	}
	p := append([]int(nil), v.picked...)
	if len(p) == 2 {
		p = nil
	}
	p = append(p, cell)
	v.setPicked(p)
}

func (v *walkView) setPicked(p []int) {
	v.picked = p
	v.mark(p)
	switch len(p) {
	case 0:
		v.info.SetText("Tap two samples of the generated grid to see the images between them.")
	case 1:
		v.info.SetText(fmt.Sprintf("Sample %d picked: tap another.", p[0]+1))
		v.host.setStatus("Sample %d picked for a latent walk: tap another.", p[0]+1)
	case 2:
		if v.show != nil {
			v.show()
		}
		v.walk(p[0], p[1])
	}
}

// walk asks the generator for the slerp between cells a and b in the
// background and shows the result as a strip.
func (v *walkView) walk(a, b int) {
	eng := v.sampler()
	if eng == nil {
		return
	}
	noise, ia, ib, err := v.ends(a, b)
	if err != nil {
		v.info.SetText(plain(err))
		v.host.setStatus("%s", plain(err))
		return
	}
	v.info.SetText(fmt.Sprintf("Walking from sample %d to sample %d…", a+1, b+1))
	go func() {
		imgs, err := eng.Interpolate(noise, ia, ib, walkSteps)
		if err != nil {
			v.host.fail("The latent walk failed", err)
			return
		}
		strip := training.GridImage(imgs, len(imgs))
		v.host.onUI(func() {
			v.strip.Image = strip
			v.strip.Refresh()
			v.info.SetText(fmt.Sprintf("From sample %d (left) to sample %d (right), along the sphere between their noise vectors.", a+1, b+1))
		})
	}()
}

func (v *walkView) setState(st runState) {
	v.enabled = st.hasSampler
}
