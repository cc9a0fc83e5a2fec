package ioloop

import (
	"bytes"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/gornado/gornado/final/internal/testutil"
)

// A loop with nothing to do must sleep parked in Go's netpoller (the
// goroutine dump says "IO wait"), not blocked in epoll_wait ("syscall"),
// which would hold its P (see poller.go). These tests park a loop, check
// that it is parked, and wake it each way it can be woken.

// loopState returns the scheduler state of l's goroutine as a goroutine
// dump shows it ("IO wait", "syscall", "running"...), or "" if l is not
// running.
func loopState(l *IOLoop) string {
	id := l.goid.Load()
	if id == 0 {
		return ""
	}
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	head := []byte("goroutine " + strconv.FormatInt(id, 10) + " [")
	i := bytes.Index(buf, head)
	if i < 0 {
		return ""
	}
	rest := buf[i+len(head):]
	return string(rest[:bytes.IndexAny(rest, ",]")])
}

// waitParked waits until l, started on another goroutine, is asleep in the
// netpoller, and fails the test if it is not within ten seconds. There is
// no event to wait on for a goroutine's scheduler state, so it looks every
// millisecond; the bound is a hang, not a timing assumption.
func waitParked(t *testing.T, l *IOLoop) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	state := ""
	for time.Now().Before(deadline) {
		if l.sleeping.Load() == 1 {
			if state = loopState(l); state == "IO wait" {
				return
			}
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("the sleeping loop is not parked in the netpoller: its goroutine is in %q", state)
}

// startLoop runs l.Start on a new goroutine; the channel gets its result.
// A test that fails with the loop running stops it on cleanup.
func startLoop(t *testing.T, l *IOLoop) <-chan error {
	done := make(chan error, 1)
	go func() { done <- l.Start() }()
	t.Cleanup(func() {
		for l.Running() {
			l.Stop()
			time.Sleep(time.Millisecond)
		}
	})
	return done
}

// parkCases are the loops the park tests run: free, and locked to its OS
// thread as servers run it (a locked goroutine parks like any other; its
// thread sleeps until the goroutine is ready again).
var parkCases = []struct {
	name string   // sub-test name
	opts []Option // the loop's options
}{{"free", nil}, {"locked", []Option{WithLockOSThread()}}}

func TestParkedLoopWokenByAddCallback(t *testing.T) {
	// No timers, no descriptors: only the wake eventfd, registered in the
	// epoll set, can end this sleep.
	for _, c := range parkCases {
		t.Run(c.name, func(t *testing.T) {
			l := newLoop(t, c.opts...)
			done := startLoop(t, l)
			waitParked(t, l)
			ran := make(chan bool, 1)
			l.AddCallback(func() { ran <- true; l.Stop() })
			assert.True(t, testutil.Recv(t, ran, "the callback"))
			assert.NoError(t, testutil.Recv(t, done, "Start's return"))
		})
	}
}

func TestParkedLoopWokenByStop(t *testing.T) {
	for _, c := range parkCases {
		t.Run(c.name, func(t *testing.T) {
			l := newLoop(t, c.opts...)
			done := startLoop(t, l)
			waitParked(t, l)
			l.Stop()
			assert.NoError(t, testutil.Recv(t, done, "Start's return"))
		})
	}
}

func TestParkedLoopWokenByDescriptor(t *testing.T) {
	l := newLoop(t)
	a, b := testutil.SocketPair(t)
	defer unix.Close(a)
	defer unix.Close(b)
	got := make(chan Events, 1)
	require.NoError(t, l.AddHandler(a, func(fd int, ev Events) {
		got <- ev
		l.RemoveHandler(fd)
		l.Stop()
	}, READ))
	done := startLoop(t, l)
	waitParked(t, l)
	_, err := unix.Write(b, []byte("x"))
	require.NoError(t, err)
	assert.Equal(t, READ, testutil.Recv(t, got, "the handler"))
	assert.NoError(t, testutil.Recv(t, done, "Start's return"))
}

func TestParkedLoopTimersFire(t *testing.T) {
	// The file's read deadline is the next timer: a timer fires while the
	// loop is parked, not before its deadline, with nothing to wake the
	// loop but the deadline. A timer added from another goroutine before
	// the current deadline moves it earlier; the one-hour timer keeps a
	// deadline set throughout.
	for _, c := range parkCases {
		t.Run(c.name, func(t *testing.T) {
			l := newLoop(t, c.opts...)
			l.CallLater(time.Hour, func() { t.Error("the one-hour timer fired") })
			first := make(chan time.Duration, 1)
			var when time.Time
			l.AddCallback(func() {
				when = l.Time().Add(30 * time.Millisecond)
				l.CallAt(when, func() { first <- l.Time().Sub(when) })
			})
			done := startLoop(t, l)
			waitParked(t, l)
			late := testutil.Recv(t, first, "the 30 ms timer")
			assert.GreaterOrEqual(t, late, time.Duration(0), "fired before its deadline")

			waitParked(t, l)
			second := make(chan time.Duration, 1)
			l.AddCallback(func() {
				when := l.Time().Add(20 * time.Millisecond)
				l.CallAt(when, func() { second <- l.Time().Sub(when); l.Stop() })
			})
			late = testutil.Recv(t, second, "the timer added while parked")
			assert.GreaterOrEqual(t, late, time.Duration(0), "fired before its deadline")
			assert.NoError(t, testutil.Recv(t, done, "Start's return"))
		})
	}
}
