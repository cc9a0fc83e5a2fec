package futures

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/gornado/gornado/internal/workload"
	callbacks "github.com/gornado/gornado/stage2-callbacks"
)

// Crawl starts fetching every URL at once and returns their Futures, in the
// order of urls, and one Future that is done when all of them are.
//
// Compare stage2's Crawl: there the count of pages still out lived in a
// closure that every callback decremented. Here each page is a value, a
// Future, which can be stored, passed around and waited on; counting is All's
// job.
func Crawl(l *callbacks.Loop, urls []string) (pages []*Future, all *Future) {
	pages = make([]*Future, len(urls))
	for i, u := range urls {
		pages[i] = FetchFuture(l, u)
	}
	return pages, All(pages...)
}

// CrawlMain is the stage's demo program (go run ./stage3-futures/cmd/crawl):
// it starts the workload server on 127.0.0.1, crawls -n pages that each take
// -delay to answer, prints every page as it arrives and then the elapsed
// time. It returns the exit code: 0, 1 if a page failed, 2 for bad flags.
func CrawlMain(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("crawl", flag.ContinueOnError)
	flags.SetOutput(stderr)
	n := flags.Int("n", 10, "how many pages to fetch")
	delay := flags.Duration("delay", workload.DefaultDelay, "how long the server takes to answer each page")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *n < 0 || *delay < 0 {
		fmt.Fprintln(stderr, "crawl: -n and -delay must not be negative")
		return 2
	}

	srv, err := workload.Start("127.0.0.1:0", *delay)
	if err != nil {
		fmt.Fprintln(stderr, "crawl:", err)
		return 1
	}
	defer srv.Close()
	fmt.Fprintf(stdout, "workload server at %s, each page takes %v\n", srv.URL, *delay)
	l, err := callbacks.NewLoop()
	if err != nil {
		fmt.Fprintln(stderr, "crawl:", err)
		return 1
	}
	defer l.Close()

	start := time.Now()
	urls := srv.PageURLs(*n)
	pages, all := Crawl(l, urls)
	failed := 0
	for i, page := range pages {
		page.AddDoneCallback(func(page *Future) {
			body, err := page.Result()
			if err != nil {
				failed++
				fmt.Fprintf(stdout, "%s: %v\n", urls[i], err)
				return
			}
			fmt.Fprintf(stdout, "%s: %q\n", urls[i], body)
		})
	}
	all.AddDoneCallback(func(*Future) { l.Stop() })
	if err := l.Start(); err != nil {
		fmt.Fprintln(stderr, "crawl:", err)
		return 1
	}
	elapsed := time.Since(start)

	fmt.Fprintf(stdout, "fetched %d pages at once with Futures in %v (1 x %v; the server answered %d at once)\n",
		*n-failed, elapsed.Round(time.Millisecond), *delay, srv.PeakConcurrency())
	if failed > 0 {
		return 1
	}
	return 0
}
