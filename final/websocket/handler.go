// The server side: Handler, the methods of Tornado's WebSocketHandler, and
// Upgrade, the entry point an HTTP server calls with a request whose head it
// has read, to answer the opening handshake and hand the stream over.

package websocket

import (
	"strings"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/httputil"
	"github.com/gornado/gornado/final/iostream"
)

// Handler receives a connection's events, Tornado's WebSocketHandler
// methods. Embed WebSocketHandler and override what you need, as a Tornado
// handler subclasses WebSocketHandler. Every method runs on the
// connection's loop.
//
// Open and OnMessage may be coroutines: return a pending Awaitable (the
// Future of gen.Go) and no further message is delivered until it is done,
// as in Tornado; return nil when done. OnMessage's data is valid only until
// OnMessage returns (it may point into the stream's buffer): a coroutine
// copies what it keeps before its first await.
type Handler interface {
	// CheckOrigin accepts or refuses (403) a request with an Origin
	// header; the default accepts the request's own host only.
	CheckOrigin(r *Request, origin string) bool
	// SelectSubprotocol picks one of the offered subprotocols, or "" for
	// none; it is called only when some are offered.
	SelectSubprotocol(r *Request, offered []string) string
	// GetCompressionOptions returns nil (the default) to refuse
	// permessage-deflate, or the options to accept it with.
	GetCompressionOptions(r *Request) *CompressionOptions
	// Open runs once the handshake is answered.
	Open(c *Conn) concurrent.Awaitable
	// OnMessage receives each message.
	OnMessage(c *Conn, data []byte, binary bool) concurrent.Awaitable
	// OnPing runs after a ping has been answered with a pong.
	OnPing(c *Conn, data []byte)
	// OnPong runs for each pong.
	OnPong(c *Conn, data []byte)
	// OnClose runs once the connection is closed, with the peer's close
	// code and reason (1005: it sent none; 1006: no Close frame came).
	OnClose(c *Conn, code int, reason string)
}

// WebSocketHandler is what a handler embeds, as a Tornado handler
// subclasses tornado.websocket.WebSocketHandler: it gives every Handler
// method Tornado's default (same-host origins only, no subprotocol, no
// compression, nothing to do on events), so a handler defines only the
// methods it overrides.
type WebSocketHandler struct{}

// CheckOrigin accepts an Origin whose host equals the request's Host.
func (WebSocketHandler) CheckOrigin(r *Request, origin string) bool {
	return CheckOrigin(origin, r.Host)
}

// SelectSubprotocol selects none.
func (WebSocketHandler) SelectSubprotocol(*Request, []string) string { return "" }

// GetCompressionOptions refuses compression.
func (WebSocketHandler) GetCompressionOptions(*Request) *CompressionOptions { return nil }

// Open does nothing.
func (WebSocketHandler) Open(*Conn) concurrent.Awaitable { return nil }

// OnMessage does nothing.
func (WebSocketHandler) OnMessage(*Conn, []byte, bool) concurrent.Awaitable { return nil }

// OnPing does nothing (the pong has been sent).
func (WebSocketHandler) OnPing(*Conn, []byte) {}

// OnPong does nothing.
func (WebSocketHandler) OnPong(*Conn, []byte) {}

// OnClose does nothing.
func (WebSocketHandler) OnClose(*Conn, int, string) {}

// Request is the handshake request as the HTTP layer parsed it. Upgrade
// copies what it keeps, so the HTTP layer may reuse the storage afterwards.
type Request struct {
	// Method is the request method; a handshake must be GET.
	Method string
	// Host is the Host header (or the authority of an absolute-form
	// target), which CheckOrigin compares with Origin.
	Host string
	// Target is the request-target, path and query.
	Target string
	// Headers are the request's header fields.
	Headers *httputil.HTTPHeaders
	// RemoteIP is the peer's address as the HTTP layer reports it
	// (Tornado's request.remote_ip), possibly empty.
	RemoteIP string
	// Rest holds bytes the client sent after the request head that the
	// HTTP layer has already taken from the stream (the rest that
	// http1connection's Detach returns): the first frames, read before
	// anything more from the stream. Upgrade keeps the slice.
	Rest []byte
}

// Upgrade answers the opening handshake of r on stream and runs h on the
// connection: Tornado's WebSocketHandler.get. The HTTP layer calls it after
// reading the request head and routing it, and gives the stream up: it
// must not read or write the stream again, nor time it out. Bytes the peer
// sent after the head are frames: those the HTTP layer already took from
// the stream go in r.Rest, the others stay buffered in the stream.
//
// Upgrade checks the request (CheckRequest), the Origin (h.CheckOrigin;
// a request without Origin is a non-browser client and is accepted), picks
// the subprotocol and permessage-deflate parameters, writes the 101
// response and calls h.Open. A refused handshake is answered with its
// status (400, 403, 405 or 426) and the stream closed; the error is
// a *HandshakeError.
func Upgrade(stream *iostream.IOStream, r *Request, h Handler, opts Options) (*Conn, error) {
	key, err := CheckRequest(r.Method, r.Headers)
	if err == nil {
		origin := r.Headers.Get("Origin")
		if origin == "" {
			origin = r.Headers.Get("Sec-WebSocket-Origin")
		}
		if origin != "" && !h.CheckOrigin(r, origin) {
			err = &HandshakeError{Status: 403, Msg: "websocket: cross origin websockets not allowed"}
		}
	}
	if err != nil {
		he := err.(*HandshakeError)
		stream.WriteBuffered(AppendErrorResponse(nil, he))
		stream.Close()
		return nil, err
	}
	var subprotocol string
	if offered := Subprotocols(r.Headers); len(offered) > 0 {
		subprotocol = h.SelectSubprotocol(r, offered)
		found := false
		for _, p := range offered {
			found = found || p == subprotocol
		}
		if !found {
			subprotocol = "" // like Tornado, which asserts: never answer what was not offered
		}
	}
	var deflate *DeflateParams
	var extensions string
	co := h.GetCompressionOptions(r)
	if co != nil {
		exts := strings.Join(r.Headers.GetList("Sec-WebSocket-Extensions"), ",")
		if p, resp, ok := NegotiateDeflate(exts, co); ok {
			deflate, extensions = &p, resp
		}
	}
	if err := stream.WriteBuffered(AppendResponse(nil, key, subprotocol, extensions)); err != nil {
		stream.Close()
		return nil, err
	}
	// The HTTP layer reuses its request storage once the request is over;
	// the connection keeps its own copy for Conn.Request.
	kept := *r
	kept.Headers, kept.Rest = r.Headers.Copy(), nil
	c := newConn(stream, h, true, opts, deflate, co)
	c.request, c.subprotocol = &kept, subprotocol
	c.held = r.Rest
	c.start()
	return c, nil
}
