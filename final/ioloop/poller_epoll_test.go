//go:build linux

package ioloop

import (
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// A loop dropped without Close keeps its descriptors until the process
// ends, as it did before the epoll descriptor became an *os.File: os would
// otherwise close the epoll descriptor whenever the garbage collector ran,
// and descriptor counts (CheckLeaks) would move in the middle of other
// tests: the likely reason webtest's TestCheckLeaksFailsOnLeak once missed
// its leak, the tests before it abandoning loops (stuck, or Goexit-ed).
func TestUnclosedLoopKeepsItsDescriptors(t *testing.T) {
	epfd, wakefd := func() (int, int) {
		l, err := New()
		require.NoError(t, err)
		p := l.poller.(*epollPoller)
		return p.epfd, p.wakefd
	}()
	defer func() {
		// Close what the dropped loop left, as Close would have.
		openFiles.Range(func(k, _ any) bool {
			if f := k.(*os.File); int(f.Fd()) == epfd {
				openFiles.Delete(f)
				f.Close()
			}
			return true
		})
		unix.Close(wakefd)
	}()
	// Two collections, each followed by a finalizer of our own: the
	// finalizers queued by the first have run when the second's has.
	for range 2 {
		ran := make(chan struct{})
		runtime.SetFinalizer(new([64]byte), func(*[64]byte) { close(ran) })
		runtime.GC()
		select {
		case <-ran:
		case <-time.After(10 * time.Second):
			t.Fatal("no finalizer ran within 10s")
		}
	}
	_, err := unix.FcntlInt(uintptr(epfd), unix.F_GETFD, 0)
	assert.NoError(t, err, "the dropped loop's epoll descriptor was closed behind its back")
}
