// WebSocket routes through an Application: the handshake, origins,
// subprotocols, and a handler that sees the request's arguments.

package web

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/websocket"
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
type authSocket struct{ RequestHandler }

func (h *authSocket) Get(...string) error {
	name, err := h.GetArgument("name")
	if err != nil {
		return &HTTPError{Code: 403}
	}
	return h.WebSocketUpgrade(&greeter{name: name}, websocket.Options{})
}

func TestWebSocketRoutes(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{
		URL("/ws", &authSocket{}),
		URL("/ws2", &WebSocketHandler{New: func(r *RequestHandler) websocket.Handler {
			return &greeter{name: r.GetArgumentDefault("name", "anon")}
		}}),
		URL("/", &helloHandler{}),
	}, Settings{}))
	loop, err := ioloop.New()
	require.NoError(t, err)
	defer loop.Close(true)
	ws := "ws" + strings.TrimPrefix(base, "http")
	dial := func(path string, opts websocket.ClientOptions) ([]string, error) {
		return gen.Run(loop, 5*time.Second, func(co *gen.Co) ([]string, error) {
			conn, err := gen.Await(co, websocket.WebSocketConnect(co.Loop(), ws+path, opts))
			if err != nil {
				return nil, err
			}
			var got []string
			conn.WriteMessage([]byte("echo me"), false)
			for range 2 {
				m, err := gen.Await(co, conn.ReadMessage())
				if err != nil || m == nil {
					return got, err
				}
				got = append(got, string(m.Data))
			}
			conn.Close(websocket.CloseNormalClosure, "")
			return got, nil
		})
	}
	got, err := dial("/ws?name=ann", websocket.ClientOptions{Subprotocols: []string{"chat.v1", "chat.v2"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"hello ann via chat.v2", "echo me"}, got)
	got, err = dial("/ws2", websocket.ClientOptions{Origin: base})
	require.NoError(t, err, "the same host's origin is accepted")
	assert.Equal(t, []string{"hello anon via ", "echo me"}, got)

	_, err = dial("/ws", websocket.ClientOptions{})
	assert.Error(t, err, "refused before the upgrade (403)")
	_, err = dial("/ws2", websocket.ClientOptions{Origin: "http://evil.example"})
	assert.Error(t, err, "a foreign origin is refused (403)")

	resp, _ := do(t, client(t), "GET", base+"/ws2", "")
	assert.Equal(t, 400, resp.StatusCode, "a plain GET is not a handshake")
	_, body := do(t, client(t), "GET", base+"/", "")
	assert.Equal(t, "Hello, world", body, "the loop serves on")
}

type coPanic struct{ RequestHandler }

func (h *coPanic) Get(...string) error {
	return h.Go(func(c *gen.Co) error {
		gen.Await(c, gen.Sleep(h.Loop(), time.Millisecond))
		panic("in a coroutine")
	})
}

func TestPanicInACoroutineIs500(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{URL("/", &coPanic{}), URL("/hello", &helloHandler{})}, Settings{}))
	c := client(t)
	for range 3 {
		resp, body := do(t, c, "GET", base+"/", "")
		assert.Equal(t, 500, resp.StatusCode)
		assert.NotContains(t, body, "in a coroutine")
	}
	_, body := do(t, c, "GET", base+"/hello", "")
	assert.Equal(t, "Hello, world", body)
}

func TestManyLoopsAtOnce(t *testing.T) {
	app := NewApplication([]*URLSpec{
		URL("/", &helloHandler{}),
		URL(`/args/(\w+)/(\d+)`, &argsHandler{Prefix: "p:"}),
		URL("/co", &coHandler{}),
		URL("/legacy", &FallbackHandler{Fallback: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("legacy")) })}),
	}, Settings{Logger: quiet})
	server := httpserver.NewWithDelegate(app)
	server.Loops = 4
	require.NoError(t, server.Bind(0, "127.0.0.1"))
	require.NoError(t, server.Start())
	defer server.Close()
	base := "http://" + server.Addr("127.0.0.1")
	want := map[string]string{"/": "Hello, world", "/args/a/1": "p:a,1", "/co": "before after", "/legacy": "legacy"}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Transport: &http.Transport{}}
			defer c.Transport.(*http.Transport).CloseIdleConnections()
			for i := range 40 {
				for path, body := range want {
					if i%2 == 1 && path == "/co" {
						continue
					}
					resp, err := c.Get(base + path)
					if !assert.NoError(t, err) {
						return
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					assert.Equal(t, body, string(b))
				}
			}
		}()
	}
	wg.Wait()
}
