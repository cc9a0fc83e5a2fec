// Command clientload measures an HTTP client: -c goroutines fetch -url over
// keep-alive connections as fast as they can, for -d after -warmup, and it
// prints the completed requests per second as JSON. The runner pins it to
// one core with GOMAXPROCS=1 and nginx to the other, so the client is what is
// measured.
//
// -client picks the implementation: "nethttp" (net/http's Client with a
// Transport allowing -c idle connections per host) or "fasthttp"
// (fasthttp.Client). final's client comes in as its own program with the same
// flags and output (see bench/README.md).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// Report is what clientload prints.
type Report struct {
	Client   string  `json:"client"`
	Conns    int     `json:"conns"`
	Requests int64   `json:"requests"`
	Seconds  float64 `json:"seconds"`
	Rate     float64 `json:"rate"` // requests per second
	Errors   int64   `json:"errors"`
}

func main() {
	client := flag.String("client", "nethttp", "nethttp or fasthttp")
	url := flag.String("url", "http://127.0.0.1:8080/", "URL to fetch (loopback only)")
	conns := flag.Int("c", 64, "concurrent requests")
	d := flag.Duration("d", 5*time.Second, "measured duration")
	warmup := flag.Duration("warmup", time.Second, "unmeasured load first")
	flag.Parse()

	var fetch func() error
	switch *client {
	case "nethttp":
		c := &http.Client{Transport: &http.Transport{
			MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns, DisableCompression: true,
		}}
		fetch = func() error {
			resp, err := c.Get(*url)
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode != 200 {
				err = fmt.Errorf("status %s", resp.Status)
			}
			return err
		}
	case "fasthttp":
		c := &fasthttp.Client{MaxConnsPerHost: *conns}
		fetch = func() error {
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			req.SetRequestURI(*url)
			if err := c.Do(req, resp); err != nil {
				return err
			}
			if resp.StatusCode() != 200 {
				return fmt.Errorf("status %d", resp.StatusCode())
			}
			return nil
		}
	default:
		log.Fatalf("unknown -client %q", *client)
	}
	if err := fetch(); err != nil {
		log.Fatalf("first request: %v", err)
	}

	var counting atomic.Bool
	var count, errs atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < *conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := fetch(); err != nil {
					errs.Add(1)
					continue
				}
				if counting.Load() {
					count.Add(1)
				}
			}
		}()
	}
	time.Sleep(*warmup)
	counting.Store(true)
	start := time.Now()
	time.Sleep(*d)
	n := count.Load()
	elapsed := time.Since(start).Seconds()
	close(stop)
	wg.Wait()
	json.NewEncoder(os.Stdout).Encode(Report{
		Client: *client, Conns: *conns, Requests: n, Seconds: elapsed,
		Rate: float64(n) / elapsed, Errors: errs.Load(),
	})
}
