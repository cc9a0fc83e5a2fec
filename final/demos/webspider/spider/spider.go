// Package spider is the webspider demo's program, importable so that the
// testscripts run it in-process: Tornado's demos/webspider on final's
// queues, coroutines and AsyncHTTPClient, all on one loop.
package spider

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/httpclient"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/queues"
	"github.com/gornado/gornado/internal/workload"
)

// Result is what a crawl did.
type Result struct {
	// Fetched are the URLs fetched, Dead those that failed; both sorted.
	Fetched []string
	Dead    []string
	// Elapsed is how long the crawl took.
	Elapsed time.Duration
	// Peak is the most fetches that were in progress at once.
	Peak int
}

// hrefs finds the links of a page, as Tornado's get_links (an HTML
// parser there; a pattern is enough for this demo).
var hrefs = regexp.MustCompile(`(?i)href\s*=\s*["']([^"'#]+)`)

// links returns the absolute URLs a page at base links to.
func links(base string, body []byte) []string {
	b, err := url.Parse(base)
	if err != nil {
		return nil
	}
	var out []string
	for _, m := range hrefs.FindAllSubmatch(body, -1) {
		ref, err := url.Parse(string(m[1]))
		if err != nil {
			continue
		}
		u := b.ResolveReference(ref)
		u.Fragment = ""
		out = append(out, u.String())
	}
	return out
}

// Crawl fetches seeds and every page they link to under prefix, with
// concurrency workers taking URLs from a queue (Tornado's webspider main
// and worker), and reports each page fetched to progress.
func Crawl(loop *ioloop.IOLoop, seeds []string, prefix string, concurrency int, timeout time.Duration, progress func(done int, url string, took time.Duration, err error)) (*Result, error) {
	return gen.Run(loop, timeout, func(co *gen.Co) (*Result, error) {
		start := time.Now()
		q := queues.New[string](loop, 0)
		client := httpclient.New(loop)
		client.MaxClients = concurrency
		defer client.Close()
		fetching := map[string]bool{}
		res := &Result{}
		inFlight := 0

		fetch := func(c *gen.Co, u string) {
			if fetching[u] {
				return
			}
			fetching[u] = true
			inFlight++
			res.Peak = max(res.Peak, inFlight)
			t0 := time.Now()
			resp, err := gen.Await(c, client.FetchURL(u))
			inFlight--
			if err != nil {
				res.Dead = append(res.Dead, u)
			} else {
				res.Fetched = append(res.Fetched, u)
				for _, l := range links(resp.EffectiveURL, resp.Body) {
					if strings.HasPrefix(l, prefix) && !fetching[l] {
						q.PutNowait(l)
					}
				}
			}
			if progress != nil {
				progress(len(res.Fetched)+len(res.Dead), u, time.Since(t0), err)
			}
		}
		worker := func(c *gen.Co) (struct{}, error) {
			for {
				u, err := gen.Await(c, q.Get(0))
				if err != nil {
					return struct{}{}, err
				}
				if u == "" {
					q.TaskDone()
					return struct{}{}, nil // the sentinel: stop
				}
				fetch(c, u)
				q.TaskDone()
			}
		}
		for _, s := range seeds {
			q.PutNowait(s)
		}
		workers := make([]*concurrent.Future[struct{}], concurrency)
		for i := range workers {
			workers[i] = gen.Go(loop, worker)
		}
		if _, err := gen.Await(co, q.Join(0)); err != nil {
			return nil, err
		}
		for range workers {
			q.PutNowait("")
		}
		if _, err := gen.Await(co, gen.Multi(workers)); err != nil {
			return nil, err
		}
		sort.Strings(res.Fetched)
		sort.Strings(res.Dead)
		res.Elapsed = time.Since(start)
		return res, nil
	})
}

// Main runs the demo with args (without the program name) and returns the
// exit code:
//
//	webspider [-pages 20] [-delay 50ms] [-concurrency 10] [-url URL] [-quiet]
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("webspider", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pages := fs.Int("pages", 20, "workload pages to fetch (without -url)")
	delay := fs.Duration("delay", workload.DefaultDelay, "how long each workload page takes")
	concurrency := fs.Int("concurrency", 10, "fetches in progress at once")
	base := fs.String("url", "", "crawl this site instead of the workload, following links under it")
	quiet := fs.Bool("quiet", false, "print only the summary")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *concurrency < 1 || *pages < 0 {
		fmt.Fprintln(stderr, "webspider: -concurrency must be at least 1 and -pages not negative")
		return 2
	}
	seeds, prefix := []string{*base}, *base
	if *base == "" {
		srv, err := workload.Start("127.0.0.1:0", *delay)
		if err != nil {
			fmt.Fprintf(stderr, "webspider: %v\n", err)
			return 1
		}
		defer srv.Close()
		seeds, prefix = srv.PageURLs(*pages), srv.URL
		fmt.Fprintf(stdout, "webspider: crawling %d pages of %s, %d at a time\n", *pages, srv.URL, *concurrency)
	} else {
		fmt.Fprintf(stdout, "webspider: crawling %s, %d at a time\n", *base, *concurrency)
	}
	loop, err := ioloop.New()
	if err != nil {
		fmt.Fprintf(stderr, "webspider: %v\n", err)
		return 1
	}
	defer loop.Close(true)
	progress := func(done int, u string, took time.Duration, err error) {
		if *quiet {
			return
		}
		if err != nil {
			fmt.Fprintf(stdout, "[%d] %s failed: %v\n", done, u, err)
			return
		}
		fmt.Fprintf(stdout, "[%d] fetched %s in %d ms\n", done, u, took.Milliseconds())
	}
	res, err := Crawl(loop, seeds, prefix, *concurrency, *timeout, progress)
	if err != nil {
		fmt.Fprintf(stderr, "webspider: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "Done in %.2f seconds, fetched %d URLs (%d failed), at most %d at once.\n",
		res.Elapsed.Seconds(), len(res.Fetched), len(res.Dead), res.Peak)
	return 0
}
