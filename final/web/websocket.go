// WebSocket routes: a RequestHandler hands its connection to
// final/websocket (Tornado's WebSocketHandler is a RequestHandler whose get
// answers the handshake), on final/httpserver or under net/http.

package web

import (
	"github.com/gornado/gornado/final/iostream"
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
// On final/httpserver the stream is the connection's (Detach). Under
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
	d := rh.d
	n, netHTTP := d.out.(*netResponder)
	if !netHTTP && (d.conn == nil || d.raw == nil) {
		return ErrNotUpgradable
	}
	if rh.headersWritten || rh.finished {
		return ErrHeadersSent
	}
	r := &websocket.Request{
		Method:   rh.req.Method,
		Host:     string(rh.req.host),
		Target:   rh.req.URI(),
		Headers:  rh.req.Headers,
		RemoteIP: rh.req.RemoteIP,
	}
	var stream *iostream.IOStream
	if netHTTP {
		s, rest, relay, taken, err := n.hijack(rh.loop)
		if !taken {
			return err
		}
		rh.detached, rh.finished = true, true
		if err != nil {
			rh.onFinish()
			return err
		}
		stream, r.Rest = s, rest
		net := &rh.app.net
		if net.sockets == nil {
			net.sockets = map[*websocket.Conn]struct{}{}
		}
		h = &trackedSocket{Handler: h, live: net.sockets, relay: relay}
	} else {
		rh.detached, rh.finished = true, true
		stream, r.Rest = d.conn.Detach()
	}
	if _, err := websocket.Upgrade(stream, r, h, opts); err != nil {
		rh.logger().Debug("web: websocket handshake refused", "error", err.Error(), "uri", r.Target)
	}
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
