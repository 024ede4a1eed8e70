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
	col := map[string]int{}
	var classCols []int
	var names []string
	for i, name := range header {
		name = strings.TrimSpace(name)
		col[name] = i
		if num, ok := strings.CutPrefix(name, "class_"); ok {
			classCols = append(classCols, i)
			names = append(names, num)
		}
	}
	if len(classes) == len(names) {
		names = classes
	}
	for _, need := range []string{"step", "fcd"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("%s has no %q column: is it a GAN Studio metrics file?", MetricsFile, need)
		}
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
		if len(row) != len(header) {
			continue
		}
		num := func(name string) float64 {
			i, ok := col[name]
			if !ok {
				return 0
			}
			v, _ := strconv.ParseFloat(strings.TrimSpace(row[i]), 64)
			return v
		}
		step, err := strconv.Atoi(strings.TrimSpace(row[col["step"]]))
		if err != nil {
			continue
		}
		m := events.Metrics{Step: step, N: int(num("samples")), FCD: num("fcd"), Score: num("score"),
			Precision: num("precision"), Recall: num("recall"), Covered: int(num("covered")), RealClasses: int(num("real_classes")), Classes: names}
		if i, ok := col["score"]; ok && strings.TrimSpace(row[i]) == "" {
			m.FeaturesOnly, m.Classes = true, nil
			classCols = nil
		}
		for _, i := range classCols {
			c, _ := strconv.Atoi(strings.TrimSpace(row[i]))
			m.Histogram = append(m.Histogram, c)
		}
		// Rows are appended in step order, but a continued run may have
		// measured a step again: the newer row wins.
		n := len(out)
		for n > 0 && out[n-1].Step >= step {
			n--
		}
		out = append(out[:n], m)
	}
	return out, nil
}
