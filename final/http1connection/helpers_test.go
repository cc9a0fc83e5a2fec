package http1connection_test

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/http1connection"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/ioloop"
)

// testHandler answers the routes the tests use.
func testHandler(req *httpserver.Request) {
	c := req.Conn
	switch string(req.Path()) {
	case "/":
		c.Respond(200, nil, "text/plain", []byte("hello"))
	case "/echo":
		h := c.ResponseHeaders()
		h.Set("X-Method", req.Method())
		h.Set("X-Len", fmt.Sprint(len(req.Body)))
		if v := req.Head.Headers.Get("X-Consumed-Content-Encoding"); v != "" {
			h.Set("X-Consumed", v)
		}
		c.Respond(200, h, "application/octet-stream", req.Body)
	case "/chunked":
		c.WriteHeaders(200, nil, []byte("ab"))
		c.Write([]byte("cd"))
		c.Write(nil)
		c.Finish()
	case "/204":
		c.WriteHeaders(204, nil, nil)
		c.Finish()
	case "/304":
		c.WriteHeaders(304, nil, nil)
		c.Finish()
	case "/later":
		c.Loop().CallLater(5*time.Millisecond, func() {
			c.Respond(200, nil, "text/plain", []byte("later"))
		})
	case "/info":
		c.Respond(200, nil, "text/plain", []byte(req.RemoteIP+" "+req.Protocol))
	case "/panic":
		panic("handler failed")
	default:
		c.Respond(404, nil, "text/plain", []byte("not found"))
	}
}

// quietLogger drops the logs of expected failures.
func quietLogger() ioloop.Option {
	return ioloop.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// startServer serves h (testHandler if nil) on one loop, with configure
// applied to the server, and returns its address.
func startServer(t testing.TB, h httpserver.Handler, configure func(*httpserver.HTTPServer)) string {
	if h == nil {
		h = httpserver.HandlerFunc(testHandler)
	}
	s := httpserver.New(h)
	return runServer(t, s, configure)
}

func runServer(t testing.TB, s *httpserver.HTTPServer, configure func(*httpserver.HTTPServer)) string {
	if configure != nil {
		configure(s)
	}
	return runServerWith(t, s, quietLogger())
}

// runServerWith serves s on one loop made with opts and returns its
// address.
func runServerWith(t testing.TB, s *httpserver.HTTPServer, opts ...ioloop.Option) string {
	g, err := ioloop.StartGroup(1, opts...)
	require.NoError(t, err)
	require.NoError(t, s.Bind(0, "127.0.0.1"))
	require.NoError(t, s.Start(g.Loops()...))
	t.Cleanup(func() {
		s.Close()
		g.Stop()
	})
	return s.Addr("127.0.0.1")
}

// client is a raw connection to the server under test.
type client struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
}

func dial(t testing.TB, addr string) *client {
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	// A deadline turns a hang into a failure rather than a stuck test.
	require.NoError(t, c.SetDeadline(time.Now().Add(20*time.Second)))
	return &client{t: t, c: c, br: bufio.NewReader(c)}
}

func (c *client) send(s string) {
	c.t.Helper()
	_, err := io.WriteString(c.c, s)
	require.NoError(c.t, err)
}

// sendBytewise sends s one byte per write.
func (c *client) sendBytewise(s string) {
	c.t.Helper()
	for i := range len(s) {
		_, err := c.c.Write([]byte{s[i]})
		require.NoError(c.t, err)
	}
}

// response reads one response to a request of method.
func (c *client) response(method string) (*http.Response, string) {
	c.t.Helper()
	resp, err := http.ReadResponse(c.br, &http.Request{Method: method})
	require.NoError(c.t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	resp.Body.Close()
	return resp, string(body)
}

// expectClosed checks that the server closes the connection with nothing
// more to say.
func (c *client) expectClosed() {
	c.t.Helper()
	rest, err := io.ReadAll(c.br)
	if err != nil && !strings.Contains(err.Error(), "reset") {
		require.NoError(c.t, err)
	}
	require.Empty(c.t, string(rest), "bytes after the last response")
}

// raw reads everything until the server closes.
func (c *client) raw() string {
	c.t.Helper()
	b, _ := io.ReadAll(c.br)
	return string(b)
}

var _ = http1connection.DefaultChunkSize

func TestMain(m *testing.M) { m.Run() }

func checkLeaks(t *testing.T) { testutil.CheckLeaks(t) }

func bufioReader(c net.Conn) *bufio.Reader { return bufio.NewReader(c) }
