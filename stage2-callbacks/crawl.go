package callbacks

import (
	"fmt"
	"io"
	"time"

	"github.com/gornado/gornado/internal/workload"
)

// Crawl starts fetching every URL at once and returns: the fetches are in
// flight, and the loop will finish them. onPage runs for each page as it
// arrives, in whatever order the answers come; done runs after the last one.
//
// Look at what the crawl has become. "How many pages are still out" cannot be
// a loop variable, because there is no loop waiting for them: it is a counter
// captured by every callback, and whichever callback brings it to zero has to
// know that it is the one to call done.
func Crawl(l *Loop, urls []string, onPage func(url string, body []byte, err error), done func()) {
	remaining := len(urls)
	if remaining == 0 {
		l.AddCallback(done)
		return
	}
	for _, u := range urls {
		Fetch(l, u, func(body []byte, err error) {
			onPage(u, body, err)
			remaining--
			if remaining == 0 {
				done()
			}
		})
	}
}

// CrawlMain is the stage's demo program (go run ./stage2-callbacks/cmd/crawl):
// it starts the workload server on 127.0.0.1, crawls -n pages that each take
// -delay to answer, prints every page as it arrives and then the elapsed time.
// It returns the exit code: 0, 1 if a page failed, 2 for bad flags.
func CrawlMain(args []string, stdout, stderr io.Writer) int {
	d := workload.NewDemo(stderr)
	if code, ok := d.Start(args, stdout); !ok {
		return code
	}
	srv := d.Server
	defer srv.Close()
	l, err := NewLoop()
	if err != nil {
		fmt.Fprintln(stderr, "crawl:", err)
		return 1
	}
	defer l.Close()

	start := time.Now()
	failed := 0
	Crawl(l, srv.PageURLs(d.N), func(url string, body []byte, err error) {
		if err != nil {
			failed++
			fmt.Fprintf(stdout, "%s: %v\n", url, err)
			return
		}
		fmt.Fprintf(stdout, "%s: %q\n", url, body)
	}, l.Stop)
	if err := l.Start(); err != nil {
		fmt.Fprintln(stderr, "crawl:", err)
		return 1
	}
	elapsed := time.Since(start)

	fmt.Fprintf(stdout, "fetched %s at once on one goroutine in %v (1 x %v; the server answered %d at once)\n",
		workload.Pages(d.N-failed), elapsed.Round(time.Millisecond), d.Delay, srv.PeakConcurrency())
	if failed > 0 {
		return 1
	}
	return 0
}
