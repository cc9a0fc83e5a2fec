// Tests of an Application on webtest, the public testing package, which a
// test of package web itself cannot import (webtest imports web): the
// WebSocket routes (the handshake, origins, subprotocols, and a handler
// that sees the request's arguments) and a panic in a handler's coroutine.

package web_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/web"
	"github.com/gornado/gornado/final/websocket"
	"github.com/gornado/gornado/final/webtest"
)

// greeter greets with the name the request carried and echoes.
type greeter struct {
	websocket.WebSocketHandler
	name string
}

func (g *greeter) Open(c *websocket.Conn) concurrent.Awaitable {
	c.WriteMessage([]byte("hello "+g.name+" via "+c.Subprotocol()), false)
	return nil
}

func (g *greeter) OnMessage(c *websocket.Conn, data []byte, binary bool) concurrent.Awaitable {
	c.WriteMessage(data, binary)
	return nil
}

func (g *greeter) SelectSubprotocol(_ *websocket.Request, offered []string) string {
	for _, p := range offered {
		if p == "chat.v2" {
			return p
		}
	}
	return ""
}

// authSocket refuses connections without ?name, before upgrading.
type authSocket struct{ web.RequestHandler }

func (h *authSocket) Get(...string) error {
	name, err := h.GetArgument("name")
	if err != nil {
		return &web.HTTPError{Code: 403}
	}
	return h.WebSocketUpgrade(&greeter{name: name}, websocket.Options{})
}

// hello answers "Hello, world".
type hello struct{ web.RequestHandler }

func (h *hello) Get(...string) error { return h.WriteString("Hello, world") }

func TestWebSocketRoutes(t *testing.T) {
	webtest.CheckLeaks(t)
	s := webtest.Serve(t, web.NewApplication([]*web.URLSpec{
		web.URL("/ws", &authSocket{}),
		web.URL("/ws2", &web.WebSocketHandler{New: func(r *web.RequestHandler) websocket.Handler {
			return &greeter{name: r.GetArgumentDefault("name", "anon")}
		}}),
		web.URL("/", &hello{}),
	}, web.Settings{}))
	dial := func(path string, opts websocket.ClientOptions) (got []string, err error) {
		s.Run(func(t testing.TB, c *gen.Co) error {
			var conn *websocket.Conn
			if conn, err = s.WebSocketConnect(c, path, opts); err != nil {
				return nil
			}
			conn.WriteMessage([]byte("echo me"), false)
			for range 2 {
				m, err := gen.Await(c, conn.ReadMessage())
				require.NoError(t, err)
				require.NotNil(t, m, "the connection closed")
				got = append(got, string(m.Data))
			}
			conn.Close(websocket.CloseNormalClosure, "")
			return nil
		})
		return got, err
	}
	got, err := dial("/ws?name=ann", websocket.ClientOptions{Subprotocols: []string{"chat.v1", "chat.v2"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"hello ann via chat.v2", "echo me"}, got)
	got, err = dial("/ws2", websocket.ClientOptions{Origin: s.URL("")})
	require.NoError(t, err, "the same host's origin is accepted")
	assert.Equal(t, []string{"hello anon via ", "echo me"}, got)

	var he *websocket.HandshakeError
	s.ExpectLog(slog.LevelWarn, `403 GET /ws `, func() {
		_, err = dial("/ws", websocket.ClientOptions{})
	})
	require.ErrorAs(t, err, &he, "refused before the upgrade")
	assert.Equal(t, 403, he.Status)
	_, err = dial("/ws2", websocket.ClientOptions{Origin: "http://evil.example"})
	require.ErrorAs(t, err, &he, "a foreign origin is refused")
	assert.Equal(t, 403, he.Status)

	// A refused handshake is logged at DEBUG, and has no access log line
	// (Tornado's has one: "400 GET /ws2").
	s.ExpectLog(slog.LevelDebug, `web: websocket handshake refused error=".*Upgrade`, func() {
		assert.Equal(t, 400, s.Fetch("/ws2").Code, "a plain GET is not a handshake")
	})
	assert.Equal(t, "Hello, world", string(s.Fetch("/").Body), "the loop serves on")
}

type coPanic struct{ web.RequestHandler }

func (h *coPanic) Get(...string) error {
	return h.Go(func(c *gen.Co) error {
		gen.Await(c, gen.Sleep(h.Loop(), time.Millisecond))
		panic("in a coroutine")
	})
}

func TestPanicInACoroutineIs500(t *testing.T) {
	webtest.CheckLeaks(t)
	s := webtest.Serve(t, web.NewApplication([]*web.URLSpec{web.URL("/", &coPanic{}), web.URL("/hello", &hello{})}, web.Settings{}))
	e := s.Log().Expect(slog.LevelError, `web: uncaught panic panic="in a coroutine"|500 GET / `)
	for range 3 {
		resp := s.Fetch("/")
		assert.Equal(t, 500, resp.Code)
		assert.NotContains(t, string(resp.Body), "in a coroutine")
	}
	e.Done()
	assert.Equal(t, 6, e.Count(), "each panic logged, and each 500 in the access log")
	assert.Equal(t, "Hello, world", string(s.Fetch("/hello").Body))
}
