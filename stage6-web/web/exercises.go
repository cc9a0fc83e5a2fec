package web

// The starting points of chapter 6's exercises (docs/06-web.md,
// "Exercises"). Each one compiles and does the naive thing or fails with
// ErrNotImplemented, so that the tests in exercises_test.go, which run only
// with `go test -tags exercises`, fail until you have done the exercise.
// Nothing else in the package uses them.

import (
	"errors"
	"time"

	futures "github.com/gornado/gornado/stage3-futures"
)

// ErrNotImplemented is what an exercise's starting point fails with.
var ErrNotImplemented = errors.New("web: exercise not done yet")

// MinCompressSize is the smallest body CompressBody compresses: below it,
// gzip's header and trailer cost more than they save.
const MinCompressSize = 256

// CompressBody is exercise 1: Tornado's GZipContentEncoding, called by a
// handler method after its last Write. If the request's Accept-Encoding
// accepts gzip (a q-value of 0 refuses it; RFC 9110, section 12.5.3), the body
// written so far is at least MinCompressSize bytes, nothing was flushed yet and
// no Content-Encoding is set, it replaces the buffered body with its gzip and
// sets "Content-Encoding: gzip"; Finish then gives the compressed length as
// Content-Length. Whether it compresses or not, it adds "Vary:
// Accept-Encoding", so that a cache does not hand the gzip to a client that
// did not ask for it.
//
// The starting point leaves the body as it is.
func (h *RequestHandler) CompressBody() {}

// ErrTimeout is what AwaitTimeout returns when the time is up first.
var ErrTimeout = errors.New("web: timeout")

// AwaitTimeout is exercise 2: Tornado's gen.with_timeout for a handler.
// Await f, but for at most d: if f is not done by then, return ErrTimeout
// (f itself goes on, as in Tornado: cancelling it is the caller's choice).
// If f finishes first, return its result or error, and remove the timer, so
// that a long poll answered at once leaves nothing behind on the loop.
//
// Build it from the loop's CallLater and RemoveTimeout (h.Loop()) and a
// Future of your own that whichever comes first resolves. The starting point
// fails with ErrNotImplemented.
func (h *RequestHandler) AwaitTimeout(f *futures.Future, d time.Duration) (any, error) {
	return nil, ErrNotImplemented
}
