// Coroutines on iter.Pull: the runner that resumes a coroutine when the
// Future it awaits is done, always on the loop's goroutine.

package gen

import (
	"errors"
	"iter"
	"runtime/debug"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/ioloop"
)

// Sentinel errors of package gen.
var (
	// ErrTimeout is the exception of a WithTimeout Future whose time ran
	// out, like tornado.gen.TimeoutError (asyncio.TimeoutError).
	ErrTimeout = errors.New("gen: timeout")
	// ErrStopped is returned by Await in a coroutine whose runner was shut
	// down while it was suspended; the coroutine should return.
	ErrStopped = errors.New("gen: coroutine stopped")
)

// Co is a running coroutine's handle, passed to its body: the body awaits
// Futures through it (Await, Moment) and finds its loop with Loop.
type Co struct {
	// loop is the loop the coroutine runs on.
	loop *ioloop.IOLoop
	// yield suspends the coroutine, handing the runner what to wait for.
	yield func(concurrent.Awaitable) bool
}

// Loop returns the loop the coroutine runs on.
func (c *Co) Loop() *ioloop.IOLoop { return c.loop }

// moment is the Awaitable of Moment: already done, but the runner treats it
// as a request to yield to the loop for one iteration.
type momentT struct{}

func (momentT) Done() bool       { return true }
func (momentT) Exception() error { return nil }
func (momentT) OnDone(fn func()) { fn() }

var moment concurrent.Awaitable = momentT{}

// Await suspends the coroutine until f is done and returns f's result: the
// `result = await f` (or `yield f`) of a Tornado coroutine. A Future that is
// already done returns at once without leaving the coroutine, as Tornado's
// runner does. Call it only from the coroutine's own body.
func Await[T any](c *Co, f *concurrent.Future[T]) (T, error) {
	if !f.Done() {
		if !c.yield(f) {
			var zero T
			return zero, ErrStopped
		}
	}
	return f.Result()
}

// AwaitAll waits for every Awaitable, whatever its type, and returns the
// first error among them in order (MultiAny, awaited); the later errors go
// to the coroutine's loop's logger.
func AwaitAll(c *Co, fs ...concurrent.Awaitable) error {
	_, err := Await(c, multiAny(c.loop, fs))
	return err
}

// Moment yields to the loop for one iteration, letting other callbacks and
// ready descriptors run: Tornado's `yield gen.moment`.
func Moment(c *Co) { c.yield(moment) }

// runner drives one coroutine.
type runner[T any] struct {
	// loop resumes the coroutine.
	loop *ioloop.IOLoop
	// next resumes the coroutine until its next await or its end.
	next func() (concurrent.Awaitable, bool)
	// stop ends the coroutine's iter.Pull.
	stop func()
	// out is the Future the coroutine's results go to.
	out *concurrent.Future[T]
	// result and err are the body's results.
	result T
	err    error // the body's error, or a *concurrent.PanicError
	// resume and wake are method values made once, so that each await
	// allocates only the Future callback.
	resume func()
	wake   func() // schedules resume on the loop
}

// Go starts body as a coroutine on loop and returns a Future of its
// results: Tornado's @gen.coroutine (or a native coroutine) called. Like
// Tornado, the body runs at once, on the calling goroutine, until its first
// await of a pending Future; every later step runs on the loop's goroutine.
// A panic in the body resolves the Future with a *concurrent.PanicError.
// Call Go on the loop's goroutine (or before the loop starts).
//
// iter.Pull runs the body on a goroutine of its own (switched to, never in
// parallel), so ioloop.Current inside the body sees the default loop, not
// the one running it: use c.Loop(), or, for code that must call Current,
// `defer ioloop.BindGoroutine(c.Loop())()` at the top of the body (it costs
// about 3 µs, which is why it is not done for every coroutine).
func Go[T any](loop *ioloop.IOLoop, body func(c *Co) (T, error)) *concurrent.Future[T] {
	r := &runner[T]{loop: loop, out: concurrent.NewFuture[T]()}
	r.next, r.stop = iter.Pull(func(yield func(concurrent.Awaitable) bool) {
		defer func() {
			if p := recover(); p != nil {
				r.err = &concurrent.PanicError{Value: p, Stack: debug.Stack()}
			}
		}()
		r.result, r.err = body(&Co{loop: loop, yield: yield})
	})
	r.step()
	return r.out
}

// step resumes the coroutine and waits for what it awaits next.
func (r *runner[T]) step() {
	for {
		w, ok := r.next()
		if !ok {
			r.stop()
			r.out.Set(r.result, r.err)
			return
		}
		if r.resume == nil {
			// Made on the first suspension only: a coroutine that never
			// waits does not pay for them.
			r.resume = r.step
			r.wake = func() { r.loop.AddCallback(r.resume) }
		}
		if w == moment {
			r.loop.AddCallback(r.resume)
			return
		}
		if !w.Done() {
			w.OnDone(r.wake)
			return
		}
	}
}

// Spawn runs body as a coroutine on the loop's next iteration and logs the
// error it returns: Tornado's IOLoop.spawn_callback for a coroutine, the
// fire-and-forget form whose failure must not pass silently. Safe from any
// goroutine.
func Spawn(loop *ioloop.IOLoop, body func(c *Co) error) {
	loop.AddCallback(func() {
		f := Go(loop, func(c *Co) (struct{}, error) { return struct{}{}, body(c) })
		f.AddDoneCallback(func(f *concurrent.Future[struct{}]) {
			if err := f.Exception(); err != nil {
				loop.Logger().Error("gen: error in spawned coroutine", "err", err)
			}
		})
	})
}

// Run starts the loop, runs body as a coroutine on it, and returns its
// results when done (ioloop.RunSync of Go); a positive timeout bounds the
// wait (the error then wraps ioloop.ErrTimeout).
func Run[T any](loop *ioloop.IOLoop, timeout time.Duration, body func(c *Co) (T, error)) (T, error) {
	return ioloop.RunSync(loop, func() *concurrent.Future[T] { return Go(loop, body) }, timeout)
}

// Task wraps a callback-style API as a Future: fn is called at once with a
// callback that resolves the Future (Tornado's gen.Task, for APIs that take
// a callback instead of returning a Future).
func Task[T any](fn func(callback func(T, error))) *concurrent.Future[T] {
	f := concurrent.NewFuture[T]()
	fn(func(v T, err error) {
		if !f.Done() {
			f.Set(v, err)
		}
	})
	return f
}
