//go:build exercises

package coroutines_test

// The tests of the chapter's exercises. They fail until the exercise is done:
//
//	go test -tags exercises -run Exercise ./stage4-coroutines/

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/internal/workload"
	blocking "github.com/gornado/gornado/stage1-blocking"
	callbacks "github.com/gornado/gornado/stage2-callbacks"
	coroutines "github.com/gornado/gornado/stage4-coroutines"
)

func exerciseRunner(t *testing.T) (*coroutines.Runner, *callbacks.Loop) {
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

// Exercise 1: CrawlAtMost keeps at most k fetches in flight, and uses all k.
func TestExercise1CrawlAtMost(t *testing.T) {
	for _, tc := range []struct{ n, k int }{{12, 3}, {5, 1}, {6, 10}, {0, 2}} {
		t.Run(fmt.Sprintf("%d pages, at most %d", tc.n, tc.k), func(t *testing.T) {
			checkNoLeak(t)
			srv, err := workload.Start("127.0.0.1:0", 50*time.Millisecond)
			require.NoError(t, err)
			defer srv.Close()
			r, loop := exerciseRunner(t)

			v, err := r.RunSync(coroutines.CrawlAtMost(r, loop, srv.PageURLs(tc.n), tc.k), 10*time.Second)
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
		})
	}
}

// flaky answers 503 to the first `failures` requests and "ok\n" after;
// /gone is always a 404. It counts requests.
func flaky(t *testing.T, failures int64) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var seen atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := seen.Add(1)
		switch {
		case r.URL.Path == "/gone":
			http.Error(w, "gone", http.StatusNotFound)
		case n <= failures:
			http.Error(w, "try later", http.StatusServiceUnavailable)
		default:
			_, _ = w.Write([]byte("ok\n"))
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

// Exercise 2: Retry is a for loop around await.
func TestExercise2Retry(t *testing.T) {
	t.Run("two 503s, then the page, with the backoff between", func(t *testing.T) {
		srv, seen := flaky(t, 2)
		r, loop := exerciseRunner(t)
		start := time.Now()
		v, err := r.RunSync(coroutines.Retry(r, 3, 30*time.Millisecond,
			coroutines.FetchCoroutine(loop, srv.URL+"/page")), 5*time.Second)
		require.NoError(t, err)
		assert.Equal(t, "ok\n", string(v.([]byte)))
		assert.Equal(t, int64(3), seen.Load())
		assert.GreaterOrEqual(t, time.Since(start), 60*time.Millisecond, "two waits of 30ms")
	})

	t.Run("out of attempts: the last 503", func(t *testing.T) {
		srv, seen := flaky(t, 5)
		r, loop := exerciseRunner(t)
		_, err := r.RunSync(coroutines.Retry(r, 2, time.Millisecond,
			coroutines.FetchCoroutine(loop, srv.URL+"/page")), 5*time.Second)
		var he *callbacks.HTTPError
		require.True(t, errors.As(err, &he), "err = %v", err)
		assert.Equal(t, 503, he.Code)
		assert.Equal(t, int64(2), seen.Load())
	})

	t.Run("a 404 is not retried", func(t *testing.T) {
		srv, seen := flaky(t, 0)
		r, loop := exerciseRunner(t)
		_, err := r.RunSync(coroutines.Retry(r, 5, time.Millisecond,
			coroutines.FetchCoroutine(loop, srv.URL+"/gone")), 5*time.Second)
		var he *callbacks.HTTPError
		require.True(t, errors.As(err, &he), "err = %v", err)
		assert.Equal(t, 404, he.Code)
		assert.Equal(t, int64(1), seen.Load())
	})

	t.Run("a timeout during the backoff ends the Retry", func(t *testing.T) {
		checkNoLeak(t)
		srv, seen := flaky(t, 100)
		r, loop := exerciseRunner(t)
		start := time.Now()
		_, err := r.RunSync(coroutines.Retry(r, 3, time.Hour,
			coroutines.FetchCoroutine(loop, srv.URL+"/page")), 100*time.Millisecond)
		assert.ErrorIs(t, err, coroutines.ErrTimeout)
		assert.Less(t, time.Since(start), 2*time.Second)
		assert.Equal(t, int64(1), seen.Load(), "one run, then the wait that the timeout cut short")
	})
}
