package coroutines_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gornado/gornado/internal/workload"
	"github.com/gornado/gornado/stage1-blocking"
	"github.com/gornado/gornado/stage2-callbacks"
	"github.com/gornado/gornado/stage3-futures"
	"github.com/gornado/gornado/stage4-coroutines"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/internal/tracetest"
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
	t.Logf("callTask(page 4) = %q", body)
	assert.Equal(t, workload.PageBody(4), string(body.([]byte)))

	_, err = r.RunSync(callTask(srv.PageURL(4)+"?status=404"), 5*time.Second)
	var he *callbacks.HTTPError
	require.True(t, errors.As(err, &he), "the callback's error comes out of await: %v", err)
	t.Logf("callTask(page 4?status=404) failed: %v (a %T)", err, he)
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

// 并行方式 with the seed's three functions, on real sockets: two fetches into
// two variables, a list of fetches in order, and a dict of fetches by URL.
// Each waits about one delay, however many pages it asks for.
func TestParallelFetch(t *testing.T) {
	checkNoLeak(t)
	const delay = 100 * time.Millisecond
	srv, err := workload.Start("127.0.0.1:0", delay)
	require.NoError(t, err)
	defer srv.Close()
	loop, err := callbacks.NewLoop()
	require.NoError(t, err)
	defer loop.Close()
	r := coroutines.NewRunner(loop)
	defer r.Close()
	fetch := func(url string) *futures.Future { return futures.FetchFuture(loop, url) }

	parallelFetch := func(url1, url2 string) coroutines.Func {
		return func(await coroutines.Await) (any, error) {
			resps, err := await(r.Multi([]*futures.Future{fetch(url1), fetch(url2)}))
			if err != nil {
				return nil, err
			}
			resp1, resp2 := resps.([]any)[0], resps.([]any)[1]
			return []string{string(resp1.([]byte)), string(resp2.([]byte))}, nil
		}
	}
	parallelFetchMany := func(urls []string) coroutines.Func {
		return func(await coroutines.Await) (any, error) {
			fs := make([]*futures.Future, len(urls))
			for i, u := range urls {
				fs[i] = fetch(u)
			}
			return await(r.Multi(fs)) // responses in the same order as urls
		}
	}
	parallelFetchDict := func(urls []string) coroutines.Func {
		return func(await coroutines.Await) (any, error) {
			fs := make(map[string]*futures.Future, len(urls))
			for _, u := range urls {
				fs[u] = fetch(u)
			}
			return await(r.MultiMap(fs)) // {url: response}
		}
	}

	start := time.Now()
	v, err := r.RunSync(parallelFetch(srv.PageURL(1), srv.PageURL(2)), 10*time.Second)
	require.NoError(t, err)
	t.Logf("parallelFetch: %q in %v", v, time.Since(start).Round(time.Millisecond))
	assert.Equal(t, []string{workload.PageBody(1), workload.PageBody(2)}, v)

	urls := srv.PageURLs(8)
	round := time.Now()
	v, err = r.RunSync(parallelFetchMany(urls), 10*time.Second)
	require.NoError(t, err)
	t.Logf("parallelFetchMany: %q in %v", v, time.Since(round).Round(time.Millisecond))
	for i, resp := range v.([]any) {
		assert.Equal(t, workload.PageBody(i), string(resp.([]byte)))
	}

	round = time.Now()
	v, err = r.RunSync(parallelFetchDict(urls), 10*time.Second)
	require.NoError(t, err)
	byURL := v.(map[string]any)
	t.Logf("parallelFetchDict: %d pages by URL in %v; page 7 is %q", len(byURL), time.Since(round).Round(time.Millisecond), byURL[urls[7]])
	require.Len(t, byURL, len(urls))
	for i, u := range urls {
		assert.Equal(t, workload.PageBody(i), string(byURL[u].([]byte)))
	}
	// Three rounds of at most eight pages: three delays, not eighteen.
	assert.Less(t, time.Since(start), 18*delay)
	assert.Equal(t, int64(8), srv.PeakConcurrency())
	t.Logf("all three in %v (a page takes %v); the server answered at most %d at once",
		time.Since(start).Round(time.Millisecond), delay, srv.PeakConcurrency())

	// One failed page fails the whole wait, with the page's own error.
	_, err = r.RunSync(parallelFetchMany([]string{urls[0], urls[1] + "?status=404"}), 10*time.Second)
	var he *callbacks.HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 404, he.Code)
	t.Logf("parallelFetchMany with one 404: %v", err)
}

// nextLink plays a page that names the next one: page N links to page N+1,
// up to page 3, which links nowhere.
func nextLink(srv *workload.Server, body []byte) string {
	var n int
	if _, err := fmt.Sscanf(string(body), "page %d", &n); err != nil || n >= 3 {
		return ""
	}
	return srv.PageURL(n + 1)
}

// Stage 3's first pain: "fetch a page, and while it names another, fetch
// that one" was a for loop in stage 1 and a chain that rebuilds itself in
// stage 3. In a coroutine it is a for loop again.
func TestFollowLinksIsAForLoop(t *testing.T) {
	checkNoLeak(t)
	srv, err := workload.Start("127.0.0.1:0", time.Millisecond)
	require.NoError(t, err)
	defer srv.Close()
	loop, err := callbacks.NewLoop()
	require.NoError(t, err)
	defer loop.Close()
	r := coroutines.NewRunner(loop)
	defer r.Close()

	follow := func(url string) coroutines.Func {
		return func(await coroutines.Await) (any, error) {
			var seen []string
			for url != "" {
				body, err := await(futures.FetchFuture(loop, url))
				if err != nil {
					return nil, err
				}
				seen = append(seen, string(body.([]byte)))
				url = nextLink(srv, body.([]byte))
			}
			return seen, nil
		}
	}
	v, err := r.RunSync(follow(srv.PageURL(0)), 10*time.Second)
	require.NoError(t, err)
	assert.Equal(t, []string{workload.PageBody(0), workload.PageBody(1), workload.PageBody(2), workload.PageBody(3)}, v)
	assert.Equal(t, int64(1), srv.PeakConcurrency(), "each fetch waited for the one before")
}

// fetchTitle is stage 3's buildChain as a coroutine: fetch a page, then turn
// it into a title.
func fetchTitle(loop *callbacks.Loop, url string) coroutines.Func {
	return func(await coroutines.Await) (any, error) {
		body, err := await(futures.FetchFuture(loop, url))
		if err != nil {
			return nil, err
		}
		return title(body)
	}
}

// title has stage 3's bug: the body is a []byte, not a string.
func title(v any) (any, error) {
	return strings.ToUpper(v.(string)), nil
}

// Stage 3's last pain, stack ripping: its trace of this very bug ran from the
// loop through a done-callback to title, and never named buildChain. A
// coroutine's trace is the coroutine's own: title, called from fetchTitle's
// body, with no loop in between; and the coroutine's Future fails with the
// panic instead of staying pending forever. `go test -v -run
// TestCoroutineStackIsTheLogic` prints the trace the chapter quotes.
func TestCoroutineStackIsTheLogic(t *testing.T) {
	checkNoLeak(t)
	srv, err := workload.Start("127.0.0.1:0", time.Millisecond)
	require.NoError(t, err)
	defer srv.Close()
	loop, err := callbacks.NewLoop()
	require.NoError(t, err)
	defer loop.Close()
	r := coroutines.NewRunner(loop)
	defer r.Close()

	_, err = r.RunSync(fetchTitle(loop, srv.PageURL(1)), 10*time.Second)
	var p *coroutines.PanicError
	require.ErrorAs(t, err, &p, "the coroutine's Future failed with the panic")
	// The chapter quotes this trace: paths relative to the repository, so
	// that it reads the same on every machine.
	stack := tracetest.Relative(string(p.Stack))
	t.Logf("%v\n%s", err, stack)
	assert.Contains(t, err.Error(), "interface conversion: interface {} is []uint8, not string")
	assert.Contains(t, stack, "coroutines_test.title(")
	// The body is a closure made in fetchTitle; Go names it after where it was
	// made (and inlined), "...fetchTitle.func1".
	assert.Contains(t, stack, "fetchTitle.func1(", "the caller of title is on the stack")
	assert.NotContains(t, stack, "(*Loop).", "no loop frames between them")
	assert.Contains(t, stack, "\tstage4-coroutines/fetch_test.go:", "file paths relative to the repository")
	assert.NotRegexp(t, "\n\t/", stack, "no absolute file path")
}
