// The connection's lifecycle on real sockets: the head deadline
// (HeaderTimeout) apart from the idle one, and CloseWhenIdle, which must
// serve what a client has already sent and close without a reset.

package http1connection_test

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/gornado/gornado/final/http1connection"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/internal/testutil"
)

// stopGrace is http1connection's: how long a stopping connection that has
// just become idle waits for a last request.
const stopGrace = time.Second

// HeaderTimeout runs from the accept for the first head and from the
// first byte of each later one, while the wait between requests is
// IdleConnectionTimeout's (here the default hour). Before it, the only
// deadline on a head was the idle timeout: a silent connection, or one
// that sent half a head, stayed for an hour.
func TestHeaderTimeout(t *testing.T) {
	const headerTimeout = 100 * time.Millisecond
	addr := startServer(t, nil, func(s *httpserver.HTTPServer) { s.HeaderTimeout = headerTimeout })

	t.Run("silent new connection", func(t *testing.T) {
		c := dial(t, addr)
		c.expectEOF()
	})
	t.Run("half a head", func(t *testing.T) {
		c := dial(t, addr)
		c.send("GET / HTTP/1.1\r\nHost: x\r\n")
		c.expectEOF()
	})
	t.Run("keep-alive", func(t *testing.T) {
		c := dial(t, addr)
		c.send(getReq)
		c.response("GET")
		// Idle for several head timeouts: the idle timeout applies here,
		// and the connection stays.
		time.Sleep(5 * headerTimeout)
		c.send(getReq)
		_, body := c.response("GET")
		assert.Equal(t, "hello", body, "an idle keep-alive connection outlives HeaderTimeout")
		// The next head begins and stops: its deadline is the head's.
		c.send("GET / HTTP/1.1\r\n")
		c.expectEOF()
	})
}

// A body that stops arriving ends its connection after BodyIdleTimeout
// (nginx's client_body_timeout), and gives back its share of the server's
// body budget; a body that keeps coming, however slowly, is read whole.
// Before, with Tornado's default of no body timeout, a client that
// announced a body and sent nothing held its connection, and the memory
// charged for that body, for ever.
func TestBodyIdleTimeout(t *testing.T) {
	const idle = 500 * time.Millisecond
	var srv *httpserver.HTTPServer
	addr := startServer(t, nil, func(s *httpserver.HTTPServer) {
		s.BodyIdleTimeout = idle
		srv = s
	})

	t.Run("stalled", func(t *testing.T) {
		c := dial(t, addr)
		c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nabc")
		start := time.Now()
		c.expectEOF()
		t.Logf("closed %v after the body stalled", time.Since(start).Round(time.Millisecond))
		// The 1 MB charged at the head goes back with the connection.
		deadline := time.Now().Add(10 * time.Second)
		for srv.BodyMemory() != 0 {
			require.True(t, time.Now().Before(deadline), "the body's budget share came back")
			time.Sleep(time.Millisecond)
		}
	})
	t.Run("trickling", func(t *testing.T) {
		c := dial(t, addr)
		c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n")
		// Six bytes over about 600 ms, more than the idle timeout, none
		// of the gaps near it.
		for range 6 {
			time.Sleep(idle / 5)
			c.send("x")
		}
		resp, body := c.response("POST")
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "hello", body)
	})
}

// A request that has reached the server's kernel but not the loop (the
// loop is busy) when a connection idle for a while is told to stop is
// served, with Connection: close, and the connection then closes cleanly.
// Before, CloseWhenIdle saw an idle connection and closed it with the
// request unread, and the kernel answered the client with a reset: this is
// what reset every keep-alive client of the chat demo on SIGTERM.
func TestCloseWhenIdleServesARequestStillInTheKernel(t *testing.T) {
	var idle *http1connection.Conn // loop goroutine only
	blocking := make(chan struct{}, 1)
	addr := startServer(t, httpserver.HandlerFunc(func(req *httpserver.Request) {
		switch string(req.Path()) {
		case "/first":
			idle = req.Conn
		case "/block":
			// The loop is held here while the idle connection's next
			// request arrives: it stays in the kernel, unread. Then the
			// connection is told to stop, as Shutdown's callback does.
			blocking <- struct{}{}
			waitReadable(t, idle.Stream().Fileno())
			idle.CloseWhenIdle()
		}
		req.Conn.Respond(200, nil, "text/plain", []byte("ok "+string(req.Path())))
	}), nil)

	a := dial(t, addr)
	a.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n")
	a.response("GET")
	// Idle for longer than the grace a stopping connection gives a
	// client that has just been answered: it closes at once, unless a
	// request has come.
	time.Sleep(stopGrace + 100*time.Millisecond)
	b := dial(t, addr)
	b.send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n")
	testutil.Recv(t, blocking, "the /block handler")
	a.send("GET /second HTTP/1.1\r\nHost: x\r\n\r\n")

	resp, body := a.response("GET")
	assert.Equal(t, "ok /second", body, "the request that had arrived is served")
	assert.True(t, resp.Close, "and its response says Connection: close")
	a.expectEOF()
	_, body = b.response("GET")
	assert.Equal(t, "ok /block", body)
}

// An idle connection told to stop closes its sending side and keeps
// reading until the client closes: a request that crosses the close on the
// wire is read and dropped, and its client reads end of file (the
// retriable race of RFC 9112, section 9.3.1). Before, the socket was
// closed outright, and bytes that reached it after the idle check made
// the kernel send a reset.
func TestCloseWhenIdleLingers(t *testing.T) {
	conns := make(chan *http1connection.Conn, 1)
	addr := startServer(t, httpserver.HandlerFunc(func(req *httpserver.Request) {
		conns <- req.Conn
		testHandler(req)
	}), nil)
	c := dial(t, addr)
	c.send(getReq)
	c.response("GET")
	conn := testutil.Recv(t, conns, "the connection")
	conn.Loop().AddCallback(conn.CloseWhenIdle)

	_, err := c.br.Peek(1)
	require.ErrorIs(t, err, io.EOF, "the server closed its side")
	// A request that crosses the close: a socket closed outright answers
	// it with a reset, and the next write fails; a lingering one reads it.
	c.send(getReq)
	time.Sleep(10 * time.Millisecond) // for a reset to come back, if any
	_, err = io.WriteString(c.c, getReq)
	require.NoError(t, err, "the server is still reading: no reset")
	c.expectEOF()
}

// A client that sends its next request soon after its last answer, as one
// sending requests back to back does, meets a stopping connection that
// still waits for it: the request is served with Connection: close, and
// the client knows to go elsewhere. Closed at once, the connection would
// have left the client to read end of file after sending it.
func TestCloseWhenIdleWaitsForTheNextRequest(t *testing.T) {
	conns := make(chan *http1connection.Conn, 1)
	addr := startServer(t, httpserver.HandlerFunc(func(req *httpserver.Request) {
		if string(req.Path()) == "/first" {
			conns <- req.Conn
		}
		req.Conn.Respond(200, nil, "text/plain", []byte("ok "+string(req.Path())))
	}), nil)
	c := dial(t, addr)
	c.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n")
	_, body := c.response("GET")
	assert.Equal(t, "ok /first", body)
	conn := testutil.Recv(t, conns, "the connection")
	stopped := make(chan struct{})
	conn.Loop().AddCallback(func() {
		conn.CloseWhenIdle()
		close(stopped)
	})
	testutil.Recv(t, stopped, "CloseWhenIdle")
	c.send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := c.response("GET")
	assert.Equal(t, "ok /next", body)
	assert.True(t, resp.Close, "the answer says Connection: close")
	c.expectEOF()
}

// expectEOF reads until the server closes and requires a clean end of
// file: no bytes, and no reset.
func (c *client) expectEOF() {
	c.t.Helper()
	rest, err := io.ReadAll(c.br)
	require.NoError(c.t, err, "the connection ends with a clean end of file")
	require.Empty(c.t, string(rest), "bytes after the last response")
}

// waitReadable waits until fd has input, for up to 10 seconds.
func waitReadable(t testing.TB, fd int) {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, 10_000)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || n == 0 {
			t.Errorf("descriptor %d not readable in 10 s: %v", fd, err)
		}
		return
	}
}
