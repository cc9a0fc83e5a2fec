// Taking the connection from the HTTP layer: Detach (Tornado's detach),
// and what WebSocketUpgrade shares with it.

package web

import (
	"fmt"
	"net"

	"github.com/gornado/gornado/final/iostream"
)

// Detach takes the request's connection from the HTTP layer and returns
// it as a stream on the request's loop, with the bytes the client sent
// after the request (rest), Tornado's detach: for a protocol that tunnels
// over an HTTP handshake (a CONNECT proxy, a custom upgrade). The
// response counts as finished: the framework writes nothing more, OnFinish
// runs now, no access log line is written, and the stream is the caller's
// to write the handshake's answer to and to close. Nothing has been
// written to it: the caller answers the request itself (a "101" or
// "200 Connection established" head).
//
// On final/httpserver the stream is the connection's own (Conn.Detach);
// the server forgets the connection, and its Shutdown does not wait for
// it. Under net/http (ServeHTTP) the connection is hijacked and moved to
// the application's loop, as for a WebSocket; over TLS there it returns
// ErrNotUpgradable, having taken nothing, because the session would stay
// in crypto/tls behind a relay that only a WebSocket's close can bound.
// It returns ErrHeadersSent once the response has started, and
// ErrNotUpgradable for HTTP/2 or a ResponseWriter without Hijack.
func (rh *RequestHandler) Detach() (stream *iostream.IOStream, rest []byte, err error) {
	if !rh.live() {
		return nil, nil, ErrFinished
	}
	if n, ok := rh.d.out.(*netResponder); ok && n.r.TLS != nil {
		return nil, nil, fmt.Errorf("%w: Detach over TLS under net/http", ErrNotUpgradable)
	}
	stream, rest, _, err = rh.takeConnection()
	if stream == nil {
		return nil, nil, err
	}
	rh.onFinish()
	return stream, rest, nil
}

// takeConnection moves the connection out of the HTTP layer (see
// WebSocketUpgrade and Detach) and marks the response finished and
// detached. With a nil stream, err says why; the response is then
// untouched, so that the handler can still answer (ErrNotUpgradable,
// ErrHeadersSent), unless net/http gave the connection up and it could not
// become a stream: it has been answered 500 and closed, and OnFinish has
// run. relay is the TLS connection behind a relayed stream, or nil.
func (rh *RequestHandler) takeConnection() (stream *iostream.IOStream, rest []byte, relay net.Conn, err error) {
	d := rh.d
	n, netHTTP := d.out.(*netResponder)
	if !netHTTP && (d.conn == nil || d.raw == nil) {
		return nil, nil, nil, ErrNotUpgradable
	}
	if rh.headersWritten || rh.resp.finished() {
		return nil, nil, nil, ErrHeadersSent
	}
	if !netHTTP {
		rh.resp = respDetached
		stream, rest = d.conn.Detach()
		return stream, rest, nil, nil
	}
	stream, rest, relay, taken, err := n.hijack(rh.loop)
	if !taken {
		return nil, nil, nil, err
	}
	rh.resp = respDetached
	if err != nil {
		rh.onFinish()
		return nil, nil, nil, err
	}
	return stream, rest, relay, nil
}
