package spider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/internal/workload"
)

func TestCrawlTheWorkloadWithALimit(t *testing.T) {
	srv, err := workload.Start("127.0.0.1:0", 30*time.Millisecond)
	require.NoError(t, err)
	defer srv.Close()
	loop, err := ioloop.New()
	require.NoError(t, err)
	defer loop.Close(true)
	calls := 0
	res, err := Crawl(loop, srv.PageURLs(12), srv.URL, 4, 10*time.Second, func(done int, _ string, _ time.Duration, err error) {
		calls++
		assert.Equal(t, calls, done)
		assert.NoError(t, err)
	})
	require.NoError(t, err)
	assert.Len(t, res.Fetched, 12)
	assert.Empty(t, res.Dead)
	assert.Equal(t, 12, calls)
	assert.Equal(t, 4, res.Peak)
	assert.LessOrEqual(t, srv.PeakConcurrency(), int64(4), "the server never saw more than the limit")
	assert.Less(t, res.Elapsed, 12*30*time.Millisecond, "concurrent, not one after another")
}

func TestCrawlFollowsLinksUnderThePrefix(t *testing.T) {
	site := map[string]string{
		"/":  `<a href="/a">a</a> <a href='b'>b</a> <a href="http://elsewhere.example/x">out</a>`,
		"/a": `<a href="/">home</a><a href="/c#frag">c</a><a href="/missing">gone</a>`,
		"/b": `<a HREF="/a">a</a>`,
		"/c": `no links`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, ok := site[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, page)
	}))
	defer srv.Close()
	loop, err := ioloop.New()
	require.NoError(t, err)
	defer loop.Close(true)
	res, err := Crawl(loop, []string{srv.URL + "/"}, srv.URL, 3, 10*time.Second, nil)
	require.NoError(t, err)
	var got []string
	for _, u := range res.Fetched {
		got = append(got, strings.TrimPrefix(u, srv.URL))
	}
	assert.Equal(t, []string{"/", "/a", "/b", "/c"}, got)
	assert.Equal(t, []string{srv.URL + "/missing"}, res.Dead)
}

func TestMainPrintsProgress(t *testing.T) {
	var out, errs strings.Builder
	require.Equal(t, 0, Main([]string{"-pages", "5", "-delay", "1ms", "-concurrency", "2"}, &out, &errs), errs.String())
	assert.Contains(t, out.String(), "[5] fetched http://127.0.0.1:")
	assert.Contains(t, out.String(), "fetched 5 URLs (0 failed), at most 2 at once.")
	assert.Equal(t, 2, Main([]string{"-concurrency", "0"}, &out, &errs))
}
