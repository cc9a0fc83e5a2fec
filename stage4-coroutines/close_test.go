package coroutines

import (
	"bytes"
	"log"
	"testing"
	"time"

	"github.com/gornado/gornado/stage3-futures"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests in this file call Runner.Close from each place it may be called
// from: inside a coroutine, from a callback on the loop, and from another
// goroutine once the loop has stopped. A Close that never returns spins on
// the goroutine that called it, so each test waits for Close with a deadline
// and fails with a message saying so, instead of hanging the test binary.

// closeDeadline is how long a test waits for something that happens at once
// when Close works.
const closeDeadline = 5 * time.Second

// within waits until done is closed, or fails the test when closeDeadline
// passes first.
func within(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(closeDeadline):
		t.Fatalf("timed out after %v waiting for %s", closeDeadline, what)
	}
}

// newClosingRunner is newRunner without the Close in the test's cleanup:
// after a hang, a second Close there would hang the test binary.
func newClosingRunner() (*chanLoop, *Runner, *bytes.Buffer) {
	loop := newChanLoop()
	r := NewRunner(loop)
	var logs bytes.Buffer
	r.ErrorLog = log.New(&logs, "", 0)
	return loop, r, &logs
}

// startLoop runs loop.Start on a goroutine of its own and returns a channel
// that is closed when Start returns.
func startLoop(t *testing.T, loop *chanLoop) <-chan struct{} {
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		assert.NoError(t, loop.Start())
	}()
	return stopped
}

// pauseSome starts coroutines paused in each way a coroutine can be: on a
// Future nobody resolves, on a Sleep, and on another coroutine, itself paused.
// It returns their Futures and a count of the bodies that have unwound.
func pauseSome(r *Runner, loop Loop) ([]*futures.Future, *int) {
	unwound := new(int)
	awaiting := func(f func() *futures.Future) Func {
		return func(await Await) (any, error) {
			defer func() { *unwound++ }()
			return await(f())
		}
	}
	sleep := func() *futures.Future { return Sleep(loop, time.Hour) }
	return []*futures.Future{
		r.Go(awaiting(futures.New)),
		r.Go(awaiting(sleep)),
		r.Go(awaiting(func() *futures.Future { return r.Go(awaiting(sleep)) })),
	}, unwound
}

// assertStopped checks that Close stopped what pauseSome started: each
// Future cancelled, each of the four bodies (the nested one counts twice)
// unwound, nothing left paused.
func assertStopped(t *testing.T, r *Runner, fs []*futures.Future, unwound *int) {
	t.Helper()
	for i, f := range fs {
		assert.True(t, f.Cancelled(), "paused coroutine %d was not stopped", i)
	}
	assert.Equal(t, 4, *unwound, "bodies that unwound")
	assert.Equal(t, 0, r.Pending())
}

// A coroutine may close the runner it runs on (a shutdown handler, say), at
// any point of its life. Every paused coroutine is stopped; the caller is
// running, not paused, so Close does not wait for it and it runs on to its
// return. One that awaits the caller is paused, and is stopped with the rest.
func TestCloseFromInsideACoroutine(t *testing.T) {
	resumed := func(loop Loop) *futures.Future { return laterValue(loop, 0, nil, nil) }
	cases := []struct {
		name string
		// start starts the coroutine that calls closeRunner somewhere.
		start func(r *Runner, loop Loop, closeRunner func()) *futures.Future
		// stopped says whether start's coroutine is stopped by the Close
		// (it awaits the caller) or returns "closed".
		stopped bool
	}{
		{name: "before its first pause", start: func(r *Runner, loop Loop, closeRunner func()) *futures.Future {
			return r.Go(func(await Await) (any, error) {
				closeRunner()
				return "closed", nil
			})
		}},
		{name: "after being paused and resumed", start: func(r *Runner, loop Loop, closeRunner func()) *futures.Future {
			return r.Go(func(await Await) (any, error) {
				if _, err := await(resumed(loop)); err != nil {
					return nil, err
				}
				closeRunner()
				return "closed", nil
			})
		}},
		{name: "started inline by a running coroutine", start: func(r *Runner, loop Loop, closeRunner func()) *futures.Future {
			return r.Go(func(await Await) (any, error) {
				if _, err := await(resumed(loop)); err != nil {
					return nil, err
				}
				return await(r.Go(func(await Await) (any, error) {
					closeRunner()
					return "closed", nil
				}))
			})
		}},
		{name: "awaited by a paused coroutine", stopped: true, start: func(r *Runner, loop Loop, closeRunner func()) *futures.Future {
			return r.Go(func(await Await) (any, error) {
				return await(r.Go(func(await Await) (any, error) {
					if _, err := await(resumed(loop)); err != nil {
						return nil, err
					}
					closeRunner()
					return "closed", nil
				}))
			})
		}},
		{name: "while being stopped", start: func(r *Runner, loop Loop, closeRunner func()) *futures.Future {
			victim := r.Go(func(await Await) (any, error) {
				defer closeRunner()
				return await(futures.New())
			})
			return r.Go(func(await Await) (any, error) {
				if _, err := await(resumed(loop)); err != nil {
					return nil, err
				}
				victim.Cancel() // victim unwinds, and closes the runner as it goes
				return "closed", nil
			})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkNoLeak(t)
			loop, r, logs := newClosingRunner()
			paused, unwound := pauseSome(r, loop)
			closed := make(chan struct{})
			closeRunner := func() {
				r.Close()
				close(closed)
			}
			stopped := startLoop(t, loop)
			var f *futures.Future
			loop.AddCallback(func() { f = tc.start(r, loop, closeRunner) })
			within(t, closed, "Close, called from inside a coroutine, to return")
			loop.AddCallback(loop.Stop)
			within(t, stopped, "the loop to stop after Close")

			require.True(t, f.Done(), "the coroutine that closed the runner ran on to its end")
			if tc.stopped {
				assert.True(t, f.Cancelled(), "a coroutine awaiting the caller is paused, so it is stopped")
			} else {
				v, err := f.Result()
				assert.NoError(t, err)
				assert.Equal(t, "closed", v)
			}
			assertStopped(t, r, paused, unwound)
			assert.Empty(t, logs.String())
		})
	}
}

// Close from a plain callback while the loop runs, as a shutdown callback
// would. One coroutine's Future is done and its resumption is queued on the
// loop behind the callback: Close stops it too, and the queued resumption
// then finds it finished and does nothing.
func TestCloseFromALoopCallback(t *testing.T) {
	checkNoLeak(t)
	loop, r, logs := newClosingRunner()
	paused, unwound := pauseSome(r, loop)
	gate := futures.New()
	var seen error
	resumable := r.Go(func(await Await) (any, error) {
		_, err := await(gate)
		seen = err
		return nil, err
	})
	stopped := startLoop(t, loop)
	closed := make(chan struct{})
	loop.AddCallback(func() {
		_ = gate.SetResult(nil) // queues resumable's resumption after this callback
		r.Close()
		close(closed)
		loop.AddCallback(loop.Stop)
	})
	within(t, closed, "Close, called from a callback on the loop, to return")
	within(t, stopped, "the loop to stop after Close")

	assertStopped(t, r, paused, unwound)
	assert.True(t, resumable.Cancelled())
	assert.ErrorIs(t, seen, ErrStopped, "the resumable coroutine was stopped, not resumed")
	assert.Empty(t, logs.String())
}

// Close from a goroutine other than the loop's once the loop has stopped with
// coroutines paused: the end of a program whose loop ran on a goroutine of its
// own. Once the loop has stopped, nothing else touches the Runner.
func TestCloseFromAnotherGoroutineAfterTheLoopStops(t *testing.T) {
	checkNoLeak(t)
	loop, r, logs := newClosingRunner()
	stopped := startLoop(t, loop)
	var paused []*futures.Future
	var unwound *int
	loop.AddCallback(func() {
		paused, unwound = pauseSome(r, loop)
		loop.Stop()
	})
	within(t, stopped, "the loop to stop")
	require.Equal(t, 4, r.Pending())

	closed := make(chan struct{})
	go func() {
		r.Close()
		close(closed)
	}()
	within(t, closed, "Close, called from another goroutine, to return")
	assertStopped(t, r, paused, unwound)
	assert.Empty(t, logs.String())
}
