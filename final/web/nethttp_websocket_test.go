// WebSockets through an Application served under net/http: the connection
// is hijacked and moved to the application's loop, frames that came with
// the handshake are kept, refusals are answered, both sides can close, and
// where net/http cannot hand a connection over WebSocketUpgrade says so.

package web

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/websocket"
)

// wait bounds every wait on an event in these tests: reaching it is a
// failure, never the expected path.
const wait = 10 * time.Second

// wsEcho echoes every message; "bye" makes the server close (1000,
// "done"). It offers echo.v1 when asked, compresses when compress is set,
// tells the client "pong" once it received a pong when tellPong is set,
// and reports its OnClose.
type wsEcho struct {
	websocket.WebSocketHandler
	compress bool
	tellPong bool
	ponged   bool
	// closed receives the code OnClose is given; it is buffered.
	closed chan<- int
}

func (e *wsEcho) SelectSubprotocol(_ *websocket.Request, offered []string) string {
	for _, p := range offered {
		if p == "echo.v1" {
			return p
		}
	}
	return ""
}

func (e *wsEcho) GetCompressionOptions(*websocket.Request) *websocket.CompressionOptions {
	if e.compress {
		return &websocket.CompressionOptions{}
	}
	return nil
}

func (e *wsEcho) OnMessage(c *websocket.Conn, data []byte, binary bool) concurrent.Awaitable {
	if !binary && string(data) == "bye" {
		c.Close(websocket.CloseNormalClosure, "done")
		return nil
	}
	c.WriteMessage(data, binary)
	return nil
}

func (e *wsEcho) OnPong(c *websocket.Conn, _ []byte) {
	if e.tellPong && !e.ponged {
		e.ponged = true
		c.WriteMessage([]byte("pong"), false)
	}
}

func (e *wsEcho) OnClose(_ *websocket.Conn, code int, _ string) { e.closed <- code }

// echoRoute is a WebSocketHandler route to a wsEcho.
func echoRoute(pattern string, compress bool, opts websocket.Options, closed chan<- int) *URLSpec {
	return URL(pattern, &WebSocketHandler{Options: opts, New: func(*RequestHandler) websocket.Handler {
		return &wsEcho{compress: compress, tellPong: opts.PingInterval > 0, closed: closed}
	}})
}

// serveNetHTTP serves app with an httptest server, through a handler that
// reports each return of app.ServeHTTP on the channel it returns. Anything
// net/http logs fails the test: a write to a hijacked connection, say.
// The application and the server are closed when the test ends.
func serveNetHTTP(t *testing.T, app *Application) (srv *httptest.Server, returned <-chan struct{}) {
	t.Helper()
	if app.Settings.Logger == nil {
		app.Settings.Logger = quiet
	}
	ret := make(chan struct{}, 64)
	srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		app.ServeHTTP(w, r)
		ret <- struct{}{}
	}))
	srv.Config.ErrorLog = log.New(failWriter{t}, "", 0)
	srv.Start()
	t.Cleanup(func() {
		app.Close()
		srv.Close()
	})
	return srv, ret
}

// failWriter fails the test with each line written to it.
type failWriter struct{ t *testing.T }

func (w failWriter) Write(p []byte) (int, error) {
	w.t.Errorf("net/http logged: %s", bytes.TrimSpace(p))
	return len(p), nil
}

// clientLoop is a loop for gornado's WebSocket client, closed when the
// test ends.
func clientLoop(t *testing.T) *ioloop.IOLoop {
	t.Helper()
	loop, err := ioloop.New()
	require.NoError(t, err)
	t.Cleanup(func() { loop.Close(true) })
	return loop
}

func wsURL(srv *httptest.Server) string { return "ws" + strings.TrimPrefix(srv.URL, "http") }

func TestNetHTTPWebSocketEcho(t *testing.T) {
	closed := make(chan int, 4)
	app := NewApplication([]*URLSpec{
		echoRoute("/ws", false, websocket.Options{}, closed),
		echoRoute("/deflate", true, websocket.Options{}, closed),
		echoRoute("/ping", false, websocket.Options{PingInterval: 5 * time.Millisecond}, closed),
		URL("/", &helloHandler{}),
	}, Settings{})
	srv, returned := serveNetHTTP(t, app)
	loop := clientLoop(t)

	big := bytes.Repeat([]byte("0123456789abcdef"), 8<<10) // 128 KiB: many reads on both sides
	sent := []websocket.ClientMessage{
		{Data: []byte("one")},
		{Data: []byte{0, 1, 2, 0xff}, Binary: true},
		{Data: []byte("snow ☃")},
		{Data: big, Binary: true},
		{Data: []byte{}},
	}
	type result struct {
		got         []websocket.ClientMessage
		subprotocol string
		deflate     bool
	}
	exchange := func(path string, opts websocket.ClientOptions) result {
		t.Helper()
		r, err := gen.Run(loop, wait, func(co *gen.Co) (result, error) {
			conn, err := gen.Await(co, websocket.WebSocketConnect(co.Loop(), wsURL(srv)+path, opts))
			if err != nil {
				return result{}, err
			}
			r := result{subprotocol: conn.Subprotocol(), deflate: conn.Deflate() != nil}
			for _, m := range sent {
				conn.WriteMessage(m.Data, m.Binary)
			}
			for range sent {
				m, err := gen.Await(co, conn.ReadMessage())
				if err != nil || m == nil {
					return r, fmt.Errorf("connection ended after %d messages: %v", len(r.got), err)
				}
				r.got = append(r.got, *m)
			}
			conn.Close(websocket.CloseNormalClosure, "")
			if m, err := gen.Await(co, conn.ReadMessage()); m != nil || err != nil {
				return r, fmt.Errorf("after Close: %v, %v", m, err)
			}
			return r, nil
		})
		require.NoError(t, err)
		return r
	}

	r := exchange("/ws", websocket.ClientOptions{Origin: srv.URL, Subprotocols: []string{"chat", "echo.v1"}})
	require.Len(t, r.got, len(sent))
	for i, m := range sent {
		assert.Equal(t, m.Binary, r.got[i].Binary, "message %d's type", i)
		assert.True(t, bytes.Equal(m.Data, r.got[i].Data), "message %d's data", i)
	}
	assert.Equal(t, "echo.v1", r.subprotocol, "the handler's SelectSubprotocol chose")
	assert.False(t, r.deflate, "compression is refused by default")
	assert.Equal(t, websocket.CloseNormalClosure, testutil.Recv(t, closed, "the handler's OnClose"), "the client's close code")
	testutil.Recv(t, returned, "ServeHTTP to return")

	r = exchange("/deflate", websocket.ClientOptions{Compression: &websocket.CompressionOptions{}})
	assert.True(t, r.deflate, "permessage-deflate negotiated")
	require.Len(t, r.got, len(sent))
	assert.True(t, bytes.Equal(big, r.got[3].Data), "a compressed 128 KiB message")
	assert.Equal(t, websocket.CloseNormalClosure, testutil.Recv(t, closed, "the handler's OnClose"))
	testutil.Recv(t, returned, "ServeHTTP to return")

	// The server pings, the client answers, and the handler, hearing the
	// pong, says so.
	told, err := gen.Run(loop, wait, func(co *gen.Co) (string, error) {
		conn, err := gen.Await(co, websocket.WebSocketConnect(co.Loop(), wsURL(srv)+"/ping", websocket.ClientOptions{}))
		if err != nil {
			return "", err
		}
		m, err := gen.Await(co, conn.ReadMessage())
		conn.Close(websocket.CloseNormalClosure, "")
		if err != nil || m == nil {
			return "", fmt.Errorf("no message: %v", err)
		}
		return string(m.Data), nil
	})
	require.NoError(t, err)
	assert.Equal(t, "pong", told)
	testutil.Recv(t, closed, "the handler's OnClose")
	testutil.Recv(t, returned, "ServeHTTP to return")

	_, body := do(t, client(t), "GET", srv.URL+"/", "")
	assert.Equal(t, "Hello, world", body, "the application's loop serves on")
}

// handshake returns a client's opening handshake for path with the fields
// of extra added, and its key.
func handshake(host, path string, extra ...string) (req []byte, key string) {
	key = websocket.NewKey()
	return websocket.AppendRequest(nil, &websocket.ClientRequest{Host: host, Path: path, Key: key, Header: extra}), key
}

// maskKey masks the test's client frames.
var maskKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// clientFrame is a masked frame, as a client sends.
func clientFrame(op websocket.Opcode, payload []byte) []byte {
	return websocket.AppendFrame(nil, true, 0, op, payload, &maskKey)
}

// readFrame reads one unmasked server frame.
func readFrame(t *testing.T, br *bufio.Reader) (websocket.Opcode, []byte) {
	t.Helper()
	for k := 2; ; k++ {
		b, err := br.Peek(k)
		require.NoError(t, err, "reading a frame header")
		h, n, err := websocket.ParseHeader(b)
		require.NoError(t, err)
		if n == 0 {
			continue
		}
		br.Discard(n)
		require.False(t, h.Masked, "server frames are not masked")
		p := make([]byte, h.Length)
		_, err = io.ReadFull(br, p)
		require.NoError(t, err, "reading a frame payload")
		return h.Opcode, p
	}
}

// dialRaw connects to srv with a deadline on everything.
func dialRaw(t *testing.T, srv *httptest.Server) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(wait)))
	return c, bufio.NewReader(c)
}

// readSwitch reads the 101 answer to a handshake with key.
func readSwitch(t *testing.T, br *bufio.Reader, key string) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	require.Equal(t, 101, resp.StatusCode)
	assert.Equal(t, websocket.ComputeAcceptKey(key), resp.Header.Get("Sec-WebSocket-Accept"))
}

// slowSocket upgrades only once the test resolves the Future it sends on
// gate, with the loop to resolve it on: bytes the client sends meanwhile
// reach net/http while its handler waits.
type slowSocket struct {
	RequestHandler
	gate   chan<- gateOpen
	closed chan<- int
}

// gateOpen is a Future to resolve on loop.
type gateOpen struct {
	loop *ioloop.IOLoop
	f    *concurrent.Future[struct{}]
}

func (h *slowSocket) Get(...string) error {
	f := concurrent.NewFuture[struct{}]()
	h.gate <- gateOpen{h.Loop(), f}
	return h.Go(func(co *gen.Co) error {
		gen.Await(co, f)
		return h.WebSocketUpgrade(&wsEcho{closed: h.closed}, websocket.Options{})
	})
}

func TestNetHTTPWebSocketPipelinedFrames(t *testing.T) {
	closed := make(chan int, 4)
	gate := make(chan gateOpen, 1)
	app := NewApplication([]*URLSpec{
		echoRoute("/ws", false, websocket.Options{}, closed),
		URL("/slow", &slowSocket{gate: gate, closed: closed}),
	}, Settings{})
	srv, returned := serveNetHTTP(t, app)
	host := srv.Listener.Addr().String()

	t.Run("in the handshake's write", func(t *testing.T) {
		c, br := dialRaw(t, srv)
		req, key := handshake(host, "/ws")
		// One write: net/http reads the frames with the head, into the
		// bufio.Reader it hands over with the connection.
		req = append(req, clientFrame(websocket.OpText, []byte("first"))...)
		req = append(req, clientFrame(websocket.OpBinary, []byte("second"))...)
		_, err := c.Write(req)
		require.NoError(t, err)
		readSwitch(t, br, key)
		testutil.Recv(t, returned, "ServeHTTP to return")
		op, p := readFrame(t, br)
		assert.Equal(t, websocket.OpText, op)
		assert.Equal(t, "first", string(p))
		op, p = readFrame(t, br)
		assert.Equal(t, websocket.OpBinary, op)
		assert.Equal(t, "second", string(p))
		_, err = c.Write(clientFrame(websocket.OpText, []byte("third")))
		require.NoError(t, err)
		_, p = readFrame(t, br)
		assert.Equal(t, "third", string(p), "the stream reads on after the held bytes")

		_, err = c.Write(clientFrame(websocket.OpClose, websocket.AppendClosePayload(nil, websocket.CloseNormalClosure, "")))
		require.NoError(t, err)
		op, p = readFrame(t, br)
		assert.Equal(t, websocket.OpClose, op)
		code, _, err := websocket.ParseClosePayload(p)
		require.NoError(t, err)
		assert.Equal(t, websocket.CloseNormalClosure, code)
		// EOF only comes once both descriptors, net/http's and the
		// stream's duplicate, are closed.
		n, err := br.Read(make([]byte, 1))
		assert.Equal(t, 0, n)
		assert.ErrorIs(t, err, io.EOF, "the server closed the connection")
		assert.Equal(t, websocket.CloseNormalClosure, testutil.Recv(t, closed, "the handler's OnClose"))
	})

	t.Run("while the handler waits", func(t *testing.T) {
		c, br := dialRaw(t, srv)
		req, key := handshake(host, "/slow")
		_, err := c.Write(req)
		require.NoError(t, err)
		g := testutil.Recv(t, gate, "the handler to start")
		// net/http may read this frame, or its first byte, while the
		// handler waits (its background read); either way it is handed
		// over.
		_, err = c.Write(clientFrame(websocket.OpText, []byte("early")))
		require.NoError(t, err)
		g.loop.AddCallback(func() { g.f.SetResult(struct{}{}) })
		readSwitch(t, br, key)
		testutil.Recv(t, returned, "ServeHTTP to return")
		_, p := readFrame(t, br)
		assert.Equal(t, "early", string(p))
		c.Close()
		assert.Equal(t, websocket.CloseAbnormalClosure, testutil.Recv(t, closed, "the handler's OnClose"), "closed without a Close frame")
	})
}

func TestNetHTTPWebSocketRefused(t *testing.T) {
	closed := make(chan int, 4)
	app := NewApplication([]*URLSpec{
		echoRoute("/ws", false, websocket.Options{}, closed),
		URL("/deny", &WebSocketHandler{New: func(*RequestHandler) websocket.Handler { return nil }}),
	}, Settings{})
	srv, returned := serveNetHTTP(t, app)
	host := srv.Listener.Addr().String()
	key := websocket.NewKey()
	head := func(path, version string, extra ...string) string {
		s := "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: " + version + "\r\n"
		for i := 0; i+1 < len(extra); i += 2 {
			s += extra[i] + ": " + extra[i+1] + "\r\n"
		}
		return s + "\r\n"
	}
	for _, tc := range []struct {
		name, req string
		status    int
		header    []string
		body      string
		// hijacked is set when websocket.Upgrade refuses, on the
		// connection taken from net/http.
		hijacked bool
	}{
		{"another version", head("/ws", "8"), 426, []string{"Sec-WebSocket-Version", "13"}, "unsupported Sec-WebSocket-Version", true},
		{"a foreign origin", head("/ws", "13", "Origin", "http://evil.example"), 403, nil, "cross origin", true},
		{"not a handshake", "GET /ws HTTP/1.1\r\nHost: " + host + "\r\n\r\n", 400, nil, `"Upgrade"`, true},
		// Refused by the application before any upgrade: net/http writes
		// the error page.
		{"New returns nil", head("/deny", "13"), 403, []string{"Content-Type", "text/html; charset=UTF-8"}, "Forbidden", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, br := dialRaw(t, srv)
			_, err := c.Write([]byte(tc.req))
			require.NoError(t, err)
			resp, err := http.ReadResponse(br, nil)
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tc.status, resp.StatusCode)
			for i := 0; i+1 < len(tc.header); i += 2 {
				assert.Equal(t, tc.header[i+1], resp.Header.Get(tc.header[i]))
			}
			assert.Contains(t, string(body), tc.body)
			testutil.Recv(t, returned, "ServeHTTP to return")
			if tc.hijacked {
				// Refused on the hijacked stream: it says so, and closes.
				assert.True(t, resp.Close, "Connection: close")
				n, err := br.Read(make([]byte, 1))
				assert.Equal(t, 0, n)
				assert.ErrorIs(t, err, io.EOF, "the connection is closed after the refusal")
			}
		})
	}
	select {
	case code := <-closed:
		t.Errorf("a refused handshake ran OnClose (%d)", code)
	default:
	}
}

func TestNetHTTPWebSocketServerClose(t *testing.T) {
	closed := make(chan int, 4)
	app := NewApplication([]*URLSpec{echoRoute("/ws", false, websocket.Options{}, closed)}, Settings{})
	srv, returned := serveNetHTTP(t, app)
	loop := clientLoop(t)
	// A minute to close: a client that sees its connection end has seen
	// the server close it, not its own timer.
	opts := websocket.ClientOptions{Options: websocket.Options{CloseTimeout: time.Minute}}
	connect := func(t *testing.T) *websocket.Conn {
		t.Helper()
		conn, err := gen.Run(loop, wait, func(co *gen.Co) (*websocket.Conn, error) {
			conn, err := gen.Await(co, websocket.WebSocketConnect(co.Loop(), wsURL(srv)+"/ws", opts))
			if err != nil {
				return nil, err
			}
			conn.WriteMessage([]byte("hi"), false)
			m, err := gen.Await(co, conn.ReadMessage())
			if err != nil || m == nil || string(m.Data) != "hi" {
				return nil, fmt.Errorf("echo: %v, %v", m, err)
			}
			return conn, nil
		})
		require.NoError(t, err)
		testutil.Recv(t, returned, "ServeHTTP to return")
		return conn
	}
	// untilClosed reads until the connection ends.
	untilClosed := func(t *testing.T, conn *websocket.Conn) {
		t.Helper()
		_, err := gen.Run(loop, wait, func(co *gen.Co) (struct{}, error) {
			for {
				m, err := gen.Await(co, conn.ReadMessage())
				if err != nil || m == nil {
					return struct{}{}, err
				}
			}
		})
		require.NoError(t, err)
	}

	t.Run("the handler closes", func(t *testing.T) {
		conn := connect(t)
		loop.AddCallback(func() { conn.WriteMessage([]byte("bye"), false) })
		untilClosed(t, conn)
		assert.Equal(t, websocket.CloseNormalClosure, conn.CloseCode())
		assert.Equal(t, "done", conn.CloseReason())
		assert.Equal(t, websocket.CloseNormalClosure, testutil.Recv(t, closed, "the handler's OnClose"), "the client answered the Close")
	})

	t.Run("Application.Close", func(t *testing.T) {
		conns := []*websocket.Conn{connect(t), connect(t)}
		require.NoError(t, app.Close())
		// Close returned after the handlers' OnClose: no frame from the
		// clients could reach them any more.
		for range conns {
			select {
			case <-closed:
			default:
				t.Fatal("Application.Close returned before OnClose ran")
			}
		}
		for _, conn := range conns {
			untilClosed(t, conn)
			assert.Equal(t, websocket.CloseGoingAway, conn.CloseCode(), "the server is going away")
		}
	})
}

// probeSocket reports what WebSocketUpgrade returns and, when it fails
// with the response still open, answers with it.
type probeSocket struct {
	RequestHandler
	errs chan<- error
}

func (h *probeSocket) Get(...string) error {
	err := h.WebSocketUpgrade(&wsEcho{closed: make(chan int, 1)}, websocket.Options{})
	h.errs <- err
	if err != nil {
		h.SetStatus(501, "")
		h.WriteString(fmt.Sprintf("upgradable=%t", !errors.Is(err, ErrNotUpgradable)))
	}
	return nil
}

func TestNetHTTPWebSocketNotUpgradable(t *testing.T) {
	errs := make(chan error, 4)
	newApp := func() *Application {
		return NewApplication([]*URLSpec{
			URL("/probe", &probeSocket{errs: errs}),
			echoRoute("/ws", false, websocket.Options{}, make(chan int, 1)),
		}, Settings{Logger: quiet})
	}
	upgrade := func(req *http.Request) *http.Request {
		req.Header.Set("Upgrade", "websocket")
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Sec-WebSocket-Key", websocket.NewKey())
		req.Header.Set("Sec-WebSocket-Version", "13")
		return req
	}

	t.Run("ResponseRecorder", func(t *testing.T) {
		app := newApp()
		defer app.Close()
		w := httptest.NewRecorder()
		app.ServeHTTP(w, upgrade(httptest.NewRequest("GET", "/probe", nil)))
		assert.ErrorIs(t, testutil.Recv(t, errs, "WebSocketUpgrade's error"), ErrNotUpgradable)
		assert.Equal(t, 501, w.Code, "the handler answered")
		assert.Equal(t, "upgradable=false", w.Body.String())

		w = httptest.NewRecorder()
		app.ServeHTTP(w, upgrade(httptest.NewRequest("GET", "/ws", nil)))
		assert.Equal(t, 500, w.Code, "a WebSocketHandler route returns the error")
	})

	t.Run("HTTP/2", func(t *testing.T) {
		app := newApp()
		srv := httptest.NewUnstartedServer(app)
		srv.EnableHTTP2 = true
		srv.StartTLS()
		defer srv.Close()
		defer app.Close()
		// No Upgrade fields: HTTP/2 forbids the Connection field.
		resp, err := srv.Client().Get(srv.URL + "/probe")
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		assert.ErrorIs(t, testutil.Recv(t, errs, "WebSocketUpgrade's error"), ErrNotUpgradable)
		assert.Equal(t, 501, resp.StatusCode)
		assert.Equal(t, "upgradable=false", string(body))
		assert.Equal(t, 2, resp.ProtoMajor)
	})

	t.Run("no descriptor", func(t *testing.T) {
		app := newApp()
		srv := httptest.NewUnstartedServer(app)
		srv.Listener = wrappingListener{srv.Listener}
		srv.Start()
		defer srv.Close()
		defer app.Close()
		c, br := dialRaw(t, srv)
		req, _ := handshake(srv.Listener.Addr().String(), "/probe")
		_, err := c.Write(req)
		require.NoError(t, err)
		resp, err := http.ReadResponse(br, nil)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		assert.Equal(t, 500, resp.StatusCode, "answered on the hijacked connection")
		assert.Contains(t, string(body), "no descriptor")
		n, err := br.Read(make([]byte, 1))
		assert.Equal(t, 0, n)
		assert.ErrorIs(t, err, io.EOF, "and closed")
		assert.ErrorIs(t, testutil.Recv(t, errs, "WebSocketUpgrade's error"), ErrNotUpgradable)
	})
}

// wrappingListener hands out connections that hide their descriptor, as
// listeners that count or limit connections do.
type wrappingListener struct{ net.Listener }

func (l wrappingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return struct{ net.Conn }{c}, nil
}

// Over TLS the session stays in crypto/tls: the stream is relayed, and
// the client sees the same echo, close codes and shutdown as without TLS.
// CheckLeaks fails the test if a relay goroutine or descriptor is left.
func TestNetHTTPWebSocketOverTLS(t *testing.T) {
	testutil.CheckLeaks(t)
	closed := make(chan int, 4)
	app := NewApplication([]*URLSpec{echoRoute("/ws", false, websocket.Options{}, closed)}, Settings{Logger: quiet})
	srv := httptest.NewUnstartedServer(app)
	srv.Config.ErrorLog = log.New(failWriter{t}, "", 0)
	srv.StartTLS()
	t.Cleanup(func() {
		app.Close()
		srv.Close()
	})
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	opts := websocket.ClientOptions{Origin: srv.URL, TLS: &tls.Config{RootCAs: roots}}
	loop := clientLoop(t)
	url := "wss" + strings.TrimPrefix(srv.URL, "https")

	big := bytes.Repeat([]byte("0123456789abcdef"), 8<<10) // 128 KiB: many records each way
	sent := [][]byte{[]byte("one"), big, []byte("three")}
	got, err := gen.Run(loop, wait, func(co *gen.Co) ([][]byte, error) {
		conn, err := gen.Await(co, websocket.WebSocketConnect(co.Loop(), url+"/ws", opts))
		if err != nil {
			return nil, err
		}
		var got [][]byte
		for _, m := range sent {
			conn.WriteMessage(m, true)
		}
		for range sent {
			m, err := gen.Await(co, conn.ReadMessage())
			if err != nil || m == nil {
				return got, fmt.Errorf("connection ended after %d messages: %v", len(got), err)
			}
			got = append(got, m.Data)
		}
		conn.Close(websocket.CloseNormalClosure, "")
		if m, err := gen.Await(co, conn.ReadMessage()); m != nil || err != nil {
			return got, fmt.Errorf("after Close: %v, %v", m, err)
		}
		return got, nil
	})
	require.NoError(t, err)
	require.Len(t, got, len(sent))
	for i := range sent {
		assert.True(t, bytes.Equal(sent[i], got[i]), "message %d", i)
	}
	assert.Equal(t, websocket.CloseNormalClosure, testutil.Recv(t, closed, "the server's OnClose"))

	// Application.Close ends an open relayed socket: the client reads 1001.
	code, err := gen.Run(loop, wait, func(co *gen.Co) (int, error) {
		conn, err := gen.Await(co, websocket.WebSocketConnect(co.Loop(), url+"/ws", opts))
		if err != nil {
			return 0, err
		}
		go app.Close()
		for {
			m, err := gen.Await(co, conn.ReadMessage())
			if err != nil {
				return 0, err
			}
			if m == nil {
				return conn.CloseCode(), nil
			}
		}
	})
	require.NoError(t, err)
	assert.Equal(t, websocket.CloseGoingAway, code)
	// Close does not wait for the client's answer, so the server's OnClose
	// hears no Close frame from the peer: 1006.
	assert.Equal(t, websocket.CloseAbnormalClosure, testutil.Recv(t, closed, "OnClose at Application.Close"))
}
