// WebSocket routes: a RequestHandler hands its connection to
// final/websocket (Tornado's WebSocketHandler is a RequestHandler whose get
// answers the handshake), on final/httpserver or under net/http.

package web

import (
	"errors"
	"net"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/websocket"
)

// WebSocketUpgrade answers the request's WebSocket handshake and runs h on
// the connection, Tornado's WebSocketHandler.get: the handshake is checked
// by websocket.Upgrade (400, 403 for a foreign Origin unless h.CheckOrigin
// allows it, 426 for another version), the subprotocol is h's
// SelectSubprotocol, and the stream leaves the HTTP connection. Call it
// from Get, after any check of your own (the current user, arguments):
//
//	func (h *ChatSocket) Get(args ...string) error {
//		return h.WebSocketUpgrade(&chatConn{room: h.Room}, websocket.Options{})
//	}
//
// On final/httpserver the stream is the connection's (Detach), and the
// server's Shutdown and Close end the WebSocket with 1001, going away (see
// Application.ShutdownUpgraded). Under
// net/http (ServeHTTP) the connection is hijacked and moved to an iostream
// on the application's loop, and the handshake goes on exactly as on
// httpserver (over TLS the session stays in crypto/tls and two goroutines
// relay its plaintext to the stream); Application.Close ends such
// connections. There it returns ErrNotUpgradable, having written nothing,
// for a request over HTTP/2 or through a ResponseWriter without Hijack; a
// connection hijacked
// but without a descriptor is answered 500 and closed, and the error wraps
// ErrNotUpgradable too. It returns ErrHeadersSent once the response has
// started. A refused handshake is answered by websocket.Upgrade and is not
// an error here (it is logged at Debug level).
func (rh *RequestHandler) WebSocketUpgrade(h websocket.Handler, opts websocket.Options) error {
	if !rh.live() {
		return ErrFinished
	}
	stream, rest, relay, err := rh.takeConnection()
	if stream == nil {
		return err
	}
	r := &websocket.Request{
		Method:   rh.req.Method,
		Host:     string(rh.req.host),
		Target:   rh.req.URI(),
		Headers:  rh.req.Headers,
		RemoteIP: rh.req.RemoteIP,
		Rest:     rest,
	}
	tracked := &trackedSocket{Handler: h, set: &rh.Application.stateOf(rh.loop).sockets, relay: relay}
	h = tracked
	// The access log line Tornado writes for a handshake: 101 once the
	// connection is a WebSocket, or the status of the refusal.
	rh.status = 101
	if _, err := websocket.Upgrade(stream, r, h, opts); err != nil {
		rh.logger().Debug("web: websocket handshake refused", "error", err.Error(), "uri", r.Target)
		rh.status = 400
		var he *websocket.HandshakeError
		if errors.As(err, &he) {
			rh.status = he.Status
		}
	}
	rh.logRequest()
	rh.onFinish()
	return nil
}

// WebSocketHandler is a route to a WebSocket handler: each request gets
// New's handler (which sees the RequestHandler, for arguments, cookies and
// the current user), upgraded with Options.
//
//	web.URL("/chatsocket", &web.WebSocketHandler{New: newChatConn})
type WebSocketHandler struct {
	RequestHandler
	// New returns the handler for one connection; nil from it answers 403.
	// It reads what the connection needs from r then: the request ends
	// with the handshake, and r with it (its methods then return
	// ErrFinished; see RequestHandler).
	New func(r *RequestHandler) websocket.Handler
	// Options are the connection's settings (ping interval, limits).
	Options websocket.Options
}

// Get answers the handshake.
func (h *WebSocketHandler) Get(...string) error {
	ws := h.New(&h.RequestHandler)
	if ws == nil {
		return &HTTPError{Code: 403}
	}
	return h.WebSocketUpgrade(ws, h.Options)
}

// Ending the WebSockets when the server stops. httpserver forgets a
// connection once it is detached, and net/http once it is hijacked, so
// neither server's Shutdown would end a WebSocket: the application keeps
// its open WebSockets per loop and ends them when asked, as an
// httpserver.UpgradeCloser (the server's Shutdown and Close) or by its own
// Close (under net/http).

var _ httpserver.UpgradeCloser = (*Application)(nil)

// ShutdownUpgraded is httpserver.UpgradeCloser's, for the server's
// Shutdown: every WebSocket the application has open on loop gets a Close
// frame with 1001, going away (RFC 6455, section 7.4.1: "a server going
// down"), and closes once its client answers with its own Close frame, or
// after the connection's CloseTimeout (5 s); done is called once none is
// left on loop. A WebSocket that opens on loop afterwards, from a
// handshake that was already under way, is sent its 1001 as it opens.
func (a *Application) ShutdownUpgraded(loop *ioloop.IOLoop, done func()) {
	a.stateOf(loop).sockets.shutdown(done)
}

// CloseUpgraded is httpserver.UpgradeCloser's, for the server's Close (and
// the application's own Close under net/http): every WebSocket the
// application has open on loop is sent a Close frame with 1001, if its
// socket takes it now, and closed without waiting for the answer; its
// handler's OnClose runs on a later callback.
func (a *Application) CloseUpgraded(loop *ioloop.IOLoop) {
	a.stateOf(loop).sockets.closeAll()
}

// socketSet is an application's open WebSockets on one loop, from their
// handler's Open to its OnClose. Loop goroutine only.
type socketSet struct {
	// open are the connections.
	open map[*websocket.Conn]struct{}
	// goingAway is set by shutdown: a connection that opens later is sent
	// its 1001 at once.
	goingAway bool
	// waiting are shutdown's done functions, called once open is empty.
	waiting []func()
}

// add records c, which has just opened.
func (s *socketSet) add(c *websocket.Conn) {
	if s.open == nil {
		s.open = map[*websocket.Conn]struct{}{}
	}
	s.open[c] = struct{}{}
}

// remove forgets c, which has closed, and calls the waiting done
// functions if it was the last.
func (s *socketSet) remove(c *websocket.Conn) {
	delete(s.open, c)
	s.notifyIfEmpty()
}

func (s *socketSet) notifyIfEmpty() {
	if len(s.open) > 0 {
		return
	}
	waiting := s.waiting
	s.waiting = nil
	for _, done := range waiting {
		done()
	}
}

// shutdown starts the closing handshake of every connection, and calls
// done once none is open.
func (s *socketSet) shutdown(done func()) {
	s.goingAway = true
	s.waiting = append(s.waiting, done)
	for c := range s.open {
		c.Close(websocket.CloseGoingAway, "")
	}
	s.notifyIfEmpty()
}

// closeAll sends every connection its 1001 and closes its stream now.
func (s *socketSet) closeAll() {
	s.goingAway = true
	for c := range s.open {
		c.Close(websocket.CloseGoingAway, "")
		c.Stream().Close()
	}
}

// trackedSocket is the handler of a WebSocket the application upgraded:
// it keeps its connection in the loop's socketSet from Open to OnClose,
// and otherwise is the route's handler.
type trackedSocket struct {
	websocket.Handler
	// set is the application's set on the connection's loop.
	set *socketSet
	// relay is the TLS connection relayTLS copies to under net/http, or
	// nil.
	relay net.Conn
}

// Open records the connection, then runs the handler's Open; during a
// shutdown it then starts the closing handshake.
func (t *trackedSocket) Open(c *websocket.Conn) concurrent.Awaitable {
	t.set.add(c)
	aw := t.Handler.Open(c)
	if t.set.goingAway {
		c.Close(websocket.CloseGoingAway, "")
	}
	return aw
}

// OnClose runs the handler's OnClose, then forgets the connection: a
// Shutdown waiting for the last one returns after its OnClose has run.
func (t *trackedSocket) OnClose(c *websocket.Conn, code int, reason string) {
	defer t.set.remove(c)
	if t.relay != nil {
		t.relay.SetWriteDeadline(time.Now().Add(relayGrace))
	}
	t.Handler.OnClose(c, code, reason)
}
