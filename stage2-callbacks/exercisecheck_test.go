package callbacks

// The checkers of the chapter's exercises, separated from the answer they
// check: exercises_test.go (build tag `exercises`) runs them on your answer,
// exerciseanswers_test.go on a model answer and on the wrong answers each
// must reject. The answer is called on the loop and the loop runs with a
// deadline, so that a wrong answer fails instead of hanging.

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/internal/exercisetest"
	"github.com/gornado/gornado/internal/workload"
)

// crawlAtMostFunc is the signature of exercise 1, CrawlAtMost.
type crawlAtMostFunc func(l *Loop, urls []string, k int, onPage func(url string, body []byte, err error), done func())

// fetchRetryFunc is the signature of exercise 2, FetchRetry.
type fetchRetryFunc func(l *Loop, url string, attempts int, callback func(body []byte, err error))

// exerciseLoop returns a loop that is closed when the test ends.
func exerciseLoop(t exercisetest.T) *Loop {
	t.Helper()
	l, err := NewLoop()
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// runWithin runs the loop until it stops, and fails the test if it has not
// stopped after d: a callback that never comes, or an answer that blocks the
// loop's goroutine, fails the test instead of hanging it.
func runWithin(t exercisetest.T, l *Loop, d time.Duration) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- l.Start() }()
	select {
	case err := <-done:
		require.NoError(t, err)
		return
	case <-time.After(d):
	}
	l.Stop()
	t.Cleanup(func() {
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	})
	t.Errorf("the loop did not stop within %v: a wrong answer must fail, not hang", d)
	t.FailNow()
}

// checkCrawlAtMost is exercise 1: at most k fetches in flight, all k used,
// done exactly once after the last page, and a window, not batches.
func checkCrawlAtMost(crawl crawlAtMostFunc) []exercisetest.Case {
	var cases []exercisetest.Case
	for _, tc := range []struct{ n, k int }{{12, 3}, {5, 1}, {6, 10}, {0, 2}} {
		cases = append(cases, exercisetest.Case{Name: fmt.Sprintf("%d pages, at most %d", tc.n, tc.k), Check: func(t exercisetest.T) {
			srv, err := workload.Start("127.0.0.1:0", 50*time.Millisecond)
			require.NoError(t, err)
			t.Cleanup(func() { srv.Close() })
			l := exerciseLoop(t)
			got := map[string]string{}
			dones := 0
			l.AddCallback(func() {
				crawl(l, srv.PageURLs(tc.n), tc.k, func(url string, body []byte, err error) {
					assert.NoError(t, err)
					assert.Zero(t, dones, "onPage after done")
					got[url] = string(body)
				}, func() {
					dones++
					l.Stop()
				})
			})
			runWithin(t, l, 10*time.Second)

			assert.Equal(t, 1, dones, "done is called exactly once")
			require.Len(t, got, tc.n)
			for i := range tc.n {
				assert.Equal(t, workload.PageBody(i), got[srv.PageURL(i)])
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
		l := exerciseLoop(t)
		pages := 0
		l.AddCallback(func() {
			crawl(l, gate.PageURLs(), k, func(string, []byte, error) { pages++ }, l.Stop)
		})
		runWithin(t, l, 10*time.Second)
		assert.Equal(t, n, pages)
		assert.LessOrEqual(t, gate.PeakConcurrency(), k, "never more than k fetches at once")
		assert.True(t, gate.ReleasedByCrawl(),
			"while page 0 was slow, the other %d slots should have fetched pages 1 to %d: a window of k, not batches of k", k-1, n-1)
	}})
	return cases
}

// checkFetchRetry is exercise 2: a 5xx answer is retried, nothing else, and
// the callback runs once.
func checkFetchRetry(retry fetchRetryFunc) []exercisetest.Case {
	fetch := func(t exercisetest.T, url string, attempts int) ([]byte, error) {
		l := exerciseLoop(t)
		var body []byte
		var err error
		calls := 0
		start := time.Now()
		l.AddCallback(func() {
			retry(l, url, attempts, func(b []byte, e error) {
				calls++
				body, err = b, e
				// Stop a little later, so that a second call, if any, is seen.
				l.CallLater(20*time.Millisecond, l.Stop)
			})
		})
		runWithin(t, l, 5*time.Second)
		assert.Equal(t, 1, calls, "the callback runs exactly once")
		assert.Less(t, time.Since(start), time.Second)
		return body, err
	}
	return []exercisetest.Case{
		{Name: "two 503s, then the page: three attempts are enough", Check: func(t exercisetest.T) {
			srv, seen := exercisetest.Flaky(t, 2)
			body, err := fetch(t, srv.URL+"/page", 3)
			require.NoError(t, err)
			assert.Equal(t, "ok\n", string(body))
			assert.Equal(t, int64(3), seen.Load())
		}},
		{Name: "three 503s: two attempts end with the last 503", Check: func(t exercisetest.T) {
			srv, seen := exercisetest.Flaky(t, 3)
			_, err := fetch(t, srv.URL+"/page", 2)
			var he *HTTPError
			require.True(t, errors.As(err, &he), "err = %v", err)
			assert.Equal(t, 503, he.Code)
			assert.Equal(t, int64(2), seen.Load())
		}},
		{Name: "a 404 is an answer, not a reason to retry", Check: func(t exercisetest.T) {
			srv, seen := exercisetest.Flaky(t, 0)
			_, err := fetch(t, srv.URL+"/gone", 5)
			var he *HTTPError
			require.True(t, errors.As(err, &he), "err = %v", err)
			assert.Equal(t, 404, he.Code)
			assert.Equal(t, int64(1), seen.Load())
		}},
		{Name: "a refused connection is not retried either", Check: func(t exercisetest.T) {
			srv, _ := exercisetest.Flaky(t, 0)
			url := srv.URL
			srv.Close()
			_, err := fetch(t, url+"/page", 3)
			assert.ErrorIs(t, err, syscall.ECONNREFUSED)
		}},
	}
}
