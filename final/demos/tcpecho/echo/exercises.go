package echo

// The starting points of chapter 7's exercises (docs/07-final.md,
// "Exercises"). Each one compiles and does the naive thing, so that the tests
// in exercises_test.go, which run only with `go test -tags exercises`, fail
// until you have done the exercise. Nothing else in the package uses them.

import (
	"net"
	"time"

	"github.com/gornado/gornado/final/iostream"
	"github.com/gornado/gornado/final/tcpserver"
)

// Busy is the line a connection refused by LimitConnections receives before
// the server closes it.
const Busy = "busy\n"

// LimitConnections is exercise 1: wrap handle so that at most n connections
// are served at once, across every loop of the server. The n+1th connection
// gets the line Busy and is closed; once a served connection closes, its
// place is free for the next one.
//
// The loops of a Group run on different OS threads, so the count is shared
// between goroutines; and a stream says when it closes through
// SetCloseCallback (which handle must then leave alone: Handle does).
//
// The starting point serves every connection, however many there are.
func LimitConnections(n int, handle tcpserver.StreamHandler) tcpserver.StreamHandler {
	return handle
}

// HandleWithIdleTimeout is exercise 2: Handle, except that a connection that
// sends no complete line for idle is closed by the server, as a public
// server must do to the connections a client forgot (or opened to exhaust its
// descriptors). Every line received starts the idle period anew.
//
// Use the stream's loop (Loop) for the timer: CallLater and RemoveTimeout
// allocate nothing, and the timer must not outlive the stream.
//
// The starting point is Handle: an idle connection stays open for ever.
func HandleWithIdleTimeout(idle time.Duration) tcpserver.StreamHandler {
	return func(stream *iostream.IOStream, addr net.Addr) { Handle(stream, addr) }
}
