//go:build race

package classifier

// raceEnabled lets the slow tests skip under the race detector.
const raceEnabled = true
