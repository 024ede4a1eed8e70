// Command warntable replays the mode-collapse warning over runs' metrics.csv
// files and prints a Markdown table: each run's coverage by step and the
// warnings the rule gives, beside the rule before issue 26 (judged from the
// first measurement on). docs/METRICS.md's table comes from it:
//
//	go run ./training/metrics/warntable RUN_DIR...
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ganstudio/ganstudio/training/metrics"
)

func main() {
	rule := metrics.DefaultCollapse
	flag.IntVar(&rule.Warmup, "warmup", rule.Warmup, "steps of warm-up")
	flag.IntVar(&rule.Drop, "drop", rule.Drop, "classes below the best (of ten) that count as a collapse")
	flag.Float64Var(&rule.Floor, "floor", rule.Floor, "share of the classes at or under which coverage counts as collapsed")
	flag.IntVar(&rule.Persist, "persist", rule.Persist, "measurements in a row the collapse must hold")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: go run ./training/metrics/warntable [flags] RUN_DIR...\n\nflags change the rule from metrics.DefaultCollapse:")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	fmt.Println("| run | coverage by step | warnings | first at | before issue 26 |")
	fmt.Println("|---|---|---:|---|---:|")
	for _, dir := range flag.Args() {
		points, classes, err := read(filepath.Join(dir, "metrics.csv"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "warntable:", err)
			continue
		}
		var cov []string
		for _, p := range points {
			cov = append(cov, fmt.Sprintf("%d:%d", p.Step, p.Covered))
		}
		w := rule.Warnings(points, classes)
		first := "–"
		if len(w) > 0 {
			first = fmt.Sprintf("step %d (%d of %d; best %d at %d)", w[0].Now.Step, w[0].Now.Covered, classes, w[0].Best.Covered, w[0].Best.Step)
		}
		fmt.Printf("| %s | %s | %d | %s | %d |\n", filepath.Base(filepath.Clean(dir)), strings.Join(cov, " "), len(w), first, len(before26(points, classes)))
	}
}

// read returns the coverage of every measurement of a metrics.csv and the
// classes it is out of.
func read(path string) ([]metrics.Coverage, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil || len(rows) == 0 {
		return nil, 0, fmt.Errorf("%s: %v", path, err)
	}
	col := map[string]int{}
	histCols := 0
	for i, name := range rows[0] {
		col[name] = i
		if strings.HasPrefix(name, "class_") {
			histCols++
		}
	}
	classes := 0
	var out []metrics.Coverage
	for _, row := range rows[1:] {
		if len(row) != len(rows[0]) {
			continue // cut short by a crash
		}
		step, err1 := strconv.Atoi(row[col["step"]])
		covered, err2 := strconv.Atoi(row[col["covered"]])
		if err1 != nil || err2 != nil {
			continue // a folder's row: FCD only
		}
		if i, ok := col["real_classes"]; ok {
			classes, _ = strconv.Atoi(row[i])
		}
		out = append(out, metrics.Coverage{Step: step, Covered: covered})
	}
	if classes == 0 {
		classes = histCols
	}
	return out, classes, nil
}

// before26 is the rule the window and the trainer used before issue 26:
// the best coverage from the first measurement on, a warning on a drop of
// two classes or on falling to half the classes from above.
func before26(points []metrics.Coverage, classes int) []int {
	if classes < 2 {
		return nil // a one-class run was already spared
	}
	var out []int
	best, collapsing := 0, false
	for _, p := range points {
		best = max(best, p.Covered)
		drop := best-p.Covered >= 2 || (best >= classes/2 && p.Covered <= classes/2 && p.Covered < best)
		switch {
		case drop && !collapsing:
			collapsing = true
			out = append(out, p.Step)
		case !drop && collapsing && p.Covered >= best-1:
			collapsing = false
		}
	}
	return out
}
