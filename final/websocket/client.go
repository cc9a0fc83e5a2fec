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
	"github.com/gornado/gornado/final/gen"
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
	t, err := parseTarget(rawURL, opts.TLS)
	if err != nil {
		return concurrent.Failed[*Conn](err)
	}
	// out is what the caller sees: the coroutine's connection, or
	// tcpclient.ErrConnectTimeout once ConnectTimeout passes, which also
	// closes the stream the handshake is read from (see handshake).
	out := concurrent.NewFuture[*Conn]()
	var timer ioloop.Timeout
	if opts.ConnectTimeout > 0 {
		timer = loop.CallLater(opts.ConnectTimeout, func() {
			if !out.Done() {
				out.SetException(tcpclient.ErrConnectTimeout)
			}
		})
	}
	gen.Go(loop, func(co *gen.Co) (*Conn, error) {
		return handshake(co, t, opts, out)
	}).AddDoneCallback(func(f *concurrent.Future[*Conn]) {
		loop.RemoveTimeout(timer)
		c, err := f.Result()
		if out.Done() {
			if c != nil {
				c.stream.Close() // too late: the caller gave up
			}
			return
		}
		out.Set(c, err)
		if c != nil {
			c.start()
		}
	})
	return out
}

// target is where WebSocketConnect goes, from its URL.
type target struct {
	// host and port are connected to; hostHeader and path are sent.
	host       string
	port       int
	hostHeader string
	path       string
	// tls is the configuration for wss://, nil for ws://.
	tls *tls.Config
}

// parseTarget reads a ws:// or wss:// URL; conf is the caller's TLS
// configuration for wss (nil: the defaults).
func parseTarget(rawURL string, conf *tls.Config) (target, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return target{}, err
	}
	t := target{port: 80, hostHeader: u.Host, path: u.RequestURI()}
	switch u.Scheme {
	case "ws":
	case "wss":
		t.port = 443
		t.tls = conf
		if t.tls == nil {
			t.tls = &tls.Config{}
		}
	default:
		return target{}, errors.New("websocket: URL scheme must be ws or wss: " + rawURL)
	}
	t.host = strings.Trim(u.Hostname(), "[]")
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return target{}, err
		}
		t.port = n
	}
	return t, nil
}

// handshake is WebSocketConnect's coroutine: connect, send the opening
// handshake, read and check the server's answer (RFC 6455, section 4.1),
// and return the connection, not yet started. out is the caller's Future:
// once it has failed (the timeout), the stream closes, which ends a read
// in progress.
func handshake(co *gen.Co, t target, opts ClientOptions, out *concurrent.Future[*Conn]) (*Conn, error) {
	client := opts.Client
	if client == nil {
		client = &tcpclient.TCPClient{}
	}
	s, err := gen.Await(co, client.Connect(co.Loop(), t.host, t.port, tcpclient.Options{TLS: t.tls}))
	if err != nil {
		return nil, err
	}
	if out.Done() { // timed out meanwhile
		s.Close()
		return nil, tcpclient.ErrConnectTimeout
	}
	out.AddDoneCallback(func(*concurrent.Future[*Conn]) {
		if out.Exception() != nil {
			s.Close()
		}
	})
	key := NewKey()
	req := &ClientRequest{Host: t.hostHeader, Path: t.path, Key: key, Origin: opts.Origin,
		Subprotocols: opts.Subprotocols, Header: opts.Header}
	if opts.Compression != nil {
		req.Extensions = DeflateOffer(opts.Compression)
	}
	if err := s.WriteBuffered(AppendRequest(nil, req)); err != nil {
		s.Close()
		return nil, err
	}
	head, err := gen.Await(co, s.ReadUntil([]byte("\r\n\r\n"), maxResponseHead))
	if err == nil {
		var c *Conn
		if c, err = accept(s, head, key, opts); err == nil {
			return c, nil
		}
	}
	s.Close()
	return nil, err
}

// accept checks the server's handshake response head and makes the
// connection from it.
func accept(s *iostream.IOStream, head []byte, key string, opts ClientOptions) (*Conn, error) {
	var p httputil.ResponseParser
	var resp httputil.ResponseHead
	if _, err := p.Parse(head, "GET", &resp); err != nil {
		return nil, &HandshakeError{Msg: "websocket: malformed handshake response: " + err.Error()}
	}
	sub, err := CheckResponse(resp.StatusCode, &resp.Headers, key, opts.Subprotocols)
	if err != nil {
		return nil, err
	}
	params, found, err := AcceptDeflate(strings.Join(resp.Headers.GetList("Sec-WebSocket-Extensions"), ","), opts.Compression)
	if err != nil {
		return nil, err
	}
	var deflate *DeflateParams
	if found {
		deflate = &params
	}
	c := newConn(s, &clientHandler{onMessage: opts.OnMessage}, false, opts.Options, deflate, opts.Compression)
	c.subprotocol = sub
	return c, nil
}
