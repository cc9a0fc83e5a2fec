package ioloop

import (
	"bytes"
	"errors"
	"log"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	futures "github.com/gornado/gornado/stage3-futures"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// newLoop makes a loop whose panics are logged into the returned buffer, and
// closes it (checking no descriptor leaked) when the test ends.
func newLoop(t *testing.T) (*IOLoop, *bytes.Buffer) {
	t.Helper()
	before := openFDs(t)
	l, err := New()
	require.NoError(t, err)
	var logs bytes.Buffer
	l.ErrorLog = log.New(&logs, "", 0)
	t.Cleanup(func() {
		require.NoError(t, l.Close(false))
		if before >= 0 {
			assert.Equal(t, before, openFDs(t), "file descriptors leaked")
		}
	})
	return l, &logs
}

// openFDs counts this process's open descriptors, or -1 where /proc is missing.
func openFDs(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}

func TestEventsString(t *testing.T) {
	for _, c := range []struct {
		e    Events
		want string
	}{
		{0, "NONE"}, {READ, "READ"}, {WRITE, "WRITE"}, {ERROR, "ERROR"},
		{READ | WRITE, "READ|WRITE"}, {READ | WRITE | ERROR, "READ|WRITE|ERROR"},
		{READ | 0x100, "READ|0x100"},
	} {
		assert.Equal(t, c.want, c.e.String())
	}
}

func TestCallbacksAndTimeoutsRunInOrder(t *testing.T) {
	l, _ := newLoop(t)
	var got []string
	_, err := l.RunSync(func() *futures.Future {
		done := futures.New()
		// Timeouts run in deadline order, ties in the order they were added.
		l.CallLater(20*time.Millisecond, func() { got = append(got, "t20"); done.SetResult(nil) })
		l.CallLater(5*time.Millisecond, func() { got = append(got, "t5a") })
		l.CallLater(5*time.Millisecond, func() { got = append(got, "t5b") })
		removed := l.CallLater(10*time.Millisecond, func() { got = append(got, "removed") })
		l.RemoveTimeout(removed)
		l.AddTimeout(l.Time().Add(15*time.Millisecond), func() { got = append(got, "t15") })
		// Callbacks run in FIFO order on the next turn; one added by a
		// callback waits for the turn after that.
		l.AddCallback(func() {
			got = append(got, "cb1")
			l.AddCallback(func() { got = append(got, "cb3 (next turn)") })
		})
		l.AddCallback(func() { got = append(got, "cb2") })
		return done
	}, 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, []string{"cb1", "cb2", "cb3 (next turn)", "t5a", "t5b", "t15", "t20"}, got)
}

func TestDueCallbacksRunBeforeDueTimeouts(t *testing.T) {
	l, _ := newLoop(t)
	var got []string
	l.CallAt(l.Time().Add(-time.Second), func() { got = append(got, "timeout"); l.Stop() })
	l.AddCallback(func() { got = append(got, "callback") })
	require.NoError(t, l.Start())
	assert.Equal(t, []string{"callback", "timeout"}, got)
}

func TestAddCallbackFromManyGoroutines(t *testing.T) {
	l, _ := newLoop(t)
	const goroutines, each = 50, 200
	count := 0 // touched only on the loop goroutine
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
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
	require.NoError(t, l.Start())
	wg.Wait()
	assert.Equal(t, goroutines*each, count)
}

// Go delivers signals on a channel to an ordinary goroutine, which hands
// them to the loop like any other goroutine would.
func TestAddCallbackFromSignal(t *testing.T) {
	l, _ := newLoop(t)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1)
	defer signal.Stop(sigs)
	var got os.Signal
	go func() {
		s := <-sigs
		l.AddCallbackFromSignal(func() { got = s; l.Stop() })
	}()
	require.NoError(t, unix.Kill(unix.Getpid(), unix.SIGUSR1))
	require.NoError(t, l.Start())
	assert.Equal(t, syscall.SIGUSR1, got)
}

func TestPanickingCallbackIsLoggedAndLoopGoesOn(t *testing.T) {
	l, logs := newLoop(t)
	result, err := l.RunSync(func() *futures.Future {
		f := futures.New()
		l.AddCallback(func() { panic("boom") })
		l.CallLater(time.Millisecond, func() { panic(errors.New("timer boom")) })
		l.CallLater(2*time.Millisecond, func() { f.SetResult("still running") })
		return f
	}, 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, "still running", result)
	assert.Contains(t, logs.String(), "exception in callback: boom")
	assert.Contains(t, logs.String(), "exception in callback: timer boom")
	assert.Contains(t, logs.String(), "ioloop_test.go", "the stack is logged")
}

func TestSpawnCallbackLogsAFailedFuture(t *testing.T) {
	l, logs := newLoop(t)
	_, err := l.RunSync(func() *futures.Future {
		l.SpawnCallback(func() *futures.Future { return futures.Failed(errors.New("division by zero")) })
		l.SpawnCallback(func() *futures.Future { return futures.Resolved(1) })
		done := futures.New()
		l.AddCallback(func() { l.AddCallback(func() { done.SetResult(nil) }) })
		return done
	}, 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, "ioloop: exception in spawned callback: division by zero\n", logs.String())
}

func TestRunSync(t *testing.T) {
	l, _ := newLoop(t)

	v, err := l.RunSync(func() *futures.Future { return futures.Resolved(42) }, 0)
	require.NoError(t, err)
	assert.Equal(t, 42, v)

	_, err = l.RunSync(func() *futures.Future { return futures.Failed(errors.New("bad")) }, 0)
	assert.EqualError(t, err, "bad")

	v, err = l.RunSync(func() *futures.Future { return nil }, 0)
	require.NoError(t, err)
	assert.Nil(t, v)

	_, err = l.RunSync(func() *futures.Future { panic("oops") }, 0)
	assert.ErrorContains(t, err, "oops")

	var never *futures.Future
	_, err = l.RunSync(func() *futures.Future { never = futures.New(); return never }, 20*time.Millisecond)
	assert.ErrorIs(t, err, ErrTimeout)
	assert.True(t, never.Cancelled(), "the abandoned Future is cancelled")
}

func TestAddFutureRunsOnALaterTurn(t *testing.T) {
	l, _ := newLoop(t)
	var got []string
	_, err := l.RunSync(func() *futures.Future {
		f, done := futures.New(), futures.New()
		l.AddFuture(f, func(f *futures.Future) {
			v, _ := f.Result()
			got = append(got, "add_future "+v.(string))
			done.SetResult(nil)
		})
		f.SetResult("x")
		got = append(got, "after SetResult")
		return done
	}, 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, []string{"after SetResult", "add_future x"}, got)
}

func TestStopBeforeStartReturnsAtOnce(t *testing.T) {
	l, _ := newLoop(t)
	l.Stop()
	require.NoError(t, l.Start())
	ran := false
	l.AddCallback(func() { ran = true; l.Stop() })
	require.NoError(t, l.Start(), "the stop was used up by the first Start")
	assert.True(t, ran)
}

func TestStartWhileRunning(t *testing.T) {
	l, _ := newLoop(t)
	var err error
	l.AddCallback(func() { err = l.Start(); l.Stop() })
	require.NoError(t, l.Start())
	assert.ErrorIs(t, err, ErrRunning)
}

// pipe makes a non-blocking pipe that the test closes at the end.
func pipe(t *testing.T) (r, w int) {
	t.Helper()
	var fds [2]int
	require.NoError(t, unix.Pipe(fds[:]))
	for _, fd := range fds {
		require.NoError(t, unix.SetNonblock(fd, true))
	}
	return fds[0], fds[1]
}

func TestHandlers(t *testing.T) {
	l, _ := newLoop(t)
	r, w := pipe(t)
	defer unix.Close(r)
	defer unix.Close(w)

	var got []string
	_, err := l.RunSync(func() *futures.Future {
		done := futures.New()
		// The writer is writable at once; after one write it switches to
		// watching nothing, and the reader sees READ, level-triggered: it
		// reads one byte per event and still gets all three.
		require.NoError(t, l.AddHandler(w, func(fd int, ev Events) {
			got = append(got, "w:"+ev.String())
			_, _ = unix.Write(fd, []byte("abc"))
			require.NoError(t, l.UpdateHandler(fd, 0))
		}, WRITE))
		require.Error(t, l.AddHandler(w, func(int, Events) {}, READ), "one handler per fd")
		require.NoError(t, l.AddHandler(r, func(fd int, ev Events) {
			var b [1]byte
			n, _ := unix.Read(fd, b[:])
			got = append(got, "r:"+ev.String()+":"+string(b[:n]))
			if b[0] == 'c' {
				l.RemoveHandler(fd)
				l.RemoveHandler(w)
				done.SetResult(nil)
			}
		}, READ))
		return done
	}, 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, []string{"w:WRITE", "r:READ:a", "r:READ:b", "r:READ:c"}, got)
	require.Error(t, l.UpdateHandler(r, READ), "no handler any more")
}

func TestErrorIsReportedWithoutAsking(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("kqueue reports errors only on a READ or WRITE filter (see poller.go)")
	}
	l, _ := newLoop(t)
	r, w := pipe(t)
	defer unix.Close(r)
	var got Events
	_, err := l.RunSync(func() *futures.Future {
		done := futures.New()
		// Watching a pipe's write end for nothing: when the reader goes away
		// the poller still says ERROR.
		require.NoError(t, l.AddHandler(w, func(fd int, ev Events) {
			got = ev
			l.RemoveHandler(fd)
			done.SetResult(nil)
		}, 0))
		unix.Close(r)
		r = -1
		return done
	}, 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, ERROR, got)
	unix.Close(w)
}

func TestCloseAllFDs(t *testing.T) {
	l, err := New()
	require.NoError(t, err)
	r, w := pipe(t)
	require.NoError(t, l.AddHandler(r, func(int, Events) {}, READ))
	require.NoError(t, l.Close(true))
	_, err = unix.FcntlInt(uintptr(r), unix.F_GETFD, 0)
	assert.ErrorIs(t, err, unix.EBADF, "Close(true) closed the handler's fd")
	_, err = unix.FcntlInt(uintptr(w), unix.F_GETFD, 0)
	assert.NoError(t, err, "an fd without a handler stays open")
	unix.Close(w)

	assert.ErrorIs(t, l.Start(), ErrClosed)
	l.AddCallback(func() {}) // dropped, not a crash
	assert.NoError(t, l.Close(false), "closing twice is fine")
}

func TestCurrentAndInstance(t *testing.T) {
	l, _ := newLoop(t)
	ClearInstance()
	defer ClearInstance()
	assert.False(t, Initialized())
	inst := Instance()
	assert.True(t, Initialized())
	assert.Same(t, inst, Instance())
	assert.Same(t, inst, Current(), "with nothing current, Current is the instance")

	var during *IOLoop
	l.AddCallback(func() { during = Current(); l.Stop() })
	require.NoError(t, l.Start())
	assert.Same(t, l, during, "a running loop is current")
	assert.Same(t, inst, Current(), "and stops being current when Start returns")

	l.MakeCurrent()
	assert.Same(t, l, Current())
	assert.ErrorIs(t, l.Install(), ErrInstalled)
	ClearInstance()
	require.NoError(t, l.Install())
	assert.Same(t, l, Instance())
	require.NoError(t, inst.Close(false))
	ClearInstance()
	assert.False(t, Initialized())
}

func TestPeriodicCallback(t *testing.T) {
	l, logs := newLoop(t)
	var runs []time.Time
	var pc *PeriodicCallback
	start := l.Time()
	_, err := l.RunSync(func() *futures.Future {
		done := futures.New()
		pc = NewPeriodicCallback(l, func() {
			runs = append(runs, l.Time())
			if len(runs) == 2 {
				panic("a bad tick") // logged; the rhythm goes on
			}
			if len(runs) == 5 {
				pc.Stop()
				done.SetResult(nil)
			}
		}, 10*time.Millisecond)
		assert.False(t, pc.IsRunning())
		pc.Start()
		assert.True(t, pc.IsRunning())
		return done
	}, 5*time.Second)
	require.NoError(t, err)
	assert.False(t, pc.IsRunning())
	require.Len(t, runs, 5)
	// Runs keep to the grid start+k*interval: never early, and late only by
	// the loop's own latency, which does not add up from run to run.
	for i, at := range runs {
		slot := start.Add(time.Duration(i+1) * 10 * time.Millisecond)
		assert.False(t, at.Before(slot), "run %d came early", i)
	}
	assert.Contains(t, logs.String(), "a bad tick")
}

func TestNextRunSkipsMissedSlots(t *testing.T) {
	base := time.Now()
	ms := func(n int) time.Time { return base.Add(time.Duration(n) * time.Millisecond) }
	for _, c := range []struct {
		name      string
		next, now time.Time
		want      time.Time
	}{
		{"clock behind the schedule: still one slot on", ms(100), ms(50), ms(110)},
		{"on time: the slot after", ms(100), ms(100), ms(110)},
		{"a little late: the slot after, no drift", ms(100), ms(103), ms(110)},
		{"three slots missed: skipped, not bunched", ms(100), ms(135), ms(140)},
		{"exactly on a later slot", ms(100), ms(130), ms(140)},
	} {
		assert.Equal(t, c.want, nextRun(c.next, c.now, 10*time.Millisecond), c.name)
	}
}
