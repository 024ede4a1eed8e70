//go:build xvfb

package smoke

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// longRunSteps is the length of the long run: the 10,000 steps a night of
// training reaches, at a width that makes them quick. The window's work
// grows with the steps and grids it has seen, not with the network's
// width, and a tiny network sends it steps faster than any real one.
const longRunSteps = 10000

// freeze is the longest the UI thread may take to run a posted function
// before the window counts as frozen. It is no speed bar (a busy machine
// delays the UI by tens to hundreds of milliseconds): it catches a UI
// thread that blocks on training, disk or a growing history.
const freeze = 5 * time.Second

// TestLongRunStaysResponsive trains 10,000 steps in the real window with
// its UI report on (`--ui-report`): the UI thread's latency, the step, the
// grids held in memory and the resident memory, every second. It checks
// that the run finishes, memory stays flat once the grid history is full,
// at most 64 grids stay in memory, and the UI thread never freezes.
func TestLongRunStaysResponsive(t *testing.T) {
	out := outDir(t)
	bin := buildApp(t, out)
	display := startXvfb(t)
	report := filepath.Join(out, "longrun-ui.csv")
	os.Remove(report)
	exited := launch(t, bin, display, filepath.Join(out, "longrun.log"),
		"--preset", "lite-mnist", "--width", "8", "--batch", "16", "--steps", strconv.Itoa(longRunSteps),
		"--sample-every", "100", "--metrics-every", "500", "--metrics-samples", "500",
		"--autostart", "--ui-report", report)

	var rows []uiRow
	for deadline := time.Now().Add(15 * time.Minute); ; time.Sleep(time.Second) {
		select {
		case err := <-exited:
			t.Fatalf("ganstudio exited: %v (log: %s)", err, filepath.Join(out, "longrun.log"))
		default:
		}
		rows = readUIReport(t, report)
		if len(rows) > 0 && rows[len(rows)-1].step >= longRunSteps {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run did not finish %d steps in 15 minutes: %d rows, last %+v", longRunSteps, len(rows), rows[len(rows)-1])
		}
	}

	// Memory: the grid history fills its 64 decoded grids at step 6,400
	// (a grid every 100 steps); from then on resident memory must stay
	// flat, give or take the garbage collector's swing.
	var full []uiRow
	for _, r := range rows {
		if r.grids > 64 {
			t.Errorf("%d grids in memory at step %d: the bound is 64", r.grids, r.step)
		}
		if r.step >= 6400 {
			full = append(full, r)
		}
		if r.maxMS > float64(freeze.Milliseconds()) {
			t.Errorf("the UI thread froze for %.0f ms around step %d", r.maxMS, r.step)
		}
	}
	if len(full) < 2 {
		t.Fatalf("too few report rows after step 6,400 to judge memory: %d", len(full))
	}
	first, peak := full[0].rssMiB, slices.MaxFunc(full, func(a, b uiRow) int { return int(a.rssMiB - b.rssMiB) }).rssMiB
	if peak > first*1.1+20 {
		t.Errorf("resident memory grew from %.0f MiB at step %d to %.0f MiB after the grid history was full", first, full[0].step, peak)
	}
	var p99 []float64
	for _, r := range rows {
		p99 = append(p99, r.p99MS)
	}
	slices.Sort(p99)
	t.Logf("%d steps in %d s; RSS %.0f → %.0f MiB after step 6,400; UI latency: median of per-second p99 %.1f ms, worst %.0f ms (report: %s)",
		rows[len(rows)-1].step, len(rows), first, peak, p99[len(p99)/2], p99[len(p99)-1], report)
}

// uiRow is one second of the app's UI report.
type uiRow struct {
	step, grids   int
	rssMiB, maxMS float64
	p99MS         float64
}

func readUIReport(t *testing.T, path string) []uiRow {
	f, err := os.Open(path)
	if err != nil {
		return nil // not written yet
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1 // the last line may be half written
	recs, _ := cr.ReadAll()
	var rows []uiRow
	for i, r := range recs {
		if i == 0 || len(r) != 9 {
			continue
		}
		num := func(j int) float64 { v, _ := strconv.ParseFloat(r[j], 64); return v }
		rows = append(rows, uiRow{step: int(num(1)), grids: int(num(2)), rssMiB: num(3), p99MS: num(6), maxMS: num(7)})
	}
	return rows
}
