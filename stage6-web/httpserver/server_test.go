package httpserver_test

import (
	"fmt"
	"math/rand"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	coroutines "github.com/gornado/gornado/stage4-coroutines"
	"github.com/gornado/gornado/stage6-web/httpserver"
	"github.com/gornado/gornado/stage6-web/internal/servertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testDelegate answers by path:
//
//	/echo       "METHOD PATH VERSION body=BODY", with a Content-Length
//	/chunked    "hello" and " world" in two writes, no Content-Length
//	/later?ms=N answers "later N" N ms after HandleRequest has returned
//	/sleep?ms=N awaits a Sleep of N ms, then answers "slept N"
//	/hang       never answers; records its arrival in hung and the client
//	            closing in closed
//	/shutdown   answers "bye", then closes the server and records that in shutDown
type testDelegate struct {
	hung, closed, shutDown chan struct{}
}

func (d *testDelegate) HandleRequest(await coroutines.Await, req *httpserver.Request) {
	c := req.Connection
	ms, _ := strconv.Atoi(strings.TrimPrefix(req.Query, "ms="))
	switch req.Path {
	case "/echo":
		body := fmt.Sprintf("%s %s %s body=%s", req.Method, req.URI, req.Version, req.Body)
		c.WriteHeaders(200, http.Header{"Content-Length": {strconv.Itoa(len(body))}}, []byte(body))
		c.Finish()
	case "/chunked":
		c.WriteHeaders(200, http.Header{}, []byte("hello"))
		c.Write([]byte(" world"))
		c.Finish()
	case "/later":
		// Callback style: return now, finish from a timer.
		c.Server().Loop.CallLater(time.Duration(ms)*time.Millisecond, func() {
			body := "later " + strconv.Itoa(ms)
			c.WriteHeaders(200, http.Header{"Content-Length": {strconv.Itoa(len(body))}}, []byte(body))
			c.Finish()
		})
	case "/sleep":
		_, _ = await(coroutines.Sleep(c.Server().Loop, time.Duration(ms)*time.Millisecond))
		body := "slept " + strconv.Itoa(ms)
		c.WriteHeaders(200, http.Header{"Content-Length": {strconv.Itoa(len(body))}}, []byte(body))
		c.Finish()
	case "/hang":
		c.SetCloseCallback(func() { close(d.closed) })
		close(d.hung)
	case "/shutdown":
		c.WriteHeaders(200, http.Header{"Content-Length": {"3"}}, []byte("bye"))
		_, _ = await(c.Finish())
		// From inside the connection's coroutine: this closes the server,
		// every connection (this one included) and the Runner.
		c.Server().Close()
		close(d.shutDown)
	default:
		c.WriteHeaders(404, http.Header{"Content-Length": {"0"}}, nil)
		c.Finish()
	}
}

func start(t *testing.T) (*servertest.Server, *testDelegate) {
	d := &testDelegate{hung: make(chan struct{}), closed: make(chan struct{}), shutDown: make(chan struct{})}
	return servertest.Start(t, d), d
}

// waitHung waits until the /hang handler has run.
func waitHung(t *testing.T, d *testDelegate) {
	t.Helper()
	select {
	case <-d.hung:
	case <-time.After(10 * time.Second):
		t.Fatal("the /hang request never reached its handler")
	}
}

func TestContentLengthAndKeepAlive(t *testing.T) {
	s, _ := start(t)
	c := s.Dial(t)
	for i := range 3 {
		c.Send(t, fmt.Sprintf("GET /echo?i=%d HTTP/1.1\r\nHost: x\r\n\r\n", i))
		resp, body := c.ReadResponse(t, "GET")
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, fmt.Sprintf("GET /echo?i=%d HTTP/1.1 body=", i), body)
		assert.False(t, resp.Close, "HTTP/1.1 keeps the connection open")
	}
	s.WaitFor(t, "one connection", func() bool { return s.HTTP.Connections() == 1 })
}

func TestChunkedResponseWhenLengthUnknown(t *testing.T) {
	s, _ := start(t)
	c := s.Dial(t)
	c.Send(t, "GET /chunked HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	raw := c.RawUntilClose(t)
	assert.Contains(t, raw, "Transfer-Encoding: chunked\r\n")
	assert.Contains(t, raw, "Connection: close\r\n")
	assert.True(t, strings.HasSuffix(raw, "\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"), raw)
}

func TestHTTP10(t *testing.T) {
	s, _ := start(t)

	// Without keep-alive the server closes after the response; a body of
	// unknown length is not chunked (HTTP/1.0 has no chunking) but ends
	// with the connection.
	c := s.Dial(t)
	c.Send(t, "GET /chunked HTTP/1.0\r\n\r\n")
	raw := c.RawUntilClose(t)
	assert.NotContains(t, raw, "chunked")
	assert.True(t, strings.HasSuffix(raw, "\r\n\r\nhello world"), raw)

	// With "Connection: keep-alive" and a known length, it stays open.
	c = s.Dial(t)
	for range 2 {
		c.Send(t, "GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		resp, body := c.ReadResponse(t, "GET")
		assert.Equal(t, "keep-alive", resp.Header.Get("Connection"))
		assert.Equal(t, "GET /echo HTTP/1.0 body=", body)
	}
}

func TestPipelinedRequestsAnsweredInOrder(t *testing.T) {
	s, _ := start(t)
	c := s.Dial(t)
	// The first answer comes from a timer after its handler returned, the
	// second from a coroutine that slept, the third at once: still in order.
	c.Send(t, "GET /later?ms=30 HTTP/1.1\r\nHost: x\r\n\r\n"+
		"GET /sleep?ms=10 HTTP/1.1\r\nHost: x\r\n\r\n"+
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
	for _, want := range []string{"later 30", "slept 10", "POST /echo HTTP/1.1 body=hi"} {
		_, body := c.ReadResponse(t, "GET")
		assert.Equal(t, want, body)
	}
}

func TestRequestBodies(t *testing.T) {
	requests := map[string]string{
		"content-length": "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world",
		"chunked": "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n",
		"leading empty lines": "\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world",
	}
	s, _ := start(t)
	for name, raw := range requests {
		// Whole, byte by byte, and split at random points: the parser
		// must not care how the bytes arrive.
		splits := map[string]func() int{
			"whole":      func() int { return len(raw) },
			"bytewise":   func() int { return 1 },
			"randomized": func() int { return 1 + rand.Intn(7) },
		}
		for how, next := range splits {
			t.Run(name+"/"+how, func(t *testing.T) {
				c := s.Dial(t)
				for rest := raw; rest != ""; {
					n := min(next(), len(rest))
					c.Send(t, rest[:n])
					rest = rest[n:]
				}
				_, body := c.ReadResponse(t, "POST")
				assert.Equal(t, "POST /echo HTTP/1.1 body=hello world", body)
			})
		}
	}
}

func TestExpectContinue(t *testing.T) {
	s, _ := start(t)
	c := s.Dial(t)
	c.Send(t, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
	line, err := c.R.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "HTTP/1.1 100 Continue\r\n", line)
	line, _ = c.R.ReadString('\n')
	require.Equal(t, "\r\n", line)
	c.Send(t, "ok")
	_, body := c.ReadResponse(t, "POST")
	assert.Equal(t, "POST /echo HTTP/1.1 body=ok", body)
}

func TestHeadHasNoBody(t *testing.T) {
	s, _ := start(t)
	c := s.Dial(t)
	c.Send(t, "HEAD /echo HTTP/1.1\r\nHost: x\r\n\r\nGET /echo HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := c.ReadResponse(t, "HEAD")
	assert.Equal(t, "", body)
	assert.Equal(t, "25", resp.Header.Get("Content-Length"), "the length a GET would have")
	// Had the HEAD response carried a body, this would read it as garbage.
	_, body = c.ReadResponse(t, "GET")
	assert.Equal(t, "GET /echo HTTP/1.1 body=", body)
}

func TestMalformedRequestsGet400(t *testing.T) {
	cases := map[string]string{
		"request line":            "GET /echo\r\nHost: x\r\n\r\n",
		"extra space":             "GET  /echo HTTP/1.1\r\nHost: x\r\n\r\n",
		"version":                 "GET /echo HTTP/2.0\r\nHost: x\r\n\r\n",
		"target":                  "GET echo HTTP/1.1\r\nHost: x\r\n\r\n",
		"method":                  "G(T /echo HTTP/1.1\r\nHost: x\r\n\r\n",
		"no colon":                "GET /echo HTTP/1.1\r\nHost: x\r\nBroken\r\n\r\n",
		"space before colon":      "GET /echo HTTP/1.1\r\nHost : x\r\n\r\n",
		"obsolete folding":        "GET /echo HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n",
		"bare LF":                 "GET /echo HTTP/1.1\nHost: x\r\n\r\n",
		"no Host":                 "GET /echo HTTP/1.1\r\n\r\n",
		"two Hosts":               "GET /echo HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
		"bad Content-Length":      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello",
		"conflicting lengths":     "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
		"length and chunked":      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"unknown coding":          "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
		"bad chunk size":          "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"chunk without CRLF":      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhiX\r\n0\r\n\r\n",
		"bad percent in the path": "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
	}
	s, _ := start(t)
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			c := s.Dial(t)
			c.Send(t, raw)
			assert.Equal(t, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", c.RawUntilClose(t))
		})
	}
	assert.Contains(t, s.Logs(), "malformed request")
}

func TestHeaderSizeLimit(t *testing.T) {
	s, _ := start(t)
	big := strings.Repeat("a", 60<<10)
	c := s.Dial(t)
	c.Send(t, "GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: "+big+"\r\n\r\n")
	resp, _ := c.ReadResponse(t, "GET")
	assert.Equal(t, 200, resp.StatusCode, "60 KiB of headers is within the limit")

	c = s.Dial(t)
	c.Send(t, "GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: "+big+big+"\r\n\r\n")
	assert.True(t, strings.HasPrefix(c.RawUntilClose(t), "HTTP/1.1 431 Request Header Fields Too Large\r\n"))

	// A client that never ends its head is cut off at the limit too, not
	// buffered without end.
	c = s.Dial(t)
	c.Send(t, "GET /echo HTTP/1.1\r\nX-Big: "+big+big)
	assert.True(t, strings.HasPrefix(c.RawUntilClose(t), "HTTP/1.1 431 "))
}

func TestBodySizeLimit(t *testing.T) {
	s, _ := start(t)
	c := s.Dial(t)
	c.Send(t, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 200000000\r\n\r\n")
	assert.True(t, strings.HasPrefix(c.RawUntilClose(t), "HTTP/1.1 413 Request Entity Too Large\r\n"))
}

func TestCloseCallbackWhenClientLeaves(t *testing.T) {
	s, d := start(t)
	c := s.Dial(t)
	c.Send(t, "GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
	// Wait for the handler itself: a connection counted as open may not
	// have read its request yet, and a client that leaves before then
	// never reaches a handler, so no close callback would run.
	waitHung(t, d)
	select {
	case <-d.closed:
		t.Fatal("close callback ran while the client was still there")
	default:
	}
	require.NoError(t, c.Close())
	select {
	case <-d.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the close callback never ran")
	}
	s.WaitFor(t, "the connection to go", func() bool { return s.HTTP.Connections() == 0 })
}

func TestUnansweredRequestsEndAtClose(t *testing.T) {
	// A handler that never answers leaves a paused coroutine; the server's
	// Close (in the test's cleanup) must end it, or the goroutine check fails.
	s, d := start(t)
	c := s.Dial(t)
	c.Send(t, "GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
	waitHung(t, d)
}

func TestHandlerClosesTheServer(t *testing.T) {
	// A handler may close its own server: Runner.Close, called from inside
	// the handler's coroutine, stops the other connections' paused
	// coroutines and does not wait for the one that called it.
	s, d := start(t)
	waiting := s.Dial(t)
	waiting.Send(t, "GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
	waitHung(t, d)

	c := s.Dial(t)
	c.Send(t, "GET /shutdown HTTP/1.1\r\nHost: x\r\n\r\n")
	select {
	case <-d.shutDown:
	case <-time.After(10 * time.Second):
		t.Fatal("HTTPServer.Close, called from inside a handler, never returned")
	}
	resp, body := c.ReadResponse(t, "GET")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "bye", body)
	select {
	case <-d.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the long poll's connection was not closed")
	}
	s.WaitFor(t, "every connection to go", func() bool { return s.HTTP.Connections() == 0 })
	s.Do(func() { assert.Equal(t, 0, s.HTTP.Runner.Pending(), "paused coroutines") })
}
