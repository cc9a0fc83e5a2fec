//go:build !race

package browser

// raceEnabled: the test runs without the race detector.
const raceEnabled = false
