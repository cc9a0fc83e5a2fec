// WebSocket routes: a RequestHandler hands its connection to
// final/websocket (Tornado's WebSocketHandler is a RequestHandler whose get
// answers the handshake).

package web

import (
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
// Under net/http (ServeHTTP) it returns ErrNotUpgradable.
func (rh *RequestHandler) WebSocketUpgrade(h websocket.Handler, opts websocket.Options) error {
	d := rh.d
	if d.conn == nil || d.raw == nil {
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
	rh.detached, rh.finished = true, true
	stream, rest := d.conn.Detach()
	r.Rest = rest
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
