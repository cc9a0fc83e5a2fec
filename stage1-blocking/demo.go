package blocking

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gornado/gornado/internal/workload"
)

// CrawlMain is the crawl demo (go run ./stage1-blocking/cmd/crawl): it starts
// the workload server on a free loopback port, fetches -n pages one after
// another, and prints each page and the elapsed time. It returns the exit code.
func CrawlMain(args []string, stdout, stderr io.Writer) int {
	d := workload.NewDemo(stderr)
	if code, ok := d.Start(args, stdout); !ok {
		return code
	}
	srv := d.Server
	defer srv.Close()

	pages, elapsed := Crawl(srv.PageURLs(d.N))
	failed := 0
	for _, p := range pages {
		if p.Err != nil {
			failed++
			fmt.Fprintf(stdout, "%s: %v\n", p.URL, p.Err)
			continue
		}
		fmt.Fprintf(stdout, "%s: %q\n", p.URL, p.Body)
	}
	fmt.Fprintf(stdout, "fetched %s one after another in %v (%d x %v = %v)\n",
		workload.Pages(len(pages)-failed), elapsed.Round(time.Millisecond), d.N, d.Delay, time.Duration(d.N)*d.Delay)
	if failed > 0 {
		return 1
	}
	return 0
}

// ServeMain is the server demo (go run ./stage1-blocking/cmd/serve): a blocking
// server on -addr that answers GET /page/N after -delay, one connection at a
// time or, with -threaded, a goroutine per connection. It prints its URL, and
// writes it to -addrfile too when given, then serves until interrupted.
func ServeMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8888", "address to listen on")
	delay := fs.Duration("delay", workload.DefaultDelay, "how long each page takes to answer")
	threaded := fs.Bool("threaded", false, "serve each connection on its own goroutine")
	addrFile := fs.String("addrfile", "", "also write the server's URL to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	srv, err := Listen(*addr, *delay)
	if err != nil {
		fmt.Fprintln(stderr, "serve:", err)
		return 1
	}
	mode := "one connection at a time"
	if *threaded {
		mode = "a goroutine per connection"
	}
	fmt.Fprintf(stdout, "stage1 blocking server at %s (%s); try %s/page/1\n", srv.URL(), mode, srv.URL())
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(srv.URL()+"\n"), 0o644); err != nil {
			fmt.Fprintln(stderr, "serve:", err)
			return 1
		}
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-stop
		srv.Close()
	}()
	if *threaded {
		err = srv.ServeThreaded()
	} else {
		err = srv.ServeOneAtATime()
	}
	if err != nil {
		fmt.Fprintln(stderr, "serve:", err)
		return 1
	}
	return 0
}
