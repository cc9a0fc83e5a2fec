// What became of one keep-alive request, as a client sees it when the server
// stops: the counting behind scenario 3.

package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"
)

// outcome is what one request got.
type outcome uint8

const (
	// completed: the whole response arrived.
	completed outcome = iota
	// reset: ECONNRESET or EPIPE before any byte of the response.
	reset
	// truncated: some bytes of the response, then EOF or a reset.
	truncated
	// eofReused: a clean EOF before any byte, on a connection that had
	// already carried a response. This is the race every keep-alive
	// client must expect (the server closed an idle connection as the
	// request left), and the one it may retry: RFC 9112, section 9.3.1
	// lets a client retry an idempotent request on a new connection.
	eofReused
	// eofFresh: a clean EOF before any byte on a new connection.
	eofFresh
	// timedOut: no complete response within the deadline.
	timedOut
	// otherErr: anything else (a malformed response).
	otherErr
	numOutcomes
)

var outcomeNames = [numOutcomes]string{
	"completed", "reset", "truncated", "eof-reused", "eof-fresh", "timeout", "other",
}

func (o outcome) String() string {
	if o < numOutcomes {
		return outcomeNames[o]
	}
	return "outcome(?)"
}

// classify names what a request got: got is how many bytes of its response
// arrived before err (nil: the response was whole), reused whether the
// connection had carried a response before.
func classify(got int64, reused bool, err error) outcome {
	switch {
	case err == nil:
		return completed
	case isTimeout(err):
		return timedOut
	case got > 0:
		return truncated
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE):
		return reset
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		if reused {
			return eofReused
		}
		return eofFresh
	}
	return otherErr
}

// tally counts outcomes.
type tally [numOutcomes]int

// add counts o.
func (t *tally) add(o outcome) { t[o]++ }

// plus returns the sum of t and u.
func (t tally) plus(u tally) tally {
	for i := range t {
		t[i] += u[i]
	}
	return t
}

// MarshalJSON writes the counts by name.
func (t tally) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, n := range t {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, outcomeNames[i]...)
		b = append(b, '"', ':')
		b = append(b, itoa(n)...)
	}
	return append(b, '}'), nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// keepAliveConn is a client connection that makes one request after another.
type keepAliveConn struct {
	c  net.Conn
	cr *countingReader
	br *bufio.Reader
	// responses counts the responses it has carried: more than none
	// makes it a reused connection.
	responses int
}

func newKeepAliveConn(c net.Conn) *keepAliveConn {
	cr := &countingReader{r: c}
	return &keepAliveConn{c: c, cr: cr, br: bufio.NewReader(cr)}
}

// exchange writes req and reads the whole response within limit. It
// returns what the request got and whether the connection may carry
// another (the response did not say Connection: close).
func (k *keepAliveConn) exchange(req []byte, limit time.Duration) (o outcome, again bool) {
	reused := k.responses > 0
	// Bytes of this response are those read from the connection from now
	// on, plus any the reader already held (none, unless the server sent
	// more than it was asked for).
	before := k.cr.n - int64(k.br.Buffered())
	k.c.SetDeadline(time.Now().Add(limit))
	if _, err := k.c.Write(req); err != nil {
		return classify(0, reused, err), false
	}
	resp, err := http.ReadResponse(k.br, nil)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if err != nil {
		return classify(k.cr.n-before, reused, err), false
	}
	k.responses++
	return completed, !resp.Close
}
