package training

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ganstudio/ganstudio/training/events"
)

// ReadMetrics reads a run folder's metrics.csv (the trainer's header:
// step, samples, fcd, score, covered, …, precision, recall, seconds,
// class_0…class_9) into Metrics events, in step order. classes names the
// class columns (nil: their numbers). A folder without the file has no
// measurements and no error.
func ReadMetrics(dir string, classes []string) ([]events.Metrics, error) {
	f, err := os.Open(filepath.Join(dir, MetricsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1 // a row cut short by a crash is skipped below
	header, err := r.Read()
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", MetricsFile, err)
	}
	cols, err := newMetricsColumns(header, classes)
	if err != nil {
		return nil, err
	}
	var out []events.Metrics
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, fmt.Errorf("%s: %w", MetricsFile, err)
		}
		m, ok := cols.parse(row)
		if !ok {
			continue
		}
		// Rows are appended in step order, but a continued run may have
		// measured a step again: the newer row wins.
		n := len(out)
		for n > 0 && out[n-1].Step >= m.Step {
			n--
		}
		out = append(out[:n], m)
	}
	return out, nil
}

// metricsColumns is where metrics.csv's header puts each column.
type metricsColumns struct {
	width     int
	col       map[string]int
	classCols []int    // the class_N columns of the histogram
	names     []string // their classes
}

// newMetricsColumns reads a metrics.csv header; classes names the class
// columns when there are as many (nil: their numbers).
func newMetricsColumns(header, classes []string) (*metricsColumns, error) {
	c := &metricsColumns{width: len(header), col: map[string]int{}}
	for i, name := range header {
		name = strings.TrimSpace(name)
		c.col[name] = i
		if num, ok := strings.CutPrefix(name, "class_"); ok {
			c.classCols = append(c.classCols, i)
			c.names = append(c.names, num)
		}
	}
	if len(classes) == len(c.names) {
		c.names = classes
	}
	for _, need := range []string{"step", "fcd"} {
		if _, ok := c.col[need]; !ok {
			return nil, fmt.Errorf("%s has no %q column: is it a GAN Studio metrics file?", MetricsFile, need)
		}
	}
	return c, nil
}

// parse reads one row; ok is false for a row cut short or without a step.
// A row without a score is a measurement by FCD alone (a folder run's),
// whose class columns are left unread.
func (c *metricsColumns) parse(row []string) (m events.Metrics, ok bool) {
	if len(row) != c.width {
		return m, false
	}
	num := func(name string) float64 {
		i, ok := c.col[name]
		if !ok {
			return 0
		}
		v, _ := strconv.ParseFloat(strings.TrimSpace(row[i]), 64)
		return v
	}
	step, err := strconv.Atoi(strings.TrimSpace(row[c.col["step"]]))
	if err != nil {
		return m, false
	}
	m = events.Metrics{Step: step, N: int(num("samples")), FCD: num("fcd"), Score: num("score"),
		Precision: num("precision"), Recall: num("recall"), Covered: int(num("covered")), RealClasses: int(num("real_classes")), Classes: c.names}
	classCols := c.classCols
	if i, ok := c.col["score"]; ok && strings.TrimSpace(row[i]) == "" {
		m.FeaturesOnly, m.Classes = true, nil
		classCols = nil
	}
	for _, i := range classCols {
		n, _ := strconv.Atoi(strings.TrimSpace(row[i]))
		m.Histogram = append(m.Histogram, n)
	}
	return m, true
}
