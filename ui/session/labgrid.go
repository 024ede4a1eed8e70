package session

import (
	"fmt"
	"image"

	"github.com/ganstudio/ganstudio/training"
)

// MaxClassRows is the most classes the grid shows one row each; a run of
// more classes keeps the trainer's five rows and the class picker.
const MaxClassRows = 10

// LabGrid is a grid the window drew itself rather than the trainer: from
// the user's noise choice, or with one row per class.
type LabGrid struct {
	training.Preview
	Rows, Cols int
	Labels     []string       // the rows' classes, for a conditional run
	Noise      training.Noise // what it was drawn from
	// ClassRows is the class of every row of a class grid (nil for a
	// 5×5 grid): row r, column c is class ClassRows[r] drawn from the
	// run's fixed noise vector c, so each column keeps its noise.
	ClassRows []int
}

// ClassGridRows returns the classes a conditional run's grid shows, one
// per row, when the trainer's five rows cannot show them all (six to
// MaxClassRows classes); nil otherwise.
func ClassGridRows(cfg training.Config) []int {
	if cfg.Model.Classes == 0 || len(cfg.ClassNames) < cfg.Model.Classes {
		return nil
	}
	if n := len(cfg.TrainClasses); n <= 5 || n > MaxClassRows {
		return nil
	}
	return cfg.TrainClasses
}

// TrainerRowLabels names the classes of the trainer's 5×5 grid's rows (row
// r shows the r-th class trained on, cycling); nil for an unconditional
// run.
func TrainerRowLabels(cfg training.Config) []string {
	if cfg.Model.Classes == 0 || len(cfg.TrainClasses) == 0 || len(cfg.ClassNames) < cfg.Model.Classes {
		return nil
	}
	out := make([]string, 5)
	for r := range out {
		out[r] = cfg.ClassNames[cfg.TrainClasses[r%len(cfg.TrainClasses)]]
	}
	return out
}

// DrawLab draws the grid of noise: with classes (and noise not kept to
// one class) a square grid of one row per class, else the sampler's 5×5
// grid. names are the run's class names.
func DrawLab(smp Sampler, noise training.Noise, classes []int, names []string) (LabGrid, error) {
	if len(classes) == 0 || noise.OneClass {
		p, err := smp.Grid(noise)
		g := LabGrid{Preview: p, Rows: 5, Cols: 5, Noise: noise}
		if noise.OneClass && noise.Class < len(names) {
			for range 5 {
				g.Labels = append(g.Labels, names[noise.Class])
			}
		}
		return g, err
	}
	k := len(classes)
	g := LabGrid{Rows: k, Cols: k, Noise: noise, ClassRows: classes}
	var cells []*image.NRGBA
	for _, c := range classes {
		// Each drawing is of the trainer's 25 noise vectors, the size
		// of graph the preview already has; the first k cells are kept.
		n := noise
		n.OneClass, n.Class = true, c
		p, err := smp.Grid(n)
		if err != nil {
			return LabGrid{}, fmt.Errorf("class %s: %w", names[c], err)
		}
		row := CutCells(p.Image, 5)
		if len(row) < k || len(p.Fake) < k {
			return LabGrid{}, fmt.Errorf("class %s: a grid of %d cells, want %d", names[c], len(row), k)
		}
		cells = append(cells, row[:k]...)
		g.Fake = append(g.Fake, p.Fake[:k]...)
		g.Real = p.Real
		g.Labels = append(g.Labels, names[c])
	}
	g.Image = training.GridImage(cells, k)
	return g, nil
}

// CutCells cuts a grid image of cols columns (as training.GridImage lays
// it out: square cells, one-pixel gaps) into its cells, row by row.
func CutCells(grid *image.NRGBA, cols int) []*image.NRGBA {
	if grid == nil {
		return nil
	}
	b := grid.Bounds()
	s := (b.Dx()+1)/cols - 1
	if s < 1 {
		return nil
	}
	rows := (b.Dy() + 1) / (s + 1)
	var out []*image.NRGBA
	for i := 0; i < rows*cols; i++ {
		x0, y0 := b.Min.X+(i%cols)*(s+1), b.Min.Y+(i/cols)*(s+1)
		cell := image.NewNRGBA(image.Rect(0, 0, s, s))
		for y := 0; y < s; y++ {
			copy(cell.Pix[y*cell.Stride:y*cell.Stride+4*s], grid.Pix[grid.PixOffset(x0, y0+y):grid.PixOffset(x0+s, y0+y)])
		}
		out = append(out, cell)
	}
	return out
}
