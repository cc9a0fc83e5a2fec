package futures

import (
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
	d := workload.NewDemo(stderr)
	if code, ok := d.Start(args, stdout); !ok {
		return code
	}
	srv := d.Server
	defer srv.Close()
	l, err := callbacks.NewLoop()
	if err != nil {
		fmt.Fprintln(stderr, "crawl:", err)
		return 1
	}
	defer l.Close()

	start := time.Now()
	urls := srv.PageURLs(d.N)
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

	fmt.Fprintf(stdout, "fetched %s at once with Futures in %v (1 x %v; the server answered %d at once)\n",
		workload.Pages(d.N-failed), elapsed.Round(time.Millisecond), d.Delay, srv.PeakConcurrency())
	if failed > 0 {
		return 1
	}
	return 0
}
