package http1connection_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/http1connection"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/ioloop"
)

func TestContentLengthMismatchCloses(t *testing.T) {
	errs := make(chan error, 2)
	addr := startServer(t, httpserver.HandlerFunc(func(req *httpserver.Request) {
		h := req.Conn.ResponseHeaders()
		h.Set("Content-Length", "10")
		req.Conn.WriteHeaders(200, h, []byte("short"))
		if string(req.Path()) == "/long" {
			errs <- req.Conn.Write([]byte("way too long"))
			return
		}
		errs <- req.Conn.Finish()
	}), nil)
	for _, path := range []string{"/short", "/long"} {
		c := dial(t, addr)
		c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")
		assert.ErrorIs(t, <-errs, http1connection.ErrContentLength, path)
		raw := c.raw() // the connection closes
		assert.True(t, strings.HasPrefix(raw, "HTTP/1.1 200 OK\r\n"), raw)
	}
}

// early answers from HeadersReceived, before the body is read.
type early struct{}

func (e *early) StartRequest(*http1connection.Conn) http1connection.MessageDelegate { return e }
func (e *early) OnClose(*http1connection.Conn)                                      {}
func (e *early) HeadersReceived(req *http1connection.Request) error {
	return req.Conn.Respond(401, nil, "text/plain", []byte("no"))
}
func (e *early) DataReceived([]byte) error { panic("body of an answered request") }
func (e *early) Finish()                   { panic("finish of an answered request") }
func (e *early) OnConnectionClose()        {}

func TestAnswerBeforeBodyClosesWithoutReadingIt(t *testing.T) {
	addr := runServer(t, httpserver.NewWithDelegate(&early{}), nil)
	c := dial(t, addr)
	c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
	resp, body := c.response("POST")
	assert.Equal(t, 401, resp.StatusCode, "no 100 Continue before the final answer")
	assert.Equal(t, "no", body)
	assert.True(t, resp.Close)
	c.send("hello" + getReq) // ignored
	c.expectClosed()
}

func TestShutdownFinishesRequestsInProgress(t *testing.T) {
	testutil.CheckLeaks(t)
	started := make(chan *httpserver.Request, 1)
	s := httpserver.New(httpserver.HandlerFunc(func(req *httpserver.Request) {
		if string(req.Path()) == "/slow" {
			started <- req
			return // answered below, from the loop
		}
		testHandler(req)
	}))
	g, err := ioloop.StartGroup(1, quietLogger())
	require.NoError(t, err)
	defer g.Stop()
	require.NoError(t, s.Bind(0, "127.0.0.1"))
	require.NoError(t, s.Start(g.Loops()...))
	addr := s.Addr("127.0.0.1")

	idle := dial(t, addr)
	idle.send(getReq)
	idle.response("GET")
	busy := dial(t, addr)
	busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	req := <-started

	done := make(chan error, 1)
	go func() { done <- s.Shutdown(context.Background()) }()
	idle.expectClosed() // idle connections close, after a second's grace
	idle.c.Close()      // as clients do on end of file, ending the linger
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned before the request finished: %v", err)
	default:
	}
	req.Conn.Loop().AddCallback(func() { req.Conn.Respond(200, nil, "text/plain", []byte("done")) })
	resp, body := busy.response("GET")
	assert.Equal(t, "done", body)
	assert.True(t, resp.Close, "a response during shutdown closes its connection")
	busy.expectClosed()
	busy.c.Close()
	require.NoError(t, <-done)
	_, err = net.Dial("tcp", addr)
	assert.Error(t, err, "no longer accepting")
}

func TestShutdownDeadline(t *testing.T) {
	got := make(chan struct{})
	s := httpserver.New(httpserver.HandlerFunc(func(req *httpserver.Request) { close(got) }))
	addr := runServer(t, s, nil)
	c := dial(t, addr)
	c.send(getReq) // never answered
	<-got
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, s.Shutdown(ctx), context.DeadlineExceeded)
	c.expectClosed()
}

func TestTLSServer(t *testing.T) {
	serverCfg, clientCfg := testutil.TLSConfigs(t)
	addr := startServer(t, nil, func(s *httpserver.HTTPServer) { s.TLSConfig = serverCfg })
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: clientCfg}}
	defer client.CloseIdleConnections()
	for range 2 {
		resp, err := client.Get("https://" + addr + "/info")
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, "127.0.0.1 https", string(body))
	}
	// Plain text to a TLS port is not served.
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12, ServerName: "localhost"})
	require.NoError(t, err)
	c.Close()
}

func TestNetHTTPClientAgainstServer(t *testing.T) {
	addr := startServer(t, nil, nil)
	client := &http.Client{}
	defer client.CloseIdleConnections()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				resp, err := client.Post("http://"+addr+"/echo", "text/plain", strings.NewReader("payload"))
				if !assert.NoError(t, err) {
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				assert.Equal(t, "payload", string(body))
			}
		}()
	}
	wg.Wait()
}

// upgrader takes the stream over after "GET /upgrade", as a WebSocket
// handler would, and echoes what follows in upper case.
type upgrader struct {
	req    *http1connection.Request
	closed chan struct{}
}

func (u *upgrader) StartRequest(*http1connection.Conn) http1connection.MessageDelegate { return u }
func (u *upgrader) OnClose(*http1connection.Conn)                                      { close(u.closed) }
func (u *upgrader) HeadersReceived(req *http1connection.Request) error {
	u.req = req
	return nil
}
func (u *upgrader) DataReceived([]byte) error { return nil }
func (u *upgrader) OnConnectionClose()        {}
func (u *upgrader) Finish() {
	stream, rest := u.req.Conn.Detach()
	stream.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: shout\r\nConnection: Upgrade\r\n\r\n"))
	stream.Write(bytes.ToUpper(rest))
	var echo func([]byte, error)
	echo = func(b []byte, err error) {
		if err != nil {
			stream.Close()
			return
		}
		stream.Write(bytes.ToUpper(b))
		stream.ReadBytesFunc(1024, true, echo)
	}
	stream.ReadBytesFunc(1024, true, echo)
}

func TestDetachHandsTheStreamOver(t *testing.T) {
	u := &upgrader{closed: make(chan struct{})}
	addr := runServer(t, httpserver.NewWithDelegate(u), nil)
	c := dial(t, addr)
	c.send("GET /upgrade HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\nearly bytes;")
	resp, err := http.ReadResponse(c.br, nil)
	require.NoError(t, err)
	assert.Equal(t, 101, resp.StatusCode)
	<-u.closed // the server forgot the connection
	c.send("later")
	buf := make([]byte, len("EARLY BYTES;LATER"))
	_, err = io.ReadFull(c.br, buf)
	require.NoError(t, err)
	assert.Equal(t, "EARLY BYTES;LATER", string(buf))
}

func TestAbsoluteFormTarget(t *testing.T) {
	addr := startServer(t, nil, nil)
	c := dial(t, addr)
	c.send("GET http://example.com/echo?x=1 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 2\r\n\r\nok")
	resp, body := c.response("GET")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "ok", body)
	c.send("GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n")
	_, body = c.response("GET")
	assert.Equal(t, "hello", body)
}
