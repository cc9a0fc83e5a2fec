package callbacks

import (
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/internal/workload"
)

// newLoop returns a loop that is closed when the test ends.
func newLoop(t testing.TB) *Loop {
	t.Helper()
	l, err := NewLoop()
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, l.Close()) })
	return l
}

// run runs the loop on a goroutine of its own until it stops, and fails the
// test if it has not stopped after 10 seconds: a lost wake-up or a callback
// that never comes must fail the test, not hang it.
func run(t testing.TB, l *Loop) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- l.Start() }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		// Stop goes through the same wake-up that may be broken, so do not
		// wait for it: fail now and let the loop's goroutine leak.
		l.Stop()
		t.Fatal("the loop did not stop within 10s")
	}
}

// startServer starts the workload server for one test.
func startServer(t testing.TB, delay time.Duration) *workload.Server {
	t.Helper()
	srv, err := workload.Start("127.0.0.1:0", delay)
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// openFDs counts the process's open file descriptors, or returns -1 where
// /proc/self/fd does not exist (macOS).
func openFDs(t testing.TB) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}

// checkNoFDLeak runs body and checks that it leaves as many descriptors open
// as it found. body must close what it opens, servers included. On systems
// without /proc the check is skipped but body still runs.
func checkNoFDLeak(t *testing.T, body func()) {
	t.Helper()
	// The Go runtime opens its own poller on the first use of package net and
	// keeps it; open it before counting.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ln.Close()
	before := openFDs(t)
	body()
	if before < 0 || runtime.GOOS != "linux" {
		return
	}
	require.Equal(t, before, openFDs(t), "file descriptors leaked")
}
