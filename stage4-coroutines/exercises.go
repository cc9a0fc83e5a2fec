package coroutines

// The starting points of the chapter's exercises (docs/04-coroutines.md,
// "Exercises"). Each one compiles and does the naive thing, so that the tests
// in exercises_test.go, which run only with `go test -tags exercises`, fail
// until you have done the exercise. Nothing else in the package uses them.

import (
	"time"

	callbacks "github.com/gornado/gornado/stage2-callbacks"
)

// CrawlAtMost is exercise 1: Crawl with at most k fetches in flight at once.
// Its result is the []blocking.Page of Crawl, in the order of urls.
//
// The starting point is Crawl, which starts every fetch at once. You wrote
// this crawl with a semaphore in stage 1 and with callbacks in stage 2; here
// it is k worker coroutines that take the next URL from a shared index,
// which needs no lock, since every coroutine runs on the loop's goroutine and
// none is interrupted between two awaits.
func CrawlAtMost(r *Runner, loop *callbacks.Loop, urls []string, k int) Func {
	return Crawl(r, loop, urls)
}

// Retry is exercise 2: run fn, and run it again while it fails with a
// *callbacks.HTTPError whose Code is 500 or more, up to attempts runs, waiting
// backoff between two runs. Its result is that of the first run that did not
// fail so, or the last failure. Any other error ends it at once, and so does
// the coroutine being stopped: a RunSync timeout during the wait must end the
// Retry, not leave it sleeping.
//
// Stage 2's FetchRetry did this with callbacks; write it as a for loop. The
// starting point runs fn once.
func Retry(r *Runner, attempts int, backoff time.Duration, fn Func) Func {
	return fn
}
