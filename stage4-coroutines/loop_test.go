package coroutines

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// chanLoop is the smallest loop the Runner can run on: a queue of callbacks
// that any goroutine may add to, run one after another on the goroutine that
// called Start. It has no sockets and no timers, which is the point: the
// tests that use it show that the runner needs nothing but AddCallback.
type chanLoop struct {
	mu      sync.Mutex
	queue   []func()
	stopped bool
	wake    chan struct{}
}

func newChanLoop() *chanLoop { return &chanLoop{wake: make(chan struct{}, 1)} }

func (l *chanLoop) AddCallback(fn func()) {
	l.mu.Lock()
	l.queue = append(l.queue, fn)
	l.mu.Unlock()
	l.poke()
}

func (l *chanLoop) Stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
	l.poke()
}

func (l *chanLoop) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *chanLoop) Start() error {
	for {
		l.mu.Lock()
		batch := l.queue
		l.queue = nil
		l.mu.Unlock()
		for _, fn := range batch {
			fn()
		}
		l.mu.Lock()
		if l.stopped {
			l.stopped = false
			l.mu.Unlock()
			return nil
		}
		empty := len(l.queue) == 0
		l.mu.Unlock()
		if empty {
			<-l.wake
		}
	}
}

// checkNoLeak records the goroutine count now and, at the end of the test,
// waits (up to a generous deadline) for it to come back down. A coroutine
// paused inside iter.Pull is a parked goroutine, so a coroutine that was never
// ended shows up here.
func checkNoLeak(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		require.LessOrEqual(t, runtime.NumGoroutine(), before, "goroutines leaked")
	})
}
