//go:build xvfb

package smoke

import (
	"fmt"
	"image"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWindowFitsScreens opens the training window on screens from a
// 1280×720 laptop to a 4K monitor, at FYNE_SCALE 1 and 2, and checks that
// it fits the screen with the Export buttons and the progress line inside
// it. Each screen's screenshot is saved as fit-WxH[-scaleN].png: look at
// them.
func TestWindowFitsScreens(t *testing.T) {
	out := outDir(t)
	bin := buildApp(t, out)
	for _, tt := range []struct {
		screen string
		scale  string // FYNE_SCALE; "" leaves it unset
	}{
		{"1280x720", ""},
		{"1366x768", ""},
		{"1920x1080", ""},
		{"3840x2160", ""},
		{"3840x2160", "2"},
	} {
		name := "fit-" + tt.screen
		if tt.scale != "" {
			name += "-scale" + tt.scale
		}
		t.Run(name, func(t *testing.T) {
			var sw, sh int
			fmt.Sscanf(tt.screen, "%dx%d", &sw, &sh)
			display := startXvfbScreen(t, tt.screen)
			layout := filepath.Join(t.TempDir(), "layout.json")
			var env []string
			if tt.scale != "" {
				env = append(env, "FYNE_SCALE="+tt.scale)
			}
			exited := launchEnv(t, bin, display, filepath.Join(out, name+".log"), env,
				"--preset", "lite-mnist", "--width", "16", "--batch", "16", "--metrics-every", "0", "--autostart", "--layout-report", layout)
			win, regions := waitWindow(t, display, layout, exited, filepath.Join(out, name+".log"))
			time.Sleep(3 * time.Second) // a few steps on the progress line
			geo := waitOutput(t, 10*time.Second, display, "xdotool", "getwindowgeometry", win)
			var x, y, w, h int
			for _, line := range strings.Split(geo, "\n") {
				line = strings.TrimSpace(line)
				if strings.HasPrefix(line, "Position:") {
					fmt.Sscanf(line, "Position: %d,%d", &x, &y)
				}
				if strings.HasPrefix(line, "Geometry:") {
					fmt.Sscanf(line, "Geometry: %dx%d", &w, &h)
				}
			}
			t.Logf("screen %s FYNE_SCALE %q: window %dx%d at %d,%d", tt.screen, tt.scale, w, h, x, y)
			if w == 0 || h == 0 || x < 0 || y < 0 || x+w > sw || y+h > sh {
				t.Errorf("the window (%dx%d at %d,%d) does not fit the %s screen:\n%s", w, h, x, y, tt.screen, geo)
			}
			inside := image.Rect(0, 0, w, h)
			for _, part := range []string{"export", "progress", "grid", "curves"} {
				r := rect(regions[part])
				if r.Empty() || !r.In(inside) {
					t.Errorf("%s at %v is not inside the %dx%d window (layout %v)", part, r, w, h, regions)
				}
			}
			screenshot(t, display, "root", filepath.Join(out, name+".png"))
		})
	}
}
