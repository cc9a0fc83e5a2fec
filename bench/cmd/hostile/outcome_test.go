package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	okResponse    = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
	closeResponse = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
)

// serveOnce runs a one-connection server on 127.0.0.1:0 whose handler sees
// each request head in turn (n from 1) and decides what to write; it
// returns the address and a channel that closes when the handler is done.
func serveOnce(t *testing.T, handle func(c *net.TCPConn, n int) (more bool)) (string, <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		for n := 1; ; n++ {
			if _, err := readHead(br); err != nil {
				return
			}
			if !handle(c.(*net.TCPConn), n) {
				return
			}
		}
	}()
	return ln.Addr().String(), done
}

// rst closes c with a reset rather than a FIN (SO_LINGER 0).
func rst(c *net.TCPConn) {
	c.SetLinger(0)
	c.Close()
}

// Each way a server can end a keep-alive exchange, over a real socket, and
// the outcome the counting gives it.
func TestExchangeOutcomes(t *testing.T) {
	req := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	cases := []struct {
		name string
		// handle answers request n.
		handle func(c *net.TCPConn, n int) bool
		// requests made; the last one's outcome is checked.
		requests int
		want     outcome
		again    bool
	}{
		{"whole response", func(c *net.TCPConn, n int) bool {
			io.WriteString(c, okResponse)
			return true
		}, 1, completed, true},
		{"whole response with Connection: close", func(c *net.TCPConn, n int) bool {
			io.WriteString(c, closeResponse)
			return false
		}, 1, completed, false},
		{"half a head, then FIN", func(c *net.TCPConn, n int) bool {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Le")
			return false
		}, 1, truncated, false},
		{"half the body, then RST", func(c *net.TCPConn, n int) bool {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhe")
			time.Sleep(50 * time.Millisecond) // the bytes arrive before the RST
			rst(c)
			return false
		}, 1, truncated, false},
		{"FIN before any byte, on a reused connection", func(c *net.TCPConn, n int) bool {
			if n == 1 {
				io.WriteString(c, okResponse)
				return true
			}
			return false
		}, 2, eofReused, false},
		{"FIN before any byte, on a new connection", func(c *net.TCPConn, n int) bool {
			return false
		}, 1, eofFresh, false},
		{"RST before any byte", func(c *net.TCPConn, n int) bool {
			rst(c)
			return false
		}, 1, reset, false},
		{"no answer", func(c *net.TCPConn, n int) bool {
			time.Sleep(time.Second)
			return false
		}, 1, timedOut, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr, done := serveOnce(t, tc.handle)
			c, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			defer c.Close()
			k := newKeepAliveConn(c)
			var o outcome
			var again bool
			for i := 1; i <= tc.requests; i++ {
				o, again = k.exchange(req, 300*time.Millisecond)
				if i < tc.requests {
					require.Equal(t, completed, o, "request %d", i)
				}
			}
			assert.Equal(t, tc.want, o, "outcome")
			assert.Equal(t, tc.again, again, "may carry another request")
			c.Close()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("the test server did not finish")
			}
		})
	}
}

// A write to a connection the server has reset is a reset, not a truncation.
func TestExchangeWriteAfterReset(t *testing.T) {
	addr, done := serveOnce(t, func(c *net.TCPConn, n int) bool {
		io.WriteString(c, okResponse)
		time.Sleep(20 * time.Millisecond)
		rst(c)
		return false
	})
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	k := newKeepAliveConn(c)
	req := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	o, again := k.exchange(req, time.Second)
	require.Equal(t, completed, o)
	require.True(t, again)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the test server did not finish")
	}
	o, _ = k.exchange(req, time.Second)
	assert.Equal(t, reset, o)
}

func TestClassify(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("read tcp: %w", err) }
	assert.Equal(t, completed, classify(100, true, nil))
	assert.Equal(t, eofReused, classify(0, true, wrap(io.EOF)))
	assert.Equal(t, eofFresh, classify(0, false, io.ErrUnexpectedEOF))
	assert.Equal(t, truncated, classify(1, true, io.EOF), "one byte is a truncated response")
	assert.Equal(t, otherErr, classify(0, true, errors.New("malformed HTTP status code")))
}

func TestTally(t *testing.T) {
	var a, b tally
	a.add(completed)
	a.add(completed)
	a.add(reset)
	b.add(eofReused)
	b.add(reset)
	sum := a.plus(b)
	assert.Equal(t, 2, sum[completed])
	assert.Equal(t, 2, sum[reset])
	assert.Equal(t, 1, sum[eofReused])
	assert.Equal(t, 1, a[reset], "plus leaves its operands alone")

	out, err := json.Marshal(sum)
	require.NoError(t, err)
	var m map[string]int
	require.NoError(t, json.Unmarshal(out, &m))
	assert.Equal(t, map[string]int{"completed": 2, "reset": 2, "truncated": 0, "eof-reused": 1,
		"eof-fresh": 0, "timeout": 0, "other": 0}, m)
	for o := range numOutcomes {
		assert.NotContains(t, o.String(), "?", "outcome %d has a name", o)
	}
}

// keepAliveClient against a server that answers three requests and closes:
// the client reconnects after the close and ends on the refusal that
// follows the listener's end.
func TestKeepAliveClientEndsOnRefusal(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	go func() {
		c, err := ln.Accept()
		ln.Close() // the next connection is refused
		if err != nil {
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		for range 3 {
			if _, err := readHead(br); err != nil {
				return
			}
			io.WriteString(c, okResponse)
		}
	}()
	var got tally
	done := make(chan bool)
	go func() {
		done <- (&env{}).keepAliveClient(addr, []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), nil, got.add)
	}()
	select {
	case refused := <-done:
		assert.True(t, refused)
	case <-time.After(10 * time.Second):
		t.Fatal("keepAliveClient did not end")
	}
	assert.Equal(t, 3, got[completed])
	assert.Equal(t, 1, got[eofReused], "the fourth request met the close")
	assert.Equal(t, 4, sumTally(got))
}

func sumTally(t tally) int {
	n := 0
	for _, v := range t {
		n += v
	}
	return n
}
