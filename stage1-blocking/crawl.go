package blocking

import "time"

// Page is one fetched page of a crawl.
type Page struct {
	URL  string
	Body []byte
	Err  error
}

// Crawl fetches every URL, one after another, and returns the pages in order
// with the time the whole crawl took. It is the simplest possible crawler and
// the baseline of every later stage: with a page that takes 50 ms to answer,
// ten pages take half a second, because each Fetch waits for its answer before
// the next one starts.
func Crawl(urls []string) ([]Page, time.Duration) {
	start := time.Now()
	pages := make([]Page, 0, len(urls))
	for _, u := range urls {
		body, err := Fetch(u)
		pages = append(pages, Page{URL: u, Body: body, Err: err})
	}
	return pages, time.Since(start)
}
