package iostream

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gornado/gornado/internal/workload"
	blocking "github.com/gornado/gornado/stage1-blocking"
	futures "github.com/gornado/gornado/stage3-futures"
	coroutines "github.com/gornado/gornado/stage4-coroutines"
	"github.com/gornado/gornado/stage5-iostream/ioloop"
)

// Crawl fetches every URL at once, one FetchCoroutine each, and returns the
// pages in order. It is stage4's Crawl with the fetch swapped: the sockets
// are now IOStreams on the real IOLoop instead of stage2's hand-made reads.
func Crawl(r *coroutines.Runner, loop *ioloop.IOLoop, urls []string) coroutines.Func {
	return func(await coroutines.Await) (any, error) {
		fetches := make([]*futures.Future, len(urls))
		for i, u := range urls {
			fetches[i] = r.Go(FetchCoroutine(loop, u))
		}
		pages := make([]blocking.Page, 0, len(urls))
		for i, u := range urls {
			body, err := await(fetches[i])
			b, _ := body.([]byte)
			pages = append(pages, blocking.Page{URL: u, Body: b, Err: err})
		}
		return pages, nil
	}
}

// BrokenCrawl fetches the URLs with the seed's BrokenFetch. Its on_body stops
// the loop, so the loop has to be started once per page: the pages come one
// after another, as in stage1.
func BrokenCrawl(loop *ioloop.IOLoop, srv *workload.Server, urls []string) []blocking.Page {
	pages := make([]blocking.Page, 0, len(urls))
	for _, u := range urls {
		path := strings.TrimPrefix(u, srv.URL)
		var body []byte
		BrokenFetch(loop, srv.Addr, path, func(b []byte) { body = b })
		_ = loop.Start()
		pages = append(pages, blocking.Page{URL: u, Body: body})
	}
	return pages
}

// CrawlMain is the stage's demo (go run ./stage5-iostream/cmd/crawl): it
// starts the workload server on 127.0.0.1, crawls -n pages that each take
// -delay to answer, and prints every page and the elapsed time. -broken
// crawls with the seed's broken client instead; -query adds a query string to
// every page URL (framing=close, framing=chunked, status=404) to show what
// that client gets wrong. The exit code is 0, 1 if a page failed, 2 for bad
// flags.
func CrawlMain(args []string, stdout, stderr io.Writer) int {
	d := workload.NewDemo(stderr)
	broken := d.Flags.Bool("broken", false, "use the seed's very simple (and broken) client")
	query := d.Flags.String("query", "", "query string for every page, such as framing=chunked")
	if code, ok := d.Start(args, stdout); !ok {
		return code
	}
	srv := d.Server
	defer srv.Close()
	urls := srv.PageURLs(d.N)
	if *query != "" {
		for i := range urls {
			urls[i] += "?" + *query
		}
	}
	loop, err := ioloop.New()
	if err != nil {
		fmt.Fprintln(stderr, "crawl:", err)
		return 1
	}
	defer loop.Close(true)

	start := time.Now()
	var pages []blocking.Page
	if *broken {
		pages = BrokenCrawl(loop, srv, urls)
	} else {
		r := coroutines.NewRunner(loop)
		defer r.Close()
		v, err := r.RunSync(Crawl(r, loop, urls), time.Minute)
		if err != nil {
			fmt.Fprintln(stderr, "crawl:", err)
			return 1
		}
		pages = v.([]blocking.Page)
	}
	elapsed := time.Since(start)

	failed := 0
	for _, p := range pages {
		if p.Err != nil {
			failed++
			fmt.Fprintf(stdout, "%s: %v\n", p.URL, p.Err)
			continue
		}
		fmt.Fprintf(stdout, "%s: %q\n", p.URL, p.Body)
	}
	how := "over IOStreams on one IOLoop"
	if *broken {
		how = "with the seed's broken client"
	}
	fmt.Fprintf(stdout, "fetched %s %s in %v (%.1f x %v; the server answered %d at once)\n",
		workload.Pages(len(pages)-failed), how, elapsed.Round(time.Millisecond),
		float64(elapsed)/float64(max(d.Delay, 1)), d.Delay, srv.PeakConcurrency())
	if failed > 0 {
		return 1
	}
	return 0
}
