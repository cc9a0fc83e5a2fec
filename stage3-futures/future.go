package futures

import (
	"errors"
	"fmt"
)

// Errors a Future reports about its own state. They mirror asyncio's
// InvalidStateError and CancelledError, which Tornado's Future raises.
var (
	// ErrAlreadyDone is returned by SetResult, SetException and Cancel on a
	// Future that is already resolved: a result is never silently overwritten.
	ErrAlreadyDone = errors.New("futures: future is already done")
	// ErrNotDone is returned by Result and Exception before the Future is done.
	ErrNotDone = errors.New("futures: future is not done yet")
	// ErrCancelled is the error of a Future that was cancelled.
	ErrCancelled = errors.New("futures: future was cancelled")
)

// A Future is a placeholder for a result that is not there yet: the second of
// the seed's asynchronous interface styles ("返回占位符"). Whoever starts an
// operation returns a Future at once; whoever finishes it later calls
// SetResult or SetException; whoever wants the answer calls AddDoneCallback.
//
// A Future knows nothing of event loops. It runs its done-callbacks itself, in
// the order they were added, on the goroutine that resolves it. That is what
// lets stage2's toy loop and stage5's real IOLoop drive the same Futures.
//
// Like Tornado's Future, it is not safe for use from several goroutines at
// once: create, resolve and await it on the loop's goroutine. Work on another
// goroutine hands its result back with the loop's AddCallback.
type Future struct {
	done      bool
	cancelled bool
	result    any
	err       error
	callbacks []func(*Future)
}

// New returns a pending Future.
func New() *Future { return &Future{} }

// Resolved returns a Future that is already done with result v: handy when a
// function that returns Futures has its answer at hand (a cached page, say).
func Resolved(v any) *Future { return &Future{done: true, result: v} }

// Failed returns a Future that is already done with err.
func Failed(err error) *Future { return &Future{done: true, err: err} }

// Done reports whether the Future has a result, an error, or was cancelled.
func (f *Future) Done() bool { return f.done }

// Cancelled reports whether Cancel resolved this Future.
func (f *Future) Cancelled() bool { return f.cancelled }

// Result returns the Future's result and error once it is done. Before that it
// returns ErrNotDone; after Cancel, ErrCancelled.
func (f *Future) Result() (any, error) {
	if !f.done {
		return nil, ErrNotDone
	}
	return f.result, f.err
}

// Exception returns the error the Future was resolved with, or nil if it
// holds a result. Before the Future is done it returns ErrNotDone. Tornado
// calls this exception(); the Go name keeps the seed's word.
func (f *Future) Exception() error {
	if !f.done {
		return ErrNotDone
	}
	return f.err
}

// SetResult resolves the Future with v and runs its done-callbacks.
func (f *Future) SetResult(v any) error { return f.resolve(v, nil, false) }

// SetException resolves the Future with err and runs its done-callbacks. A nil
// err is a mistake in the caller, reported rather than stored as success.
func (f *Future) SetException(err error) error {
	if err == nil {
		return errors.New("futures: SetException with a nil error")
	}
	return f.resolve(nil, err, false)
}

// Cancel resolves a pending Future with ErrCancelled and runs its callbacks.
// It reports whether it did so: a Future that is already done stays as it is.
// Cancelling says "nobody wants this result any more"; it does not stop the
// operation that would have produced it, exactly as in Tornado.
func (f *Future) Cancel() bool { return f.resolve(nil, ErrCancelled, true) == nil }

// AddDoneCallback arranges for fn to be called with the Future when it is
// done. If it is done already, fn runs at once, before AddDoneCallback returns.
func (f *Future) AddDoneCallback(fn func(*Future)) {
	if f.done {
		fn(f)
		return
	}
	f.callbacks = append(f.callbacks, fn)
}

func (f *Future) resolve(v any, err error, cancelled bool) error {
	if f.done {
		return fmt.Errorf("%w (holding %s)", ErrAlreadyDone, f.describe())
	}
	f.done, f.result, f.err, f.cancelled = true, v, err, cancelled
	// Take the list first: a callback may add another callback to this very
	// Future, which then runs at once because the Future is already done.
	callbacks := f.callbacks
	f.callbacks = nil
	for _, fn := range callbacks {
		fn(f)
	}
	return nil
}

func (f *Future) describe() string {
	switch {
	case f.cancelled:
		return "cancelled"
	case f.err != nil:
		return "error: " + f.err.Error()
	default:
		return fmt.Sprintf("result: %.40v", f.result)
	}
}
