package coroutines

import (
	"fmt"
	"io"
	"time"

	"github.com/gornado/gornado/internal/workload"
	"github.com/gornado/gornado/stage1-blocking"
	"github.com/gornado/gornado/stage2-callbacks"
	"github.com/gornado/gornado/stage3-futures"
)

// FetchCoroutine is the seed's fetch_coroutine: await the fetch, return the
// body. Python wrote it three ways over the years, and Go needs only one:
//
//	@gen.coroutine                          async def fetch_coroutine(url):
//	def fetch_coroutine(url):                   response = await http_client.fetch(url)
//	    response = yield http_client.fetch(url) return response.body
//	    raise gen.Return(response.body)     # (or `return` in Python 3.3+)
//
// The fetch itself is stage 3's FetchFuture, which is stage 2's callback
// fetch with a Future in front: this stage changes only how we wait for it.
func FetchCoroutine(loop *callbacks.Loop, url string) Func {
	return func(await Await) (any, error) {
		body, err := await(futures.FetchFuture(loop, url))
		if err != nil {
			return nil, err
		}
		return body, nil
	}
}

// Crawl fetches every URL at once and returns the pages in order. Put it next
// to stage 1's Crawl: the loop at the bottom is the same loop, `body, err :=
// Fetch(u)` has become `body, err := await(fetches[i])`, and the pages are the
// same blocking.Page values. Yet it runs like stage 2: all the fetches are
// started first, each as its own coroutine, so the loop has every socket in
// flight while this coroutine waits for the first answer.
func Crawl(r *Runner, loop *callbacks.Loop, urls []string) Func {
	return func(await Await) (any, error) {
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

// CrawlMain is the stage's demo program (go run ./stage4-coroutines/cmd/crawl):
// it starts the workload server on 127.0.0.1, crawls -n pages that each take
// -delay to answer with Crawl under RunSync, and prints every page and the
// elapsed time. It returns the exit code: 0, 1 if a page failed, 2 for bad flags.
func CrawlMain(args []string, stdout, stderr io.Writer) int {
	d := workload.NewDemo(stderr)
	if code, ok := d.Start(args, stdout); !ok {
		return code
	}
	srv := d.Server
	defer srv.Close()
	loop, err := callbacks.NewLoop()
	if err != nil {
		fmt.Fprintln(stderr, "crawl:", err)
		return 1
	}
	defer loop.Close()
	r := NewRunner(loop)
	defer r.Close()

	start := time.Now()
	v, err := r.RunSync(Crawl(r, loop, srv.PageURLs(d.N)), time.Minute)
	if err != nil {
		fmt.Fprintln(stderr, "crawl:", err)
		return 1
	}
	elapsed := time.Since(start)
	failed := 0
	for _, p := range v.([]blocking.Page) {
		if p.Err != nil {
			failed++
			fmt.Fprintf(stdout, "%s: %v\n", p.URL, p.Err)
			continue
		}
		fmt.Fprintf(stdout, "%s: %q\n", p.URL, p.Body)
	}
	fmt.Fprintf(stdout, "fetched %s as coroutines on one goroutine in %v (1 x %v; the server answered %d at once)\n",
		workload.Pages(d.N-failed), elapsed.Round(time.Millisecond), d.Delay, srv.PeakConcurrency())
	if failed > 0 {
		return 1
	}
	return 0
}
