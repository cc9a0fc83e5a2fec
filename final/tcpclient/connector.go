// The connector: Tornado's _Connector, Happy Eyeballs for a list of
// addresses. Addresses of the first address's family are tried one after
// another; if none has connected after InitialConnectTimeout (or the first
// fails), the other family's are tried alongside. The first success wins
// and every other attempt is closed.

package tcpclient

import (
	"net/netip"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/ioloop"
)

// closer is what the connector needs of a stream: a way to drop it.
type closer interface{ Close() error }

// connector races connection attempts.
type connector[S closer] struct {
	// loop runs the timers.
	loop *ioloop.IOLoop
	// primary and secondary are the addresses of the first family and
	// of the other, in order.
	primary, secondary []netip.AddrPort
	// connect starts one attempt.
	connect func(netip.AddrPort) (S, *concurrent.Future[struct{}])
	// future resolves with the winning stream.
	future *concurrent.Future[S]
	// timeout is the pending stagger timer; timing says it is set.
	timeout ioloop.Timeout
	timing  bool // whether timeout is armed
	// lastErr is the latest failure, reported if all fail.
	lastErr error
	// remaining counts attempts not yet finished plus those not started.
	remaining int
	// streams are the attempts in flight.
	streams map[int]S
	// next numbers attempts.
	next int
}

// newConnector prepares a connector over addrs, split by family.
func newConnector[S closer](loop *ioloop.IOLoop, addrs []netip.AddrPort, connect func(netip.AddrPort) (S, *concurrent.Future[struct{}])) *connector[S] {
	c := &connector[S]{loop: loop, connect: connect, future: concurrent.NewFuture[S](), remaining: len(addrs), streams: map[int]S{}}
	c.primary, c.secondary = split(addrs)
	return c
}

// split separates the first address's family from the other (Tornado's
// _Connector.split).
func split(addrs []netip.AddrPort) (primary, secondary []netip.AddrPort) {
	if len(addrs) == 0 {
		return nil, nil
	}
	first4 := addrs[0].Addr().Unmap().Is4()
	for _, a := range addrs {
		if a.Addr().Unmap().Is4() == first4 {
			primary = append(primary, a)
		} else {
			secondary = append(secondary, a)
		}
	}
	return primary, secondary
}

// start begins with the primary family and arms the stagger timer.
func (c *connector[S]) start() *concurrent.Future[S] {
	if c.remaining == 0 {
		var zero S
		c.future.Set(zero, ErrConnectFailed)
		return c.future
	}
	// Arm the stagger first: a first attempt that fails at once starts
	// the other family at once.
	c.timing = true
	c.timeout = c.loop.CallLater(InitialConnectTimeout, c.onTimeout)
	c.tryConnect(c.primary)
	return c.future
}

// tryConnect starts the first attempt of addrs; each failure starts the
// next.
func (c *connector[S]) tryConnect(addrs []netip.AddrPort) {
	if len(addrs) == 0 {
		// This queue is spent; fail only when the other is spent too.
		if c.remaining == 0 && !c.future.Done() {
			err := c.lastErr
			if err == nil {
				err = ErrConnectFailed
			}
			var zero S
			c.future.Set(zero, err)
		}
		return
	}
	id := c.next
	c.next++
	stream, f := c.connect(addrs[0])
	if any(stream) != nil {
		c.streams[id] = stream
	}
	rest := addrs[1:]
	f.AddDoneCallback(func(f *concurrent.Future[struct{}]) { c.onConnectDone(id, rest, f) })
}

// onConnectDone handles one attempt's outcome.
func (c *connector[S]) onConnectDone(id int, rest []netip.AddrPort, f *concurrent.Future[struct{}]) {
	c.remaining--
	stream, ok := c.streams[id]
	delete(c.streams, id)
	if err := f.Exception(); err != nil {
		if c.future.Done() {
			return
		}
		c.lastErr = err
		c.tryConnect(rest)
		if c.timing {
			// The first attempt failed: try the other family at once
			// rather than wait out the stagger.
			c.loop.RemoveTimeout(c.timeout)
			c.onTimeout()
		}
		return
	}
	c.clearTimeout()
	if c.future.Done() || !ok {
		if ok {
			stream.Close() // a late arrival
		}
		return
	}
	c.future.SetResult(stream)
	c.closeStreams()
}

// onTimeout starts the secondary family.
func (c *connector[S]) onTimeout() {
	c.timing = false
	if !c.future.Done() {
		secondary := c.secondary
		c.secondary = nil
		c.tryConnect(secondary)
	}
}

// clearTimeout cancels the stagger timer.
func (c *connector[S]) clearTimeout() {
	if c.timing {
		c.timing = false
		c.loop.RemoveTimeout(c.timeout)
	}
}

// abandon gives up (the connect timed out): close every attempt.
func (c *connector[S]) abandon() {
	c.clearTimeout()
	c.closeStreams()
}

// closeStreams closes the attempts still in flight.
func (c *connector[S]) closeStreams() {
	for id, s := range c.streams {
		delete(c.streams, id)
		s.Close()
	}
}
