package coroutines

import (
	"errors"

	"github.com/gornado/gornado/stage3-futures"
)

// Task wraps a callback-style API in a Future: Tornado's gen.Task (与回调整合,
// integrating with callbacks). Python's gen.Task(some_function, args) calls
// some_function(args, callback=cb) for you; Go has no keyword arguments, so
// you write the call yourself in a small closure and pass on the callback:
//
//	await(coroutines.Task(func(done func(any, error)) {
//		callbacks.Fetch(loop, url, func(body []byte, err error) { done(body, err) })
//	}))
//
// done must be called on the loop's goroutine, which is where callback APIs
// built on a loop call their callbacks; a second call is ignored.
func Task(start func(done func(v any, err error))) *futures.Future {
	f := futures.New()
	start(func(v any, err error) {
		if err != nil {
			_ = f.SetException(err)
			return
		}
		_ = f.SetResult(v)
	})
	return f
}

// errNoValue is the error of a Future whose channel closed without a value.
var errNoValue = errors.New("coroutines: channel closed without a value")

// FromChan returns a Future for the first value received from ch: the way a
// goroutine's answer, which in Go usually arrives on a channel, becomes
// something a coroutine can await. A channel is Go's concurrent.futures.Future,
// and FromChan is convert_yielded for it. A helper goroutine waits on the
// channel and hands the value to the loop with AddCallback, so the Future is
// resolved on the loop's goroutine. If ch is closed without a value, the
// Future fails.
//
// The helper goroutine lives until ch delivers or is closed; a channel that
// never does keeps it forever, so give it a sender that always finishes.
func FromChan[T any](loop Loop, ch <-chan T) *futures.Future {
	f := futures.New()
	go func() {
		v, ok := <-ch
		loop.AddCallback(func() {
			if !ok {
				_ = f.SetException(errNoValue)
				return
			}
			_ = f.SetResult(v)
		})
	}()
	return f
}
