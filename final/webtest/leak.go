// CheckLeaks: the opt-in check that a test leaves no goroutine or
// descriptor behind.

package webtest

import (
	"testing"

	"github.com/gornado/gornado/final/internal/testutil"
)

// CheckLeaks records the goroutines and file descriptors open now, and
// when the test ends fails it if more remain: the failure lists the
// goroutines started since, with their stacks, and the descriptors opened
// since, with what each is (a socket, a pipe, a file), read from
// /proc/self/fd on Linux or /dev/fd on macOS. Goroutines still finishing
// get up to five seconds to exit (the check polls: an exit signals
// nothing). Call it first in the test, before Serve or NewLoop: cleanups
// run last in, first out, so the check then runs after the servers and
// loops have stopped. Tornado has no counterpart; its AsyncTestCase closes
// the loop with all_fds=True to hide such leaks rather than report them.
//
// It counts the whole process, so it is for tests that do not run in
// parallel (t.Parallel) with others. final's own tests use the same check.
func CheckLeaks(t testing.TB) {
	t.Helper()
	testutil.CheckLeaks(t)
}
