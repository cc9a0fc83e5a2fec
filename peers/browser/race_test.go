//go:build race

package browser

// raceEnabled: the test runs with the race detector, and builds the demo
// with it too.
const raceEnabled = true
