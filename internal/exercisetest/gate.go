package exercisetest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A Gate is the HTTP server that tells a sliding window of k fetches from
// batches of k. Its /page/0 answers only once every other page of the crawl
// has been asked for: a crawl that keeps k fetches in flight fetches pages 1
// to n-1 through its other k-1 slots while page 0 is held, and so releases
// it; a crawl in batches of k waits for page 0 before it starts the next
// batch, and page 0 is answered only when hold runs out. The test then asks
// ReleasedByCrawl. The other pages answer at once. Bodies are "page N\n", as
// the workload server's.
type Gate struct {
	// URL is the server's base URL, http://127.0.0.1:port.
	URL string

	n        int
	mu       sync.Mutex
	asked    map[int]bool  // the pages other than 0 requested so far
	inFlight int           // requests being answered right now
	peak     int           // the most requests answered at once
	released bool          // page 0 was released by the crawl, not by hold
	open     chan struct{} // closed when pages 1..n-1 have all been asked for
}

// StartGate starts a Gate for a crawl of n pages that holds page 0 for at
// most hold. It is closed when the test ends.
func StartGate(t T, n int, hold time.Duration) *Gate {
	t.Helper()
	g := &Gate{n: n, asked: map[int]bool{}, open: make(chan struct{})}
	if n <= 1 {
		close(g.open)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/page/"))
		if err != nil || i < 0 || i >= n {
			http.NotFound(w, r)
			return
		}
		g.mu.Lock()
		g.inFlight++
		g.peak = max(g.peak, g.inFlight)
		if i > 0 && !g.asked[i] {
			g.asked[i] = true
			if len(g.asked) == n-1 {
				close(g.open)
			}
		}
		g.mu.Unlock()
		if i == 0 {
			select {
			case <-g.open:
				g.mu.Lock()
				g.released = true
				g.mu.Unlock()
			case <-time.After(hold):
			}
		}
		g.mu.Lock()
		g.inFlight--
		g.mu.Unlock()
		w.Header().Set("Content-Length", strconv.Itoa(len(PageBody(i))))
		_, _ = w.Write([]byte(PageBody(i)))
	}))
	t.Cleanup(srv.Close)
	g.URL = srv.URL
	return g
}

// PageBody is the body of page i: "page i\n".
func PageBody(i int) string { return fmt.Sprintf("page %d\n", i) }

// PageURL is the URL of page i.
func (g *Gate) PageURL(i int) string { return fmt.Sprintf("%s/page/%d", g.URL, i) }

// PageURLs are the URLs of pages 0 to n-1.
func (g *Gate) PageURLs() []string {
	urls := make([]string, g.n)
	for i := range urls {
		urls[i] = g.PageURL(i)
	}
	return urls
}

// ReleasedByCrawl reports whether page 0 was answered because the crawl asked
// for every other page while it waited, rather than because hold ran out.
func (g *Gate) ReleasedByCrawl() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.released
}

// PeakConcurrency is the most requests the Gate answered at once.
func (g *Gate) PeakConcurrency() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.peak
}
