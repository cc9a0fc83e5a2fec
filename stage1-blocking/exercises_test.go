//go:build exercises

package blocking

// The tests of the chapter's exercises. They fail until the exercise is done:
//
//	go test -tags exercises -run Exercise ./stage1-blocking/

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/internal/workload"
)

// Exercise 1: CrawlAtMost fetches with at most k pages in flight, and uses
// all k. The workload server counts how many it answered at once.
func TestExercise1CrawlAtMost(t *testing.T) {
	for _, tc := range []struct{ n, k int }{{12, 3}, {5, 1}, {6, 10}, {8, 8}} {
		t.Run(fmt.Sprintf("%d pages, at most %d", tc.n, tc.k), func(t *testing.T) {
			srv, err := workload.Start("127.0.0.1:0", 50*time.Millisecond)
			require.NoError(t, err)
			defer srv.Close()

			pages, elapsed := CrawlAtMost(srv.PageURLs(tc.n), tc.k)
			require.Len(t, pages, tc.n)
			for i, p := range pages {
				assert.NoError(t, p.Err)
				assert.Equal(t, srv.PageURL(i), p.URL, "pages come back in the order of urls")
				assert.Equal(t, workload.PageBody(i), string(p.Body))
			}
			want := int64(min(tc.k, tc.n))
			assert.Equal(t, want, srv.PeakConcurrency(),
				"the server should have seen exactly min(k, n) requests at once")
			rounds := (tc.n + tc.k - 1) / tc.k
			t.Logf("%d pages, at most %d at once: %v (%d rounds of 50ms)", tc.n, tc.k, elapsed, rounds)
		})
	}
}

// keepAliveServer is an HTTP/1.1 server that counts the TCP connections it
// accepted. /page/N answers "page N\n"; ?chunked sends the body in two chunks;
// ?close answers with "Connection: close", after which the server hangs up.
func keepAliveServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := "page " + strings.TrimPrefix(r.URL.Path, "/page/") + "\n"
		q := r.URL.Query()
		if q.Has("close") {
			w.Header().Set("Connection", "close")
		}
		if q.Has("chunked") {
			_, _ = w.Write([]byte(body[:3]))
			w.(http.Flusher).Flush()
			_, _ = w.Write([]byte(body[3:]))
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		_, _ = w.Write([]byte(body))
	}))
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

// Exercise 2: KeepAliveClient sends several requests on one connection.
func TestExercise2KeepAlive(t *testing.T) {
	t.Run("three fetches, one connection", func(t *testing.T) {
		srv, conns := keepAliveServer(t)
		c := &KeepAliveClient{}
		defer c.Close()
		for i, q := range []string{"", "?chunked", ""} {
			body, err := c.Fetch(fmt.Sprintf("%s/page/%d%s", srv.URL, i, q))
			require.NoError(t, err)
			assert.Equal(t, fmt.Sprintf("page %d\n", i), string(body))
		}
		assert.Equal(t, int64(1), conns.Load(), "TCP connections the server accepted")
	})

	t.Run("the server says Connection: close, the client dials again", func(t *testing.T) {
		srv, conns := keepAliveServer(t)
		c := &KeepAliveClient{}
		defer c.Close()
		for i, q := range []string{"", "?close", "", ""} {
			body, err := c.Fetch(fmt.Sprintf("%s/page/%d%s", srv.URL, i, q))
			require.NoError(t, err, "fetch %d", i)
			assert.Equal(t, fmt.Sprintf("page %d\n", i), string(body))
		}
		assert.Equal(t, int64(2), conns.Load(), "one connection up to the close, one after")
	})

	t.Run("the kept connection was closed by the server while idle", func(t *testing.T) {
		srv, conns := keepAliveServer(t)
		c := &KeepAliveClient{}
		defer c.Close()
		_, err := c.Fetch(srv.URL + "/page/0")
		require.NoError(t, err)
		srv.CloseClientConnections() // what an idle timeout does
		time.Sleep(20 * time.Millisecond)
		body, err := c.Fetch(srv.URL + "/page/1")
		require.NoError(t, err, "a dead kept connection is a reason to dial again, not to fail")
		assert.Equal(t, "page 1\n", string(body))
		assert.Equal(t, int64(2), conns.Load())
	})

	t.Run("a different host gets its own connection", func(t *testing.T) {
		a, connsA := keepAliveServer(t)
		b, connsB := keepAliveServer(t)
		c := &KeepAliveClient{}
		defer c.Close()
		for _, u := range []string{a.URL + "/page/1", b.URL + "/page/2", a.URL + "/page/3"} {
			_, err := c.Fetch(u)
			require.NoError(t, err)
		}
		assert.GreaterOrEqual(t, connsA.Load()+connsB.Load(), int64(2))
		assert.Equal(t, int64(1), connsB.Load())
	})
}
