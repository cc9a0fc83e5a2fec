//go:build exercises

package echo

// The tests of chapter 7's exercises. They fail until the exercise is done:
//
//	go test -tags exercises -run Exercise ./final/demos/tcpecho/echo/

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/netutil"
	"github.com/gornado/gornado/final/tcpserver"
)

// serve runs handle on loops loops, on 127.0.0.1 port 0, until the test ends.
func serve(t *testing.T, loops int, handle tcpserver.StreamHandler) string {
	t.Helper()
	g, err := ioloop.StartGroup(loops)
	require.NoError(t, err)
	s := tcpserver.New(handle)
	if err := s.Bind(0, "127.0.0.1", netutil.BindOptions{ReusePort: true}); err != nil {
		g.Stop()
		t.Fatal(err)
	}
	if err := s.Start(g.Loops()...); err != nil {
		g.Stop()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Stop()
		assert.NoError(t, g.Stop())
	})
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Ports()[0]))
}

type lineConn struct {
	net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, addr string) *lineConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return &lineConn{c, bufio.NewReader(c)}
}

// line sends msg (if any) and reads one line, or io.EOF if the server closed.
func (c *lineConn) line(t *testing.T, msg string) (string, error) {
	t.Helper()
	require.NoError(t, c.SetDeadline(time.Now().Add(5*time.Second)))
	if msg != "" {
		if _, err := io.WriteString(c, msg); err != nil {
			return "", err
		}
	}
	return c.r.ReadString('\n')
}

// Exercise 1: at most n connections at once, across loops; the n+1th hears
// Busy and is closed; a freed place is taken by the next connection.
func TestExercise1LimitConnections(t *testing.T) {
	const n = 3
	addr := serve(t, 2, LimitConnections(n, Handle))

	var served []*lineConn
	for i := range n {
		c := dial(t, addr)
		got, err := c.line(t, fmt.Sprintf("hello %d\n", i))
		require.NoError(t, err, "connection %d of %d should be served", i+1, n)
		assert.Equal(t, fmt.Sprintf("hello %d\n", i), got)
		served = append(served, c)
	}

	extra := dial(t, addr)
	got, err := extra.line(t, "")
	require.NoError(t, err, "the refused connection should hear why")
	assert.Equal(t, Busy, got)
	_, err = extra.line(t, "")
	assert.ErrorIs(t, err, io.EOF, "and then be closed by the server")

	// The served ones still echo.
	got, err = served[1].line(t, "still here\n")
	require.NoError(t, err)
	assert.Equal(t, "still here\n", got)

	// Closing one frees its place (the server notices the close on its loop,
	// so allow it a moment).
	require.NoError(t, served[0].Close())
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := dial(t, addr)
		got, err := c.line(t, "again\n")
		if err == nil && got == "again\n" {
			break
		}
		require.True(t, time.Now().Before(deadline), "a closed connection's place should be freed (last answer %q, %v)", got, err)
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
}

// Exercise 2: a connection silent for the idle period is closed; one that
// keeps sending lines is not.
func TestExercise2IdleTimeout(t *testing.T) {
	const idle = 200 * time.Millisecond
	addr := serve(t, 1, HandleWithIdleTimeout(idle))

	silent := dial(t, addr)
	got, err := silent.line(t, "one line\n")
	require.NoError(t, err)
	assert.Equal(t, "one line\n", got)

	busy := dial(t, addr)
	for i := range 8 { // 8 × idle/2 = twice the idle period in all
		time.Sleep(idle / 2)
		got, err := busy.line(t, fmt.Sprintf("tick %d\n", i))
		require.NoError(t, err, "a connection that keeps talking must stay open")
		assert.Equal(t, fmt.Sprintf("tick %d\n", i), got)
	}

	start := time.Now()
	_, err = silent.line(t, "")
	assert.ErrorIs(t, err, io.EOF, "the silent connection should have been closed by the server")
	assert.Less(t, time.Since(start), 2*time.Second)

	// A partial line is not a line: it does not keep the connection open.
	partial := dial(t, addr)
	_, err = io.WriteString(partial, "no newline yet")
	require.NoError(t, err)
	start = time.Now()
	_, err = partial.line(t, "")
	assert.ErrorIs(t, err, io.EOF)
	assert.Less(t, time.Since(start), 10*idle)
}
