package blocking

// The starting points of the chapter's exercises (docs/01-blocking.md,
// "Exercises"). Each one compiles and does the naive thing, so that the tests
// in exercises_test.go, which run only with `go test -tags exercises`, fail
// until you have done the exercise. Nothing else in the package uses them.

import "time"

// CrawlAtMost is exercise 1: fetch every URL with at most k fetches in flight
// at once, and return the pages in the order of urls with the time the crawl
// took. With k = 1 it is Crawl; with k >= len(urls) it fetches all at once.
//
// The starting point fetches one after another, whatever k says. Make it use
// k goroutines (or a semaphore of k), so that twelve pages with k = 3 take
// about four delays and the workload server sees exactly three at once.
func CrawlAtMost(urls []string, k int) ([]Page, time.Duration) {
	return Crawl(urls)
}

// KeepAliveClient is exercise 2: an HTTPClient that keeps its connection open
// between fetches to the same host (HTTP/1.1 keep-alive), so that ten fetches
// cost one TCP handshake instead of ten.
//
// The starting point fetches with HTTPClient, which sends "Connection: close"
// and dials anew every time. Make Fetch reuse one connection: do not send
// "Connection: close", read exactly one response from it (readResponse knows
// where a body framed by Content-Length or chunked ends), keep the connection
// for the next fetch, and dial again when the host changes, when the server
// answered "Connection: close" or framed the body by closing, or when the kept
// connection turns out to be closed already. Close closes the kept connection.
type KeepAliveClient struct {
	HTTPClient
}

// Fetch fetches url: the starting point dials a new connection every time.
func (c *KeepAliveClient) Fetch(url string) ([]byte, error) {
	return c.HTTPClient.Fetch(url)
}

// Close closes the connection the client keeps, if any.
func (c *KeepAliveClient) Close() error {
	return nil
}
