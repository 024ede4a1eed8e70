package main

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

func TestWindowSizeFitsTheScreen(t *testing.T) {
	minimum := fyne.NewSize(940, 640)
	tests := []struct {
		name       string
		remembered fyne.Size
		sw, sh     int
		scale      float32
		want       fyne.Size
	}{
		{"first launch, 1920×1080: the whole screen", fyne.Size{}, 1920, 1080, 1, fyne.NewSize(1904, 1000)},
		{"first launch, 1280×720", fyne.Size{}, 1280, 720, 1, fyne.NewSize(1264, 640)},
		{"first launch, 1366×768", fyne.Size{}, 1366, 768, 1, fyne.NewSize(1350, 688)},
		{"4K at scale 2: the whole screen", fyne.Size{}, 3840, 2160, 2, fyne.NewSize(1912, 1040)},
		{"4K at scale 1: three quarters of it", fyne.Size{}, 3840, 2160, 1, fyne.NewSize(2868, 1560)},
		{"2560×1440: three quarters, at least 1920×1000", fyne.Size{}, 2560, 1440, 1, fyne.NewSize(1920, 1020)},
		{"remembered", fyne.NewSize(1000, 700), 1920, 1080, 1, fyne.NewSize(1000, 700)},
		{"remembered on a smaller screen", fyne.NewSize(1800, 1000), 1366, 768, 1, fyne.NewSize(1350, 688)},
		{"never below the content's minimum", fyne.NewSize(500, 300), 1920, 1080, 1, minimum},
		{"screen unknown", fyne.Size{}, 0, 0, 1, defaultWindow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefs := test.NewTempApp(t).Preferences()
			if tt.remembered.Width > 0 {
				rememberWindowSize(prefs, tt.remembered)
			}
			if got := windowSize(prefs, minimum, tt.sw, tt.sh, tt.scale); got != tt.want {
				t.Fatalf("size %v, want %v", got, tt.want)
			}
		})
	}
}
