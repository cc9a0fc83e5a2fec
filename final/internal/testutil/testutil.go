// Package testutil holds helpers shared by final/'s tests: descriptor pairs,
// waiting on a channel with a time limit, and checks that a test leaves no
// goroutine or descriptor behind.
package testutil

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
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

// openFDs returns this process's open descriptors with what each is (a
// socket, a pipe, a file's path), or nil where that cannot be known
// cheaply: /proc/self/fd on Linux, /dev/fd on macOS and the BSDs.
func openFDs() map[string]string {
	for _, dir := range []string{"/proc/self/fd", "/dev/fd"} {
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		fds := make(map[string]string, len(ents))
		for _, e := range ents {
			// On Linux each entry is a link to what the descriptor is,
			// and the directory's own descriptor, closed by now, reads
			// as missing and is left out. On macOS the entries are not
			// links: each counts, the directory's own included, which
			// both counts compared then include alike.
			what, err := os.Readlink(filepath.Join(dir, e.Name()))
			if err != nil && dir == "/proc/self/fd" {
				continue
			}
			fds[e.Name()] = what
		}
		return fds
	}
	return nil
}

// CheckLeaks records the goroutines and descriptors open now, and at the
// end of the test fails it if more remain, listing the goroutines that
// were not there at the start (with their stacks) and the descriptors
// opened since. Goroutines that are finishing (a loop's goroutine after
// Stop returns) get up to five seconds to exit; the check polls because a
// goroutine's exit signals no event. Call it first in the test, so that
// its check runs after every other cleanup (t.Cleanup runs last in, first
// out) has stopped the test's servers and loops.
func CheckLeaks(t testing.TB) {
	t.Helper()
	g0, f0 := runtime.NumGoroutine(), openFDs()
	before := goroutineIDs(allStacks())
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for {
			// The counts decide, as they always have: a descriptor
			// that replaced one the test closed (a pooled connection
			// renewed) is no leak. The lists only say what is new.
			g, f := runtime.NumGoroutine(), openFDs()
			if g <= g0 && len(f) <= len(f0) {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("leak: goroutines %d -> %d, descriptors %d -> %d%s\n%s",
					g0, g, len(f0), len(f), strings.Join(fdsAdded(f0, f), ""), stacks(allStacks(), before))
				return
			}
			time.Sleep(time.Millisecond)
		}
	})
}

// fdsAdded lists, as "\n  fd 7: socket:[1234]" lines, the descriptors in
// now that were not in before, or were another file then.
func fdsAdded(before, now map[string]string) []string {
	var out []string
	for fd, what := range now {
		if was, ok := before[fd]; !ok || was != what {
			out = append(out, fmt.Sprintf("\n  fd %s: %s", fd, what))
		}
	}
	slices.Sort(out)
	return out
}

// allStacks returns the stacks of all goroutines, growing the buffer until
// they fit.
func allStacks() string {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return string(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}

// goroutineIDs returns the "goroutine N [" headers of a dump, which name
// each goroutine for as long as it lives.
func goroutineIDs(dump string) map[string]bool {
	ids := map[string]bool{}
	for _, g := range strings.Split(dump, "\n\n") {
		if id, _, ok := strings.Cut(g, " ["); ok {
			ids[id] = true
		}
	}
	return ids
}

// stacks trims the dump to the goroutines that were not in before (and
// are not the test runner's).
func stacks(dump string, before map[string]bool) string {
	var out []string
	for _, g := range strings.Split(dump, "\n\n") {
		if strings.Contains(g, "testing.tRunner") || strings.Contains(g, "testing.(*T).Run") {
			continue
		}
		if id, _, ok := strings.Cut(g, " ["); ok && before[id] {
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
