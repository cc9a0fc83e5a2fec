package app

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func start(t *testing.T) *Server {
	t.Helper()
	s, err := Start("127.0.0.1:0", 1)
	require.NoError(t, err)
	t.Cleanup(func() { s.HTTP.Close() })
	return s
}

func do(t *testing.T, method, url, body string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

// The demo's routes (docs/http-server.md, "Demos"), which bench/'s
// workloads use, now served by an Application.
func TestRoutes(t *testing.T) {
	s := start(t)

	resp, body := do(t, "GET", s.URL+"/", "")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "Hello, world", body)
	assert.Equal(t, textPlain, resp.Header.Get("Content-Type"))

	resp, body = do(t, "HEAD", s.URL+"/", "")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Empty(t, body)
	assert.Equal(t, "12", resp.Header.Get("Content-Length"))

	resp, _ = do(t, "POST", s.URL+"/", "x")
	assert.Equal(t, 405, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Allow"), "GET")

	resp, body = do(t, "POST", s.URL+"/echo", `{"a":1}`, "Content-Type", "application/json")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, `{"a":1}`, body)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))

	resp, body = do(t, "GET", s.URL+"/json", "")
	assert.Equal(t, `{"message":"Hello, world"}`, body)
	assert.Equal(t, appJSON, resp.Header.Get("Content-Type"))

	resp, body = do(t, "GET", s.URL+"/64k", "")
	assert.Len(t, body, 64*1024)
	etag := resp.Header.Get("Etag")
	assert.Equal(t, string(bigETag), etag)
	resp, body = do(t, "GET", s.URL+"/64k", "", "If-None-Match", etag)
	assert.Equal(t, 304, resp.StatusCode)
	assert.Empty(t, body)

	resp, _ = do(t, "GET", s.URL+"/nothing", "")
	assert.Equal(t, 404, resp.StatusCode)
}

// GET /echo is a WebSocket echo with compression offered: each message comes
// back with its type.
func TestWebSocketEcho(t *testing.T) {
	s := start(t)
	loop, err := ioloop.New()
	require.NoError(t, err)
	defer loop.Close(false)
	wsURL := "ws" + strings.TrimPrefix(s.URL, "http") + "/echo"

	got, err := gen.Run(loop, 10*time.Second, func(c *gen.Co) ([]string, error) {
		conn, err := gen.Await(c, websocket.WebSocketConnect(loop, wsURL, websocket.ClientOptions{
			Compression: &websocket.CompressionOptions{},
		}))
		if err != nil {
			return nil, err
		}
		var out []string
		for i, msg := range []string{"hello", strings.Repeat("z", 4096)} {
			binary := i == 1
			if _, err := gen.Await(c, conn.WriteMessage([]byte(msg), binary)); err != nil {
				return nil, err
			}
			m, err := gen.Await(c, conn.ReadMessage())
			if err != nil || m == nil {
				return nil, err
			}
			out = append(out, string(m.Data))
			if m.Binary != binary {
				out = append(out, "wrong type")
			}
		}
		conn.Close(1000, "")
		return out, nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"hello", strings.Repeat("z", 4096)}, got)
}
