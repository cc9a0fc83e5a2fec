package iostream

import "errors"

// The three exceptions of tornado.iostream, as Go error types. Each works with
// errors.As; a StreamClosedError unwraps to its RealError, so a read that
// failed because a delimiter was never found matches both
// *StreamClosedError and *UnsatisfiableReadError.

// StreamClosedError is the error of every operation on a closed stream, and of
// every operation still pending when the stream closes. RealError is why it
// closed (a reset connection, a full buffer ...), or nil for a clean close.
type StreamClosedError struct {
	RealError error
}

func (e *StreamClosedError) Error() string {
	if e.RealError != nil {
		return "iostream: stream is closed: " + e.RealError.Error()
	}
	return "iostream: stream is closed"
}

// Unwrap returns RealError, so errors.Is and errors.As see through to it.
func (e *StreamClosedError) Unwrap() error { return e.RealError }

// StreamBufferFullError says a buffer reached its limit: the read buffer
// passed MaxBufferSize (the stream is closed), or a Write would have taken the
// write buffer past MaxWriteBufferSize (the Write fails, the stream stays open).
type StreamBufferFullError struct {
	Message string
}

func (e *StreamBufferFullError) Error() string { return "iostream: " + e.Message }

// UnsatisfiableReadError says a read can never succeed: ReadUntil or
// ReadUntilRegex did not find its delimiter within maxBytes. The stream is
// closed with it, as Tornado does.
type UnsatisfiableReadError struct {
	Message string
}

func (e *UnsatisfiableReadError) Error() string { return "iostream: " + e.Message }

// ErrAlreadyReading is the error of a read started while another is pending:
// a stream has one reader at a time (Tornado asserts "Already reading").
var ErrAlreadyReading = errors.New("iostream: already reading")
