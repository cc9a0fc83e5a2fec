// Package fetchapp is the fetch demo's program, importable so that the
// testscripts run it as a command: a small curl for AsyncHTTPClient that
// fetches URLs in parallel on one loop and prints the status, size and
// time of each.
package fetchapp

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/httpclient"
	"github.com/gornado/gornado/final/ioloop"
)

// Result is the outcome of one URL.
type Result struct {
	URL      string
	Response *httpclient.HTTPResponse
	Err      error
}

// FetchAll fetches urls in parallel on a loop of its own, at most
// maxClients at once, and returns the results in the order of urls.
func FetchAll(urls []string, method string, maxClients int, timeout time.Duration) ([]Result, error) {
	loop, err := ioloop.New()
	if err != nil {
		return nil, err
	}
	defer loop.Close(true)
	results := make([]Result, len(urls))
	_, err = ioloop.RunSync(loop, func() *concurrent.Future[struct{}] {
		client := httpclient.New(loop)
		client.MaxClients = maxClients
		all := concurrent.NewFuture[struct{}]()
		left := len(urls)
		if left == 0 {
			all.SetResult(struct{}{})
		}
		for i, u := range urls {
			req := &httpclient.HTTPRequest{URL: u, Method: method, ConnectTimeout: timeout, RequestTimeout: timeout, AllowNonOK: true}
			client.Fetch(req).AddDoneCallback(func(f *concurrent.Future[*httpclient.HTTPResponse]) {
				resp, err := f.Result()
				results[i] = Result{URL: u, Response: resp, Err: err}
				if left--; left == 0 {
					client.Close()
					all.SetResult(struct{}{})
				}
			})
		}
		return all
	}, 0)
	return results, err
}

// Main runs the demo with args (without the program name) and returns the
// exit code: 0 when every URL got a response, 1 otherwise.
//
//	fetch [-c 10] [-timeout 20s] [-method GET] URL...
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fetch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	conc := fs.Int("c", 10, "requests at once")
	timeout := fs.Duration("timeout", 20*time.Second, "connect and request timeout per URL")
	method := fs.String("method", "GET", "request method")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: fetch [-c N] [-timeout d] [-method M] URL...")
		return 2
	}
	if *conc < 1 {
		fmt.Fprintln(stderr, "fetch: -c must be at least 1")
		return 2
	}
	start := time.Now()
	results, err := FetchAll(fs.Args(), *method, *conc, *timeout)
	if err != nil {
		fmt.Fprintf(stderr, "fetch: %v\n", err)
		return 1
	}
	code := 0
	for _, r := range results {
		if r.Err != nil {
			fmt.Fprintf(stderr, "fetch: %s: %s\n", r.URL, describe(r.Err))
			code = 1
			continue
		}
		resp := r.Response
		fmt.Fprintf(stdout, "%d %7d B %8s %s\n", resp.Code, len(resp.Body), resp.RequestTime.Round(10*time.Microsecond), r.URL)
	}
	fmt.Fprintf(stdout, "%d URLs in %s\n", len(results), time.Since(start).Round(10*time.Microsecond))
	return code
}

// describe says what went wrong in plain words.
func describe(err error) string {
	switch {
	case errors.Is(err, httpclient.ErrTimeoutInQueue):
		return "timed out waiting for a free connection slot"
	case errors.Is(err, httpclient.ErrTimeoutConnecting):
		return "timed out while connecting"
	case errors.Is(err, httpclient.ErrTimeoutRequest):
		return "timed out waiting for the response"
	case errors.Is(err, httpclient.ErrBadURL):
		return "not an http:// or https:// URL"
	}
	return err.Error()
}
