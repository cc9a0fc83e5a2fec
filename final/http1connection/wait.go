// Back-pressure on a request body: a delegate that makes the connection
// wait for an Awaitable before it reads more (BodyWaiter, phaseBodyWait).

package http1connection

import (
	"errors"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/httputil"
)

// dataReceived hands one piece of body to md, through DataReceivedWait
// when md is a BodyWaiter, and moves the connection to phaseBodyWait when
// md returned an Awaitable that is not done yet.
func (c *Conn) dataReceived(md MessageDelegate, p []byte) {
	var aw concurrent.Awaitable
	var err error
	if w, ok := md.(BodyWaiter); ok {
		aw, err = w.DataReceivedWait(p)
	} else {
		err = md.DataReceived(p)
	}
	if err == nil && aw != nil && aw.Done() {
		if e := aw.Exception(); e != nil {
			err = waitError(e)
		}
		aw = nil
	}
	switch {
	case err != nil:
		c.fail(err)
	case aw == nil:
	case c.life.ended() || c.phase != phaseBody:
		// The delegate answered, closed or detached inside the call:
		// there is no body left to wait for.
	default:
		c.waitBody(aw)
	}
}

// waitBody stops the reading of the body until aw is done. The caller,
// readBody or inflate, sees the phase change and returns; process returns
// the position reached, so that consume keeps what follows in pend and
// schedules no read.
func (c *Conn) waitBody(aw concurrent.Awaitable) {
	c.phase = phaseBodyWait
	// The server is slow, not the client: BodyIdleTimeout stops, and
	// only BodyTimeout's bound on the whole body remains.
	var d int64
	if end := c.st.bodyEnd; end > 0 {
		d = max(end-c.now(), 1)
	}
	c.setDeadline(time.Duration(d))
	// Continue on a loop callback of its own rather than inside OnDone:
	// aw may be resolved deep inside other code of this loop (even inside
	// this connection's own writes), where processing bytes again would
	// re-enter the state machine, and the callback gives the loop's other
	// connections a turn first, as resume does after phaseYield.
	aw.OnDone(func() {
		c.Loop().AddCallback(func() { c.bodyWaited(aw) })
	})
}

// bodyWaited goes on with the body once the Awaitable the delegate
// returned is done: an error answers the request like DataReceived's;
// otherwise the bytes waiting in pend are processed first, then the
// socket is read again. A connection that closed, detached or answered
// meanwhile has nothing to go on with.
func (c *Conn) bodyWaited(aw concurrent.Awaitable) {
	if c.life.ended() || c.phase != phaseBodyWait {
		return
	}
	c.phase = phaseBody
	if err := aw.Exception(); err != nil {
		c.fail(waitError(err))
		return
	}
	c.bodyDeadline()
	st := c.st
	if st.zr != nil || st.head.Framing == httputil.FramingLength && st.bodyLeft == 0 {
		// The piece waited for was the body's last (or a decompressed
		// one): finishRead delivers the rest of a gzip body and ends the
		// request, going on to the next if it is answered at once.
		c.finishRead()
		return
	}
	if c.pend != nil {
		c.consume(c.pend, true)
	} else {
		c.read()
	}
}

// waitError is the error a failed Awaitable answers the request with:
// itself when it carries a status (an *httputil.HTTPInputError), else a
// 500. What a delegate waits for is the server's own work (a write to
// disk, a call to a backend), so its failure is the server's, where an
// error DataReceived returns without a status is taken for the input's
// (400), as the connection's own errors are.
func waitError(err error) error {
	var in *httputil.HTTPInputError
	if errors.As(err, &in) {
		return err
	}
	return &httputil.HTTPInputError{Status: 500, Msg: "http1connection: the body's wait failed", Err: err}
}
