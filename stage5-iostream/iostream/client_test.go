package iostream

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gornado/gornado/internal/workload"
	blocking "github.com/gornado/gornado/stage1-blocking"
	coroutines "github.com/gornado/gornado/stage4-coroutines"
	"github.com/gornado/gornado/stage5-iostream/ioloop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func startWorkload(t *testing.T, delay time.Duration) *workload.Server {
	t.Helper()
	srv, err := workload.Start("127.0.0.1:0", delay)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	return srv
}

func TestFetchCoroutineReadsEveryFraming(t *testing.T) {
	l := newLoop(t) // first, so that its fd check runs after the server is closed
	srv := startWorkload(t, 0)
	r := coroutines.NewRunner(l)
	defer r.Close()
	for _, c := range []struct{ query, want string }{
		{"", workload.PageBody(3)},
		{"?framing=length", workload.PageBody(3)},
		{"?framing=chunked", workload.PageBody(3)},
		{"?framing=close", workload.PageBody(3)},
		{"?framing=chunked&size=300000", strings.Repeat(workload.PageBody(3), 300000/7+1)[:300000]},
		{"?framing=close&size=300000", strings.Repeat(workload.PageBody(3), 300000/7+1)[:300000]},
	} {
		v, err := r.RunSync(FetchCoroutine(l, srv.PageURL(3)+c.query), 10*time.Second)
		require.NoError(t, err, c.query)
		assert.Equal(t, c.want, string(v.([]byte)), c.query)
	}

	_, err := r.RunSync(FetchCoroutine(l, srv.PageURL(3)+"?status=404"), 10*time.Second)
	var httpErr *blocking.HTTPError
	require.ErrorAs(t, err, &httpErr)
	assert.Equal(t, 404, httpErr.Code)
	assert.Equal(t, workload.PageBody(3), string(httpErr.Body))
}

func TestFetchCoroutineReportsAFailedConnect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	l := newLoop(t)
	r := coroutines.NewRunner(l)
	defer r.Close()
	_, err = r.RunSync(FetchCoroutine(l, "http://"+addr+"/page/1"), 10*time.Second)
	assert.ErrorAs(t, err, new(*StreamClosedError))
	assert.ErrorIs(t, err, unix.ECONNREFUSED)
}

func TestCrawlOnTheRealLoop(t *testing.T) {
	const n, delay = 30, 50 * time.Millisecond
	l := newLoop(t)
	srv := startWorkload(t, delay)
	r := coroutines.NewRunner(l)
	defer r.Close()
	start := time.Now()
	v, err := r.RunSync(Crawl(r, l, srv.PageURLs(n)), 30*time.Second)
	elapsed := time.Since(start)
	require.NoError(t, err)
	pages := v.([]blocking.Page)
	require.Len(t, pages, n)
	for i, p := range pages {
		require.NoError(t, p.Err)
		assert.Equal(t, workload.PageBody(i), string(p.Body))
	}
	assert.EqualValues(t, n, srv.PeakConcurrency(), "every page was in flight at once")
	assert.GreaterOrEqual(t, elapsed, delay)
	t.Logf("%d pages in %v", n, elapsed)
}

// The seed's client works for the one case it was written for, and the
// chapter's list of what is broken in it is checked here, bug by bug.
func TestTheSeedsBrokenClient(t *testing.T) {
	l := newLoop(t) // first, so that its fd check runs after the server is closed
	srv := startWorkload(t, 0)
	fetch := func(path string) string {
		var body []byte
		BrokenFetch(l, srv.Addr, path, func(b []byte) { body = b })
		require.NoError(t, l.Start())
		return string(body)
	}

	t.Run("a plain page works", func(t *testing.T) {
		assert.Equal(t, workload.PageBody(1), fetch("/page/1"))
	})
	t.Run("no Content-Length: the body is lost", func(t *testing.T) {
		assert.Equal(t, "", fetch("/page/1?framing=close"))
		assert.Equal(t, "", fetch("/page/1?framing=chunked"), "HTTP/1.0 gets no chunking, so no length either")
	})
	t.Run("the status is never looked at", func(t *testing.T) {
		assert.Equal(t, workload.PageBody(1), fetch("/page/1?status=404"), "a 404 passes for the page")
	})
	t.Run("on_body stops everyone's loop", func(t *testing.T) {
		// Two of the fetches go to a server that accepts and never answers,
		// so the order is certain: the plain page's body comes first.
		silent, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		held := make(chan net.Conn, 2)
		acceptorDone := make(chan struct{})
		go func() {
			defer close(acceptorDone)
			for {
				c, err := silent.Accept()
				if err != nil {
					return
				}
				held <- c
			}
		}()
		own, err := ioloop.New()
		require.NoError(t, err)

		var bodies []string
		ranLater := false
		BrokenFetch(own, srv.Addr, "/page/1", func(b []byte) { bodies = append(bodies, string(b)) })
		BrokenFetch(own, silent.Addr().String(), "/page/2", func(b []byte) { bodies = append(bodies, string(b)) })
		BrokenFetch(own, silent.Addr().String(), "/page/3", func(b []byte) { bodies = append(bodies, string(b)) })
		own.CallLater(time.Hour, func() { ranLater = true })
		require.NoError(t, own.Start())
		assert.Equal(t, []string{workload.PageBody(1)}, bodies,
			"the first body stopped the loop, and with it everything else on it")
		assert.False(t, ranLater)

		require.NoError(t, own.Close(true)) // closes the stranded fetches' sockets
		silent.Close()
		<-acceptorDone
		close(held)
		for c := range held {
			c.Close()
		}
	})
	t.Run("headers: colons in values, and case", func(t *testing.T) {
		h := seedHeaders([]byte("HTTP/1.1 200 OK\r\nDate: Wed, 25 Nov 2026 19:18:53 GMT\r\n" +
			"Location: http://127.0.0.1/\r\ncontent-length: 5\r\n\r\n"))
		assert.Equal(t, map[string]string{"content-length": "5"}, h,
			"Date and Location are dropped for their colons; the lower-case name (legal: names are case-insensitive) is kept but never found")
		_, found := h["Content-Length"]
		assert.False(t, found)
	})
}
