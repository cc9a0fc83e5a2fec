package app

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/websocket"
	"github.com/gornado/gornado/final/webtest"
)

// The demo's routes (docs/http-server.md, "Demos"), which bench/'s
// workloads use, now served by an Application.
func TestRoutes(t *testing.T) {
	webtest.CheckLeaks(t)
	s := webtest.Serve(t, App())
	json := webtest.Header("Content-Type", "application/json")

	resp := s.Fetch("/")
	assert.Equal(t, 200, resp.Code)
	assert.Equal(t, "Hello, world", string(resp.Body))
	assert.Equal(t, textPlain, resp.Headers.Get("Content-Type"))

	resp = s.Fetch("/", webtest.Method("HEAD"))
	assert.Equal(t, 200, resp.Code)
	assert.Empty(t, resp.Body)
	assert.Equal(t, "12", resp.Headers.Get("Content-Length"))

	s.ExpectLog(slog.LevelWarn, `405 POST /`, func() {
		resp = s.Fetch("/", webtest.Body("x"))
	})
	assert.Equal(t, 405, resp.Code)
	assert.Contains(t, resp.Headers.Get("Allow"), "GET")

	resp = s.Fetch("/echo", webtest.Body(`{"a":1}`), json)
	assert.Equal(t, 200, resp.Code)
	assert.Equal(t, `{"a":1}`, string(resp.Body))
	assert.Equal(t, "application/json", resp.Headers.Get("Content-Type"))

	resp = s.Fetch("/json")
	assert.Equal(t, `{"message":"Hello, world"}`, string(resp.Body))
	assert.Equal(t, appJSON, resp.Headers.Get("Content-Type"))

	resp = s.Fetch("/64k")
	assert.Len(t, resp.Body, 64*1024)
	etag := resp.Headers.Get("Etag")
	assert.Equal(t, string(bigETag), etag)
	resp = s.Fetch("/64k", webtest.Header("If-None-Match", etag))
	assert.Equal(t, 304, resp.Code)
	assert.Empty(t, resp.Body)

	s.ExpectLog(slog.LevelWarn, `404 GET /nothing`, func() {
		assert.Equal(t, 404, s.Fetch("/nothing").Code)
	})
}

// GET /echo is a WebSocket echo with compression offered: each message comes
// back with its type.
func TestWebSocketEcho(t *testing.T) {
	webtest.CheckLeaks(t)
	s := webtest.Serve(t, App())
	s.Run(func(t testing.TB, c *gen.Co) error {
		conn, err := s.WebSocketConnect(c, "/echo", websocket.ClientOptions{
			Compression: &websocket.CompressionOptions{},
		})
		require.NoError(t, err)
		for i, msg := range []string{"hello", strings.Repeat("z", 4096)} {
			binary := i == 1
			if _, err := gen.Await(c, conn.WriteMessage([]byte(msg), binary)); err != nil {
				return err
			}
			m, err := gen.Await(c, conn.ReadMessage())
			require.NoError(t, err)
			require.NotNil(t, m, "the connection closed")
			assert.Equal(t, msg, string(m.Data))
			assert.Equal(t, binary, m.Binary)
		}
		conn.Close(websocket.CloseNormalClosure, "")
		return nil
	})
}
