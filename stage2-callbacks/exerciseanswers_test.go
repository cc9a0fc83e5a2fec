package callbacks

// Spoilers: a model answer to each of the chapter's exercises, and the wrong
// answers the exercise tests must reject. TestExerciseCheckers runs the
// checkers of exercisecheck_test.go on all of them, so CI checks that the
// exercise tests would catch each mistake, within their deadlines:
//
//	go test -v -run TestExerciseCheckers ./stage2-callbacks/

import (
	"errors"
	"testing"

	"github.com/gornado/gornado/internal/exercisetest"
)

// modelCrawlAtMost starts k fetches; the callback of each one that finishes
// starts the next URL.
func modelCrawlAtMost(l *Loop, urls []string, k int, onPage func(url string, body []byte, err error), done func()) {
	if len(urls) == 0 {
		l.AddCallback(done)
		return
	}
	next, remaining := 0, len(urls)
	var startNext func()
	startNext = func() {
		u := urls[next]
		next++
		Fetch(l, u, func(body []byte, err error) {
			onPage(u, body, err)
			remaining--
			switch {
			case remaining == 0:
				done()
			case next < len(urls):
				startNext()
			}
		})
	}
	for range min(k, len(urls)) {
		startNext()
	}
}

// batchCrawlAtMost starts k fetches and starts the next k only when the
// whole batch is in.
func batchCrawlAtMost(l *Loop, urls []string, k int, onPage func(url string, body []byte, err error), done func()) {
	var batch func(start int)
	batch = func(start int) {
		if start >= len(urls) {
			done()
			return
		}
		end := min(start+k, len(urls))
		out := end - start
		for _, u := range urls[start:end] {
			Fetch(l, u, func(body []byte, err error) {
				onPage(u, body, err)
				if out--; out == 0 {
					batch(end)
				}
			})
		}
	}
	l.AddCallback(func() { batch(0) })
}

// earlyDone calls done when the last URL has been started, not fetched.
func earlyDone(l *Loop, urls []string, k int, onPage func(url string, body []byte, err error), done func()) {
	next := 0
	var startNext func()
	startNext = func() {
		u := urls[next]
		next++
		if next == len(urls) {
			defer done()
		}
		Fetch(l, u, func(body []byte, err error) {
			onPage(u, body, err)
			if next < len(urls) {
				startNext()
			}
		})
	}
	if len(urls) == 0 {
		l.AddCallback(done)
		return
	}
	for range min(k, len(urls)) {
		startNext()
	}
}

// retryable reports whether err is the server saying "not now".
func retryable(err error) bool {
	var he *HTTPError
	return errors.As(err, &he) && he.Code >= 500
}

// modelFetchRetry starts the next attempt from the callback of a failed one.
func modelFetchRetry(l *Loop, url string, attempts int, callback func(body []byte, err error)) {
	Fetch(l, url, func(body []byte, err error) {
		if attempts > 1 && retryable(err) {
			modelFetchRetry(l, url, attempts-1, callback)
			return
		}
		callback(body, err)
	})
}

// eagerFetchRetry retries every error.
func eagerFetchRetry(l *Loop, url string, attempts int, callback func(body []byte, err error)) {
	Fetch(l, url, func(body []byte, err error) {
		if attempts > 1 && err != nil {
			eagerFetchRetry(l, url, attempts-1, callback)
			return
		}
		callback(body, err)
	})
}

// chattyFetchRetry calls back after every attempt, not once.
func chattyFetchRetry(l *Loop, url string, attempts int, callback func(body []byte, err error)) {
	Fetch(l, url, func(body []byte, err error) {
		callback(body, err)
		if attempts > 1 && retryable(err) {
			chattyFetchRetry(l, url, attempts-1, callback)
		}
	})
}

// lostFetchRetry forgets to call back when it runs out of attempts.
func lostFetchRetry(l *Loop, url string, attempts int, callback func(body []byte, err error)) {
	Fetch(l, url, func(body []byte, err error) {
		switch {
		case err == nil || !retryable(err):
			callback(body, err)
		case attempts > 1:
			lostFetchRetry(l, url, attempts-1, callback)
		}
	})
}

func TestExerciseCheckers(t *testing.T) {
	t.Run("CrawlAtMost", func(t *testing.T) {
		exercisetest.Reject(t, checkCrawlAtMost, modelCrawlAtMost, []exercisetest.Wrong[crawlAtMostFunc]{
			{Mistake: "the starting point: every fetch at once", Answer: CrawlAtMost},
			{Mistake: "batches of k instead of a window", Answer: batchCrawlAtMost},
			{Mistake: "done when the last fetch starts, not ends", Answer: earlyDone},
		})
	})
	t.Run("FetchRetry", func(t *testing.T) {
		exercisetest.Reject(t, checkFetchRetry, modelFetchRetry, []exercisetest.Wrong[fetchRetryFunc]{
			{Mistake: "the starting point: one attempt", Answer: FetchRetry},
			{Mistake: "retries a 404", Answer: eagerFetchRetry},
			{Mistake: "calls back after every attempt", Answer: chattyFetchRetry},
			{Mistake: "never calls back when out of attempts", Answer: lostFetchRetry},
		})
	})
}
