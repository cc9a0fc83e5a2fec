package http1connection_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/http1connection"
	"github.com/gornado/gornado/final/httpserver"
)

// headVariants answers paths whose heads differ from /a's by one thing
// each: a field value of the same length, the status, the reason phrase,
// a Date of the handler's own, an unsafe value, a bad Content-Length. The
// loop keeps the last head it wrote (headCache): none of them may be
// answered with /a's head, nor /a with theirs.
func headVariants(req *httpserver.Request) {
	c := req.Conn
	h := c.ResponseHeaders()
	h.Set("X-V", "aaaa")
	code := 200
	switch string(req.Path()) {
	case "/b":
		h.Set("X-V", "bbbb")
	case "/c":
		code = 201
	case "/d":
		c.SetReason("Fine")
	case "/e":
		h.Set("Date", "Sun, 06 Nov 1994 08:49:37 GMT")
	case "/f":
		h.Set("X-V", "a\r\nX-Injected: 1")
	case "/g":
		h.Set("Content-Length", "1x")
	}
	err := c.Respond(code, h, "text/plain", []byte("x"))
	if err != nil {
		h.Reset() // the refused set is still there
	}
	switch {
	case errors.Is(err, http1connection.ErrContentLength):
		c.Respond(500, nil, "text/plain", []byte("bad length"))
	case err != nil:
		c.Respond(500, nil, "text/plain", []byte(err.Error()))
	}
}

func TestSameHeadsAreCachedButNeverConfused(t *testing.T) {
	addr := startServer(t, httpserver.HandlerFunc(headVariants), nil)
	// Pipelined on one connection, then again on a second one on the
	// same loop, which shares the cache.
	for range 2 {
		c := dial(t, addr)
		paths := []string{"/a", "/b", "/a", "/a", "/c", "/a", "/d", "/a", "/e", "/a", "/f", "/a", "/g", "/a"}
		var reqs strings.Builder
		for _, p := range paths {
			reqs.WriteString("GET " + p + " HTTP/1.1\r\nHost: x\r\n\r\n")
		}
		c.send(reqs.String())
		for _, p := range paths {
			resp, body := c.response("GET")
			switch p {
			case "/a":
				assert.Equal(t, "200 OK", resp.Status, p)
				assert.Equal(t, "aaaa", resp.Header.Get("X-V"), p)
				assert.Equal(t, "x", body, p)
				assert.NotEqual(t, "Sun, 06 Nov 1994 08:49:37 GMT", resp.Header.Get("Date"), p)
				assert.Len(t, resp.Header.Values("Date"), 1, p)
			case "/b":
				assert.Equal(t, "bbbb", resp.Header.Get("X-V"), p)
			case "/c":
				assert.Equal(t, "201 Created", resp.Status, p)
				assert.Equal(t, "aaaa", resp.Header.Get("X-V"), p)
			case "/d":
				assert.Equal(t, "200 Fine", resp.Status, p)
			case "/e":
				assert.Equal(t, []string{"Sun, 06 Nov 1994 08:49:37 GMT"}, resp.Header.Values("Date"), p)
			case "/f":
				assert.Equal(t, 500, resp.StatusCode, p)
				assert.Empty(t, resp.Header.Get("X-Injected"), p)
			case "/g":
				assert.Equal(t, 500, resp.StatusCode, p)
				assert.Equal(t, "bad length", body, p)
			}
			require.False(t, t.Failed(), "response to %s", p)
		}
	}
}
