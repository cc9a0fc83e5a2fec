package coroutines_test

// Spoilers: a model answer to each of the chapter's exercises, and the wrong
// answers the exercise tests must reject. TestExerciseCheckers runs the
// checkers of exercisecheck_test.go on all of them, so CI checks that the
// exercise tests would catch each mistake, within their deadlines:
//
//	go test -v -run TestExerciseCheckers ./stage4-coroutines/

import (
	"errors"
	"testing"
	"time"

	"github.com/gornado/gornado/internal/exercisetest"
	blocking "github.com/gornado/gornado/stage1-blocking"
	callbacks "github.com/gornado/gornado/stage2-callbacks"
	futures "github.com/gornado/gornado/stage3-futures"
	coroutines "github.com/gornado/gornado/stage4-coroutines"
)

// modelCrawlAtMost is k worker coroutines that take the next URL from a
// shared index: no lock, since none is interrupted between two awaits.
func modelCrawlAtMost(r *coroutines.Runner, loop *callbacks.Loop, urls []string, k int) coroutines.Func {
	return func(await coroutines.Await) (any, error) {
		pages := make([]blocking.Page, len(urls))
		next := 0
		worker := func(await coroutines.Await) (any, error) {
			for next < len(urls) {
				i := next
				next++
				body, err := await(futures.FetchFuture(loop, urls[i]))
				b, _ := body.([]byte)
				pages[i] = blocking.Page{URL: urls[i], Body: b, Err: err}
			}
			return nil, nil
		}
		workers := make([]*futures.Future, min(k, len(urls)))
		for w := range workers {
			workers[w] = r.Go(worker)
		}
		for _, w := range workers {
			if _, err := await(w); err != nil {
				return nil, err
			}
		}
		return pages, nil
	}
}

// batchCrawlAtMost starts k fetches, waits for all k, starts the next k: at
// most k at once, but one slow page idles the other k-1 slots.
func batchCrawlAtMost(r *coroutines.Runner, loop *callbacks.Loop, urls []string, k int) coroutines.Func {
	return func(await coroutines.Await) (any, error) {
		var pages []blocking.Page
		for start := 0; start < len(urls); start += k {
			batch := urls[start:min(start+k, len(urls))]
			fs := make([]*futures.Future, len(batch))
			for i, u := range batch {
				fs[i] = r.Go(coroutines.FetchCoroutine(loop, u))
			}
			for i, u := range batch {
				body, err := await(fs[i])
				b, _ := body.([]byte)
				pages = append(pages, blocking.Page{URL: u, Body: b, Err: err})
			}
		}
		return pages, nil
	}
}

// finishOrderCrawlAtMost is a window of k, but it appends each page as it
// arrives, so the pages come back in the order the fetches finished.
func finishOrderCrawlAtMost(r *coroutines.Runner, loop *callbacks.Loop, urls []string, k int) coroutines.Func {
	return func(await coroutines.Await) (any, error) {
		pages := []blocking.Page{}
		next := 0
		worker := func(await coroutines.Await) (any, error) {
			for next < len(urls) {
				u := urls[next]
				next++
				body, err := await(futures.FetchFuture(loop, u))
				b, _ := body.([]byte)
				pages = append(pages, blocking.Page{URL: u, Body: b, Err: err})
			}
			return nil, nil
		}
		workers := make([]*futures.Future, min(k, len(urls)))
		for w := range workers {
			workers[w] = r.Go(worker)
		}
		for _, w := range workers {
			if _, err := await(w); err != nil {
				return nil, err
			}
		}
		return pages, nil
	}
}

// retryable reports whether err is the server saying "not now".
func retryable(err error) bool {
	var he *callbacks.HTTPError
	return errors.As(err, &he) && he.Code >= 500
}

// modelRetry is a for loop around await; the wait is an awaited Sleep, and
// its error (the coroutine was stopped) ends the loop.
func modelRetry(r *coroutines.Runner, attempts int, backoff time.Duration, fn coroutines.Func) coroutines.Func {
	return func(await coroutines.Await) (any, error) {
		for run := 1; ; run++ {
			v, err := fn(await)
			if err == nil || run >= attempts || !retryable(err) {
				return v, err
			}
			if _, err := await(coroutines.Sleep(r.Loop(), backoff)); err != nil {
				return nil, err
			}
		}
	}
}

// sleepingRetry blocks the loop's goroutine for the backoff: no other
// coroutine, callback or timer runs meanwhile, RunSync's timeout included.
func sleepingRetry(r *coroutines.Runner, attempts int, backoff time.Duration, fn coroutines.Func) coroutines.Func {
	return func(await coroutines.Await) (any, error) {
		for run := 1; ; run++ {
			v, err := fn(await)
			if err == nil || run >= attempts || !retryable(err) {
				return v, err
			}
			time.Sleep(backoff)
		}
	}
}

// deafRetry awaits Sleep but ignores its error, so a stopped coroutine runs
// fn again while it unwinds.
func deafRetry(r *coroutines.Runner, attempts int, backoff time.Duration, fn coroutines.Func) coroutines.Func {
	return func(await coroutines.Await) (any, error) {
		for run := 1; ; run++ {
			v, err := fn(await)
			if err == nil || run >= attempts || !retryable(err) {
				return v, err
			}
			_, _ = await(coroutines.Sleep(r.Loop(), backoff))
		}
	}
}

// eagerRetry retries every error, a 404 included.
func eagerRetry(r *coroutines.Runner, attempts int, backoff time.Duration, fn coroutines.Func) coroutines.Func {
	return func(await coroutines.Await) (any, error) {
		for run := 1; ; run++ {
			v, err := fn(await)
			if err == nil || run >= attempts {
				return v, err
			}
			if _, err := await(coroutines.Sleep(r.Loop(), backoff)); err != nil {
				return nil, err
			}
		}
	}
}

// hastyRetry retries at once, without the backoff.
func hastyRetry(r *coroutines.Runner, attempts int, backoff time.Duration, fn coroutines.Func) coroutines.Func {
	return modelRetry(r, attempts, 0, fn)
}

func TestExerciseCheckers(t *testing.T) {
	t.Run("CrawlAtMost", func(t *testing.T) {
		exercisetest.Reject(t, checkCrawlAtMost, modelCrawlAtMost, []exercisetest.Wrong[crawlAtMostFunc]{
			{Mistake: "the starting point: every fetch at once", Answer: coroutines.CrawlAtMost},
			{Mistake: "one worker: one fetch at a time", Answer: func(r *coroutines.Runner, loop *callbacks.Loop, urls []string, k int) coroutines.Func {
				return modelCrawlAtMost(r, loop, urls, 1)
			}},
			{Mistake: "batches of k instead of a window", Answer: batchCrawlAtMost},
			{Mistake: "pages in the order they finished", Answer: finishOrderCrawlAtMost},
		})
	})
	t.Run("Retry", func(t *testing.T) {
		exercisetest.Reject(t, checkRetry, modelRetry, []exercisetest.Wrong[retryFunc]{
			{Mistake: "the starting point: one run", Answer: coroutines.Retry},
			{Mistake: "time.Sleep blocks the loop during the backoff", Answer: sleepingRetry},
			{Mistake: "ignores the error of awaiting Sleep", Answer: deafRetry},
			{Mistake: "retries a 404", Answer: eagerRetry},
			{Mistake: "no backoff", Answer: hastyRetry},
		})
	})
}
