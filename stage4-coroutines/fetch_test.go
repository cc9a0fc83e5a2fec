package coroutines_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gornado/gornado/internal/workload"
	"github.com/gornado/gornado/stage1-blocking"
	"github.com/gornado/gornado/stage2-callbacks"
	"github.com/gornado/gornado/stage4-coroutines"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// 与回调整合 on the real thing: gen.Task wraps stage2's callback-style Fetch
// into a Future, and a coroutine awaits it.
func TestTaskWrapsStage2Fetch(t *testing.T) {
	checkNoLeak(t)
	srv, err := workload.Start("127.0.0.1:0", 10*time.Millisecond)
	require.NoError(t, err)
	defer srv.Close()
	loop, err := callbacks.NewLoop()
	require.NoError(t, err)
	defer loop.Close()
	r := coroutines.NewRunner(loop)
	defer r.Close()

	callTask := func(url string) coroutines.Func {
		return func(await coroutines.Await) (any, error) {
			// Python: yield gen.Task(fetch, url) calls fetch(url, callback=...).
			return await(coroutines.Task(func(done func(any, error)) {
				callbacks.Fetch(loop, url, func(body []byte, err error) { done(body, err) })
			}))
		}
	}
	body, err := r.RunSync(callTask(srv.PageURL(4)), 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, workload.PageBody(4), string(body.([]byte)))

	_, err = r.RunSync(callTask(srv.PageURL(4)+"?status=404"), 5*time.Second)
	var he *callbacks.HTTPError
	require.True(t, errors.As(err, &he), "the callback's error comes out of await: %v", err)
	assert.Equal(t, 404, he.Code)
}

// fetch_coroutine: await the fetch Future, return the body; the error of a
// failed fetch comes out of await and out of the coroutine's Future.
func TestFetchCoroutine(t *testing.T) {
	checkNoLeak(t)
	srv, err := workload.Start("127.0.0.1:0", time.Millisecond)
	require.NoError(t, err)
	defer srv.Close()
	loop, err := callbacks.NewLoop()
	require.NoError(t, err)
	defer loop.Close()
	r := coroutines.NewRunner(loop)
	defer r.Close()

	body, err := r.RunSync(coroutines.FetchCoroutine(loop, srv.PageURL(2)), 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, workload.PageBody(2), string(body.([]byte)))

	_, err = r.RunSync(coroutines.FetchCoroutine(loop, srv.PageURL(2)+"?status=503"), 5*time.Second)
	var he *callbacks.HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 503, he.Code)
}

// The crawl reads like stage 1's loop but runs like stage 2: N pages take
// about one delay, and the server sees all N at once.
func TestCrawlFetchesAllPagesAtOnce(t *testing.T) {
	checkNoLeak(t)
	// A long delay keeps n x delay far above what a busy machine adds to one
	// delay (10 pages have taken 480 ms at 50 ms each under -race and load).
	const n, delay = 10, 200 * time.Millisecond
	srv, err := workload.Start("127.0.0.1:0", delay)
	require.NoError(t, err)
	defer srv.Close()
	loop, err := callbacks.NewLoop()
	require.NoError(t, err)
	defer loop.Close()
	r := coroutines.NewRunner(loop)
	defer r.Close()

	urls := srv.PageURLs(n)
	urls[3] += "?status=500"
	start := time.Now()
	v, err := r.RunSync(coroutines.Crawl(r, loop, urls), 10*time.Second)
	elapsed := time.Since(start)
	require.NoError(t, err)
	pages := v.([]blocking.Page)
	require.Len(t, pages, n)
	for i, p := range pages {
		assert.Equal(t, urls[i], p.URL)
		if i == 3 {
			assert.ErrorContains(t, p.Err, "500")
			continue
		}
		assert.NoError(t, p.Err)
		assert.Equal(t, workload.PageBody(i), string(p.Body))
	}
	assert.Equal(t, int64(n), srv.PeakConcurrency(), "every page was in flight at once")
	// One after another, the pages could not take less than n delays; the
	// peak above is the exact proof of overlap, this the visible effect.
	assert.Less(t, elapsed, n*delay, "about one delay, not n delays")
	t.Logf("%d pages in %v", n, elapsed)
}
