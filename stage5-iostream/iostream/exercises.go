package iostream

// The starting points of the chapter's exercises (docs/05-iostream.md,
// "Exercises"). Each one compiles and fails with ErrNotImplemented, so that
// the tests in exercises_test.go, which run only with
// `go test -tags exercises`, fail until you have done the exercise. Nothing
// else in the package uses them.

import (
	"errors"

	futures "github.com/gornado/gornado/stage3-futures"
)

// ErrNotImplemented is what an exercise's starting point fails with.
var ErrNotImplemented = errors.New("iostream: exercise not done yet")

// ReadLines is exercise 1: read s line by line until the peer closes, call
// onLine with each line (without its "\n"), and resolve to the number of
// lines. A last line that the peer did not end with "\n" is a line too; an
// empty stream has none. With maxLine > 0, a line longer than maxLine bytes
// (counting its "\n") fails the Future with an *UnsatisfiableReadError, after
// onLine has seen every line before it: whether the stream found it too long
// (ReadUntil's maxBytes, while the peer is still sending) or the peer closed
// first and the line is in what the closed stream still holds.
//
// Build it from ReadUntil and what a closed stream still holds (chapter 5,
// "Closing settles everything"). The starting point fails with
// ErrNotImplemented.
func ReadLines(s *BaseIOStream, maxLine int, onLine func(line []byte)) *futures.Future {
	return futures.Failed(ErrNotImplemented)
}

// Copy is exercise 2: copy everything src produces into dst until src's peer
// closes, and resolve to the number of bytes copied (an int64) once dst has
// written them all. dst stays open; closing it is the caller's business.
//
// Copy must respect dst's MaxWriteBufferSize: a consumer slower than the
// producer must slow the copy down, not fail it. So do not read faster than
// dst writes: the obvious ReadUntilClose with a streaming callback that calls
// dst.Write queues the whole input in dst's write buffer and fails with a
// *StreamBufferFullError. The starting point fails with ErrNotImplemented.
func Copy(dst, src *BaseIOStream) *futures.Future {
	return futures.Failed(ErrNotImplemented)
}
