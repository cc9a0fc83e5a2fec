package callbacks

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/internal/workload"
)

// The crawl of the whole path: N pages that each take delay to answer. On one
// goroutine, with callbacks, all N are in flight at once, so the crawl takes
// about one delay, not N. The upper bound is generous (a loaded machine under
// -race is slow), but far below the N x delay of fetching one at a time, and
// the server's peak concurrency is the measured fact behind it.
func TestCrawlFetchesAllPagesAtOnce(t *testing.T) {
	// The delay is long next to the time it takes to start 20 connections,
	// even under -race on a busy machine, so that every page is in flight at
	// once; the upper bound only says "well under N x delay".
	const n, delay = 20, 500 * time.Millisecond
	srv := startServer(t, delay)
	l := newLoop(t)
	got := map[string]string{}
	start := time.Now()
	Crawl(l, srv.PageURLs(n), func(url string, body []byte, err error) {
		assert.NoError(t, err)
		got[url] = string(body)
	}, l.Stop)
	run(t, l)
	elapsed := time.Since(start)

	for i, u := range srv.PageURLs(n) {
		assert.Equal(t, workload.PageBody(i), got[u])
	}
	assert.EqualValues(t, n, srv.PeakConcurrency(), "the server should have seen every page at once")
	assert.GreaterOrEqual(t, elapsed, delay)
	assert.Less(t, elapsed, n*delay/2, "one goroutine fetching %d pages at once should take about one delay", n)
	t.Logf("%d pages of %v each in %v", n, delay, elapsed)
}

func TestCrawlOfNoPagesStillFinishes(t *testing.T) {
	l := newLoop(t)
	done := false
	Crawl(l, nil, func(string, []byte, error) { t.Error("no page to call back for") }, func() { done = true; l.Stop() })
	run(t, l)
	assert.True(t, done)
}

// An error reaches the page's callback, and the crawl goes on with the rest.
func TestCrawlReportsFailedPages(t *testing.T) {
	srv := startServer(t, 0)
	l := newLoop(t)
	urls := []string{srv.PageURL(0), srv.PageURL(1) + "?status=404", srv.PageURL(2)}
	errs := map[string]error{}
	Crawl(l, urls, func(url string, _ []byte, err error) { errs[url] = err }, l.Stop)
	run(t, l)
	require.Len(t, errs, 3)
	assert.NoError(t, errs[urls[0]])
	var he *HTTPError
	require.ErrorAs(t, errs[urls[1]], &he)
	assert.Equal(t, 404, he.Code)
	assert.NoError(t, errs[urls[2]])
}

func TestCrawlMain(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		stdout   []string
		stderrOK func(string) bool
	}{
		{"three pages", []string{"-n", "3", "-delay", "10ms"}, 0,
			[]string{`/page/0: "page 0\n"`, `/page/2: "page 2\n"`, "fetched 3 pages at once on one goroutine in ", "(1 x 10ms; the server answered 3 at once)"},
			func(s string) bool { return s == "" }},
		{"negative n", []string{"-n", "-1"}, 2, nil,
			func(s string) bool { return strings.Contains(s, "must not be negative") }},
		{"unknown flag", []string{"-x"}, 2, nil,
			func(s string) bool { return strings.Contains(s, "flag provided but not defined") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := CrawlMain(tc.args, &stdout, &stderr)
			assert.Equal(t, tc.code, code, "stderr: %s", stderr.String())
			for _, want := range tc.stdout {
				assert.Contains(t, stdout.String(), want)
			}
			assert.True(t, tc.stderrOK(stderr.String()), "stderr: %q", stderr.String())
		})
	}
}

// BenchmarkCrawl fetches 100 pages with no delay, all at once, per iteration.
func BenchmarkCrawl(b *testing.B) {
	srv := startServer(b, 0)
	urls := srv.PageURLs(100)
	l := newLoop(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Crawl(l, urls, func(url string, _ []byte, err error) {
			if err != nil {
				b.Error(fmt.Errorf("%s: %w", url, err))
			}
		}, l.Stop)
		require.NoError(b, l.Start())
	}
}
