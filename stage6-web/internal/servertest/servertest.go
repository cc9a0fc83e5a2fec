// Package servertest runs a stage6 HTTP server on a loop of its own, on
// 127.0.0.1 port 0, for the tests of httpserver, web, websocket and chat. The
// test talks to it over real sockets from its own goroutine, as a client
// would. When the test ends the server and loop are closed, and the test
// fails if a goroutine or a file descriptor was left behind.
package servertest

import (
	"bufio"
	"bytes"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/gornado/gornado/internal/exercisetest"
	"github.com/gornado/gornado/stage5-iostream/ioloop"
	"github.com/gornado/gornado/stage6-web/httpserver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Server is a running server.
type Server struct {
	// Addr is "127.0.0.1:port"; URL is "http://" + Addr.
	Addr, URL string
	Loop      *ioloop.IOLoop
	HTTP      *httpserver.HTTPServer

	logs *syncBuffer
}

// Start serves delegate until the test ends.
func Start(t exercisetest.T, delegate httpserver.Delegate) *Server {
	t.Helper()
	fds, goroutines := openFDs(), runtime.NumGoroutine()
	loop, err := ioloop.New()
	require.NoError(t, err)
	logs := &syncBuffer{}
	loop.ErrorLog = log.New(logs, "", 0)
	srv := httpserver.NewHTTPServer(loop, delegate, &httpserver.Options{ErrorLog: log.New(logs, "", 0)})
	require.NoError(t, srv.Listen("127.0.0.1:0"))
	done := make(chan error, 1)
	go func() { done <- loop.Start() }()
	s := &Server{Addr: srv.Addr(), URL: "http://" + srv.Addr(), Loop: loop, HTTP: srv, logs: logs}
	t.Cleanup(func() {
		loop.AddCallback(func() {
			srv.Close()
			loop.Stop()
		})
		require.NoError(t, <-done)
		require.NoError(t, loop.Close(true))
		// A handler's panic is the web package's to catch and log; one
		// that reaches the loop, or fails a connection's coroutine, is a bug.
		assert.NotContains(t, logs.String(), "ioloop: exception", "something panicked on the loop")
		assert.NotContains(t, logs.String(), "coroutines: spawned coroutine", "a connection's coroutine failed")
		if fds >= 0 {
			assert.Equal(t, fds, openFDs(), "file descriptors leaked")
		}
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > goroutines && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		assert.LessOrEqual(t, runtime.NumGoroutine(), goroutines, "goroutines leaked")
	})
	return s
}

// Do runs fn on the loop and waits until it has run: the way a test looks at
// state that belongs to the loop's goroutine.
func (s *Server) Do(fn func()) {
	done := make(chan struct{})
	s.Loop.AddCallback(func() {
		defer close(done)
		fn()
	})
	<-done
}

// WaitFor calls cond on the loop until it is true, failing the test after 10
// seconds. Each check is a callback on the loop, so it waits on the loop's own
// progress rather than on a guessed sleep.
func (s *Server) WaitFor(t exercisetest.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var ok bool
		s.Do(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("timed out waiting for %s", what)
			t.FailNow()
		}
		time.Sleep(time.Millisecond)
	}
}

// Logger returns a logger into the server's logs, for an Application's
// ErrorLog or AccessLog.
func (s *Server) Logger() *log.Logger { return log.New(s.logs, "", 0) }

// Logs returns what the server and the loop logged so far.
func (s *Server) Logs() string { return s.logs.String() }

// Conn is a raw client connection with a buffered reader for responses.
type Conn struct {
	net.Conn
	R *bufio.Reader
}

// Dial connects to the server; the connection is closed when the test ends.
func (s *Server) Dial(t exercisetest.T) *Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.Addr, 5*time.Second)
	require.NoError(t, err)
	require.NoError(t, c.SetDeadline(time.Now().Add(20*time.Second)))
	t.Cleanup(func() { c.Close() })
	return &Conn{Conn: c, R: bufio.NewReader(c)}
}

// Send writes raw bytes.
func (c *Conn) Send(t exercisetest.T, raw string) {
	t.Helper()
	_, err := c.Write([]byte(raw))
	require.NoError(t, err)
}

// ReadResponse reads one response to a request with method. The body is
// read whole and returned; the response's Body is closed.
func (c *Conn) ReadResponse(t exercisetest.T, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(c.R, &http.Request{Method: method})
	require.NoError(t, err)
	var body bytes.Buffer
	_, err = body.ReadFrom(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	return resp, body.String()
}

// RawUntilClose reads everything until the server closes the connection.
func (c *Conn) RawUntilClose(t exercisetest.T) string {
	t.Helper()
	var b strings.Builder
	_, err := c.R.WriteTo(&b)
	require.NoError(t, err)
	return b.String()
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func openFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}

// # A minimal WebSocket client

// WSConnect opens a WebSocket to path and checks the 101 answer.
func (s *Server) WSConnect(t exercisetest.T, path string) *Conn {
	t.Helper()
	c := s.Dial(t)
	c.Send(t, "GET "+path+" HTTP/1.1\r\nHost: "+s.Addr+"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	resp, err := http.ReadResponse(c.R, &http.Request{Method: "GET"})
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	return c
}

// WSSend sends one masked, unfragmented frame (payloads under 64 KiB).
func (c *Conn) WSSend(t exercisetest.T, opcode byte, payload string) {
	t.Helper()
	key := [4]byte{1, 2, 3, 4}
	frame := []byte{0x80 | opcode}
	if len(payload) < 126 {
		frame = append(frame, 0x80|byte(len(payload)))
	} else {
		frame = append(frame, 0x80|126, byte(len(payload)>>8), byte(len(payload)))
	}
	frame = append(frame, key[:]...)
	for i := 0; i < len(payload); i++ {
		frame = append(frame, payload[i]^key[i%4])
	}
	_, err := c.Write(frame)
	require.NoError(t, err)
}

// WSRecv reads one unmasked frame (payloads under 64 KiB).
func (c *Conn) WSRecv(t exercisetest.T) (opcode byte, payload string) {
	t.Helper()
	var head [2]byte
	_, err := io.ReadFull(c.R, head[:])
	require.NoError(t, err)
	n := int(head[1] & 0x7f)
	if n == 126 {
		var ext [2]byte
		_, err = io.ReadFull(c.R, ext[:])
		require.NoError(t, err)
		n = int(ext[0])<<8 | int(ext[1])
	}
	data := make([]byte, n)
	_, err = io.ReadFull(c.R, data)
	require.NoError(t, err)
	return head[0] & 0x0f, string(data)
}
