package callbacks

import (
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/internal/workload"
)

// fetchOne fetches url on a loop of its own and returns what the callback
// received, checking on the way that the callback ran exactly once, and not
// before Fetch returned. It closes its loop before it returns, so that
// checkNoFDLeak can count.
func fetchOne(t *testing.T, url string, timeout time.Duration) ([]byte, error) {
	t.Helper()
	l, err := NewLoop()
	require.NoError(t, err)
	defer func() { require.NoError(t, l.Close()) }()
	calls := 0
	var body []byte
	FetchWithTimeout(l, url, timeout, func(b []byte, e error) {
		calls++
		body, err = b, e
		l.Stop()
	})
	require.Zero(t, calls, "the callback ran before Fetch returned")
	run(t, l)
	require.Equal(t, 1, calls, "the callback must run exactly once")
	assert.Len(t, l.handlers, 1, "only the self-pipe should be left watched")
	return body, err
}

// withServer runs body against a workload server of its own, closed before
// checkNoFDLeak counts: the server's sockets live in this process too.
func withServer(t *testing.T, body func(srv *workload.Server)) {
	t.Helper()
	checkNoFDLeak(t, func() {
		srv, err := workload.Start("127.0.0.1:0", 0)
		require.NoError(t, err)
		body(srv)
		require.NoError(t, srv.Close())
	})
}

func TestFetchFramings(t *testing.T) {
	big := strings.Repeat(workload.PageBody(7), 100000/len(workload.PageBody(7))+1)[:100000]
	for _, tc := range []struct {
		name  string
		query string
		want  string
	}{
		{"content-length", "", workload.PageBody(7)},
		{"chunked", "?framing=chunked", workload.PageBody(7)},
		{"until close", "?framing=close", workload.PageBody(7)},
		{"large body, content-length", "?size=100000", big},
		{"large body, chunked", "?size=100000&framing=chunked", big},
		{"large body, until close", "?size=100000&framing=close", big},
		{"empty body", "?size=0", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			withServer(t, func(srv *workload.Server) {
				body, err := fetchOne(t, srv.PageURL(7)+tc.query, 5*time.Second)
				require.NoError(t, err)
				assert.Equal(t, tc.want, string(body))
			})
		})
	}
}

// A status other than 2xx is an *HTTPError carrying the code, whatever the
// framing of the answer.
func TestFetchHTTPError(t *testing.T) {
	srv := startServer(t, 0)
	for _, tc := range []struct {
		query string
		code  int
	}{
		{"?status=404", 404},
		{"?status=500&framing=chunked", 500},
		{"?status=503&framing=close", 503},
		{"?status=301", 301}, // the toy follows no redirects
	} {
		t.Run(tc.query, func(t *testing.T) {
			body, err := fetchOne(t, srv.PageURL(2)+tc.query, 5*time.Second)
			assert.Nil(t, body)
			var he *HTTPError
			require.ErrorAs(t, err, &he)
			assert.Equal(t, tc.code, he.Code)
			assert.Equal(t, workload.PageBody(2), string(he.Body))
			assert.NotEmpty(t, he.Reason)
			assert.Contains(t, err.Error(), "HTTP ")
		})
	}
}

func TestFetchErrors(t *testing.T) {
	// A port nobody listens on: listen, note the port, stop listening.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	refused := "http://" + ln.Addr().String() + "/"
	ln.Close()

	for _, tc := range []struct {
		name  string
		url   string
		check func(t *testing.T, err error)
	}{
		{"connection refused", refused, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, syscall.ECONNREFUSED)
		}},
		{"https", "https://127.0.0.1:1/", func(t *testing.T, err error) {
			assert.ErrorContains(t, err, "only http://")
		}},
		{"host name", "http://example.invalid/", func(t *testing.T, err error) {
			assert.ErrorContains(t, err, "IPv4 address")
		}},
		{"bad port", "http://127.0.0.1:99999/", func(t *testing.T, err error) {
			assert.ErrorContains(t, err, "IPv4 address")
		}},
		{"unparsable", "http://[::1", func(t *testing.T, err error) {
			assert.ErrorContains(t, err, "callbacks:")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkNoFDLeak(t, func() {
				body, err := fetchOne(t, tc.url, 5*time.Second)
				assert.Nil(t, body)
				require.Error(t, err)
				tc.check(t, err)
			})
		})
	}
}

func TestFetchTimeout(t *testing.T) {
	withServer(t, func(srv *workload.Server) {
		start := time.Now()
		_, err := fetchOne(t, srv.PageURL(1)+"?delay=10s", 50*time.Millisecond)
		assert.ErrorIs(t, err, ErrTimeout)
		assert.Less(t, time.Since(start), 5*time.Second)
	})
}

// A server that speaks broken HTTP: each case is what it writes before
// closing the connection.
func TestFetchMalformedResponses(t *testing.T) {
	for _, tc := range []struct {
		name, reply string
	}{
		{"not HTTP", "HELLO\r\n\r\n"},
		{"closed in the head", "HTTP/1.1 200 OK\r\nContent-Le"},
		{"closed in a Content-Length body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"},
		{"closed in a chunked body", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"},
		{"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := rawServer(t, tc.reply)
			_, err := fetchOne(t, url, 5*time.Second)
			assert.ErrorIs(t, err, errMalformed)
		})
	}
}

// rawServer answers one connection with reply, whatever was asked, then
// closes it. It returns the URL to fetch.
func rawServer(t *testing.T, reply string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 4096)
		_, _ = c.Read(buf) // the request
		_, _ = c.Write([]byte(reply))
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return "http://" + ln.Addr().String() + "/"
}

// Fetches started together on one loop all finish, each with its own body.
func TestManyFetchesOnOneLoop(t *testing.T) {
	srv := startServer(t, 0)
	l := newLoop(t)
	got := map[string]string{}
	var errs []error
	Crawl(l, srv.PageURLs(50), func(url string, body []byte, err error) {
		got[url] = string(body)
		errs = append(errs, err)
	}, l.Stop)
	run(t, l)
	require.Len(t, got, 50)
	for i, u := range srv.PageURLs(50) {
		assert.Equal(t, workload.PageBody(i), got[u])
	}
	assert.NoError(t, errors.Join(errs...))
}

// One fetch at a time over loopback with no delay: the cost of the loop's
// machinery per request (socket, connect, poll, parse).
func BenchmarkFetch(b *testing.B) {
	srv := startServer(b, 0)
	l := newLoop(b)
	url := srv.PageURL(1)
	n := 0
	var next func([]byte, error)
	next = func(_ []byte, err error) {
		if err != nil {
			b.Error(err)
		}
		if n++; n >= b.N {
			l.Stop()
			return
		}
		Fetch(l, url, next)
	}
	b.ResetTimer()
	Fetch(l, url, next)
	require.NoError(b, l.Start())
}
