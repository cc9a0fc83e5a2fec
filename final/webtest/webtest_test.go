// Tests of webtest on a real application: serving, fetching, HTTPS,
// WebSockets, coroutine bodies and the log.

package webtest_test

import (
	"bufio"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/httpclient"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/iostream"
	"github.com/gornado/gornado/final/web"
	"github.com/gornado/gornado/final/websocket"
	"github.com/gornado/gornado/final/webtest"
)

// hello answers "Hello, <name>"; POST echoes its form's "name".
type hello struct{ web.RequestHandler }

func (h *hello) Get(...string) error {
	return h.WriteString("Hello, " + h.GetArgumentDefault("name", "world"))
}

func (h *hello) Post(...string) error {
	name, err := h.GetArgument("name")
	if err != nil {
		return err
	}
	return h.WriteString("posted " + name + " as " + h.Request.Method)
}

// boom panics, which the application answers 500 and logs at ERROR.
type boom struct{ web.RequestHandler }

func (h *boom) Get(...string) error { panic("kaboom") }

// echo is a WebSocket echo.
type echo struct{ websocket.WebSocketHandler }

func (echo) OnMessage(c *websocket.Conn, data []byte, binary bool) concurrent.Awaitable {
	return c.WriteMessage(data, binary)
}

func app() *web.Application {
	return web.NewApplication([]*web.URLSpec{
		web.URL("/", &hello{}),
		web.URL("/boom", &boom{}),
		web.URL("/echo", &web.WebSocketHandler{New: func(*web.RequestHandler) websocket.Handler { return echo{} }}),
	}, web.Settings{})
}

func TestServeAndFetch(t *testing.T) {
	webtest.CheckLeaks(t)
	s := webtest.Serve(t, app())

	assert.True(t, strings.HasPrefix(s.URL("/x"), "http://127.0.0.1:"), s.URL("/x"))
	assert.Equal(t, s.URL("/x"), "http://127.0.0.1:"+strconv.Itoa(s.Port())+"/x")

	resp := s.Fetch("/?name=gornado")
	assert.Equal(t, 200, resp.Code)
	assert.Equal(t, "Hello, gornado", string(resp.Body))

	resp = s.Fetch("/", webtest.Form(url.Values{"name": {"form"}}))
	assert.Equal(t, "posted form as POST", string(resp.Body))
	resp = s.Fetch("/", webtest.Method("PUT"), webtest.Body("name=x"), webtest.Header("Content-Type", "application/x-www-form-urlencoded"))
	assert.Equal(t, 405, resp.Code, "a non-2xx status is returned, not an error (raise_error=False)")

	resp = s.Fetch("/missing")
	assert.Equal(t, 404, resp.Code)

	// Any func(*httpclient.HTTPRequest) is an option, and an absolute URL
	// is fetched as it is.
	resp = s.Fetch(s.URL("/"), func(r *httpclient.HTTPRequest) { r.UserAgent = "webtest" })
	assert.Equal(t, 200, resp.Code)
}

// A panic in a handler is answered 500 and logged at ERROR twice (the
// panic, then the access log's 5xx line): expected, they pass and stay out
// of the output.
func TestExpectLogClaimsHandlerPanic(t *testing.T) {
	s := webtest.Serve(t, app())
	s.ExpectLog(slog.LevelError, `web: uncaught panic|500 GET /boom`, func() {
		assert.Equal(t, 500, s.Fetch("/boom").Code)
	})
	e := s.Log().Expect(slog.LevelInfo, `200 GET /`)
	s.Fetch("/")
	e.Done()
	assert.Equal(t, 1, e.Count(), "the access log's INFO line for the 200")
}

func TestHTTPS(t *testing.T) {
	webtest.CheckLeaks(t)
	s := webtest.Serve(t, app(), webtest.WithTLS())
	require.True(t, strings.HasPrefix(s.URL("/"), "https://127.0.0.1:"))
	resp := s.Fetch("/")
	assert.Equal(t, "Hello, world", string(resp.Body))
	assert.Equal(t, "https", strings.Split(resp.EffectiveURL, ":")[0])

	// Plain HTTP to the HTTPS port gets no answer.
	_, err := s.TryFetch("http://" + strings.TrimPrefix(s.URL("/"), "https://"))
	assert.Error(t, err)

	// A client that does not trust the test certificate is refused.
	other, err := httpclient.NewHTTPClient()
	require.NoError(t, err)
	defer other.Close()
	_, err = other.FetchURL(s.URL("/"))
	assert.ErrorContains(t, err, "certificate", "verification stays on")

	s.Run(func(t testing.TB, c *gen.Co) error {
		conn, err := s.WebSocketConnect(c, "/echo", websocket.ClientOptions{})
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(s.WebSocketURL("/echo"), "wss://"))
		gen.Await(c, conn.WriteMessage([]byte("over tls"), false))
		m, err := gen.Await(c, conn.ReadMessage())
		require.NoError(t, err)
		require.NotNil(t, m)
		assert.Equal(t, "over tls", string(m.Data))
		return nil
	})
}

func TestWebSocketInCoroutine(t *testing.T) {
	webtest.CheckLeaks(t)
	s := webtest.Serve(t, app())
	s.Run(func(t testing.TB, c *gen.Co) error {
		conn, err := s.WebSocketConnect(c, "/echo", websocket.ClientOptions{})
		if err != nil {
			return err
		}
		for _, msg := range []string{"one", "two"} {
			if _, err := gen.Await(c, conn.WriteMessage([]byte(msg), false)); err != nil {
				return err
			}
			m, err := gen.Await(c, conn.ReadMessage())
			require.NoError(t, err)
			require.NotNil(t, m, "the connection closed")
			assert.Equal(t, msg, string(m.Data))
		}
		// Left open on purpose: the server's stop closes it.
		return nil
	})
}

// The coroutine body fetches through the client on the loop.
func TestFetchInCoroutine(t *testing.T) {
	s := webtest.Serve(t, app())
	s.Run(func(t testing.TB, c *gen.Co) error {
		resp, err := gen.Await(c, s.Client().Fetch(s.Request("/?name=co")))
		require.NoError(t, err)
		assert.Equal(t, "Hello, co", string(resp.Body))
		return nil
	})
}

// A blocking wait called on the loop would wait for itself: it is refused.
func TestBlockingWaitOnLoopIsRefused(t *testing.T) {
	s := webtest.Serve(t, app())
	var err error
	s.Run(func(testing.TB, *gen.Co) error {
		_, err = s.TryFetch("/")
		return nil
	})
	assert.ErrorIs(t, err, webtest.ErrOnLoop)
	var inCall error
	s.Call(func() { _, inCall = s.TryFetch("/") })
	assert.ErrorIs(t, inCall, webtest.ErrOnLoop)
}

// A net/http handler, through httpserver.HTTPHandler, and a plain
// httpserver.Handler.
func TestServeHandler(t *testing.T) {
	s := webtest.Serve(t, httpserver.HandlerFunc(func(req *httpserver.Request) {
		req.Conn.Respond(201, nil, "text/plain", []byte("made"))
	}))
	resp := s.Fetch("/")
	assert.Equal(t, 201, resp.Code)
	assert.Equal(t, "made", string(resp.Body))
}

func TestWithServerOptions(t *testing.T) {
	s := webtest.Serve(t, app(), webtest.WithServer(func(h *httpserver.HTTPServer) { h.MaxBodySize = 10 }))
	resp := s.Fetch("/", webtest.Body(strings.Repeat("x", 100)))
	assert.Equal(t, 413, resp.Code)
}

func TestServeTCP(t *testing.T) {
	webtest.CheckLeaks(t)
	echo := func(stream *iostream.IOStream, _ net.Addr) {
		stream.ReadUntil([]byte("\n"), 0).AddDoneCallback(func(f *concurrent.Future[[]byte]) {
			line, err := f.Result()
			if err != nil {
				stream.Close()
				return
			}
			stream.Write(append([]byte("echo: "), line...)).AddDoneCallback(func(*concurrent.Future[struct{}]) { stream.Close() })
		})
	}
	for _, tc := range []struct {
		name string
		opts []webtest.Option
		dial func(addr string) (net.Conn, error)
	}{
		{"plain", nil, func(addr string) (net.Conn, error) { return net.Dial("tcp", addr) }},
		{"tls", []webtest.Option{webtest.WithTLS()}, func(addr string) (net.Conn, error) {
			_, client := webtest.Certificate(t)
			return tls.Dial("tcp", addr, client)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := webtest.ServeTCP(t, echo, tc.opts...)
			conn, err := tc.dial(s.Addr)
			require.NoError(t, err)
			defer conn.Close()
			require.NoError(t, conn.SetDeadline(time.Now().Add(s.Timeout())))
			_, err = conn.Write([]byte("hi\n"))
			require.NoError(t, err)
			line, err := bufio.NewReader(conn).ReadString('\n')
			require.NoError(t, err)
			assert.Equal(t, "echo: hi\n", line)
		})
	}
}

// Await waits for a Future made on the loop; Call runs code there.
func TestAwaitAndCall(t *testing.T) {
	l := webtest.NewLoop(t)
	v, err := webtest.Await(l, func() *concurrent.Future[int] {
		return concurrent.Then(gen.Sleep(l.IOLoop(), time.Millisecond), func(struct{}) (int, error) { return 7, nil })
	})
	require.NoError(t, err)
	assert.Equal(t, 7, v)

	_, err = webtest.Await(l, func() *concurrent.Future[int] { return concurrent.Failed[int](errors.New("no")) })
	assert.EqualError(t, err, "no")

	_, err = webtest.Await(l, func() *concurrent.Future[int] { panic("in start") })
	var pe *concurrent.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "in start", pe.Value)

	onLoop := false
	l.Call(func() { onLoop = l.IOLoop().Running() })
	assert.True(t, onLoop)
}

func TestTimeoutFromEnvironment(t *testing.T) {
	t.Setenv("ASYNC_TEST_TIMEOUT", "0.25")
	assert.Equal(t, 250*time.Millisecond, webtest.Timeout())
	t.Setenv("ASYNC_TEST_TIMEOUT", "nonsense")
	assert.Equal(t, webtest.DefaultTimeout, webtest.Timeout())
	assert.Equal(t, time.Second, webtest.NewLoop(t, webtest.WithTimeout(time.Second)).Timeout())
}

// A WebSocket driven from the test's goroutine, without a coroutine body.
func TestWebSocketFromTheTestGoroutine(t *testing.T) {
	webtest.CheckLeaks(t)
	s := webtest.Serve(t, app())
	ws, err := s.WebSocket("/echo", websocket.ClientOptions{Subprotocols: []string{"none.offered"}})
	require.NoError(t, err)
	require.NoError(t, ws.Send([]byte("straight"), false))
	m, err := ws.Read()
	require.NoError(t, err)
	require.NotNil(t, m)
	assert.Equal(t, "straight", string(m.Data))
	ws.Call(func(c *websocket.Conn) { assert.Empty(t, c.Subprotocol()) })

	// Nothing more comes: the read times out rather than hanging.
	short := webtest.Serve(t, app(), webtest.WithTimeout(50*time.Millisecond))
	quiet, err := short.WebSocket("/echo", websocket.ClientOptions{})
	require.NoError(t, err)
	_, err = quiet.Read()
	assert.ErrorIs(t, err, webtest.ErrTimeout)

	code, err := ws.Close(websocket.CloseNormalClosure, "done")
	require.NoError(t, err)
	assert.Equal(t, websocket.CloseNormalClosure, code, "the server's Close frame echoes the code")
	assert.ErrorIs(t, ws.Send([]byte("late"), false), websocket.ErrClosed)
	m, err = ws.Read()
	assert.NoError(t, err)
	assert.Nil(t, m, "a closed connection reads nil")

	// A refused handshake is the error, with the server's status.
	_, err = s.WebSocket("/", websocket.ClientOptions{})
	var he *websocket.HandshakeError
	require.ErrorAs(t, err, &he)
}
