// Package testutil holds helpers shared by final/'s tests: descriptor pairs,
// waiting on a channel with a time limit, and checks that a test leaves no
// goroutine or descriptor behind.
package testutil

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// SocketPair returns two connected non-blocking stream sockets, closed when
// the test ends (closing an already closed one is harmless here).
func SocketPair(t testing.TB) (int, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatalf("socketpair: %v", err)
	}
	for _, fd := range fds {
		unix.SetNonblock(fd, true)
		unix.CloseOnExec(fd)
	}
	return fds[0], fds[1]
}

// openFDs counts this process's open descriptors, or -1 where that cannot
// be known cheaply.
func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// CheckLeaks records the goroutines and descriptors open now, and at the
// end of the test fails it if more remain. Goroutines that are finishing
// (a loop's goroutine after Stop returns) get up to five seconds to exit;
// the check polls because a goroutine's exit signals no event.
func CheckLeaks(t testing.TB) {
	t.Helper()
	g0, f0 := runtime.NumGoroutine(), openFDs()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for {
			g, f := runtime.NumGoroutine(), openFDs()
			if g <= g0 && f <= f0 {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("leak: goroutines %d -> %d, descriptors %d -> %d\n%s", g0, g, f0, f, stacks(buf))
				return
			}
			time.Sleep(time.Millisecond)
		}
	})
}

// stacks trims the dump to the interesting goroutines.
func stacks(b []byte) string {
	var out []string
	for _, g := range strings.Split(string(b), "\n\n") {
		if strings.Contains(g, "testing.tRunner") || strings.Contains(g, "testing.(*T).Run") {
			continue
		}
		out = append(out, g)
	}
	return strings.Join(out, "\n\n")
}

// CloseFD closes a descriptor, ignoring the error (for defers).
func CloseFD(fd int) { unix.Close(fd) }

// Recv waits for a value on ch and returns it; after ten seconds it fails
// the test, naming what never came. Call it from the test's goroutine.
func Recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}
