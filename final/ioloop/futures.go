// The loop's bridges to Futures: AddFuture, RunSync, RunInExecutor.

package ioloop

import (
	"fmt"
	"runtime/debug"
	"time"

	"github.com/gornado/gornado/final/concurrent"
)

// AddFuture runs cb(f) on the loop's next iteration after f is done, like
// Tornado's add_future: the callback never runs inside whatever resolved f.
// (Go methods cannot have type parameters, so this is a function.)
func AddFuture[T any](l *IOLoop, f *concurrent.Future[T], cb func(*concurrent.Future[T])) {
	f.AddDoneCallback(func(f *concurrent.Future[T]) {
		l.AddCallback(func() { cb(f) })
	})
}

// RunInExecutor runs fn on the loop's executor and returns a Future
// resolved with fn's results on the loop, like Tornado's run_in_executor
// (ex nil: the loop's executor, WithExecutor). Call it on the loop's
// goroutine.
func RunInExecutor[T any](l *IOLoop, ex concurrent.Executor, fn func() (T, error)) *concurrent.Future[T] {
	if ex == nil {
		ex = l.executor
	}
	return concurrent.RunOnExecutor(l, ex, fn)
}

// RunSync starts l, runs fn on it, and stops l when the Future fn returns is
// done, returning its result: Tornado's run_sync, the usual way for main or
// a test to run async code. With a positive timeout it gives up after that
// long: the Future is cancelled and the error wraps ErrTimeout. A panic in
// fn becomes a *concurrent.PanicError. Call it on a goroutine that may run
// l (l must not be running).
func RunSync[T any](l *IOLoop, fn func() *concurrent.Future[T], timeout time.Duration) (T, error) {
	var fut *concurrent.Future[T]
	l.AddCallback(func() {
		func() {
			defer func() {
				if r := recover(); r != nil {
					fut = concurrent.Failed[T](&concurrent.PanicError{Value: r, Stack: debug.Stack()})
				}
			}()
			fut = fn()
		}()
		if fut == nil {
			fut = concurrent.Failed[T](fmt.Errorf("ioloop: RunSync function returned a nil Future"))
		}
		AddFuture(l, fut, func(*concurrent.Future[T]) { l.Stop() })
	})
	var to Timeout
	if timeout > 0 {
		to = l.CallLater(timeout, func() {
			// Like run_sync: cancel the Future and let its done-callback
			// stop the loop; if it cannot be cancelled, stop anyway.
			if fut == nil || !fut.Cancel() {
				l.Stop()
			}
		})
	}
	err := l.Start()
	l.RemoveTimeout(to)
	var zero T
	if err != nil {
		return zero, err
	}
	if fut == nil || fut.Cancelled() || !fut.Done() {
		return zero, fmt.Errorf("%w after %v", ErrTimeout, timeout)
	}
	return fut.Result()
}
