package futures

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/internal/workload"
)

// The crawl of the whole path with Futures: all N pages in flight at once on
// one goroutine, about one delay in all, and the server saw all N at once.
func TestCrawlFetchesAllPagesAtOnce(t *testing.T) {
	// The delay is long next to the time it takes to start 20 connections,
	// even under -race on a busy machine, so that every page is in flight at
	// once; the upper bound only says "well under N x delay".
	const n, delay = 20, 500 * time.Millisecond
	srv := startServer(t, delay)
	l := newLoop(t)
	start := time.Now()
	pages, all := Crawl(l, srv.PageURLs(n))
	require.Len(t, pages, n)
	runUntil(t, l, all)
	elapsed := time.Since(start)

	v, err := all.Result()
	require.NoError(t, err)
	bodies := v.([]any)
	for i := range bodies {
		assert.Equal(t, []byte(workload.PageBody(i)), bodies[i])
	}
	assert.EqualValues(t, n, srv.PeakConcurrency(), "the server should have seen every page at once")
	assert.GreaterOrEqual(t, elapsed, delay)
	assert.Less(t, elapsed, n*delay/2, "one goroutine fetching %d pages at once should take about one delay", n)
	t.Logf("%d pages of %v each in %v", n, delay, elapsed)
}

func TestCrawlMain(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"three pages", []string{"-n", "3", "-delay", "10ms"}, 0,
			[]string{`/page/0: "page 0\n"`, `/page/2: "page 2\n"`, "fetched 3 pages at once with Futures in ", "(1 x 10ms; the server answered 3 at once)"}, ""},
		{"no pages", []string{"-n", "0"}, 0, []string{"fetched 0 pages"}, ""},
		{"negative delay", []string{"-delay", "-1s"}, 2, nil, "must not be negative"},
		{"unknown flag", []string{"-x"}, 2, nil, "flag provided but not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := CrawlMain(tc.args, &stdout, &stderr)
			assert.Equal(t, tc.code, code, "stderr: %s", stderr.String())
			for _, want := range tc.stdout {
				assert.Contains(t, stdout.String(), want)
			}
			if tc.stderr == "" {
				assert.Empty(t, stderr.String())
			} else {
				assert.True(t, strings.Contains(stderr.String(), tc.stderr), "stderr: %q", stderr.String())
			}
		})
	}
}
