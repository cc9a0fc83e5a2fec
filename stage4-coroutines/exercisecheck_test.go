package coroutines_test

// The checkers of the chapter's exercises, separated from the answer they
// check: exercises_test.go (build tag `exercises`) runs them on your answer,
// exerciseanswers_test.go on a model answer and on the wrong answers each
// must reject. Every call into an answer has its own deadline, so that a
// wrong answer fails instead of hanging.

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/internal/exercisetest"
	"github.com/gornado/gornado/internal/workload"
	blocking "github.com/gornado/gornado/stage1-blocking"
	callbacks "github.com/gornado/gornado/stage2-callbacks"
	coroutines "github.com/gornado/gornado/stage4-coroutines"
)

// crawlAtMostFunc is the signature of exercise 1, CrawlAtMost.
type crawlAtMostFunc func(r *coroutines.Runner, loop *callbacks.Loop, urls []string, k int) coroutines.Func

// retryFunc is the signature of exercise 2, Retry.
type retryFunc func(r *coroutines.Runner, attempts int, backoff time.Duration, fn coroutines.Func) coroutines.Func

func exerciseRunner(t exercisetest.T) (*coroutines.Runner, *callbacks.Loop) {
	t.Helper()
	loop, err := callbacks.NewLoop()
	require.NoError(t, err)
	r := coroutines.NewRunner(loop)
	t.Cleanup(func() {
		r.Close()
		require.NoError(t, loop.Close())
	})
	return r, loop
}

// runSync runs fn under RunSync with timeout, and fails the test if RunSync
// has not returned deadline later: a coroutine that blocks the loop's
// goroutine (time.Sleep instead of awaiting Sleep) keeps RunSync's own
// timeout from ever firing.
func runSync(t exercisetest.T, r *coroutines.Runner, fn coroutines.Func, timeout, deadline time.Duration) (v any, err error) {
	t.Helper()
	// The abandoned loop goroutine is waited for (up to 5s) before the
	// runner and loop are closed under it.
	exercisetest.Within(t, deadline, 5*time.Second, "RunSync", func() { v, err = r.RunSync(fn, timeout) })
	return v, err
}

// checkCrawlAtMost is exercise 1: at most k fetches in flight, all k used,
// and a window, not batches: a slow page must not hold up the other slots.
func checkCrawlAtMost(crawl crawlAtMostFunc) []exercisetest.Case {
	var cases []exercisetest.Case
	for _, tc := range []struct{ n, k int }{{12, 3}, {5, 1}, {6, 10}, {0, 2}} {
		cases = append(cases, exercisetest.Case{Name: fmt.Sprintf("%d pages, at most %d", tc.n, tc.k), Check: func(t exercisetest.T) {
			checkNoLeak(t)
			srv, err := workload.Start("127.0.0.1:0", 50*time.Millisecond)
			require.NoError(t, err)
			t.Cleanup(func() { srv.Close() })
			r, loop := exerciseRunner(t)

			v, err := runSync(t, r, crawl(r, loop, srv.PageURLs(tc.n), tc.k), 5*time.Second, 10*time.Second)
			require.NoError(t, err)
			pages, ok := v.([]blocking.Page)
			require.True(t, ok, "the result is a []blocking.Page, got %T", v)
			require.Len(t, pages, tc.n)
			for i, p := range pages {
				assert.NoError(t, p.Err)
				assert.Equal(t, srv.PageURL(i), p.URL, "pages come back in the order of urls")
				assert.Equal(t, workload.PageBody(i), string(p.Body))
			}
			if tc.n > 0 {
				assert.Equal(t, int64(min(tc.k, tc.n)), srv.PeakConcurrency(),
					"the server should have seen exactly min(k, n) requests at once")
			}
		}})
	}
	cases = append(cases, exercisetest.Case{Name: "a slow page does not hold up the other slots", Check: func(t exercisetest.T) {
		const n, k = 7, 3
		gate := exercisetest.StartGate(t, n, 2*time.Second)
		r, loop := exerciseRunner(t)
		v, err := runSync(t, r, crawl(r, loop, gate.PageURLs(), k), 5*time.Second, 10*time.Second)
		require.NoError(t, err)
		pages, ok := v.([]blocking.Page)
		require.True(t, ok, "the result is a []blocking.Page, got %T", v)
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

// counted wraps fn so that runs counts how many times the Retry ran it.
func counted(fn coroutines.Func, runs *atomic.Int64) coroutines.Func {
	return func(await coroutines.Await) (any, error) {
		runs.Add(1)
		return fn(await)
	}
}

// checkRetry is exercise 2: a for loop around await.
func checkRetry(retry retryFunc) []exercisetest.Case {
	return []exercisetest.Case{
		{Name: "two 503s, then the page, with the backoff between", Check: func(t exercisetest.T) {
			srv, seen := exercisetest.Flaky(t, 2)
			r, loop := exerciseRunner(t)
			start := time.Now()
			v, err := runSync(t, r, retry(r, 3, 30*time.Millisecond,
				coroutines.FetchCoroutine(loop, srv.URL+"/page")), 5*time.Second, 10*time.Second)
			require.NoError(t, err)
			assert.Equal(t, "ok\n", string(v.([]byte)))
			assert.Equal(t, int64(3), seen.Load())
			assert.GreaterOrEqual(t, time.Since(start), 60*time.Millisecond, "two waits of 30ms")
		}},
		{Name: "out of attempts: the last 503", Check: func(t exercisetest.T) {
			srv, seen := exercisetest.Flaky(t, 5)
			r, loop := exerciseRunner(t)
			_, err := runSync(t, r, retry(r, 2, time.Millisecond,
				coroutines.FetchCoroutine(loop, srv.URL+"/page")), 5*time.Second, 10*time.Second)
			var he *callbacks.HTTPError
			require.True(t, errors.As(err, &he), "err = %v", err)
			assert.Equal(t, 503, he.Code)
			assert.Equal(t, int64(2), seen.Load())
		}},
		{Name: "a 404 is not retried", Check: func(t exercisetest.T) {
			srv, seen := exercisetest.Flaky(t, 0)
			r, loop := exerciseRunner(t)
			_, err := runSync(t, r, retry(r, 5, time.Millisecond,
				coroutines.FetchCoroutine(loop, srv.URL+"/gone")), 5*time.Second, 10*time.Second)
			var he *callbacks.HTTPError
			require.True(t, errors.As(err, &he), "err = %v", err)
			assert.Equal(t, 404, he.Code)
			assert.Equal(t, int64(1), seen.Load())
		}},
		// The backoff is 2s and RunSync's timeout 50ms. A Retry that awaits
		// Sleep is stopped at that await and RunSync returns at once; one
		// that calls time.Sleep blocks the loop for 2s, so the timeout
		// cannot fire, and RunSync misses the 1s deadline. A Retry that
		// ignores the error of its await runs fn again while it unwinds.
		{Name: "a timeout during the backoff ends the Retry", Check: func(t exercisetest.T) {
			checkNoLeak(t)
			srv, seen := exercisetest.Flaky(t, 100)
			r, loop := exerciseRunner(t)
			var runs atomic.Int64
			_, err := runSync(t, r, retry(r, 2, 2*time.Second,
				counted(coroutines.FetchCoroutine(loop, srv.URL+"/page"), &runs)), 50*time.Millisecond, time.Second)
			assert.ErrorIs(t, err, coroutines.ErrTimeout)
			assert.Equal(t, int64(1), runs.Load(), "one run, then the wait that the timeout cut short; a stopped coroutine must not run fn again")
			assert.Equal(t, int64(1), seen.Load(), "one request")
		}},
	}
}
