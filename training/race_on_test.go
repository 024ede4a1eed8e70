//go:build race

package training

// raceEnabled lets the slow learning tests skip under the race detector,
// which makes training 10–20× slower; `make test` runs them without it.
const raceEnabled = true
