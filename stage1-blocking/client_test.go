package blocking

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/gornado/gornado/internal/workload"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func startWorkload(t testing.TB, delay time.Duration) *workload.Server {
	t.Helper()
	srv, err := workload.Start("127.0.0.1:0", delay)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	return srv
}

// Every way a response can mark the end of its body reaches the same bytes.
func TestFetchFramings(t *testing.T) {
	srv := startWorkload(t, 0)
	for _, framing := range []string{"length", "chunked", "close"} {
		t.Run(framing, func(t *testing.T) {
			body, err := Fetch(srv.PageURL(3) + "?framing=" + framing)
			require.NoError(t, err)
			assert.Equal(t, workload.PageBody(3), string(body))

			body, err = Fetch(srv.PageURL(5) + "?size=200000&framing=" + framing)
			require.NoError(t, err)
			assert.Len(t, body, 200000)
		})
	}
}

func TestFetchHTTPError(t *testing.T) {
	srv := startWorkload(t, 0)
	_, err := Fetch(srv.PageURL(1) + "?status=404")
	var herr *HTTPError
	require.ErrorAs(t, err, &herr)
	assert.Equal(t, 404, herr.Code)
	assert.Equal(t, workload.PageBody(1), string(herr.Body))
	assert.Contains(t, err.Error(), "HTTP 404")
}

func TestFetchBadURL(t *testing.T) {
	for _, u := range []string{"ftp://127.0.0.1/x", "127.0.0.1:80/page/1", "http://", "http://[::1"} {
		_, err := Fetch(u)
		assert.ErrorIs(t, err, ErrBadURL, u)
	}
}

func TestFetchRefused(t *testing.T) {
	// Take a free port, then close it: nothing listens there any more.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	_, err = Fetch("http://" + addr + "/")
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
}

// rawServer answers every connection with the given bytes, whatever it asked,
// then closes: a server that speaks bad HTTP on purpose.
func rawServer(t *testing.T, reply string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 4096)
			_, _ = c.Read(buf)
			_, _ = io.WriteString(c, reply)
			c.Close()
		}
	}()
	return "http://" + ln.Addr().String() + "/"
}

func TestFetchMalformed(t *testing.T) {
	cases := map[string]string{
		"not http":            "SSH-2.0-OpenSSH\r\n",
		"bad code":            "HTTP/1.1 2x0 OK\r\n\r\n",
		"no colon":            "HTTP/1.1 200 OK\r\nContent-Length 5\r\n\r\nhello",
		"signed length":       "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nhello",
		"short body":          "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello",
		"bad chunk size":      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
		"no CRLF after chunk": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX\r\n0\r\n\r\n",
		"closed in headers":   "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n",
		"empty":               "",
	}
	for name, reply := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Fetch(rawServer(t, reply))
			assert.ErrorIs(t, err, ErrMalformedResponse)
		})
	}
}

func TestFetchChunkedWithExtensionsAndTrailers(t *testing.T) {
	url := rawServer(t, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"+
		"5;name=value\r\nhello\r\n1\r\n!\r\n0\r\nX-Trailer: yes\r\n\r\n")
	body, err := Fetch(url)
	require.NoError(t, err)
	assert.Equal(t, "hello!", string(body))
}

func TestFetchTimeout(t *testing.T) {
	// A server that accepts and never answers: the client's deadline ends it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	c := &HTTPClient{Timeout: 100 * time.Millisecond}
	_, err = c.Fetch("http://" + ln.Addr().String() + "/")
	var nerr net.Error
	require.ErrorAs(t, err, &nerr)
	assert.True(t, nerr.Timeout())
}

// The crawl takes about N x delay: it grows with N. The bounds are generous,
// because this is a fact about blocking I/O, not a speed test.
func TestCrawlGrowsWithN(t *testing.T) {
	const delay = 20 * time.Millisecond
	srv := startWorkload(t, delay)
	for _, n := range []int{1, 4, 8} {
		pages, elapsed := Crawl(srv.PageURLs(n))
		require.Len(t, pages, n)
		for i, p := range pages {
			require.NoError(t, p.Err)
			assert.Equal(t, workload.PageBody(i), string(p.Body))
		}
		assert.GreaterOrEqual(t, elapsed, time.Duration(n)*delay, "n=%d", n)
		assert.Less(t, elapsed, time.Duration(n)*delay+2*time.Second, "n=%d", n)
	}
	// One page at a time, never two at once.
	assert.Equal(t, int64(1), srv.PeakConcurrency())
}

func BenchmarkFetch(b *testing.B) {
	srv := startWorkload(b, 0)
	url := srv.PageURL(1)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Fetch(url); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleFetch() {
	srv, err := workload.Start("127.0.0.1:0", 0)
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	body, err := Fetch(srv.PageURL(42))
	fmt.Printf("%q %v\n", body, err)

	_, err = Fetch(srv.PageURL(42) + "?status=503")
	var herr *HTTPError
	fmt.Println(errors.As(err, &herr), herr.Code)
	// Output:
	// "page 42\n" <nil>
	// true 503
}
