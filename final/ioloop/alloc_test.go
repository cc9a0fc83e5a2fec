package ioloop

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/gornado/gornado/final/internal/testutil"
)

// The steady-state paths of the loop must not allocate: a callback, a
// readiness event, a timer scheduled and cancelled or fired. These tests
// drive one iteration's steps directly (same package) so that AllocsPerRun
// measures only them.

func TestNoAllocPerCallback(t *testing.T) {
	l := newLoop(t)
	n := 0
	fn := func() { n++ }
	allocs := testing.AllocsPerRun(1000, func() {
		for i := 0; i < 10; i++ {
			l.AddCallback(fn)
		}
		l.runCallbacks()
	})
	assert.Zero(t, allocs)
	assert.Equal(t, 10010, n, "every callback ran")
}

func TestNoAllocPerReadinessEvent(t *testing.T) {
	l := newLoop(t)
	a, b := testutil.SocketPair(t)
	defer unix.Close(a)
	defer unix.Close(b)
	calls := 0
	require.NoError(t, l.AddHandler(a, func(int, Events) { calls++ }, READ|WRITE))
	allocs := testing.AllocsPerRun(1000, func() {
		require.NoError(t, l.poll())
	})
	assert.Zero(t, allocs)
	assert.Equal(t, 1001, calls, "the writable socket is reported on every poll")
	l.RemoveHandler(a)
}

func TestNoAllocPerTimer(t *testing.T) {
	l := newLoop(t)
	n := 0
	fn := func() { n++ }
	allocs := testing.AllocsPerRun(1000, func() {
		to := l.CallLater(time.Hour, fn)
		l.RemoveTimeout(to)
		l.CallLater(-1, fn)
		l.runTimers()
	})
	assert.Zero(t, allocs)
	assert.Equal(t, 1001, n)
}

// BenchmarkCallbacks measures callbacks run per second on a running loop:
// each callback adds the next, so every one goes through the batch swap.
func BenchmarkCallbacks(b *testing.B) {
	l := newLoop(b)
	n := 0
	var fn func()
	fn = func() {
		n++
		if n >= b.N {
			l.Stop()
			return
		}
		l.AddCallback(fn)
	}
	b.ReportAllocs()
	b.ResetTimer()
	l.AddCallback(fn)
	if err := l.Start(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCallbacksBatch100 adds callbacks 100 at a time, the shape of a
// busy server whose handlers each schedule work.
func BenchmarkCallbacksBatch100(b *testing.B) {
	l := newLoop(b)
	n := 0
	fn := func() { n++ }
	var refill func()
	refill = func() {
		if n >= b.N {
			l.Stop()
			return
		}
		for i := 0; i < 100; i++ {
			l.AddCallback(fn)
		}
		l.AddCallback(refill)
	}
	b.ReportAllocs()
	b.ResetTimer()
	l.AddCallback(refill)
	if err := l.Start(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCallbacksFromOtherGoroutine measures the goroutine-safe path:
// another goroutine adds callbacks while the loop runs them.
func BenchmarkCallbacksFromOtherGoroutine(b *testing.B) {
	l := newLoop(b)
	n := 0
	done := make(chan struct{})
	fn := func() {
		n++
		if n == b.N {
			close(done)
		}
	}
	go l.Start()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.AddCallback(fn)
	}
	<-done
	b.StopTimer()
	l.Stop()
	for l.Running() {
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkTimerScheduleCancel measures a timer scheduled and cancelled, the
// life of most timeouts (a request that finishes before its deadline).
func BenchmarkTimerScheduleCancel(b *testing.B) {
	l := newLoop(b)
	fn := func() {}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		l.RemoveTimeout(l.CallLater(time.Minute+time.Duration(i), fn))
	}
}

// BenchmarkTimerFire measures timers scheduled and run by the loop.
func BenchmarkTimerFire(b *testing.B) {
	l := newLoop(b)
	n := 0
	fn := func() { n++ }
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		l.CallLater(-1, fn)
		if i%100 == 99 {
			l.runTimers()
		}
	}
	l.runTimers()
}

// writableLoop returns a loop with one descriptor registered for WRITE,
// which a socket always is: every poll finds it ready.
func writableLoop(b *testing.B) *IOLoop {
	l := newLoop(b)
	a, c := testutil.SocketPair(b)
	if err := l.AddHandler(a, func(int, Events) {}, WRITE); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		l.RemoveHandler(a)
		unix.Close(a)
		unix.Close(c)
	})
	return l
}

// BenchmarkReadinessEvent measures one poll returning one ready descriptor
// and its handler call.
func BenchmarkReadinessEvent(b *testing.B) {
	l := writableLoop(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		l.poll()
	}
}

// countingHandler is an EventHandler that counts its events.
type countingHandler struct{ calls int }

func (h *countingHandler) HandleEvents(int, Events) { h.calls++ }

func TestAddEventHandlerAllocatesNothing(t *testing.T) {
	// Registering an object as its own handler costs no method value, and
	// its events are delivered without allocating either.
	l := newLoop(t)
	a, b := testutil.SocketPair(t)
	defer unix.Close(a)
	defer unix.Close(b)
	h := &countingHandler{}
	allocs := testing.AllocsPerRun(100, func() {
		require.NoError(t, l.AddEventHandler(a, h, READ|WRITE))
		l.RemoveHandler(a)
	})
	assert.Zero(t, allocs, "per registration")
	require.NoError(t, l.AddEventHandler(a, h, WRITE))
	assert.ErrorIs(t, l.AddEventHandler(a, h, WRITE), ErrHandlerExists)
	assert.ErrorIs(t, l.AddHandler(a, func(int, Events) {}, WRITE), ErrHandlerExists)
	allocs = testing.AllocsPerRun(1000, func() {
		require.NoError(t, l.poll())
	})
	assert.Zero(t, allocs, "per event")
	assert.Equal(t, 1001, h.calls, "the writable socket is reported on every poll")
	assert.Error(t, l.AddEventHandler(b, nil, READ))
	l.RemoveHandler(a)
}

func TestNoAllocPerWaitWithDeadline(t *testing.T) {
	// A wait with a timer pending sets the poller's deadline (a read
	// deadline on the epoll file, on Linux) whenever the next timer moves:
	// that must not allocate either.
	l := newLoop(t)
	a, b := testutil.SocketPair(t)
	defer unix.Close(a)
	defer unix.Close(b)
	require.NoError(t, l.AddHandler(a, func(int, Events) {}, WRITE))
	until := time.Now().Add(time.Hour)
	allocs := testing.AllocsPerRun(1000, func() {
		until = until.Add(time.Microsecond)
		n, err := l.poller.wait(until, l.ready)
		require.NoError(t, err)
		require.Equal(t, 1, n)
	})
	assert.Zero(t, allocs)
	l.RemoveHandler(a)
}

// BenchmarkWaitDeadline measures a wait that returns at once (a writable
// descriptor) with a deadline: "same" keeps the deadline, as the loop does
// while its next timer stays the same; "moving" changes it every time, which
// costs setting the deadline again (SetReadDeadline on Linux).
func BenchmarkWaitDeadline(b *testing.B) {
	for _, moving := range []bool{false, true} {
		name := "same"
		if moving {
			name = "moving"
		}
		b.Run(name, func(b *testing.B) {
			l := writableLoop(b)
			until := time.Now().Add(time.Hour)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if moving {
					until = until.Add(time.Microsecond)
				}
				if _, err := l.poller.wait(until, l.ready); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
