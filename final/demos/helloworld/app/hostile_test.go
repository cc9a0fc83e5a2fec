package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// start runs the demo as its main does, on one loop, for the tests that
// check the server Start configures (its backlog, its Shutdown).
func start(t *testing.T) *Server {
	t.Helper()
	s, err := Start("127.0.0.1:0", 1)
	require.NoError(t, err)
	t.Cleanup(func() { s.HTTP.Close() })
	return s
}

// Hostile clients share the demo's one loop with well-behaved ones: bad
// heads, a head that never ends, a body cut short, garbage pipelined after
// a good request, an oversized head, and a client that asks for 64 KiB
// many times and never reads. Every well-behaved request must still get its
// answer, every hostile one its 4xx (or nothing, for those that never
// finish a request), and once the hostile clients are gone no connection
// may be left behind: Shutdown, which waits for the last one, returns.
func TestHostileClientsDoNotDisturbOthers(t *testing.T) {
	s := start(t)
	addr := strings.TrimPrefix(s.URL, "http://")
	dial := func() (net.Conn, *bufio.Reader) {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		require.NoError(t, c.SetDeadline(time.Now().Add(20*time.Second)))
		return c, bufio.NewReader(c)
	}
	status := func(br *bufio.Reader) int {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return -1
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}

	// Hostile clients that stay connected until the end of the test.
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	slow, _ := dial() // a head that never ends
	_, err := slow.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "))
	require.NoError(t, err)
	held = append(held, slow)
	hoarder, _ := dial() // asks for 64 KiB again and again, reads nothing
	_, err = hoarder.Write([]byte(strings.Repeat("GET /64k HTTP/1.1\r\nHost: x\r\n\r\n", 64)))
	require.NoError(t, err)
	held = append(held, hoarder)

	// Hostile clients that finish on their own, each checked.
	hostile := []struct {
		name, send string
		want       []int
	}{
		{"bad head", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", []int{400}},
		{"smuggling attempt", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", []int{400}},
		{"garbage after a good request", "GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\x01garbage\r\n\r\n", []int{200, 400}},
		{"oversized head", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 70<<10) + "\r\n\r\n", []int{431}},
		{"body cut short", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly ten!!", nil},
	}
	var wg sync.WaitGroup
	for round := 0; round < 4; round++ {
		for _, h := range hostile {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, br := dial()
				defer c.Close()
				if _, err := c.Write([]byte(h.send)); err != nil {
					t.Errorf("%s: %v", h.name, err)
					return
				}
				if h.want == nil {
					return // leaves mid-body
				}
				for _, want := range h.want {
					assert.Equal(t, want, status(br), h.name)
				}
				_, err := br.ReadByte()
				assert.ErrorIs(t, err, io.EOF, "%s: the server closes after a refusal", h.name)
			}()
		}
	}

	// Well-behaved clients, keep-alive, at the same time.
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{}, Timeout: 20 * time.Second}
			defer client.CloseIdleConnections()
			for j := 0; j < 40; j++ {
				body := fmt.Sprintf("client %d request %d", i, j)
				resp, err := client.Post(s.URL+"/echo", "text/plain", strings.NewReader(body))
				if !assert.NoError(t, err) {
					return
				}
				got, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				assert.NoError(t, err)
				assert.Equal(t, 200, resp.StatusCode)
				assert.Equal(t, body, string(got))
			}
		}()
	}
	wg.Wait()

	for _, c := range held {
		c.Close()
	}
	held = nil
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	assert.NoError(t, s.HTTP.Shutdown(ctx), "a connection was left behind")
}
