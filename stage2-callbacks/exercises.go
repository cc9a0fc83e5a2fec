package callbacks

// The starting points of the chapter's exercises (docs/02-callbacks.md,
// "Exercises"). Each one compiles and does the naive thing, so that the tests
// in exercises_test.go, which run only with `go test -tags exercises`, fail
// until you have done the exercise. Nothing else in the package uses them.

// CrawlAtMost is exercise 1: Crawl with at most k fetches in flight at once.
// onPage is called once per URL and done once, after the last onPage, all on
// the loop, as in Crawl.
//
// The starting point starts every fetch at once, whatever k says. Make it start
// k, and start the next one from the callback of each fetch that finishes.
// There is no goroutine and no semaphore here: the only place that knows a
// slot is free is a callback. Notice how much state that takes.
func CrawlAtMost(l *Loop, urls []string, k int, onPage func(url string, body []byte, err error), done func()) {
	Crawl(l, urls, onPage, done)
}

// FetchRetry is exercise 2: Fetch, tried up to attempts times while the server
// answers with a status of 500 or more (a *HTTPError whose Code >= 500), and
// called back once, with the first success or the last failure. A 4xx answer,
// a refused connection or a timeout is not retried: only the server saying
// "not now" is.
//
// The starting point fetches once. Make the callback of a failed attempt start
// the next attempt. (A real client would wait between attempts: add a backoff
// with l.CallLater if you like; the test allows up to a second in all.)
func FetchRetry(l *Loop, url string, attempts int, callback func(body []byte, err error)) {
	Fetch(l, url, callback)
}
