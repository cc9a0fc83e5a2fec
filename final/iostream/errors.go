// The errors a stream reports, as tornado/iostream.py defines them.

package iostream

import (
	"errors"
	"fmt"
)

// Sentinel errors of package iostream.
var (
	// ErrStreamClosed matches any *StreamClosedError with errors.Is.
	ErrStreamClosed = errors.New("iostream: stream is closed")
	// ErrAlreadyReading is returned when a read starts while another is
	// pending: a stream has one read at a time, as Tornado asserts.
	ErrAlreadyReading = errors.New("iostream: already reading")
	// ErrAlreadyConnecting is returned by a second Connect.
	ErrAlreadyConnecting = errors.New("iostream: already connecting")
	// ErrWriteClosed is returned by writes after CloseWrite.
	ErrWriteClosed = errors.New("iostream: stream is closed for writing")
	// errWouldBlock is a transport's "try again when ready" (EAGAIN).
	errWouldBlock = errors.New("iostream: operation would block")
)

// StreamClosedError is the error of an operation on a closed stream, or of
// one pending when the stream closed. RealError is why it closed (nil for
// an orderly close or EOF), reachable with errors.Is and errors.As.
type StreamClosedError struct {
	// RealError is the error that closed the stream, if any.
	RealError error
}

// Error implements error.
func (e *StreamClosedError) Error() string {
	if e.RealError != nil {
		return "iostream: stream is closed: " + e.RealError.Error()
	}
	return "iostream: stream is closed"
}

// Unwrap returns RealError.
func (e *StreamClosedError) Unwrap() error { return e.RealError }

// Is makes errors.Is(err, ErrStreamClosed) true for every StreamClosedError.
func (e *StreamClosedError) Is(target error) bool { return target == ErrStreamClosed }

// StreamBufferFullError reports that a buffer reached its limit: the read
// buffer (MaxBufferSize; the stream is closed) or the write buffer
// (MaxWriteBufferSize: a write made while that many bytes wait unsent is
// refused, and the stream stays open, as in Tornado).
type StreamBufferFullError struct {
	// Which is "read" or "write".
	Which string
	// Limit is the limit that was reached, in bytes.
	Limit int
}

// Error implements error.
func (e *StreamBufferFullError) Error() string {
	return fmt.Sprintf("iostream: reached maximum %s buffer size (%d bytes)", e.Which, e.Limit)
}

// UnsatisfiableReadError reports a read that cannot complete: the
// delimiter or pattern was not found within maxBytes. The stream is closed,
// as Tornado closes it, and the read's error is a StreamClosedError wrapping
// this one.
type UnsatisfiableReadError struct {
	// Reason says what was not found where.
	Reason string
}

// Error implements error.
func (e *UnsatisfiableReadError) Error() string { return "iostream: unsatisfiable read: " + e.Reason }
