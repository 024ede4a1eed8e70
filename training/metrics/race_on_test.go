//go:build race

package metrics

// raceEnabled lets the slow tests skip under the race detector.
const raceEnabled = true
