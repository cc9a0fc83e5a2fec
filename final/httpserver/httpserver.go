// HTTPServer: a TCPServer whose connections speak HTTP/1.1 through
// http1connection, on one loop or a loop per core.

package httpserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gornado/gornado/final/http1connection"
	"github.com/gornado/gornado/final/httputil"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/iostream"
	"github.com/gornado/gornado/final/netutil"
	"github.com/gornado/gornado/final/tcpserver"
)

// Request is the request a Handler receives; see http1connection.Request.
type Request = http1connection.Request

// Handler answers complete requests (Tornado's request_callback): the body
// has been read into req.Body. It answers through req.Conn (Respond, or
// WriteHeaders, Write and Finish), now or later from the loop; everything
// req points to is valid until the response is finished.
type Handler interface {
	HandleRequest(req *Request)
}

// CloseHandler is a Handler that hears when the connection of a request it
// was given closes before the response is finished: a long poll whose
// client gave up, Tornado's on_connection_close. A close on this side (the
// handler's own req.Conn.Close, the server's Close) is reported too, inside
// that call. It runs on the connection's loop, and req is still valid
// during the call. A request whose body was still arriving never reached
// HandleRequest, so it is not reported.
type CloseHandler interface {
	Handler
	OnConnectionClose(req *Request)
}

// UpgradeCloser is a Handler or ServerDelegate that takes connections over
// from the server (http1connection.Conn.Detach, after a WebSocket
// handshake), as web.Application does. The server forgets a connection
// once it is detached, so without this Shutdown would neither end such
// connections nor wait for them, and Close would leave them open (net/http
// leaves its hijacked connections to Server.RegisterOnShutdown, a call the
// user must remember). Shutdown and Close call it on each loop the server
// serves on; an application served by several servers on the same loops
// sees every call.
type UpgradeCloser interface {
	// ShutdownUpgraded runs on loop, for Shutdown: it starts closing the
	// connections taken over on loop gracefully (a WebSocket gets a Close
	// frame with 1001, going away: RFC 6455, section 7.4.1) and calls
	// done, on loop, once none is left (at once if there is none).
	ShutdownUpgraded(loop *ioloop.IOLoop, done func())
	// CloseUpgraded runs on loop, for Close: it closes the connections
	// taken over on loop now (a WebSocket still gets its 1001 frame, if
	// the socket takes it).
	CloseUpgraded(loop *ioloop.IOLoop)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(req *Request)

// HandleRequest calls f(req).
func (f HandlerFunc) HandleRequest(req *Request) { f(req) }

// Sentinel errors of package httpserver.
var (
	// ErrServerClosed is returned by Start after Close or Shutdown.
	ErrServerClosed = errors.New("httpserver: server closed")
)

// HTTPServer serves HTTP/1.x (Tornado's HTTPServer). Set its options before
// Listen or Start; a zero option means Tornado's default.
type HTTPServer struct {
	// NoKeepAlive closes every connection after one response.
	NoKeepAlive bool
	// XHeaders trusts X-Real-Ip, X-Forwarded-For, X-Scheme and
	// X-Forwarded-Proto (for a server behind a proxy).
	XHeaders bool
	// TrustedDownstream lists proxy addresses skipped in X-Forwarded-For.
	TrustedDownstream []string
	// TLSConfig serves HTTPS (Tornado's ssl_options).
	TLSConfig *tls.Config
	// Protocol overrides the scheme requests report ("http" or "https").
	Protocol string
	// DecompressRequest undoes gzip request bodies, the size limit applying
	// to the decompressed body.
	DecompressRequest bool
	// ChunkSize bounds the body pieces given to streaming delegates (64 KiB).
	ChunkSize int
	// MaxHeaderSize bounds a request head (64 KiB; 431 beyond).
	MaxHeaderSize int
	// IdleConnectionTimeout closes a keep-alive connection that has waited
	// that long between two requests, from the end of a response to the
	// first byte of the next request (1 hour, Tornado's default; negative:
	// never).
	IdleConnectionTimeout time.Duration
	// HeaderTimeout closes a connection whose request head has not arrived
	// in time: from the accept for the first request, from the first byte
	// of its head for the next ones (60 s, nginx's client_header_timeout;
	// negative: never). Tornado counts the head's time in its idle timeout,
	// so a head trickling in byte by byte holds a connection for an hour.
	HeaderTimeout time.Duration
	// BodyTimeout bounds reading one body (none by default).
	BodyTimeout time.Duration
	// BodyIdleTimeout closes a connection whose request body sends
	// nothing for that long (60 s, nginx's client_body_timeout; negative:
	// never). Tornado has none: a client announcing a large body and
	// sending nothing would hold its connection, and its share of
	// MaxBodyMemory, for ever.
	BodyIdleTimeout time.Duration
	// MaxBodySize bounds a request body (100 MiB; 413 beyond).
	MaxBodySize int64
	// MaxBodyMemory bounds the memory that the request bodies the server
	// holds whole (for Handlers, web handlers that do not stream, gzip
	// bodies being decompressed) take at once, over all its loops: a
	// request whose body does not fit in what is left gets 503 and a
	// close, a Content-Length body before any of it is read. The default
	// is twice MaxBodySize (200 MiB): one body of the largest size and as
	// much again for the others. Tornado has no such bound, and a few
	// concurrent uploads of MaxBodySize each take gigabytes.
	MaxBodyMemory int64
	// MaxBufferSize bounds each stream's read buffer (100 MiB).
	MaxBufferSize int
	// Backlog is the listen backlog (netutil's default if zero).
	Backlog int
	// Loops is how many loops Start creates when given none (0: one per
	// GOMAXPROCS).
	Loops int
	// ReusePort gives each loop a listening socket of its own with
	// SO_REUSEPORT, and the kernel spreads the connections between them by
	// a hash of their addresses. It also lets any other process of the
	// same user that sets SO_REUSEPORT listen on the port and silently take
	// a share of its connections (wanted for several processes, or to start
	// a new one before the old one stops), so it is off by default: the
	// loops then share one listening socket and deal its connections in
	// turn, and binding a port that another process listens on fails with
	// "address already in use", as with Tornado (reuse_port=False), nginx
	// (without reuseport) and net/http.
	ReusePort bool

	// handler or delegate receives the requests (one of them is set).
	handler  Handler
	delegate http1connection.ServerDelegate
	// params are the connections' parameters, set once by Start.
	params http1connection.Params
	// tcp accepts the connections.
	tcp *tcpserver.TCPServer

	// mu guards the fields below: Start, Shutdown and Close may come from
	// any goroutine, the connections' closes from every loop.
	mu sync.Mutex
	// conns are the open connections, tracked for Shutdown and Close.
	conns map[*http1connection.Conn]struct{}
	// group holds the loops Start made, which Close stops; loops are the
	// loops the server serves on, its own or given.
	group *ioloop.Group
	loops []*ioloop.IOLoop
	// state is where the server is in its life.
	state runState
	// empty is closed once conns is empty after Shutdown has seen the
	// listeners done (emptied).
	empty chan struct{}
}

// runState is where a server is in its life; it only moves forward.
type runState uint8

const (
	// stateNew: made, not started; the options may still change.
	stateNew runState = iota
	// stateStarted: Start has run; the parameters are fixed.
	stateStarted
	// stateStopped: Shutdown or Close has begun. Connections accepted
	// from now on are stopping from the start (CloseWhenIdle), and Start
	// fails with ErrServerClosed.
	stateStopped
)

// New returns a server calling h with each complete request. If h is a
// ServerDelegate too, as a web.Application is, the server hands it the
// requests as NewWithDelegate does, so that bodies stream and closed
// connections reach its handlers: Tornado's HTTPServer likewise uses a
// request_callback that is an HTTPServerConnectionDelegate as one, and
// wraps only plain callables.
func New(h Handler) *HTTPServer {
	if d, ok := h.(http1connection.ServerDelegate); ok {
		return NewWithDelegate(d)
	}
	s := &HTTPServer{handler: h}
	s.init()
	return s
}

// NewWithDelegate returns a server handing requests to d as they arrive,
// head first and body in pieces (Tornado's HTTPServerConnectionDelegate,
// which web.Application implements).
func NewWithDelegate(d http1connection.ServerDelegate) *HTTPServer {
	s := &HTTPServer{delegate: d}
	s.init()
	return s
}

func (s *HTTPServer) init() {
	s.conns = make(map[*http1connection.Conn]struct{})
	s.tcp = tcpserver.New(s.handleStream)
}

// prepare copies the options into the connection parameters.
func (s *HTTPServer) prepare() {
	s.params = http1connection.Params{
		NoKeepAlive:       s.NoKeepAlive,
		ChunkSize:         s.ChunkSize,
		MaxHeaderSize:     s.MaxHeaderSize,
		IdleTimeout:       s.IdleConnectionTimeout,
		HeaderTimeout:     s.HeaderTimeout,
		BodyTimeout:       s.BodyTimeout,
		BodyIdleTimeout:   s.BodyIdleTimeout,
		MaxBodySize:       s.MaxBodySize,
		BodyBudget:        http1connection.NewBodyBudget(s.maxBodyMemory()),
		Decompress:        s.DecompressRequest,
		XHeaders:          s.XHeaders,
		TrustedDownstream: s.TrustedDownstream,
	}
	s.tcp.TLSConfig = s.TLSConfig
	s.tcp.MaxBufferSize = s.MaxBufferSize
}

// maxBodyMemory is MaxBodyMemory, or its default.
func (s *HTTPServer) maxBodyMemory() int64 {
	if s.MaxBodyMemory > 0 {
		return s.MaxBodyMemory
	}
	max := s.MaxBodySize
	if max <= 0 {
		max = http1connection.DefaultMaxBodySize
	}
	if max > math.MaxInt64/2 {
		return math.MaxInt64
	}
	return 2 * max
}

// BodyMemory returns how many bytes the request bodies the server holds
// whole take now, charged against MaxBodyMemory: for monitoring, and for
// tests that check it goes back to zero.
func (s *HTTPServer) BodyMemory() int64 {
	if b := s.params.BodyBudget; b != nil {
		return b.InUse()
	}
	return 0
}

// Bind binds port on address ("" for all interfaces; port 0 picks one, see
// Ports). The port must be free, unless ReusePort is set and every socket
// on it set SO_REUSEPORT too: otherwise the error wraps syscall.EADDRINUSE
// ("address already in use").
func (s *HTTPServer) Bind(port int, address string) error {
	return s.tcp.Bind(port, address, netutil.BindOptions{ReusePort: s.ReusePort, Backlog: s.Backlog})
}

// Start serves the bound sockets on loops; with none, it starts Loops loops
// of its own (one per core by default), which Close stops.
func (s *HTTPServer) Start(loops ...*ioloop.IOLoop) error {
	s.mu.Lock()
	if s.state == stateStopped {
		s.mu.Unlock()
		return ErrServerClosed
	}
	first := s.state == stateNew
	s.state = stateStarted
	s.mu.Unlock()
	if first {
		// Connections on running loops read the parameters: set them
		// once, before the first loop starts accepting.
		s.prepare()
	}
	if len(loops) == 0 {
		g, err := ioloop.StartGroup(s.Loops)
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.group = g
		s.mu.Unlock()
		loops = g.Loops()
	}
	s.mu.Lock()
	s.loops = append(s.loops, loops...)
	s.mu.Unlock()
	return s.tcp.Start(loops...)
}

// Listen binds port on address and starts serving on loop (Tornado's
// listen); with a nil loop it serves on loops of its own, one per core.
func (s *HTTPServer) Listen(loop *ioloop.IOLoop, port int, address string) error {
	if err := s.Bind(port, address); err != nil {
		return err
	}
	if loop == nil {
		return s.Start()
	}
	return s.Start(loop)
}

// Ports returns the ports the server listens on.
func (s *HTTPServer) Ports() []int { return s.tcp.Ports() }

// Addr returns "127.0.0.1:port"-style address of the first socket, for
// tests and demos; host is the address passed to Bind.
func (s *HTTPServer) Addr(host string) string {
	ports := s.Ports()
	if len(ports) == 0 {
		return ""
	}
	return net.JoinHostPort(host, strconv.Itoa(ports[0]))
}

// Stop stops accepting connections (Tornado's stop); open connections go
// on.
func (s *HTTPServer) Stop() { s.tcp.Stop() }

// Close stops accepting, closes every connection (upgraded ones too, see
// UpgradeCloser), and stops the loops the server started. Requests in
// progress are cut off: see Shutdown.
func (s *HTTPServer) Close() error {
	s.mu.Lock()
	s.state = stateStopped
	g := s.group
	s.group = nil
	conns := s.snapshotLocked()
	loops := s.loops
	s.mu.Unlock()
	s.tcp.Stop()
	for _, c := range conns {
		c.Loop().AddCallback(c.Close)
	}
	if u := s.upgradeCloser(); u != nil {
		for _, l := range loops {
			l.AddCallback(func() { u.CloseUpgraded(l) })
		}
	}
	if g == nil {
		return nil
	}
	// A loop told to stop may return before it runs the callbacks queued
	// meanwhile; these must run first, or the connections are cut by the
	// group closing their descriptors, without the WebSockets' 1001.
	var ran sync.WaitGroup
	for _, l := range g.Loops() {
		ran.Add(1)
		l.AddCallback(ran.Done)
	}
	ran.Wait()
	return g.Stop()
}

// Shutdown stops the server gracefully and returns once every connection
// has closed, or when ctx ends; then it closes what is left (Close) and
// returns ctx's error. It stops accepting; every response from then on
// says Connection: close; requests in progress, and those the clients have
// already sent, are served; idle keep-alive connections are closed between
// requests; upgraded connections are asked to close (a WebSocket gets
// 1001, going away: see UpgradeCloser). Every close lingers (the sending
// side is shut down first and the input drained, for up to 2 seconds) so
// that no client gets a reset. Call it from outside the server's loops.
func (s *HTTPServer) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.state = stateStopped
	conns := s.snapshotLocked()
	loops := s.loops
	s.mu.Unlock()
	s.tcp.Stop()
	// Connections accepted after the snapshot saw stateStopped in
	// handleStream and are stopping already.
	for _, c := range conns {
		c.Loop().AddCallback(c.CloseWhenIdle)
	}
	upgraded := s.shutdownUpgraded(loops)
	// The set of connections may be empty for a moment while one is still
	// on its way (queued on a listening socket, or dealt to another loop):
	// it is known to stay empty only once the listeners are closed and
	// everything accepted is handed over. Closing the loops before then
	// would cut the late ones with a reset.
	select {
	case <-s.tcp.Done():
	case <-ctx.Done():
		_ = s.Close()
		return ctx.Err()
	}
	for _, done := range []<-chan struct{}{s.emptied(), upgraded} {
		select {
		case <-done:
		case <-ctx.Done():
			_ = s.Close()
			return ctx.Err()
		}
	}
	return s.Close()
}

// upgradeCloser returns the handler or delegate as an UpgradeCloser, or
// nil.
func (s *HTTPServer) upgradeCloser() UpgradeCloser {
	if u, ok := s.delegate.(UpgradeCloser); ok {
		return u
	}
	if u, ok := s.handler.(UpgradeCloser); ok {
		return u
	}
	return nil
}

// shutdownUpgraded asks the UpgradeCloser, on each of loops, to close its
// connections gracefully, and returns a channel closed once all have.
func (s *HTTPServer) shutdownUpgraded(loops []*ioloop.IOLoop) <-chan struct{} {
	all := make(chan struct{})
	u := s.upgradeCloser()
	if u == nil || len(loops) == 0 {
		close(all)
		return all
	}
	var left atomic.Int32
	left.Store(int32(len(loops)))
	for _, l := range loops {
		var once sync.Once
		loopDone := func() {
			once.Do(func() {
				if left.Add(-1) == 0 {
					close(all)
				}
			})
		}
		l.AddCallback(func() { u.ShutdownUpgraded(l, loopDone) })
	}
	return all
}

func (s *HTTPServer) snapshotLocked() []*http1connection.Conn {
	out := make([]*http1connection.Conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

// handleStream serves one accepted connection.
func (s *HTTPServer) handleStream(stream *iostream.IOStream, addr net.Addr) {
	protocol := s.Protocol
	if protocol == "" {
		protocol = "http"
		if s.TLSConfig != nil {
			protocol = "https"
		}
	}
	// Nagle's algorithm off, as Go's net, nginx's tcp_nodelay and Tornado's
	// HTTP1Connection (around each response's end) have it: a response's
	// last partial segment leaves at once instead of waiting for the
	// previous one's ACK. Once per connection, not per response. A
	// socket that is not TCP (a Unix socket) ignores it.
	_ = stream.SetNodelay(true)
	var d http1connection.ServerDelegate
	if s.handler != nil {
		d = &collector{server: s}
	} else {
		d = &delegateWrapper{server: s, inner: s.delegate}
	}
	// Recorded before it starts, since Start may serve a request already
	// received, and Shutdown must know of it.
	c := http1connection.New(stream, addr, protocol, &s.params, d)
	s.mu.Lock()
	s.conns[c] = struct{}{}
	stopping := s.state == stateStopped
	s.mu.Unlock()
	if stopping {
		// Accepted as the server stops: what the client sent by now is
		// served with Connection: close, and the connection is closed
		// if it sent nothing. Marked before Start, which may serve it.
		c.CloseWhenIdle()
	}
	c.Start()
}

// emptied returns a channel closed once the server has no connection.
func (s *HTTPServer) emptied() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.empty == nil {
		s.empty = make(chan struct{})
		if len(s.conns) == 0 {
			close(s.empty)
		}
	}
	return s.empty
}

// connClosed forgets a closed connection.
func (s *HTTPServer) connClosed(c *http1connection.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	if s.empty != nil && len(s.conns) == 0 {
		select {
		case <-s.empty:
		default:
			close(s.empty)
		}
	}
	s.mu.Unlock()
}

// collector is a connection's delegate for a Handler: it collects the body
// into the request and calls the handler once the request is read, like
// Tornado's _CallableAdapter. One per connection, reused per request, and
// small: the handler is the server's.
type collector struct {
	// server holds the handler.
	server *HTTPServer
	// req is the request being read or answered.
	req *Request
	// handled is set once req has been given to the handler.
	handled bool
}

func (a *collector) StartRequest(*http1connection.Conn) http1connection.MessageDelegate { return a }

func (a *collector) OnClose(c *http1connection.Conn) { a.server.connClosed(c) }

func (a *collector) HeadersReceived(req *Request) error {
	a.req, a.handled = req, false
	req.CollectBody()
	return nil
}

// DataReceived is never called: the connection collects the body
// (CollectBody), within the server's BodyBudget.
func (a *collector) DataReceived([]byte) error { return nil }

func (a *collector) Finish() {
	req := a.req
	a.handled = true
	defer a.recover(req)
	a.server.handler.HandleRequest(req)
}

// recover turns a handler's panic into a 500 (or a closed connection if
// the response had started), logged, so the loop and the other
// connections carry on.
func (a *collector) recover(req *Request) {
	if r := recover(); r != nil {
		req.Conn.Loop().Logger().Error("httpserver: panic in handler", "panic", fmt.Sprint(r), "method", req.Head.Method, "target", string(req.Head.Target))
		h := httputil.NewHTTPHeaders()
		if err := req.Conn.Respond(500, h, "text/plain; charset=utf-8", []byte("500: Internal Server Error")); err != nil {
			req.Conn.Close()
		}
	}
}

// OnConnectionClose tells a CloseHandler that the client of the request it
// holds has gone.
func (a *collector) OnConnectionClose() {
	if !a.handled {
		return
	}
	if ch, ok := a.server.handler.(CloseHandler); ok {
		ch.OnConnectionClose(a.req)
	}
}

// delegateWrapper tracks connections for a user's ServerDelegate.
type delegateWrapper struct {
	server *HTTPServer
	inner  http1connection.ServerDelegate
}

func (w *delegateWrapper) StartRequest(c *http1connection.Conn) http1connection.MessageDelegate {
	return w.inner.StartRequest(c)
}

func (w *delegateWrapper) OnClose(c *http1connection.Conn) {
	w.server.connClosed(c)
	w.inner.OnClose(c)
}
