package webtest

import "time"

// SetStopTimeout lowers the bound of a test's end, for the test of a loop
// that does not stop, and returns a function restoring it.
func SetStopTimeout(d time.Duration) (restore func()) {
	old := stopTimeout
	stopTimeout = d
	return func() { stopTimeout = old }
}
