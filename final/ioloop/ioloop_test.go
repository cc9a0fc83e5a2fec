package ioloop

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/internal/testutil"
)

// newLoop returns a loop closed at the end of the test.
func newLoop(t testing.TB, opts ...Option) *IOLoop {
	t.Helper()
	l, err := New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close(false) })
	return l
}

// runUntil runs l until fn has been called with stop, or fails the test
// after 10 s (a hang, not a timing assumption).
func runUntil(t *testing.T, l *IOLoop, fn func(stop func())) {
	t.Helper()
	l.AddCallback(func() { fn(l.Stop) })
	guard := l.CallLater(10*time.Second, func() {
		t.Error("loop did not stop within 10s")
		l.Stop()
	})
	require.NoError(t, l.Start())
	l.RemoveTimeout(guard)
}

func TestEventsString(t *testing.T) {
	assert.Equal(t, "NONE", Events(0).String())
	assert.Equal(t, "READ", READ.String())
	assert.Equal(t, "READ|WRITE|ERROR", (READ | WRITE | ERROR).String())
	assert.Equal(t, "WRITE|0x10", (WRITE | 16).String())
}

func TestAddCallbackFromAnotherGoroutineWakesLoop(t *testing.T) {
	testutil.CheckLeaks(t)
	l := newLoop(t)
	done := make(chan struct{})
	var ran bool
	go func() {
		// Wait until the loop is blocked in the poller with nothing to
		// do, then wake it: the callback must run without any timer.
		<-done
		l.AddCallback(func() { ran = true; l.Stop() })
	}()
	l.AddCallback(func() { close(done) })
	require.NoError(t, l.Start())
	assert.True(t, ran)
}

func TestStopFromAnotherGoroutine(t *testing.T) {
	l := newLoop(t)
	started := make(chan struct{})
	l.AddCallback(func() { close(started) })
	go func() { <-started; l.Stop() }()
	require.NoError(t, l.Start())
	assert.False(t, l.Running())
}

func TestCallbacksAddedByCallbacksRunNextIteration(t *testing.T) {
	l := newLoop(t)
	var order []string
	l.AddCallback(func() {
		order = append(order, "a")
		l.AddCallback(func() { order = append(order, "c"); l.Stop() })
	})
	l.AddCallback(func() { order = append(order, "b") })
	require.NoError(t, l.Start())
	assert.Equal(t, []string{"a", "b", "c"}, order)
}

func TestStopBeforeStartRunsOneIteration(t *testing.T) {
	l := newLoop(t)
	ran := false
	l.AddCallback(func() { ran = true })
	l.Stop()
	require.NoError(t, l.Start())
	assert.True(t, ran)
}

func TestStartTwice(t *testing.T) {
	l := newLoop(t)
	runUntil(t, l, func(stop func()) {
		assert.ErrorIs(t, l.Start(), ErrAlreadyRunning)
		stop()
	})
}

func TestPanicInCallbackIsLoggedAndLoopContinues(t *testing.T) {
	var logs bytes.Buffer
	l := newLoop(t, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	after := false
	runUntil(t, l, func(stop func()) {
		l.AddCallback(func() { panic("boom") })
		l.CallLater(0, func() { panic(errors.New("timer boom")) })
		l.AddCallback(func() { l.AddCallback(func() { after = true; stop() }) })
	})
	assert.True(t, after)
	assert.Contains(t, logs.String(), "ioloop: panic in callback")
	assert.Contains(t, logs.String(), "boom")
	assert.Contains(t, logs.String(), "timer boom")
	assert.Contains(t, logs.String(), "ioloop_test.go", "the stack is logged")
}

func TestTimersRunInDeadlineOrderAndFIFOOnTies(t *testing.T) {
	l := newLoop(t)
	var order []int
	runUntil(t, l, func(stop func()) {
		now := l.Time()
		l.CallAt(now.Add(30*time.Millisecond), func() { order = append(order, 3); stop() })
		l.CallAt(now.Add(10*time.Millisecond), func() { order = append(order, 1) })
		l.CallAt(now.Add(20*time.Millisecond), func() { order = append(order, 2) })
		l.CallAt(now.Add(20*time.Millisecond), func() { order = append(order, 22) })
		l.AddTimeout(now, func() { order = append(order, 0) })
	})
	assert.Equal(t, []int{0, 1, 2, 22, 3}, order)
}

func TestCallLaterWaitsAtLeastTheDelay(t *testing.T) {
	l := newLoop(t)
	var start time.Time
	var elapsed time.Duration
	runUntil(t, l, func(stop func()) {
		start = time.Now()
		l.CallLater(20*time.Millisecond, func() { elapsed = time.Since(start); stop() })
	})
	assert.GreaterOrEqual(t, elapsed, 20*time.Millisecond)
}

func TestRemoveTimeout(t *testing.T) {
	l := newLoop(t)
	fired := false
	runUntil(t, l, func(stop func()) {
		to := l.CallLater(time.Millisecond, func() { fired = true })
		l.RemoveTimeout(to)
		l.RemoveTimeout(to) // twice is harmless
		l.CallLater(5*time.Millisecond, stop)
	})
	assert.False(t, fired)
}

func TestRemoveTimeoutAfterFireDoesNotCancelRecycledTimer(t *testing.T) {
	l := newLoop(t)
	var first Timeout
	secondFired := false
	runUntil(t, l, func(stop func()) {
		first = l.CallLater(0, func() {
			// first's record is recycled for this timer: the stale
			// handle must not cancel it.
			l.CallLater(0, func() { secondFired = true; stop() })
			l.RemoveTimeout(first)
		})
	})
	assert.True(t, secondFired)
}

func TestTimerCancelsAnotherDueTimer(t *testing.T) {
	l := newLoop(t)
	var b Timeout
	bFired := false
	runUntil(t, l, func(stop func()) {
		when := l.Time()
		l.CallAt(when, func() { l.RemoveTimeout(b) })
		b = l.CallAt(when, func() { bFired = true })
		l.CallLater(2*time.Millisecond, func() {
			assert.Equal(t, 0, l.timers.cancelled, "the dead entry was counted out")
			stop()
		})
	})
	assert.False(t, bFired)
}

func TestRemoveTimeoutCleanup(t *testing.T) {
	// Tornado's test_remove_timeout_cleanup: many cancelled timers must not
	// accumulate in the heap.
	l := newLoop(t)
	runUntil(t, l, func(stop func()) {
		for i := 0; i < 2000; i++ {
			l.RemoveTimeout(l.CallLater(time.Hour, func() {}))
		}
		assert.Less(t, len(l.timers.h), 1100)
		l.CallLater(0, stop)
	})
}

func TestHandlerReadLevelTriggered(t *testing.T) {
	testutil.CheckLeaks(t)
	l := newLoop(t)
	a, b := testutil.SocketPair(t)
	defer unix.Close(a)
	defer unix.Close(b)
	calls := 0
	require.NoError(t, l.AddHandler(a, func(fd int, ev Events) {
		assert.Equal(t, a, fd)
		assert.Equal(t, READ, ev)
		calls++
		if calls == 3 {
			// Level-triggered: unread data kept us being called.
			buf := make([]byte, 10)
			n, _ := unix.Read(fd, buf)
			assert.Equal(t, "hi", string(buf[:n]))
			l.RemoveHandler(fd)
			l.Stop()
		}
	}, READ))
	_, err := unix.Write(b, []byte("hi"))
	require.NoError(t, err)
	require.NoError(t, l.Start())
	assert.Equal(t, 3, calls)
}

func TestHandlerWriteAndUpdate(t *testing.T) {
	l := newLoop(t)
	a, b := testutil.SocketPair(t)
	defer unix.Close(a)
	defer unix.Close(b)
	var seen []Events
	require.NoError(t, l.AddHandler(a, func(fd int, ev Events) {
		seen = append(seen, ev)
		switch len(seen) {
		case 1:
			require.NoError(t, l.UpdateHandler(fd, READ))
			unix.Write(b, []byte("x"))
		case 2:
			l.RemoveHandler(fd)
			l.Stop()
		}
	}, WRITE))
	require.NoError(t, l.Start())
	assert.Equal(t, []Events{WRITE, READ}, seen)
}

func TestAddHandlerTwiceAndUpdateUnknown(t *testing.T) {
	l := newLoop(t)
	a, b := testutil.SocketPair(t)
	defer unix.Close(a)
	defer unix.Close(b)
	require.NoError(t, l.AddHandler(a, func(int, Events) {}, READ))
	assert.ErrorIs(t, l.AddHandler(a, func(int, Events) {}, READ), ErrHandlerExists)
	assert.ErrorIs(t, l.UpdateHandler(b, READ), ErrNoHandler)
	l.RemoveHandler(a)
	l.RemoveHandler(a) // harmless
	require.NoError(t, l.AddHandler(a, func(int, Events) {}, READ), "re-adding after removal")
	l.RemoveHandler(a)
}

func TestRemoveHandlerFromHandler(t *testing.T) {
	// Tornado's test_remove_handler_from_handler: two descriptors ready in
	// the same iteration; whichever runs first removes the other, which
	// must then not be called.
	l := newLoop(t)
	a1, b1 := testutil.SocketPair(t)
	a2, b2 := testutil.SocketPair(t)
	for _, fd := range []int{a1, b1, a2, b2} {
		defer unix.Close(fd)
	}
	unix.Write(b1, []byte("x"))
	unix.Write(b2, []byte("x"))
	called := map[int]int{}
	handler := func(fd int, ev Events) {
		called[fd]++
		other := a2
		if fd == a2 {
			other = a1
		}
		l.RemoveHandler(other)
		l.RemoveHandler(fd)
	}
	require.NoError(t, l.AddHandler(a1, handler, READ))
	require.NoError(t, l.AddHandler(a2, handler, READ))
	runUntil(t, l, func(stop func()) { l.CallLater(5*time.Millisecond, stop) })
	assert.Len(t, called, 1)
}

func TestHangupReportsError(t *testing.T) {
	l := newLoop(t)
	a, b := testutil.SocketPair(t)
	defer unix.Close(a)
	var got Events
	require.NoError(t, l.AddHandler(a, func(fd int, ev Events) {
		got = ev
		l.RemoveHandler(fd)
		l.Stop()
	}, READ))
	unix.Close(b)
	require.NoError(t, l.Start())
	assert.NotZero(t, got&READ, "a closed peer reads as readable (EOF): %v", got)
}

func TestCloseAllFDs(t *testing.T) {
	l, err := New()
	require.NoError(t, err)
	a, b := testutil.SocketPair(t)
	defer unix.Close(b)
	require.NoError(t, l.AddHandler(a, func(int, Events) {}, READ))
	require.NoError(t, l.Close(true))
	_, err = unix.Write(a, []byte("x"))
	assert.ErrorIs(t, err, unix.EBADF, "Close(true) closed the descriptor")
	assert.ErrorIs(t, l.Start(), ErrClosed)
	assert.NoError(t, l.Close(true), "closing twice")
}

func TestRunSync(t *testing.T) {
	l := newLoop(t)
	v, err := RunSync(l, func() *concurrent.Future[int] {
		f := concurrent.NewFuture[int]()
		l.CallLater(time.Millisecond, func() { f.SetResult(42) })
		return f
	}, 0)
	require.NoError(t, err)
	assert.Equal(t, 42, v)

	_, err = RunSync(l, func() *concurrent.Future[int] {
		return concurrent.Failed[int](errors.New("bad"))
	}, 0)
	assert.EqualError(t, err, "bad")

	_, err = RunSync(l, func() *concurrent.Future[int] { panic("oops") }, 0)
	var pe *concurrent.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "oops", pe.Value)
}

func TestRunSyncTimeout(t *testing.T) {
	l := newLoop(t)
	var fut *concurrent.Future[int]
	_, err := RunSync(l, func() *concurrent.Future[int] {
		fut = concurrent.NewFuture[int]()
		return fut
	}, 10*time.Millisecond)
	assert.ErrorIs(t, err, ErrTimeout)
	assert.True(t, fut.Cancelled())
	// The loop is usable again afterwards.
	v, err := RunSync(l, func() *concurrent.Future[string] { return concurrent.Resolved("ok") }, time.Second)
	require.NoError(t, err)
	assert.Equal(t, "ok", v)
}

func TestAddFutureRunsOnNextIteration(t *testing.T) {
	l := newLoop(t)
	var order []string
	runUntil(t, l, func(stop func()) {
		f := concurrent.NewFuture[int]()
		AddFuture(l, f, func(f *concurrent.Future[int]) {
			v, _ := f.Result()
			assert.Equal(t, 7, v)
			order = append(order, "callback")
			stop()
		})
		f.SetResult(7)
		order = append(order, "after set")
	})
	assert.Equal(t, []string{"after set", "callback"}, order)
}

func TestRunInExecutor(t *testing.T) {
	testutil.CheckLeaks(t)
	l := newLoop(t)
	v, err := RunSync(l, func() *concurrent.Future[int] {
		return RunInExecutor(l, nil, func() (int, error) { return 6 * 7, nil })
	}, 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, 42, v)
	_, err = RunSync(l, func() *concurrent.Future[int] {
		return RunInExecutor(l, concurrent.NewLimitExecutor(1), func() (int, error) { panic("in executor") })
	}, 5*time.Second)
	var pe *concurrent.PanicError
	assert.ErrorAs(t, err, &pe)
}

func TestSpawnCallbackLogsError(t *testing.T) {
	var logs bytes.Buffer
	l := newLoop(t, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	runUntil(t, l, func(stop func()) {
		l.SpawnCallback(func() error { return errors.New("spawned failure") })
		l.SpawnCallback(func() error { stop(); return nil })
	})
	assert.Contains(t, logs.String(), "spawned failure")
}

func TestCurrent(t *testing.T) {
	l := newLoop(t)
	ClearCurrent()
	def := Current()
	assert.NotSame(t, l, def)
	assert.Same(t, def, Instance())
	assert.Nil(t, CurrentOrNil())
	runUntil(t, l, func(stop func()) {
		assert.Same(t, l, Current(), "inside Start, Current is the running loop")
		assert.Same(t, l, CurrentOrNil())
		stop()
	})
	l.MakeCurrent()
	assert.Same(t, l, Current())
	def.Close(false)
	l.Close(false)
	assert.NotSame(t, l, Current(), "a closed loop stops being current")
	Current().Close(false)
}

func TestGroup(t *testing.T) {
	testutil.CheckLeaks(t)
	g, err := StartGroup(3)
	require.NoError(t, err)
	assert.Equal(t, 3, g.Len())
	var wg sync.WaitGroup
	seen := make([]*IOLoop, 3)
	for i := 0; i < 3; i++ {
		l := g.Next()
		wg.Add(1)
		l.AddCallback(func() { seen[i] = CurrentOrNil(); wg.Done() })
	}
	wg.Wait()
	assert.ElementsMatch(t, g.Loops(), seen, "round robin visits each loop, and each runs on its own goroutine")
	require.NoError(t, g.Stop())
	require.NoError(t, g.Stop())
}

func TestPeriodicCallbackMath(t *testing.T) {
	// Tornado's TestPeriodicCallbackMath, period 10: each case is a list of
	// call durations; the result is when each call is made.
	simulate := func(durations []int64) []int64 {
		var calls []int64
		now, next := int64(1000), int64(1000)
		for _, d := range durations {
			next = nextRun(next, now, 10)
			calls = append(calls, next)
			now = next + d
		}
		return calls
	}
	assert.Equal(t, []int64{1010, 1020, 1030, 1040, 1050}, simulate([]int64{0, 0, 0, 0, 0}))
	assert.Equal(t,
		[]int64{1010, 1020, 1030, 1050, 1070, 1100, 1130, 1170, 1210, 1220, 1230},
		simulate([]int64{9, 9, 10, 11, 20, 20, 35, 35, 0, 0, 0}),
		"overruns skip whole cycles, then the schedule resumes")
	assert.Equal(t, []int64{1010, 1020, 1030, 1040}, simulate([]int64{0, -5, -5, 0}),
		"a clock that moves back still advances one period")
}

func TestPeriodicCallbackRuns(t *testing.T) {
	l := newLoop(t, WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	var times []time.Time
	var pc *PeriodicCallback
	var start time.Time
	runUntil(t, l, func(stop func()) {
		start = time.Now()
		pc = NewPeriodicCallback(l, func() {
			times = append(times, time.Now())
			if len(times) == 3 {
				pc.Stop()
				l.CallLater(15*time.Millisecond, stop)
			}
			if len(times) == 1 {
				panic("a panic does not stop the schedule")
			}
		}, 5*time.Millisecond)
		pc.Start()
		assert.True(t, pc.IsRunning())
	})
	assert.Len(t, times, 3, "no call after Stop")
	assert.False(t, pc.IsRunning())
	// The schedule runs from Start, not from the previous call: a late call
	// (a busy machine) does not push the next one back, so the i-th call
	// comes no earlier than i+1 periods after Start, whatever came before.
	for i := range times {
		assert.GreaterOrEqual(t, times[i].Sub(start), time.Duration(i+1)*5*time.Millisecond-time.Millisecond, "call %d", i)
	}
}

func TestAddCallbackAfterCloseIsDropped(t *testing.T) {
	l, err := New()
	require.NoError(t, err)
	require.NoError(t, l.Close(false))
	ran := false
	l.AddCallback(func() { ran = true }) // must not touch the closed poller
	l.Stop()
	assert.False(t, ran)
	assert.ErrorIs(t, l.Start(), ErrClosed)
}

func TestValuesByKey(t *testing.T) {
	type keyA struct{}
	type keyB struct{ p *int }
	l := newLoop(t)
	one, two := 1, 2
	assert.Nil(t, l.Value(keyA{}), "nothing stored yet")
	l.SetValue(keyA{}, "a")
	l.SetValue(keyB{&one}, "b1")
	l.SetValue(keyB{&two}, "b2")
	assert.Equal(t, "a", l.Value(keyA{}))
	assert.Equal(t, "b1", l.Value(keyB{&one}), "keys compare by value, as map keys do")
	assert.Equal(t, "b2", l.Value(keyB{&two}))
	l.SetValue(keyB{&one}, "b1'")
	assert.Equal(t, "b1'", l.Value(keyB{&one}), "SetValue replaces")
	assert.Nil(t, l.Value(keyB{}))
	assert.Nil(t, l.Value("keyA"), "a key of another type is another key")
}

// Group.Stop runs what its loops still had pending before closing them, so
// that work one loop handed another (a connection a shared listener
// accepted for it) is not lost when the other stopped first.
func TestGroupStopRunsPendingCallbacks(t *testing.T) {
	g, err := StartGroup(1)
	require.NoError(t, err)
	l := g.Loops()[0]
	ran := make(chan struct{})
	stopped := make(chan struct{})
	l.AddCallback(func() {
		// Added while the loop stops: it would run only on its next
		// iteration, which never comes.
		l.AddCallback(func() { close(ran) })
		l.Stop()
		close(stopped)
	})
	<-stopped
	require.NoError(t, g.Stop())
	select {
	case <-ran:
	default:
		t.Fatal("the callback pending when the loop stopped never ran")
	}
}
