//go:build race

package testutil

// raceEnabled is set when the race detector instruments the build: every
// memory access costs several times as much, so the work a loop does per
// step takes several times as long.
const raceEnabled = true
