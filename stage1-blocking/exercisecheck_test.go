package blocking

// The checkers of the chapter's exercises, separated from the answer they
// check: exercises_test.go (build tag `exercises`) runs them on your answer,
// exerciseanswers_test.go on a model answer and on the wrong answers each
// must reject. Every call into an answer has its own deadline, so that a
// wrong answer fails instead of hanging.

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/internal/exercisetest"
	"github.com/gornado/gornado/internal/workload"
)

// crawlAtMostFunc is the signature of exercise 1, CrawlAtMost.
type crawlAtMostFunc func(urls []string, k int) ([]Page, time.Duration)

// fetchCloser is what exercise 2's KeepAliveClient is to its test.
type fetchCloser interface {
	Fetch(url string) ([]byte, error)
	Close() error
}

// crawlWithin runs crawl, failing the test if it has not returned in 10s.
func crawlWithin(t exercisetest.T, crawl crawlAtMostFunc, urls []string, k int) (pages []Page, elapsed time.Duration) {
	t.Helper()
	exercisetest.Within(t, 10*time.Second, 10*time.Second, "CrawlAtMost", func() { pages, elapsed = crawl(urls, k) })
	return pages, elapsed
}

// checkCrawlAtMost is exercise 1: at most k pages in flight, all k used, and
// a window, not batches: a slow page must not hold up the other slots.
func checkCrawlAtMost(crawl crawlAtMostFunc) []exercisetest.Case {
	var cases []exercisetest.Case
	for _, tc := range []struct{ n, k int }{{12, 3}, {5, 1}, {6, 10}, {8, 8}} {
		cases = append(cases, exercisetest.Case{Name: fmt.Sprintf("%d pages, at most %d", tc.n, tc.k), Check: func(t exercisetest.T) {
			srv, err := workload.Start("127.0.0.1:0", 50*time.Millisecond)
			require.NoError(t, err)
			t.Cleanup(func() { srv.Close() })

			pages, elapsed := crawlWithin(t, crawl, srv.PageURLs(tc.n), tc.k)
			require.Len(t, pages, tc.n)
			for i, p := range pages {
				assert.NoError(t, p.Err)
				assert.Equal(t, srv.PageURL(i), p.URL, "pages come back in the order of urls")
				assert.Equal(t, workload.PageBody(i), string(p.Body))
			}
			assert.Equal(t, int64(min(tc.k, tc.n)), srv.PeakConcurrency(),
				"the server should have seen exactly min(k, n) requests at once")
			rounds := (tc.n + tc.k - 1) / tc.k
			t.Logf("%d pages, at most %d at once: %v (%d rounds of 50ms)", tc.n, tc.k, elapsed, rounds)
		}})
	}
	cases = append(cases, exercisetest.Case{Name: "a slow page does not hold up the other slots", Check: func(t exercisetest.T) {
		const n, k = 7, 3
		gate := exercisetest.StartGate(t, n, 2*time.Second)
		pages, _ := crawlWithin(t, crawl, gate.PageURLs(), k)
		require.Len(t, pages, n)
		for i, p := range pages {
			assert.Equal(t, gate.PageURL(i), p.URL, "pages come back in the order of urls")
		}
		assert.LessOrEqual(t, gate.PeakConcurrency(), k, "never more than k fetches at once")
		assert.True(t, gate.ReleasedByCrawl(),
			"while page 0 was slow, the other %d slots should have fetched pages 1 to %d: a window of k, not batches of k", k-1, n-1)
	}})
	return cases
}

// keepAliveServer is an HTTP/1.1 server that counts the TCP connections it
// accepted. /page/N answers "page N\n"; ?chunked sends the body in two chunks;
// ?close answers with "Connection: close", after which the server hangs up.
// It has no idle timeout: a client that waits for it to close a kept
// connection waits for ever, and fetchWithin's deadline catches that.
func keepAliveServer(t exercisetest.T) (*httptest.Server, *atomic.Int64) {
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

// fetchWithin fetches url with c, failing the test if Fetch has not returned
// in 2s (a client that reads "until the server closes" on a kept connection).
func fetchWithin(t exercisetest.T, c fetchCloser, url string) (body []byte, err error) {
	t.Helper()
	exercisetest.Within(t, 2*time.Second, time.Second, "Fetch("+url+")", func() { body, err = c.Fetch(url) })
	return body, err
}

// checkKeepAlive is exercise 2: several requests on one connection.
func checkKeepAlive(newClient func() fetchCloser) []exercisetest.Case {
	client := func(t exercisetest.T) fetchCloser {
		c := newClient()
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	return []exercisetest.Case{
		{Name: "three fetches, one connection", Check: func(t exercisetest.T) {
			srv, conns := keepAliveServer(t)
			c := client(t)
			for i, q := range []string{"", "?chunked", ""} {
				body, err := fetchWithin(t, c, fmt.Sprintf("%s/page/%d%s", srv.URL, i, q))
				require.NoError(t, err)
				assert.Equal(t, fmt.Sprintf("page %d\n", i), string(body))
			}
			assert.Equal(t, int64(1), conns.Load(), "TCP connections the server accepted")
		}},
		{Name: "the server says Connection: close, the client dials again", Check: func(t exercisetest.T) {
			srv, conns := keepAliveServer(t)
			c := client(t)
			for i, q := range []string{"", "?close", "", ""} {
				body, err := fetchWithin(t, c, fmt.Sprintf("%s/page/%d%s", srv.URL, i, q))
				require.NoError(t, err, "fetch %d", i)
				assert.Equal(t, fmt.Sprintf("page %d\n", i), string(body))
			}
			assert.Equal(t, int64(2), conns.Load(), "one connection up to the close, one after")
		}},
		{Name: "the kept connection was closed by the server while idle", Check: func(t exercisetest.T) {
			srv, conns := keepAliveServer(t)
			c := client(t)
			_, err := fetchWithin(t, c, srv.URL+"/page/0")
			require.NoError(t, err)
			srv.CloseClientConnections() // what an idle timeout does
			time.Sleep(20 * time.Millisecond)
			body, err := fetchWithin(t, c, srv.URL+"/page/1")
			require.NoError(t, err, "a dead kept connection is a reason to dial again, not to fail")
			assert.Equal(t, "page 1\n", string(body))
			assert.Equal(t, int64(2), conns.Load())
		}},
		{Name: "a different host gets its own connection", Check: func(t exercisetest.T) {
			a, connsA := keepAliveServer(t)
			b, connsB := keepAliveServer(t)
			c := client(t)
			for _, u := range []string{a.URL + "/page/1", b.URL + "/page/2", a.URL + "/page/3"} {
				body, err := fetchWithin(t, c, u)
				require.NoError(t, err)
				assert.Equal(t, "page "+u[strings.LastIndex(u, "/")+1:]+"\n", string(body), "the page of the host asked")
			}
			assert.GreaterOrEqual(t, connsA.Load()+connsB.Load(), int64(2))
			assert.Equal(t, int64(1), connsB.Load())
		}},
	}
}
