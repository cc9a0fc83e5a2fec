// Package load is the clientload demo's program: a load generator built on
// final's AsyncHTTPClient, with the flags and JSON output of bench/'s
// cmd/clientload so the harness can set it beside net/http's and fasthttp's
// clients.
//
// Everything runs on one IOLoop, as a Tornado program would: -c fetches are
// started at once, and each one that finishes starts the next, until the
// deadline. The client keeps its keep-alive connections in its pool, so in
// the steady state every request reuses one.
package load

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/httpclient"
	"github.com/gornado/gornado/final/ioloop"
)

// Report is the JSON line Main prints, the fields bench/ reads.
type Report struct {
	Client   string  `json:"client"`
	Conns    int     `json:"conns"`
	Requests int64   `json:"requests"`
	Seconds  float64 `json:"seconds"`
	Rate     float64 `json:"rate"` // requests per second in the measured window
	Errors   int64   `json:"errors"`
}

// ErrNotLoopback: this generator only sends load to the machine it runs on.
var ErrNotLoopback = errors.New("clientload: the URL must name a loopback address")

// Run keeps conns fetches of rawURL in flight on loop for warmup and then d,
// and reports the requests finished within d. The loop must not be running.
func Run(loop *ioloop.IOLoop, rawURL string, conns int, warmup, d time.Duration) (Report, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return Report{}, err
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return Report{}, ErrNotLoopback
	}
	rep := Report{Client: "final", Conns: conns}
	client := httpclient.New(loop)
	client.MaxClients = conns
	client.MaxIdlePerHost = conns
	defer client.Close()

	_, err = ioloop.RunSync(loop, func() *concurrent.Future[struct{}] {
		done := concurrent.NewFuture[struct{}]()
		start := loop.Time()
		measureFrom, end := start.Add(warmup), start.Add(warmup+d)
		inFlight := 0
		var fetch func()
		fetch = func() {
			inFlight++
			f := client.FetchURL(rawURL)
			f.OnDone(func() {
				inFlight--
				now := loop.Time()
				if now.After(measureFrom) && !now.After(end) {
					if _, err := f.Result(); err != nil {
						rep.Errors++
					} else {
						rep.Requests++
					}
				}
				switch {
				case now.Before(end):
					fetch()
				case inFlight == 0:
					done.SetResult(struct{}{})
				}
			})
		}
		for i := 0; i < conns; i++ {
			fetch()
		}
		return done
	}, warmup+d+30*time.Second)
	rep.Seconds = d.Seconds()
	if rep.Seconds > 0 {
		rep.Rate = float64(rep.Requests) / rep.Seconds
	}
	return rep, err
}

// Main runs the generator with args and returns the exit code:
//
//	clientload [-url http://127.0.0.1:8080/] [-c 64] [-d 5s] [-warmup 1s]
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("clientload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rawURL := fs.String("url", "http://127.0.0.1:8080/", "URL to fetch (loopback only)")
	conns := fs.Int("c", 64, "concurrent requests")
	d := fs.Duration("d", 5*time.Second, "measured duration")
	warmup := fs.Duration("warmup", time.Second, "unmeasured load first")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *conns < 1 || *d <= 0 || *warmup < 0 {
		fmt.Fprintln(stderr, "clientload: -c must be at least 1, -d positive, -warmup not negative")
		return 2
	}
	loop, err := ioloop.New()
	if err != nil {
		fmt.Fprintln(stderr, "clientload:", err)
		return 1
	}
	defer loop.Close(false)
	rep, err := Run(loop, *rawURL, *conns, *warmup, *d)
	if err != nil {
		fmt.Fprintln(stderr, "clientload:", err)
		return 1
	}
	out, _ := json.Marshal(rep)
	fmt.Fprintln(stdout, string(out))
	return 0
}
