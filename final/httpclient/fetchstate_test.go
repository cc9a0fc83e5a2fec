// The transitions of a fetch that decide whether a connection is used
// again: a body withheld for 100 Continue, and the one retry of a stale
// pooled connection.

package httpclient_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/httpclient"
)

// connScript accepts connections on 127.0.0.1:0 and hands the n-th
// (from 1) to serve with a reader over it; it counts them.
type connScript struct {
	ln    net.Listener
	mu    sync.Mutex
	conns int
	wg    sync.WaitGroup
}

func newConnScript(t *testing.T, serve func(n int, c net.Conn, r *bufio.Reader)) *connScript {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &connScript{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns++
			n := s.conns
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				serve(n, c, bufio.NewReader(c))
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *connScript) url(path string) string { return "http://" + s.ln.Addr().String() + path }

// readRequest reads one request head (and a Content-Length body), or
// returns nil at the end of the connection.
func readRequest(r *bufio.Reader) *http.Request {
	req, err := http.ReadRequest(r)
	if err != nil {
		return nil
	}
	return req
}

func TestAFinalAnswerInsteadOf100ContinueEndsTheConnection(t *testing.T) {
	srv := newConnScript(t, func(n int, c net.Conn, r *bufio.Reader) {
		for {
			req := readRequest(r)
			if req == nil {
				return
			}
			if req.Header.Get("Expect") == "100-continue" {
				// Refused from the head: the body is never asked for.
				fmt.Fprintf(c, "HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n")
				continue
			}
			body := fmt.Sprintf("conn %d", n)
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		}
	})
	c := syncClient(t)
	resp, err := c.Fetch(&httpclient.HTTPRequest{URL: srv.url("/up"), Method: "PUT", Body: []byte("abc"), Expect100Continue: true, AllowNonOK: true})
	require.NoError(t, err)
	assert.Equal(t, 417, resp.Code)
	resp, err = c.FetchURL(srv.url("/"))
	require.NoError(t, err)
	assert.Equal(t, "conn 2", string(resp.Body), "the withheld body leaves the server reading a body it never gets: that connection is not pooled")
	resp, err = c.FetchURL(srv.url("/"))
	require.NoError(t, err)
	assert.Equal(t, "conn 2", string(resp.Body), "a connection whose request went whole is pooled")
}

func TestAStalePooledConnectionIsRetriedOnce(t *testing.T) {
	srv := newConnScript(t, func(n int, c net.Conn, r *bufio.Reader) {
		switch n {
		case 1:
			// Answers the first request, then takes the second and
			// closes without a word, as a server that timed the idle
			// connection out just as the request came.
			if readRequest(r) == nil {
				return
			}
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst")
			readRequest(r)
		case 2:
			// The retry's connection fails the same way: no second retry.
			readRequest(r)
		default:
			req := readRequest(r)
			if req == nil {
				return
			}
			body := fmt.Sprintf("conn %d", n)
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
		}
	})
	c := syncClient(t)
	resp, err := c.FetchURL(srv.url("/"))
	require.NoError(t, err)
	assert.Equal(t, "first", string(resp.Body))
	_, err = c.FetchURL(srv.url("/"))
	var he *httpclient.HTTPClientError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 599, he.Code)
	assert.True(t, strings.Contains(he.Message, "connection closed"), he.Message)
	// Had the client retried the new connection too, that attempt would
	// have been the third connection, and this fetch the fourth.
	resp, err = c.FetchURL(srv.url("/"))
	require.NoError(t, err)
	assert.Equal(t, "conn 3", string(resp.Body), "one retry, on a fresh connection, and no more")
}
