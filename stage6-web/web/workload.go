package web

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	blocking "github.com/gornado/gornado/stage1-blocking"
	futures "github.com/gornado/gornado/stage3-futures"
	coroutines "github.com/gornado/gornado/stage4-coroutines"
	"github.com/gornado/gornado/stage5-iostream/ioloop"
	"github.com/gornado/gornado/stage5-iostream/iostream"
)

// # The path's workload, served by stage 6
//
// Stages 1 to 5 crawled pages that each take 50 ms to answer. Stage 1 also
// served them, one connection at a time, so N clients arriving together waited
// N x 50 ms for the last answer. Here the same pages come from a stage 6
// handler that waits its 50 ms with Await instead of time.Sleep: while one
// request waits, the loop serves all the others, on one goroutine.

// PageHandler answers GET /page/N with "page N\n" after Delay, like the
// workload server of internal/workload.
type PageHandler struct {
	RequestHandler
	Delay time.Duration
	// Stats, if set, counts the requests being answered at once.
	Stats *PageStats
}

// PageStats counts a PageHandler's requests. Every handler runs on the loop's
// goroutine, so plain integers do: no lock, no atomic.
type PageStats struct {
	InFlight, Peak, Served int
}

// Get waits Delay on the loop, then answers.
func (h *PageHandler) Get(args ...string) error {
	n, err := strconv.Atoi(args[0])
	if err != nil {
		return &HTTPError{Code: 404}
	}
	if s := h.Stats; s != nil {
		s.InFlight++
		s.Peak = max(s.Peak, s.InFlight)
		defer func() { s.InFlight-- }()
	}
	if _, err := h.Await(sleep(h.Loop(), h.Delay)); err != nil {
		return err
	}
	h.SetHeader("Content-Type", "text/plain; charset=utf-8")
	h.Write(fmt.Sprintf("page %d\n", n))
	if h.Stats != nil {
		h.Stats.Served++
	}
	return nil
}

// sleep is Tornado's gen.sleep on the real loop: a Future resolved by one of
// the loop's own timers (stage 4's Sleep uses a Go timer, since its loops had
// none).
func sleep(loop *ioloop.IOLoop, d time.Duration) *futures.Future {
	f := futures.New()
	loop.CallLater(d, func() {
		if !f.Done() {
			_ = f.SetResult(nil)
		}
	})
	return f
}

// PagesMain is the workload demo (go run ./stage6-web/cmd/pages): it serves
// pages that take -delay to answer, with -server stage6 (this stage's
// server, on its own loop) or -server stage1 (stage 1's one-at-a-time
// blocking server), and has -n clients fetch one page each, all at once, with
// stage 5's client on another loop. It prints how long the last answer took.
func PagesMain(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("pages", flag.ContinueOnError)
	flags.SetOutput(stderr)
	n := flags.Int("n", 100, "how many clients fetch a page at once")
	delay := flags.Duration("delay", 50*time.Millisecond, "how long each page takes to answer")
	server := flags.String("server", "stage6", "which server answers: stage6 or stage1")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *n < 0 || *delay < 0 || (*server != "stage6" && *server != "stage1") {
		fmt.Fprintln(stderr, "pages: -n and -delay must not be negative; -server is stage6 or stage1")
		return 2
	}

	var url string
	var peak func() int
	switch *server {
	case "stage6":
		loop, err := ioloop.New()
		if err != nil {
			fmt.Fprintln(stderr, "pages:", err)
			return 1
		}
		stats := &PageStats{}
		app := NewApplication(Route{`/page/(\d+)`, func() Handler { return &PageHandler{Delay: *delay, Stats: stats} }})
		srv, err := app.Listen(loop, "127.0.0.1:0", nil)
		if err != nil {
			fmt.Fprintln(stderr, "pages:", err)
			return 1
		}
		done := make(chan error, 1)
		go func() { done <- loop.Start() }()
		defer func() {
			loop.AddCallback(func() { srv.Close(); loop.Stop() })
			<-done
			loop.Close(true)
		}()
		url = "http://" + srv.Addr()
		// Read on the server's loop, where the counter lives.
		peak = func() int {
			v := make(chan int, 1)
			loop.AddCallback(func() { v <- stats.Peak })
			return <-v
		}
	case "stage1":
		srv, err := blocking.Listen("127.0.0.1:0", *delay)
		if err != nil {
			fmt.Fprintln(stderr, "pages:", err)
			return 1
		}
		go func() { _ = srv.ServeOneAtATime() }()
		defer srv.Close()
		url, peak = srv.URL(), srv.PeakConcurrency
	}
	fmt.Fprintf(stdout, "%s server at %s, each page takes %v\n", *server, url, *delay)

	urls := make([]string, *n)
	for i := range urls {
		urls[i] = fmt.Sprintf("%s/page/%d", url, i)
	}
	client, err := ioloop.New()
	if err != nil {
		fmt.Fprintln(stderr, "pages:", err)
		return 1
	}
	defer client.Close(true)
	r := coroutines.NewRunner(client)
	defer r.Close()
	start := time.Now()
	v, err := r.RunSync(iostream.Crawl(r, client, urls), 5*time.Minute)
	elapsed := time.Since(start)
	if err != nil {
		fmt.Fprintln(stderr, "pages:", err)
		return 1
	}
	failed := 0
	for i, p := range v.([]blocking.Page) {
		if p.Err != nil || string(p.Body) != fmt.Sprintf("page %d\n", i) {
			failed++
			if failed <= 3 {
				fmt.Fprintf(stdout, "%s: %q %v\n", p.URL, p.Body, p.Err)
			}
		}
	}
	noun := "clients"
	if *n-failed == 1 {
		noun = "client"
	}
	fmt.Fprintf(stdout, "%d %s fetched a page each in %v (%.1f x %v; the server answered %d at once)\n",
		*n-failed, noun, elapsed.Round(time.Millisecond), float64(elapsed)/float64(max(*delay, 1)), *delay, peak())
	if failed > 0 {
		return 1
	}
	return 0
}
