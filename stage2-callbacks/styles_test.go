package callbacks

import (
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Each signal becomes one callback on the loop, interleaved with the loop's
// other callbacks, and removing the handler ends its goroutine.
func TestSignalHandlerRunsOnTheLoop(t *testing.T) {
	l := newLoop(t)

	var events []string // touched only on the loop: -race checks that
	signals := 0
	remove := l.AddSignalHandler(func(sig os.Signal) {
		events = append(events, sig.String())
		if signals++; signals < 3 {
			// The next signal is sent only now, so that two cannot merge
			// into one pending signal.
			l.AddCallback(func() { events = append(events, "callback") })
			require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGUSR2))
			return
		}
		l.Stop()
	}, syscall.SIGUSR2)
	require.Equal(t, 1, signalWatchers(), "one goroutine watches the signal")

	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGUSR2))
	run(t, l)
	sig := syscall.SIGUSR2.String()
	assert.Equal(t, []string{sig, "callback", sig, "callback", sig}, events)

	remove()
	remove() // twice is harmless
	assert.Zero(t, signalWatchers(), "the watching goroutine outlived remove")
}

// signalWatchers counts the goroutines running AddSignalHandler's watcher,
// found by name in a dump of every goroutine's stack: counting all goroutines
// would also count those of other tests winding down.
func signalWatchers() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "(*Loop).AddSignalHandler.func1()")
}

func TestPlaceholderHoldsTheError(t *testing.T) {
	srv := startServer(t, 0)
	l := newLoop(t)
	p := FetchPlaceholder(l, srv.PageURL(1)+"?status=500")
	assert.False(t, p.Done())
	// The caller has to keep looking; a callback that re-adds itself does.
	var look func()
	look = func() {
		if p.Done() {
			l.Stop()
			return
		}
		l.AddCallback(look)
	}
	look()
	run(t, l)
	body, err := p.Body()
	assert.Nil(t, body)
	var he *HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 500, he.Code)
}
