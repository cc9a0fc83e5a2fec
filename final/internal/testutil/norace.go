//go:build !race

package testutil

// raceEnabled is set when the race detector instruments the build (see
// race.go).
const raceEnabled = false
