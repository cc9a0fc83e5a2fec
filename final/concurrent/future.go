// Future[T]: a result or an error that arrives later, and the callbacks that
// wait for it.

package concurrent

import (
	"errors"
	"fmt"
)

// Sentinel errors of package concurrent.
var (
	// ErrCancelled is the exception of a Future resolved by Cancel, like
	// asyncio.CancelledError.
	ErrCancelled = errors.New("concurrent: future cancelled")

	// ErrNotDone is returned by Result and Exception while the Future is
	// still pending, like asyncio.InvalidStateError("Result is not ready.").
	ErrNotDone = errors.New("concurrent: future is not done")
)

// state is where a Future is in its life. It only moves forward.
type state uint8

const (
	pending state = iota
	resolved
	cancelled
)

// Awaitable is what every Future[T] offers without its type parameter, so
// that code waiting on Futures of different types (the gen coroutine runner,
// Multi, WaitIterator) can hold them together.
type Awaitable interface {
	// Done reports whether the Future is resolved (with a result, an
	// exception, or by Cancel).
	Done() bool
	// Exception returns the error the Future resolved with, nil after a
	// result, or ErrNotDone while pending.
	Exception() error
	// OnDone runs fn once the Future is done (at once if it already is).
	OnDone(fn func())
}

// Future is a value of type T, or an error, that is not ready yet. The zero
// value is a pending Future ready to use; NewFuture returns a pointer to one.
// See the package documentation for the goroutine rules.
type Future[T any] struct {
	// state is pending until the Future is resolved or cancelled.
	state state
	// result is the value given to SetResult.
	result T
	// err is the error given to SetException, or ErrCancelled.
	err error
	// first holds the first done-callback, so the common case of one waiter
	// needs no slice allocation.
	first callback[T]
	// more holds the done-callbacks after the first, in order.
	more []callback[T]
}

// callback is a done-callback in either of its two forms, so that OnDone
// (the coroutine runner's form) needs no wrapper closure.
type callback[T any] struct {
	// withFuture is an AddDoneCallback callback.
	withFuture func(*Future[T])
	// plain is an OnDone callback.
	plain func()
}

// run calls the callback.
func (c callback[T]) run(f *Future[T]) {
	if c.withFuture != nil {
		c.withFuture(f)
	} else if c.plain != nil {
		c.plain()
	}
}

// empty reports whether no callback is stored.
func (c callback[T]) empty() bool { return c.withFuture == nil && c.plain == nil }

// NewFuture returns a pending Future.
func NewFuture[T any]() *Future[T] { return &Future[T]{} }

// Resolved returns a Future that already holds v, like
// tornado.gen.maybe_future of a plain value.
func Resolved[T any](v T) *Future[T] { return &Future[T]{state: resolved, result: v} }

// Failed returns a Future that already holds err.
func Failed[T any](err error) *Future[T] { return &Future[T]{state: resolved, err: err} }

// Done reports whether f is resolved or cancelled.
func (f *Future[T]) Done() bool { return f.state != pending }

// Cancelled reports whether f was resolved by Cancel.
func (f *Future[T]) Cancelled() bool { return f.state == cancelled }

// Result returns the value and error f resolved with. While f is pending it
// returns ErrNotDone; after Cancel it returns ErrCancelled.
func (f *Future[T]) Result() (T, error) {
	if f.state == pending {
		var zero T
		return zero, ErrNotDone
	}
	return f.result, f.err
}

// Exception returns the error f resolved with: nil after SetResult,
// ErrCancelled after Cancel, ErrNotDone while pending.
func (f *Future[T]) Exception() error {
	if f.state == pending {
		return ErrNotDone
	}
	return f.err
}

// SetResult resolves f with v and runs its callbacks. Setting a cancelled
// Future does nothing (tornado.concurrent.future_set_result_unless_cancelled:
// whoever cancelled has stopped waiting); setting a resolved Future twice is a
// programming error and panics, as asyncio raises InvalidStateError.
func (f *Future[T]) SetResult(v T) {
	if !f.settable() {
		return
	}
	f.result = v
	f.state = resolved
	f.runCallbacks()
}

// SetException resolves f with err and runs its callbacks; the rules for a
// done Future are those of SetResult. A nil err resolves f with the zero
// value, which keeps `f.SetException(doWork())` patterns correct.
func (f *Future[T]) SetException(err error) {
	if !f.settable() {
		return
	}
	f.err = err
	f.state = resolved
	f.runCallbacks()
}

// Set resolves f with v if err is nil and with err otherwise: the shape of a
// Go function's results.
func (f *Future[T]) Set(v T, err error) {
	if err != nil {
		f.SetException(err)
		return
	}
	f.SetResult(v)
}

// Cancel resolves a pending f with ErrCancelled and reports whether it did;
// a done Future cannot be cancelled. Like asyncio's Future.cancel, this only
// tells waiters to stop waiting: work already started is not interrupted.
func (f *Future[T]) Cancel() bool {
	if f.state != pending {
		return false
	}
	f.state = cancelled
	f.err = ErrCancelled
	f.runCallbacks()
	return true
}

// AddDoneCallback runs fn(f) when f is done, or at once if it already is.
// Callbacks run in the order they were added, on the goroutine that
// resolves f.
func (f *Future[T]) AddDoneCallback(fn func(*Future[T])) {
	f.add(callback[T]{withFuture: fn})
}

// OnDone is AddDoneCallback for a callback that does not need the Future;
// it makes *Future[T] an Awaitable.
func (f *Future[T]) OnDone(fn func()) {
	f.add(callback[T]{plain: fn})
}

// add runs c now if f is done, else stores it.
func (f *Future[T]) add(c callback[T]) {
	if f.state != pending {
		c.run(f)
		return
	}
	if f.first.empty() {
		f.first = c
		return
	}
	f.more = append(f.more, c)
}

// String describes f for logs and test failures.
func (f *Future[T]) String() string {
	switch {
	case f.state == pending:
		return "Future(pending)"
	case f.state == cancelled:
		return "Future(cancelled)"
	case f.err != nil:
		return fmt.Sprintf("Future(exception=%v)", f.err)
	default:
		return fmt.Sprintf("Future(result=%v)", f.result)
	}
}

// settable reports whether f may be resolved now, panicking on a second
// resolution (see SetResult).
func (f *Future[T]) settable() bool {
	switch f.state {
	case pending:
		return true
	case cancelled:
		return false
	}
	panic("concurrent: future already resolved")
}

// runCallbacks runs and forgets the done-callbacks. A callback may add
// further callbacks to f, which then run at once (f is done).
func (f *Future[T]) runCallbacks() {
	first, more := f.first, f.more
	f.first, f.more = callback[T]{}, nil
	first.run(f)
	for _, c := range more {
		c.run(f)
	}
}
