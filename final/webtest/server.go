// Server: an application served on the test's loop on 127.0.0.1 port 0,
// with final's own client to fetch from it (Tornado's AsyncHTTPTestCase and
// AsyncHTTPSTestCase), and TCPServer for a tcpserver.

package webtest

import (
	"context"
	"crypto/tls"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/http1connection"
	"github.com/gornado/gornado/final/httpclient"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/httputil"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/netutil"
	"github.com/gornado/gornado/final/tcpserver"
	"github.com/gornado/gornado/final/websocket"
)

// Server is an HTTP server running on a test's loop (Tornado's
// AsyncHTTPTestCase): final's own httpserver on 127.0.0.1 at a port the
// kernel picked, and an AsyncHTTPClient on the same loop to talk to it.
// Its Loop's methods (Run, Call, ExpectLog...) are the test case's. The
// server, its client and the WebSockets opened through it close when the
// test ends.
type Server struct {
	*Loop
	// HTTP is the server (its options were set by WithServer before it
	// started).
	HTTP *httpserver.HTTPServer
	// client fetches on the loop.
	client *httpclient.AsyncHTTPClient
	// base is "http://127.0.0.1:port" or "https://...".
	base string
	// clientTLS trusts the test certificate (nil without WithTLS).
	clientTLS *tls.Config
	// sockets are the WebSockets opened through the server, closed when
	// the test ends (touched on the loop only).
	sockets []*websocket.Conn
}

// Serve starts h (a *web.Application, any httpserver.Handler, or
// httpserver.HTTPHandler of a net/http handler) on a new Loop for t and
// returns the server: Tornado's AsyncHTTPTestCase with get_app returning h.
// An Application is served as the ServerDelegate it also is, so that its
// bodies stream and its WebSockets upgrade, exactly as app.Listen serves
// it. Its Settings.Logger, if nil, is the loop's: the test's log.
func Serve(t testing.TB, h httpserver.Handler, opts ...Option) *Server {
	t.Helper()
	return NewLoop(t, opts...).Serve(h, opts...)
}

// Serve starts h on the loop, for a test whose application needs the loop
// before it exists (state of the loop's, such as the chat demo's room).
// Options: WithTLS, WithServer.
func (l *Loop) Serve(h httpserver.Handler, opts ...Option) *Server {
	l.t.Helper()
	return l.start(httpserver.New(h), opts)
}

// ServeDelegate starts a server handing requests to d as they arrive
// (httpserver.NewWithDelegate), for a delegate that is not a Handler.
func (l *Loop) ServeDelegate(d http1connection.ServerDelegate, opts ...Option) *Server {
	l.t.Helper()
	return l.start(httpserver.NewWithDelegate(d), opts)
}

// start binds 127.0.0.1:0 (Tornado's bind_unused_port), starts s on the
// loop, and arranges the stop.
func (l *Loop) start(s *httpserver.HTTPServer, opts []Option) *Server {
	l.t.Helper()
	o := buildOptions(opts)
	srv := &Server{Loop: l, HTTP: s, base: "http://"}
	if o.tls {
		var serverTLS *tls.Config
		serverTLS, srv.clientTLS = Certificate(l.t)
		s.TLSConfig = serverTLS
		srv.base = "https://"
	}
	for _, fn := range o.server {
		fn(s)
	}
	if err := s.Bind(0, "127.0.0.1"); err != nil {
		l.t.Fatalf("webtest: bind 127.0.0.1:0: %v", err)
	}
	if err := s.Start(l.loop); err != nil {
		s.Close()
		l.t.Fatalf("webtest: start the server: %v", err)
	}
	srv.base += s.Addr("127.0.0.1")
	l.Call(func() { srv.client = httpclient.New(l.loop) })
	l.t.Cleanup(srv.stop)
	return srv
}

// stop ends the server when the test ends, before the loop stops: the
// client's pooled connections and the test's WebSockets close first, so
// that the server's graceful Shutdown finds nothing of the test's left to
// wait for; a request the test left hanging (a long poll) is cut off after
// the deadline. Tornado's tearDown stops the server and closes all its
// connections at once.
func (s *Server) stop() {
	select {
	case <-s.done:
		// The loop's goroutine is gone (the test has failed saying
		// why): nothing graceful can run; stop accepting, and the
		// loop's close takes the descriptors.
		s.HTTP.Close()
		return
	default:
	}
	if _, err := await(s.Loop, stopTimeout, func() *concurrent.Future[struct{}] {
		s.client.Close()
		for _, c := range s.sockets {
			if !c.IsClosing() {
				c.Close(websocket.CloseNormalClosure, "")
			}
		}
		return concurrent.Resolved(struct{}{})
	}); err != nil {
		s.t.Errorf("webtest: closing the test's client: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	if err := s.HTTP.Shutdown(ctx); err != nil {
		s.t.Logf("webtest: the server did not stop gracefully within %v (%v); the rest was cut off", stopTimeout, err)
	}
}

// URL returns the absolute URL of path on the server,
// "http://127.0.0.1:port/path" (https with WithTLS): Tornado's get_url.
func (s *Server) URL(path string) string { return s.base + path }

// Port returns the port the server listens on (Tornado's get_http_port).
func (s *Server) Port() int { return s.HTTP.Ports()[0] }

// Client returns the AsyncHTTPClient on the test's loop (Tornado's
// self.http_client), for a coroutine body: gen.Await(c,
// s.Client().Fetch(s.Request("/"))). Use it on the loop only.
func (s *Server) Client() *httpclient.AsyncHTTPClient { return s.client }

// ClientTLS returns a client TLS configuration that trusts the server's
// test certificate (nil without WithTLS), for clients of the test's own.
func (s *Server) ClientTLS() *tls.Config { return s.clientTLS }

// FetchOption changes the request Fetch sends; any
// func(*httpclient.HTTPRequest) is one, so every field of HTTPRequest can
// be set (Tornado's fetch(path, **kwargs)).
type FetchOption = func(*httpclient.HTTPRequest)

// Method sets the request's method.
func Method(m string) FetchOption { return func(r *httpclient.HTTPRequest) { r.Method = m } }

// Body sets the request's body (and POST, if no method was set).
func Body(b string) FetchOption {
	return func(r *httpclient.HTTPRequest) {
		r.Body = []byte(b)
		if r.Method == "" {
			r.Method = "POST"
		}
	}
}

// Form sets the request's body to the URL-encoded form, its Content-Type,
// and POST if no method was set.
func Form(v url.Values) FetchOption {
	return func(r *httpclient.HTTPRequest) {
		Body(v.Encode())(r)
		Header("Content-Type", "application/x-www-form-urlencoded")(r)
	}
}

// Header adds a header field to the request.
func Header(name, value string) FetchOption {
	return func(r *httpclient.HTTPRequest) {
		if r.Headers == nil {
			r.Headers = httputil.NewHTTPHeaders()
		}
		r.Headers.Add(name, value)
	}
}

// Request returns the request Fetch would send for path: its URL on the
// server (a path beginning with http:// or https:// is used as it is, as
// in Tornado's fetch), a client TLS configuration that trusts the server,
// AllowNonOK set (Tornado's test fetch defaults to raise_error=False, so
// that a test looks at a 404 as at a 200), a request timeout of the test's
// timeout, and then opts.
func (s *Server) Request(path string, opts ...FetchOption) *httpclient.HTTPRequest {
	u := path
	if !strings.HasPrefix(path, "http://") && !strings.HasPrefix(path, "https://") {
		u = s.URL(path)
	}
	r := &httpclient.HTTPRequest{URL: u, AllowNonOK: true, TLSConfig: s.clientTLS, RequestTimeout: s.timeout}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Fetch sends a request for path with final's client on the test's loop
// and returns the response, whatever its status (Tornado's
// AsyncHTTPTestCase.fetch): the test does not run the loop. A request that
// gets no response (refused, timed out: the client's 599) fails the test.
// Call it from the test's goroutine; a coroutine awaits
// s.Client().Fetch(s.Request(...)) instead.
func (s *Server) Fetch(path string, opts ...FetchOption) *httpclient.HTTPResponse {
	s.t.Helper()
	resp, err := s.TryFetch(path, opts...)
	if err != nil {
		s.t.Fatalf("webtest: fetch %s: %v", path, err)
	}
	return resp
}

// TryFetch is Fetch returning the error instead of failing the test, for a
// test of what a client gets when no response comes.
func (s *Server) TryFetch(path string, opts ...FetchOption) (*httpclient.HTTPResponse, error) {
	req := s.Request(path, opts...)
	// The client's own timeout ends the request first; the wait has a
	// second more so that its 599 is what the test sees.
	return await(s.Loop, s.timeout+time.Second, func() *concurrent.Future[*httpclient.HTTPResponse] {
		return s.client.Fetch(req)
	})
}

// WebSocketURL returns the ws:// (wss:// with WithTLS) URL of path.
func (s *Server) WebSocketURL(path string) string {
	return "ws" + strings.TrimPrefix(s.URL(path), "http")
}

// WebSocketConnect opens a WebSocket to path with final/websocket's client
// (websocket.WebSocketConnect) from a coroutine body, trusting the test
// certificate with WithTLS; the connection is closed when the test ends if
// the test has not closed it. Tornado's websocket_connect(self.get_url()).
func (s *Server) WebSocketConnect(c *gen.Co, path string, opts websocket.ClientOptions) (*websocket.Conn, error) {
	if opts.TLS == nil {
		opts.TLS = s.clientTLS
	}
	if opts.ConnectTimeout == 0 {
		opts.ConnectTimeout = s.timeout
	}
	conn, err := gen.Await(c, websocket.WebSocketConnect(c.Loop(), s.WebSocketURL(path), opts))
	if err != nil {
		return nil, err
	}
	s.sockets = append(s.sockets, conn)
	return conn, nil
}

// Certificate returns TLS configurations for a test: a server's, with a
// self-signed ECDSA P-256 certificate for 127.0.0.1 and localhost made in
// memory (once per test binary, valid for a day), and a client's that
// trusts that certificate alone (ServerName "localhost"). Tornado ships a
// fixed key pair for AsyncHTTPSTestCase and turns verification off in the
// client; a throw-away certificate lets the client verify, as a real one
// does, and leaves no key on disk.
func Certificate(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	return testutil.TLSConfigs(t)
}

// TCPServer is a tcpserver.TCPServer running on a test's loop on
// 127.0.0.1 port 0, stopped when the test ends.
type TCPServer struct {
	*Loop
	// TCP is the server.
	TCP *tcpserver.TCPServer
	// Addr is "127.0.0.1:port".
	Addr string
}

// ServeTCP starts a TCPServer handing connections to handle on a new Loop
// for t. Options: WithTLS (then each stream is TLS; a client dials with
// the client configuration Certificate returns), WithTimeout and the log
// options.
func ServeTCP(t testing.TB, handle tcpserver.StreamHandler, opts ...Option) *TCPServer {
	t.Helper()
	return NewLoop(t, opts...).ServeTCP(handle, opts...)
}

// ServeTCP starts a TCPServer on the loop.
func (l *Loop) ServeTCP(handle tcpserver.StreamHandler, opts ...Option) *TCPServer {
	l.t.Helper()
	o := buildOptions(opts)
	s := tcpserver.New(handle)
	if o.tls {
		s.TLSConfig, _ = Certificate(l.t)
	}
	if err := s.Bind(0, "127.0.0.1", netutil.BindOptions{}); err != nil {
		l.t.Fatalf("webtest: bind 127.0.0.1:0: %v", err)
	}
	if err := s.Start(l.loop); err != nil {
		s.Stop()
		l.t.Fatalf("webtest: start the server: %v", err)
	}
	l.t.Cleanup(s.Stop)
	return &TCPServer{Loop: l, TCP: s, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Ports()[0]))}
}
