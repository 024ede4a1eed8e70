// Package assets holds files the app ships with: the icon (also named by
// FyneApp.toml for `fyne package`) and the classifiers' weights.
package assets

import _ "embed"

// Icon is the app icon, a 512×512 PNG: a 5×5 grid of samples going from
// noise to a learned shape.
//
//go:embed icon.png
var Icon []byte
