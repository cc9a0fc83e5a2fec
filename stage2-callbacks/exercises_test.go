//go:build exercises

package callbacks

// The tests of the chapter's exercises. They fail until the exercise is done:
//
//	go test -tags exercises -run Exercise ./stage2-callbacks/

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/internal/workload"
)

// Exercise 1: CrawlAtMost keeps at most k fetches in flight, and uses all k.
func TestExercise1CrawlAtMost(t *testing.T) {
	for _, tc := range []struct{ n, k int }{{12, 3}, {5, 1}, {6, 10}, {0, 2}} {
		t.Run(fmt.Sprintf("%d pages, at most %d", tc.n, tc.k), func(t *testing.T) {
			srv := startServer(t, 50*time.Millisecond)
			l := newLoop(t)
			got := map[string]string{}
			dones := 0
			CrawlAtMost(l, srv.PageURLs(tc.n), tc.k, func(url string, body []byte, err error) {
				assert.NoError(t, err)
				assert.Zero(t, dones, "onPage after done")
				got[url] = string(body)
			}, func() {
				dones++
				l.Stop()
			})
			run(t, l)

			assert.Equal(t, 1, dones, "done is called exactly once")
			require.Len(t, got, tc.n)
			for i := range tc.n {
				assert.Equal(t, workload.PageBody(i), got[srv.PageURL(i)])
			}
			if tc.n > 0 {
				assert.Equal(t, int64(min(tc.k, tc.n)), srv.PeakConcurrency(),
					"the server should have seen exactly min(k, n) requests at once")
			}
		})
	}
}

// flakyServer answers 503 to the first `failures` requests, then "ok\n";
// /gone always answers 404. It counts the requests it saw.
func flakyServer(t *testing.T, failures int64) (*httptest.Server, *atomic.Int64) {
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

// Exercise 2: FetchRetry retries a 5xx answer, and nothing else.
func TestExercise2FetchRetry(t *testing.T) {
	fetch := func(t *testing.T, url string, attempts int) ([]byte, error) {
		l := newLoop(t)
		var body []byte
		var err error
		calls := 0
		start := time.Now()
		FetchRetry(l, url, attempts, func(b []byte, e error) {
			calls++
			body, err = b, e
			l.Stop()
		})
		run(t, l)
		assert.Equal(t, 1, calls, "the callback runs exactly once")
		assert.Less(t, time.Since(start), time.Second)
		return body, err
	}

	t.Run("two 503s, then the page: three attempts are enough", func(t *testing.T) {
		srv, seen := flakyServer(t, 2)
		body, err := fetch(t, srv.URL+"/page", 3)
		require.NoError(t, err)
		assert.Equal(t, "ok\n", string(body))
		assert.Equal(t, int64(3), seen.Load())
	})

	t.Run("three 503s: two attempts end with the last 503", func(t *testing.T) {
		srv, seen := flakyServer(t, 3)
		_, err := fetch(t, srv.URL+"/page", 2)
		var he *HTTPError
		require.True(t, errors.As(err, &he), "err = %v", err)
		assert.Equal(t, 503, he.Code)
		assert.Equal(t, int64(2), seen.Load())
	})

	t.Run("a 404 is an answer, not a reason to retry", func(t *testing.T) {
		srv, seen := flakyServer(t, 0)
		_, err := fetch(t, srv.URL+"/gone", 5)
		var he *HTTPError
		require.True(t, errors.As(err, &he), "err = %v", err)
		assert.Equal(t, 404, he.Code)
		assert.Equal(t, int64(1), seen.Load())
	})

	t.Run("a refused connection is not retried either", func(t *testing.T) {
		srv, _ := flakyServer(t, 0)
		url := srv.URL
		srv.Close()
		_, err := fetch(t, url+"/page", 3)
		assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	})
}
