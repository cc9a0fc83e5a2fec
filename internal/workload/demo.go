package workload

import (
	"flag"
	"fmt"
	"io"
	"time"
)

// Demo is what every stage's crawl demo shares: the -n and -delay flags and
// the workload server it crawls, so that each stage's CrawlMain holds only the
// part that differs, its way of fetching.
//
//	d := workload.NewDemo(stderr)
//	broken := d.Flags.Bool("broken", false, "...") // a stage's own flags
//	if code, ok := d.Start(args, stdout); !ok {
//		return code
//	}
//	defer d.Server.Close()
//	... crawl d.Server.PageURLs(d.N) ...
type Demo struct {
	// Flags holds -n and -delay; add a stage's own flags before Start.
	Flags *flag.FlagSet
	// N is how many pages to fetch (-n, default 10), set by Start.
	N int
	// Delay is how long each page takes to answer (-delay), set by Start.
	Delay time.Duration
	// Server is the running workload server, set by Start.
	Server *Server

	n      *int
	delay  *time.Duration
	stderr io.Writer
}

// NewDemo returns a demo whose flag errors and usage go to stderr.
func NewDemo(stderr io.Writer) *Demo {
	fs := flag.NewFlagSet("crawl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &Demo{
		Flags:  fs,
		n:      fs.Int("n", 10, "how many pages to fetch"),
		delay:  fs.Duration("delay", DefaultDelay, "how long the server takes to answer each page"),
		stderr: stderr,
	}
}

// Start parses args, starts the workload server on a free loopback port and
// prints where it is. When the demo cannot run, ok is false and code is the
// exit code to return: 2 for bad flags, 1 when the server cannot start.
func (d *Demo) Start(args []string, stdout io.Writer) (code int, ok bool) {
	if err := d.Flags.Parse(args); err != nil {
		return 2, false
	}
	d.N, d.Delay = *d.n, *d.delay
	if d.N < 0 || d.Delay < 0 {
		fmt.Fprintln(d.stderr, "crawl: -n and -delay must not be negative")
		return 2, false
	}
	srv, err := Start("127.0.0.1:0", d.Delay)
	if err != nil {
		fmt.Fprintln(d.stderr, "crawl:", err)
		return 1, false
	}
	d.Server = srv
	fmt.Fprintf(stdout, "workload server at %s, each page takes %v\n", srv.URL, d.Delay)
	return 0, true
}

// Pages is n with the noun the demos' last line needs: "1 page", "0 pages",
// "5 pages".
func Pages(n int) string {
	if n == 1 {
		return "1 page"
	}
	return fmt.Sprintf("%d pages", n)
}
