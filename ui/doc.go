// Package ui is GAN Studio's desktop window: set-up, run controls, live
// samples and curves, the lab (D's verdicts, Step, truncation, compared
// runs), exports and the latent walk. Views own their widgets and show the
// state that package session keeps without them: the run's History and
// the configuration being edited. A view is given what it reads and does
// in its constructor, so that it can be redrawn from state at any time.
package ui
