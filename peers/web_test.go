// The peers against final/web, the way applications use final: an
// Application with an echo handler, a streaming upload, a gzipped text,
// static files and a WebSocketHandler, served by Listen.

package peers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/web"
	"github.com/gornado/gornado/final/websocket"
)

// webEcho answers every method with the request as final/web saw it.
type webEcho struct{ web.RequestHandler }

func (h *webEcho) reply(...string) error {
	r := h.Request
	return h.WriteJSON(echoReply{
		Method:           r.Method,
		Target:           r.URI(),
		Version:          r.Version.String(),
		ContentLength:    r.Headers.Get("Content-Length"),
		TransferEncoding: r.Headers.Get("Transfer-Encoding"),
		ContentType:      r.Headers.Get("Content-Type"),
		Expect:           r.Headers.Get("Expect"),
		UserAgent:        r.Headers.Get("User-Agent"),
		BodyLen:          len(r.Body),
		BodySHA256:       sha(r.Body),
	})
}

func (h *webEcho) Get(args ...string) error    { return h.reply(args...) }
func (h *webEcho) Post(args ...string) error   { return h.reply(args...) }
func (h *webEcho) Put(args ...string) error    { return h.reply(args...) }
func (h *webEcho) Delete(args ...string) error { return h.reply(args...) }

// webUpload takes the body as it arrives (Tornado's
// @stream_request_body) and answers its length and SHA-256.
type webUpload struct {
	web.RequestHandler
	n   int
	sum hash.Hash
}

func (h *webUpload) Prepare() error {
	h.n, h.sum = 0, sha256.New()
	return nil
}

func (h *webUpload) DataReceived(chunk []byte) error {
	h.n += len(chunk)
	h.sum.Write(chunk)
	return nil
}

func (h *webUpload) Post(...string) error {
	return h.WriteJSON(echoReply{Method: "POST", BodyLen: h.n, BodySHA256: hex.EncodeToString(h.sum.Sum(nil)),
		TransferEncoding: h.Request.Headers.Get("Transfer-Encoding"), ContentLength: h.Request.Headers.Get("Content-Length")})
}

func (h *webUpload) Put(args ...string) error { return h.Post(args...) }

// webText is compressible text, which CompressResponse gzips.
type webText struct{ web.RequestHandler }

func (h *webText) Get(...string) error {
	h.SetHeader("Content-Type", "text/plain; charset=utf-8")
	return h.WriteBytes(textBody())
}

func textBody() []byte {
	var b bytes.Buffer
	for i := range 3000 {
		fmt.Fprintf(&b, "line %05d: the quick brown fox\n", i)
	}
	return b.Bytes()
}

// webApp is a final/web Application on 127.0.0.1:0.
type webApp struct {
	addr string
	// static is the file served at /static/big.txt.
	static []byte
	// ws receives the WebSocket handler's events.
	ws chan wsEvent
}

func (a *webApp) url(path string) string { return "http://" + a.addr + path }

func startWeb(t *testing.T) *webApp {
	t.Helper()
	dir := t.TempDir()
	a := &webApp{ws: make(chan wsEvent, 64), static: postBody(200_000)}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "big.txt"), a.static, 0o644))
	app := web.NewApplication([]*web.URLSpec{
		web.URL("/echo", &webEcho{}),
		web.URL("/upload", &webUpload{}),
		web.URL("/text", &webText{}),
		web.URL("/ws", &web.WebSocketHandler{New: func(r *web.RequestHandler) websocket.Handler {
			h := &wsEcho{events: a.ws, tag: r.GetArgumentDefault("tag", "")}
			if r.GetArgumentDefault("compress", "0") == "1" {
				h.compression = &websocket.CompressionOptions{}
			}
			return h
		}}),
	}, web.Settings{StaticPath: dir, CompressResponse: true, Logger: quietSlog()})
	srv, err := app.Listen("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	a.addr = srv.Addr("127.0.0.1")
	return a
}

// nextWS waits for the WebSocket handler's next event.
func (a *webApp) nextWS(t *testing.T) wsEvent {
	t.Helper()
	return (&finalServer{ws: a.ws}).nextWS(t)
}

// Python Tornado's clients against final/web: the request it parsed, a
// chunked upload into a streaming handler, gzip it decodes, and WebSocket
// through WebSocketHandler.
func TestTornadoClientAgainstWeb(t *testing.T) {
	a := startWeb(t)
	py := python(t)
	runCase := func(t *testing.T, name string) []pyLine {
		out, _ := run(t, py, "tornado_client.py", name, "http://"+a.addr)
		return jsonLines[pyLine](t, out)
	}

	t.Run("get", func(t *testing.T) {
		lines := runCase(t, "get")
		require.Len(t, lines, 1)
		assert.Equal(t, 200, lines[0].Code)
		assert.Equal(t, "/echo?x=1&y=%C3%A9", lines[0].Body.Target)
		assert.Equal(t, "GET", lines[0].Body.Method)
	})
	t.Run("post", func(t *testing.T) {
		lines := runCase(t, "post")
		require.Len(t, lines, 1)
		assert.Equal(t, lines[0].SentSHA, lines[0].Body.BodySHA256)
	})
	t.Run("chunked-into-streaming-handler", func(t *testing.T) {
		lines := runCase(t, "chunked_upload")
		require.Len(t, lines, 1)
		r := lines[0]
		assert.Equal(t, 200, r.Code)
		assert.Equal(t, "chunked", r.Body.TransferEncoding)
		assert.Equal(t, r.SentLen, r.Body.BodyLen)
		assert.Equal(t, r.SentSHA, r.Body.BodySHA256)
	})
	t.Run("gzip", func(t *testing.T) {
		lines := runCase(t, "gzip_text")
		require.Len(t, lines, 1)
		r := lines[0]
		want := textBody()
		assert.Equal(t, len(want), r.BodyLen)
		assert.Equal(t, sha(want), r.BodySHA, "Tornado decoded final's gzip")
		assert.Equal(t, "gzip", r.Headers["x-consumed-content-encoding"], "the response was gzipped")
	})
	t.Run("websocket", func(t *testing.T) {
		lines := runCase(t, "ws_compressed")
		require.Len(t, lines, 7)
		require.NotNil(t, lines[0].Extensions)
		assert.Contains(t, *lines[0].Extensions, "permessage-deflate")
		echoedMessages(t, lines[1:6])
		require.NotNil(t, lines[6].CloseCode)
		assert.Equal(t, 4001, *lines[6].CloseCode)
		assert.Equal(t, "open", a.nextWS(t).Event)
		assert.Equal(t, wsEvent{Event: "close", Tag: "compressed", Code: 4001, Reason: "bye from tornado"}, a.nextWS(t))
	})
}

// curl against final/web: static files with ranges and conditional
// requests, gzip, and a chunked upload into a streaming handler.
func TestCurlAgainstWeb(t *testing.T) {
	curl(t)
	a := startWeb(t)
	static := a.url("/static/big.txt")

	t.Run("static", func(t *testing.T) {
		dir := t.TempDir()
		body, head := filepath.Join(dir, "body"), filepath.Join(dir, "head")
		curlRun(t, "-o", body, "-D", head, static)
		got, err := os.ReadFile(body)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(a.static, got), "the file arrived intact")
		h := headerFile(t, head)
		assert.Equal(t, "200", h[":status"])
		assert.Equal(t, fmt.Sprint(len(a.static)), h["content-length"])
		require.NotEmpty(t, h["etag"])
		require.NotEmpty(t, h["last-modified"])

		t.Run("range", func(t *testing.T) {
			curlRun(t, "-o", body, "-D", head, "--range", "100-199", static)
			got, err := os.ReadFile(body)
			require.NoError(t, err)
			r := headerFile(t, head)
			assert.Equal(t, "206", r[":status"])
			assert.Equal(t, fmt.Sprintf("bytes 100-199/%d", len(a.static)), r["content-range"])
			assert.True(t, bytes.Equal(a.static[100:200], got))
		})
		t.Run("if-none-match", func(t *testing.T) {
			curlRun(t, "-o", body, "-D", head, "-H", "If-None-Match: "+h["etag"], static)
			assert.Equal(t, "304", headerFile(t, head)[":status"])
		})
		t.Run("if-modified-since", func(t *testing.T) {
			curlRun(t, "-o", body, "-D", head, "-H", "If-Modified-Since: "+h["last-modified"], static)
			assert.Equal(t, "304", headerFile(t, head)[":status"])
		})
		t.Run("head", func(t *testing.T) {
			out, _ := curlRun(t, "-I", static)
			assert.Contains(t, strings.ToLower(out), fmt.Sprintf("content-length: %d\r\n", len(a.static)))
		})
	})

	t.Run("compressed", func(t *testing.T) {
		out, trace := curlRun(t, "--compressed", a.url("/text"))
		assert.Contains(t, strings.ToLower(trace), "< content-encoding: gzip")
		assert.Equal(t, string(textBody()), out)
	})

	t.Run("chunked-into-streaming-handler", func(t *testing.T) {
		path, body := uploadFile(t, 300_000)
		r, _ := curlEcho(t, "-H", "Transfer-Encoding: chunked", "--data-binary", "@"+path, a.url("/upload"))
		assert.Equal(t, "chunked", r.TransferEncoding)
		assert.Equal(t, len(body), r.BodyLen)
		assert.Equal(t, sha(body), r.BodySHA256)
	})
}

// headerFile reads a response head curl saved with -D: the fields by
// lower-case name, and the status code as ":status".
func headerFile(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimRight(string(data), "\r\n"), "\r\n")
	require.NotEmpty(t, lines)
	status := strings.Fields(lines[0])
	require.GreaterOrEqual(t, len(status), 2, "status line %q", lines[0])
	h := map[string]string{":status": status[1]}
	for _, l := range lines[1:] {
		if k, v, ok := strings.Cut(l, ":"); ok {
			h[strings.ToLower(k)] = strings.TrimSpace(v)
		}
	}
	return h
}
