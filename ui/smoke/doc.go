// Package smoke holds the smoke test of the real GAN Studio window under
// Xvfb: build tag xvfb, run by run.sh (make test-smoke).
package smoke
