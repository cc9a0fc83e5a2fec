package callbacks

import (
	"bytes"
	"log"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func TestEventsString(t *testing.T) {
	for _, tc := range []struct {
		ev   Events
		want string
	}{
		{0, "0"},
		{READ, "READ"},
		{WRITE, "WRITE"},
		{READ | WRITE, "READ|WRITE"},
		{READ | WRITE | ERROR, "READ|WRITE|ERROR"},
	} {
		assert.Equal(t, tc.want, tc.ev.String())
	}
}

func TestCallbacksRunInOrderOnStart(t *testing.T) {
	l := newLoop(t)
	var got []int
	for i := 1; i <= 3; i++ {
		l.AddCallback(func() { got = append(got, i) })
	}
	l.Stop() // before Start: Start runs one turn and returns
	run(t, l)
	assert.Equal(t, []int{1, 2, 3}, got)
}

// A callback added by a callback waits for the next turn, so the loop can be
// stopped between the two, and a restarted loop runs it.
func TestCallbackAddedByCallbackRunsNextTurn(t *testing.T) {
	l := newLoop(t)
	var got []string
	l.AddCallback(func() {
		got = append(got, "first")
		l.AddCallback(func() {
			got = append(got, "second")
			l.Stop()
		})
	})
	l.Stop()
	run(t, l)
	assert.Equal(t, []string{"first"}, got)
	run(t, l)
	assert.Equal(t, []string{"first", "second"}, got)
}

// Many goroutines add callbacks while the loop runs. Every callback must run
// exactly once on the loop; a lost wake-up would hang (and fail) the test,
// and a missing lock would trip the race detector.
func TestAddCallbackFromManyGoroutines(t *testing.T) {
	const goroutines, each = 8, 500
	l := newLoop(t)
	count := 0 // touched only on the loop
	var start sync.WaitGroup
	start.Add(1)
	for g := 0; g < goroutines; g++ {
		go func() {
			start.Wait()
			for i := 0; i < each; i++ {
				l.AddCallback(func() {
					count++
					if count == goroutines*each {
						l.Stop()
					}
				})
			}
		}()
	}
	start.Done()
	run(t, l)
	assert.Equal(t, goroutines*each, count)
}

// Ping-pong with a loop that has nothing else to do: each callback finds the
// loop asleep in poll(2) with no timer to wake it, so only the self-pipe can.
// A lost wake-up hangs the exchange, and run fails the test after 10s.
func TestAddCallbackWakesASleepingLoop(t *testing.T) {
	l := newLoop(t)
	ran := make(chan struct{})
	go func() {
		for i := 0; i < 300; i++ {
			l.AddCallback(func() { ran <- struct{}{} })
			<-ran
		}
		l.Stop()
	}()
	run(t, l)
}

func TestStopFromAnotherGoroutine(t *testing.T) {
	l := newLoop(t)
	running := make(chan struct{})
	l.AddCallback(func() { close(running) })
	go func() {
		<-running
		l.Stop()
	}()
	run(t, l)
}

func TestCallLaterRunsTimersInDeadlineOrder(t *testing.T) {
	l := newLoop(t)
	delays := []time.Duration{30 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond, 0, 10 * time.Millisecond}
	var order []int
	start := time.Now()
	for i, d := range delays {
		l.CallLater(d, func() {
			assert.GreaterOrEqual(t, time.Since(start), d, "timer %d ran early", i)
			order = append(order, i)
			if len(order) == len(delays) {
				l.Stop()
			}
		})
	}
	run(t, l)
	// Equal deadlines keep the order they were scheduled in (1 before 4).
	assert.Equal(t, []int{3, 1, 4, 2, 0}, order)
}

func TestTimerCancel(t *testing.T) {
	l := newLoop(t)
	var ran []string
	a := l.CallLater(5*time.Millisecond, func() { ran = append(ran, "cancelled") })
	l.CallLater(10*time.Millisecond, func() { ran = append(ran, "kept"); l.Stop() })
	a.Cancel()
	a.Cancel() // twice is harmless
	run(t, l)
	assert.Equal(t, []string{"kept"}, ran)
}

// A timer that re-schedules itself with no delay must not starve the rest of
// the loop: each runs in a later turn, and callbacks get their turn between.
func TestZeroDelayTimerDoesNotStarveTheLoop(t *testing.T) {
	l := newLoop(t)
	ticks := 0
	var tick func()
	tick = func() { ticks++; l.CallLater(0, tick) }
	l.CallLater(0, tick)
	l.AddCallback(func() { l.AddCallback(l.Stop) })
	run(t, l)
	assert.Less(t, ticks, 10)
}

func TestLoopStateErrors(t *testing.T) {
	l, err := NewLoop()
	require.NoError(t, err)
	var nested, closeWhileRunning error
	l.AddCallback(func() {
		nested = l.Start()
		closeWhileRunning = l.Close()
		l.Stop()
	})
	run(t, l)
	assert.ErrorIs(t, nested, ErrRunning)
	assert.ErrorIs(t, closeWhileRunning, ErrRunning)

	require.NoError(t, l.Close())
	assert.NoError(t, l.Close(), "closing twice")
	assert.ErrorIs(t, l.Start(), ErrClosed)
	l.AddCallback(func() { t.Error("a callback added after Close ran") }) // dropped, no panic
	l.Stop()
}

// A callback that panics is logged with its stack, and the loop carries on
// with the next one, as Tornado's IOLoop does.
func TestPanickingCallbackIsLoggedAndTheLoopGoesOn(t *testing.T) {
	l := newLoop(t)
	var logged bytes.Buffer
	l.ErrorLog = log.New(&logged, "", 0)
	after := false
	l.AddCallback(func() { panic("boom") })
	l.AddCallback(func() { after = true; l.Stop() })
	run(t, l)
	assert.True(t, after, "the callback after the panic did not run")
	assert.Contains(t, logged.String(), "callbacks: panic in callback: boom")
	assert.Contains(t, logged.String(), "(*Loop).Start", "the log has no stack trace")
}

// Handlers on a pipe: the loop reports what each descriptor is ready for.
func TestHandlerEvents(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(r, w int) // done before the loop starts
		watchW  bool           // watch the write end instead of the read end
		events  Events
		want    Events
	}{
		{"bytes waiting", func(r, w int) { _, _ = unix.Write(w, []byte("x")) }, false, READ, READ},
		{"writer closed", func(r, w int) { unix.Close(w) }, false, READ, READ},
		{"room to write", func(r, w int) {}, true, WRITE, WRITE},
		{"read end closed", func(r, w int) { unix.Close(r) }, true, WRITE, WRITE | ERROR},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p [2]int
			require.NoError(t, unix.Pipe(p[:]))
			r, w := p[0], p[1]
			tc.prepare(r, w)
			t.Cleanup(func() { unix.Close(r); unix.Close(w) })
			fd := r
			if tc.watchW {
				fd = w
			}
			l := newLoop(t)
			var got []Events
			l.AddHandler(fd, tc.events, func(ev Events) {
				got = append(got, ev)
				l.RemoveHandler(fd) // level-triggered: it would fire again
				l.Stop()
			})
			run(t, l)
			require.Len(t, got, 1)
			// Linux reports a write end whose reader is gone as WRITE|ERROR;
			// other systems may report only one of them.
			assert.NotZero(t, got[0]&tc.want, "got %v, want %v", got[0], tc.want)
			assert.Zero(t, got[0]&^(tc.events|ERROR), "got %v, asked for %v", got[0], tc.events)
		})
	}
}

// A descriptor whose handler waits for READ is not reported while it is only
// writable: the loop asks poll for what the handler wants, nothing more.
func TestUpdateHandlerChangesWhatIsWatched(t *testing.T) {
	var p [2]int
	require.NoError(t, unix.Pipe(p[:]))
	r, w := p[0], p[1]
	t.Cleanup(func() { unix.Close(r); unix.Close(w) })
	l := newLoop(t)
	var got []Events
	l.AddHandler(w, READ, func(ev Events) { got = append(got, ev) })
	l.CallLater(20*time.Millisecond, func() {
		assert.Empty(t, got, "reported before it was asked for WRITE")
		l.UpdateHandler(w, WRITE)
		l.AddCallback(func() { l.RemoveHandler(w); l.Stop() })
	})
	run(t, l)
	assert.Equal(t, []Events{WRITE}, got)
}

func TestNewLoopAndCloseLeaveNoDescriptors(t *testing.T) {
	checkNoFDLeak(t, func() {
		l, err := NewLoop()
		require.NoError(t, err)
		l.Stop()
		require.NoError(t, l.Start())
		require.NoError(t, l.Close())
	})
}

func BenchmarkAddCallbackOnLoop(b *testing.B) {
	l := newLoop(b)
	n := 0
	var again func()
	again = func() {
		if n++; n >= b.N {
			l.Stop()
			return
		}
		l.AddCallback(again)
	}
	l.AddCallback(again)
	b.ResetTimer()
	require.NoError(b, l.Start())
}

// A round trip from another goroutine: add a callback, wait until it has run.
// Each one has to wake the loop from poll(2) through the self-pipe.
func BenchmarkAddCallbackFromAnotherGoroutine(b *testing.B) {
	l := newLoop(b)
	done := make(chan error, 1)
	go func() { done <- l.Start() }()
	ran := make(chan struct{})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.AddCallback(func() { ran <- struct{}{} })
		<-ran
	}
	b.StopTimer()
	l.Stop()
	require.NoError(b, <-done)
}

func BenchmarkCallLater(b *testing.B) {
	l := newLoop(b)
	n := 0
	var again func()
	again = func() {
		if n++; n >= b.N {
			l.Stop()
			return
		}
		l.CallLater(0, again)
	}
	l.CallLater(0, again)
	b.ResetTimer()
	require.NoError(b, l.Start())
}
