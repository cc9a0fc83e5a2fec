// Bridges between Futures and the rest of Go: executors (goroutines),
// channels, and other Futures.

package concurrent

import (
	"fmt"
	"runtime/debug"
)

// Scheduler is the one thing the bridges need from an event loop: a
// goroutine-safe way to run a function on the loop's goroutine later.
// *ioloop.IOLoop implements it; so does any type with such a method.
type Scheduler interface {
	// AddCallback runs fn on the scheduler's goroutine. It must be safe to
	// call from any goroutine.
	AddCallback(fn func())
}

// Executor runs blocking functions away from the loop, like Python's
// concurrent.futures.Executor.
type Executor interface {
	// Submit runs fn, normally on another goroutine. It must not block for
	// long: a loop calls it.
	Submit(fn func())
}

// GoExecutor is the default Executor: each function runs on a new
// goroutine. Goroutines are cheap enough that Tornado's thread pool, which
// exists to bound the cost of threads, is not needed; use a bounded Executor
// (LimitExecutor) to protect a scarce resource instead.
type GoExecutor struct{}

// Submit runs fn on a new goroutine.
func (GoExecutor) Submit(fn func()) { go fn() }

// LimitExecutor is an Executor that runs at most N functions at a time; the
// others wait, in no particular order, on a goroutine each.
type LimitExecutor struct {
	// slots holds one token per running function.
	slots chan struct{}
}

// NewLimitExecutor returns an Executor that runs at most n functions at once.
func NewLimitExecutor(n int) *LimitExecutor {
	if n < 1 {
		n = 1
	}
	return &LimitExecutor{slots: make(chan struct{}, n)}
}

// Submit runs fn on a new goroutine once a slot is free.
func (e *LimitExecutor) Submit(fn func()) {
	go func() {
		e.slots <- struct{}{}
		defer func() { <-e.slots }()
		fn()
	}()
}

// PanicError is the exception of a Future whose function panicked on an
// executor (or, in package gen, whose coroutine panicked): the panic is
// turned into an error so that the waiter sees it, as a Python exception
// would reach whoever awaits the Future.
type PanicError struct {
	// Value is what was passed to panic.
	Value any
	// Stack is the goroutine's stack at the panic, for logs.
	Stack []byte
}

// Error implements error.
func (e *PanicError) Error() string { return fmt.Sprintf("concurrent: panic: %v", e.Value) }

// Unwrap returns the panic value if it was an error, so errors.Is sees it.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// RunOnExecutor runs fn on ex (GoExecutor if nil) and returns a Future that
// resolves with fn's results on s's goroutine, like IOLoop.run_in_executor
// and @run_on_executor. Call it on s's goroutine. A panic in fn becomes a
// *PanicError.
func RunOnExecutor[T any](s Scheduler, ex Executor, fn func() (T, error)) *Future[T] {
	f := NewFuture[T]()
	if ex == nil {
		ex = GoExecutor{}
	}
	ex.Submit(func() {
		v, err := callCatching(fn)
		s.AddCallback(func() { f.Set(v, err) })
	})
	return f
}

// callCatching calls fn and turns a panic into a *PanicError.
func callCatching[T any](fn func() (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return fn()
}

// FromChan returns a Future that resolves, on s's goroutine, with the first
// value received from ch, or with err if ch is closed first. A goroutine waits
// on the channel until then.
func FromChan[T any](s Scheduler, ch <-chan T, err error) *Future[T] {
	f := NewFuture[T]()
	go func() {
		v, ok := <-ch
		s.AddCallback(func() {
			if !ok {
				f.SetException(err)
				return
			}
			f.SetResult(v)
		})
	}()
	return f
}

// Outcome is a Future's result and error together, as sent by ToChan.
type Outcome[T any] struct {
	// Value is the result (the zero value after an error).
	Value T
	// Err is the exception, or nil.
	Err error
}

// ToChan returns a channel that receives f's outcome once f is done, so a
// goroutine outside the loop can wait for it. Call it on f's goroutine. The
// channel is buffered: the Future never blocks on a reader that went away.
func ToChan[T any](f *Future[T]) <-chan Outcome[T] {
	ch := make(chan Outcome[T], 1)
	f.AddDoneCallback(func(f *Future[T]) {
		v, err := f.Result()
		ch <- Outcome[T]{Value: v, Err: err}
	})
	return ch
}

// Then returns a Future resolved with fn(result) once f has a result, or with
// f's error without calling fn: the chaining that a Python coroutine writes as
// `x = await f; return fn(x)`.
func Then[T, U any](f *Future[T], fn func(T) (U, error)) *Future[U] {
	out := NewFuture[U]()
	f.AddDoneCallback(func(f *Future[T]) {
		v, err := f.Result()
		if err != nil {
			out.SetException(err)
			return
		}
		out.Set(fn(v))
	})
	return out
}

// Chain copies a's outcome into b when a is done, like
// tornado.concurrent.chain_future. If b is already done (cancelled by its
// waiter, say), a's outcome is dropped.
func Chain[T any](a, b *Future[T]) {
	a.AddDoneCallback(func(a *Future[T]) {
		if b.Done() {
			return
		}
		b.Set(a.Result())
	})
}
