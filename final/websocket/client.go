// The client side: WebSocketConnect, Tornado's websocket_connect, and the
// message queue behind ReadMessage.

package websocket

import (
	"crypto/tls"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/httputil"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/iostream"
	"github.com/gornado/gornado/final/tcpclient"
)

// maxResponseHead bounds the server's handshake response.
const maxResponseHead = 64 << 10

// ClientOptions are WebSocketConnect's arguments beyond the URL.
type ClientOptions struct {
	// Options are the connection's settings (pings, limits, close
	// timeout).
	Options
	// Compression, if not nil, offers permessage-deflate
	// (Tornado's compression_options).
	Compression *CompressionOptions
	// Subprotocols are offered in order of preference.
	Subprotocols []string
	// Origin is sent as the Origin header when not empty.
	Origin string
	// Header holds extra request header name, value pairs.
	Header []string
	// ConnectTimeout, if positive, bounds the connect and the handshake
	// (Tornado's connect_timeout).
	ConnectTimeout time.Duration
	// TLS configures wss:// connections; nil uses defaults.
	TLS *tls.Config
	// OnMessage, if set, receives every message as a Handler's
	// OnMessage does (Tornado's on_message_callback); ReadMessage is then
	// unused. Its data is valid only until it returns.
	OnMessage func(c *Conn, data []byte, binary bool) concurrent.Awaitable
	// Client, if set, is the TCPClient to connect with (its resolver).
	Client *tcpclient.TCPClient
}

// ClientMessage is a message ReadMessage returns: a copy the caller keeps.
type ClientMessage struct {
	// Data is the payload.
	Data []byte
	// Binary tells binary messages from text.
	Binary bool
}

// clientHandler queues messages for ReadMessage, or passes them to the
// OnMessage callback.
type clientHandler struct {
	WebSocketHandler
	// onMessage is ClientOptions.OnMessage.
	onMessage func(c *Conn, data []byte, binary bool) concurrent.Awaitable
	// queue holds messages nobody has read yet.
	queue []*ClientMessage
	// waiters are pending ReadMessage Futures.
	waiters []*concurrent.Future[*ClientMessage]
	// closed is set once the connection closed.
	closed bool
}

// OnMessage implements Handler.
func (h *clientHandler) OnMessage(c *Conn, data []byte, binary bool) concurrent.Awaitable {
	if h.onMessage != nil {
		return h.onMessage(c, data, binary)
	}
	m := &ClientMessage{Data: append([]byte(nil), data...), Binary: binary}
	if len(h.waiters) > 0 {
		w := h.waiters[0]
		h.waiters = h.waiters[1:]
		w.SetResult(m)
		return nil
	}
	h.queue = append(h.queue, m)
	return nil
}

// OnClose implements Handler: pending reads get nil.
func (h *clientHandler) OnClose(*Conn, int, string) {
	h.closed = true
	for _, w := range h.waiters {
		w.SetResult(nil)
	}
	h.waiters = nil
}

// ReadMessage returns a Future of the next message a client connection
// receives, or of nil once the connection is closed (Tornado's
// read_message). It is for connections made by WebSocketConnect without an
// OnMessage callback.
func (c *Conn) ReadMessage() *concurrent.Future[*ClientMessage] {
	h, ok := c.handler.(*clientHandler)
	if !ok {
		return concurrent.Failed[*ClientMessage](errors.New("websocket: ReadMessage on a server connection"))
	}
	if len(h.queue) > 0 {
		m := h.queue[0]
		h.queue = h.queue[1:]
		return concurrent.Resolved(m)
	}
	if h.closed {
		return concurrent.Resolved[*ClientMessage](nil)
	}
	f := concurrent.NewFuture[*ClientMessage]()
	h.waiters = append(h.waiters, f)
	return f
}

// WebSocketConnect opens a client connection to a ws:// or wss:// URL on
// loop and resolves with it once the handshake is done (Tornado's
// websocket_connect). Call it on the loop's goroutine. A refused handshake
// fails with a *HandshakeError carrying the server's status.
func WebSocketConnect(loop *ioloop.IOLoop, rawURL string, opts ClientOptions) *concurrent.Future[*Conn] {
	out := concurrent.NewFuture[*Conn]()
	u, err := url.Parse(rawURL)
	if err != nil {
		out.SetException(err)
		return out
	}
	port := 80
	var tlsConf *tls.Config
	switch u.Scheme {
	case "ws":
	case "wss":
		port = 443
		tlsConf = opts.TLS
		if tlsConf == nil {
			tlsConf = &tls.Config{}
		}
	default:
		out.SetException(errors.New("websocket: URL scheme must be ws or wss: " + rawURL))
		return out
	}
	host := u.Hostname()
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			out.SetException(err)
			return out
		}
		port = n
	}
	hostHeader := u.Host
	path := u.RequestURI()
	client := opts.Client
	if client == nil {
		client = &tcpclient.TCPClient{}
	}
	var timer ioloop.Timeout
	var stream *iostream.IOStream
	fail := func(err error) {
		if out.Done() {
			return
		}
		if opts.ConnectTimeout > 0 {
			loop.RemoveTimeout(timer)
		}
		// Resolve first: closing the stream fails the pending read, which
		// would call fail again with a less telling error.
		out.SetException(err)
		if stream != nil {
			stream.Close()
		}
	}
	if opts.ConnectTimeout > 0 {
		timer = loop.CallLater(opts.ConnectTimeout, func() { fail(tcpclient.ErrConnectTimeout) })
	}
	connecting := client.Connect(loop, strings.Trim(host, "[]"), port, tcpclient.Options{TLS: tlsConf})
	connecting.AddDoneCallback(func(f *concurrent.Future[*iostream.IOStream]) {
		s, err := f.Result()
		if err != nil {
			fail(err)
			return
		}
		if out.Done() { // timed out meanwhile
			s.Close()
			return
		}
		stream = s
		key := NewKey()
		req := &ClientRequest{Host: hostHeader, Path: path, Key: key, Origin: opts.Origin,
			Subprotocols: opts.Subprotocols, Header: opts.Header}
		if opts.Compression != nil {
			req.Extensions = DeflateOffer(opts.Compression)
		}
		if err := s.WriteBuffered(AppendRequest(nil, req)); err != nil {
			fail(err)
			return
		}
		s.ReadUntilFunc([]byte("\r\n\r\n"), maxResponseHead, func(head []byte, err error) {
			if err != nil {
				fail(err)
				return
			}
			if out.Done() {
				return
			}
			var p httputil.ResponseParser
			var resp httputil.ResponseHead
			if _, err := p.Parse(head, "GET", &resp); err != nil {
				fail(&HandshakeError{Msg: "websocket: malformed handshake response: " + err.Error()})
				return
			}
			sub, err := CheckResponse(resp.StatusCode, &resp.Headers, key, opts.Subprotocols)
			if err != nil {
				fail(err)
				return
			}
			params, found, err := AcceptDeflate(strings.Join(resp.Headers.GetList("Sec-WebSocket-Extensions"), ","), opts.Compression)
			if err != nil {
				fail(err)
				return
			}
			var deflate *DeflateParams
			if found {
				deflate = &params
			}
			if opts.ConnectTimeout > 0 {
				loop.RemoveTimeout(timer)
			}
			c := newConn(s, &clientHandler{onMessage: opts.OnMessage}, false, opts.Options, deflate, opts.Compression)
			c.subprotocol = sub
			out.SetResult(c)
			c.start()
		})
	})
	return out
}
