package coroutines

import (
	"context"
	"errors"
	"fmt"
	"log"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/gornado/gornado/stage3-futures"
)

// The seed's section 如何调用协程 (how to call a coroutine) is about one
// danger: a coroutine does not fail the way a function does. Its error is
// trapped in its Future until someone awaits that Future. A caller that drops
// the Future (the seed's bad_call) drops the error with it. This file holds
// the three right ways to call one: await it from another coroutine (good_call,
// which needs nothing more than Go and Await), hand it to the loop with
// SpawnCallback, or run it at the top of a program with RunSync.

var defaultLogger Logger = log.Default()

// SpawnCallback starts fn as a coroutine on the loop's next turn and forgets
// it: fire and forget. Nobody awaits its Future, so the Runner does what
// Tornado's IOLoop does for spawn_callback: it logs a failure, with the stack
// of the panic if the body panicked, so the error is not lost.
//
// Like Call, and unlike the other methods, SpawnCallback may be called from
// any goroutine, because all it does at once is loop.AddCallback.
func (r *Runner) SpawnCallback(fn Func) {
	// A returned error carries no stack in Go; the place it was spawned from
	// is the most useful line we can add to the log.
	_, file, line, _ := runtime.Caller(1)
	r.loop.AddCallback(func() {
		r.Go(fn).AddDoneCallback(func(f *futures.Future) {
			err := f.Exception()
			var p *PanicError
			switch {
			case err == nil || f.Cancelled():
			case errors.As(err, &p):
				r.errorf("coroutines: spawned coroutine (from %s:%d) failed: %v\n%s", file, line, err, p.Stack)
			default:
				r.errorf("coroutines: spawned coroutine (from %s:%d) failed: %v", file, line, err)
			}
		})
	})
}

// A RunnableLoop is a Loop the caller can run: Start runs callbacks on the
// calling goroutine until Stop. RunSync needs one; stage2's Loop is one.
type RunnableLoop interface {
	Loop
	Start() error
	Stop()
}

// ErrTimeout is the error RunSync returns when fn's Future is not done in
// time, Tornado's TimeoutError("Operation timed out after N seconds").
var ErrTimeout = errors.New("coroutines: operation timed out")

// RunSync starts the loop, runs fn as a coroutine on it, stops the loop when
// the coroutine is done and returns its result: Tornado's
// IOLoop.run_sync(func, timeout), the usual top of a batch program. The loop
// must implement RunnableLoop and must not be running already.
//
// With a timeout above zero, a coroutine still running when it expires is
// cancelled, which stops it at its pending Await, and RunSync returns an error
// wrapping ErrTimeout. Other coroutines (spawned ones, say) are left paused:
// the loop may be started again, or the Runner closed.
func (r *Runner) RunSync(fn Func, timeout time.Duration) (any, error) {
	loop, ok := r.loop.(RunnableLoop)
	if !ok {
		return nil, fmt.Errorf("coroutines: RunSync needs a loop with Start and Stop, not %T", r.loop)
	}
	var f *futures.Future
	// If the loop turns out to be running already, Start fails, and the
	// callback below must then do nothing when that loop gets to it: it would
	// start fn there and stop someone else's loop.
	var abandoned atomic.Bool
	loop.AddCallback(func() {
		if abandoned.Load() {
			return
		}
		f = r.Go(fn)
		f.AddDoneCallback(func(*futures.Future) { loop.Stop() })
	})
	if timeout > 0 {
		// The timer fires on its own goroutine, so it only asks the loop to
		// do the cancelling. If the coroutine is done by the time the loop
		// gets to it, there is nothing to do (and the loop must not be
		// stopped: it may be running something else by then).
		t := time.AfterFunc(timeout, func() {
			loop.AddCallback(func() {
				if f != nil && !f.Done() {
					f.Cancel()
				}
			})
		})
		defer t.Stop()
	}
	if err := loop.Start(); err != nil {
		abandoned.Store(true)
		return nil, err
	}
	if f == nil || !f.Done() || f.Cancelled() {
		return nil, fmt.Errorf("%w after %v", ErrTimeout, timeout)
	}
	return f.Result()
}

// Call runs fn as a coroutine on the loop and blocks the calling goroutine
// until it is done or ctx ends; if ctx ends first, the coroutine is
// cancelled. It is the door from an ordinary goroutine into the loop, what
// asyncio calls run_coroutine_threadsafe. Call it from any goroutine but the
// loop's own: the loop would be waiting for itself.
func (r *Runner) Call(ctx context.Context, fn Func) (any, error) {
	type outcome struct {
		v   any
		err error
	}
	done := make(chan outcome, 1)
	started := make(chan *futures.Future, 1)
	r.loop.AddCallback(func() {
		f := r.Go(fn)
		started <- f
		f.AddDoneCallback(func(f *futures.Future) {
			v, err := f.Result()
			done <- outcome{v, err}
		})
	})
	select {
	case o := <-done:
		return o.v, o.err
	case <-ctx.Done():
		r.loop.AddCallback(func() { (<-started).Cancel() })
		return nil, ctx.Err()
	}
}
