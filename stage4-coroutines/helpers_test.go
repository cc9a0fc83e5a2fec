package coroutines_test

import (
	"bytes"
	"log"
	"runtime"
	"sync"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/internal/exercisetest"
)

// logBuffer collects what a *log.Logger writes, safely from any goroutine.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *log.Logger { return log.New(b, "", 0) }

// checkNoLeak records the goroutine count now and, when the test ends (after
// its defers), waits up to a generous deadline for the count to come back
// down. A coroutine paused inside iter.Pull is a parked goroutine, so one that
// was never ended shows up here; so does a fetch that never finished.
func checkNoLeak(t exercisetest.T) {
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
