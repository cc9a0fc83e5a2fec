package futures

// The starting points of the chapter's exercises (docs/03-futures.md,
// "Exercises"). Each one compiles and does the naive thing, so that the tests
// in exercises_test.go, which run only with `go test -tags exercises`, fail
// until you have done the exercise. Nothing else in the package uses them.

import (
	"errors"
	"time"

	callbacks "github.com/gornado/gornado/stage2-callbacks"
)

var (
	// ErrNotImplemented is what an exercise's starting point fails with.
	ErrNotImplemented = errors.New("futures: exercise not done yet")
	// ErrNoFutures is the error of AnyOf called with no Futures at all: the
	// first of nothing never finishes, so say so at once.
	ErrNoFutures = errors.New("futures: AnyOf of no futures")
	// ErrTimeout is the error of a WithTimeout whose time ran out first,
	// Tornado's gen.TimeoutError.
	ErrTimeout = errors.New("futures: timeout")
)

// AnyOf is exercise 1: a Future that resolves as soon as the first of fs is
// done, with that Future's outcome (its result, or its error: a failure
// finishes first too). If some of fs are already done, the first of those in
// the order given wins. The others are left to finish; their outcomes are
// dropped. With no Futures it fails with ErrNoFutures.
//
// It is the other half of All, and asyncio's wait(..., FIRST_COMPLETED) with
// one answer. The starting point fails with ErrNotImplemented.
func AnyOf(fs ...*Future) *Future {
	return Failed(ErrNotImplemented)
}

// WithTimeout is exercise 2, Tornado's gen.with_timeout: a Future with f's
// outcome if f is done within d, and otherwise one that fails with ErrTimeout
// when d has passed (f itself goes on; nobody waits for it any more). When f
// finishes first, the timer is cancelled, so a thousand fast fetches do not
// leave a thousand timers in the loop.
//
// The starting point returns f: no timeout at all.
func WithTimeout(l *callbacks.Loop, f *Future, d time.Duration) *Future {
	return f
}
