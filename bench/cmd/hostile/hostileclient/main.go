// Command hostileclient is the client side of cmd/hostile's scenario 7:
// final's AsyncHTTPClient (or its blocking HTTPClient) fetching from a
// hostile server that cmd/hostile runs on 127.0.0.1. cmd/hostile embeds this
// file and builds it against the final/ of the tree under test, in a module
// of its own, so it uses only the API every tree has.
//
// It prints one JSON object per line as things happen, so that a run killed
// at its cap still says what it saw:
//
//	{"event":"calllater","late_ms":3.2}
//	{"event":"maxlate","late_ms":812.5}
//	{"event":"done","elapsed_ms":5001,"code":599,"body_len":0,"error":"..."}
//	{"event":"response","name":"second","code":200,"body":"GENUINE"}
//
// and, once finished, waits for its standard input to close before it
// exits, so that the parent can read its /proc/PID/status (VmHWM) and
// /proc/PID/stat (CPU time) while it is still there.
package main

import (
	"encoding/json"
	"flag"
	"io"
	"log"
	"os"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/httpclient"
	"github.com/gornado/gornado/final/ioloop"
)

// event is one line of output.
type event struct {
	Event     string  `json:"event"`
	Name      string  `json:"name,omitempty"`
	LateMS    float64 `json:"late_ms,omitempty"`
	ElapsedMS float64 `json:"elapsed_ms,omitempty"`
	Code      int     `json:"code,omitempty"`
	BodyLen   int     `json:"body_len,omitempty"`
	Body      string  `json:"body,omitempty"`
	Error     string  `json:"error,omitempty"`
}

var enc = json.NewEncoder(os.Stdout)

func main() {
	mode := flag.String("mode", "fetch", "fetch: one AsyncHTTPClient fetch; head or extra: two blocking HTTPClient fetches")
	rawURL := flag.String("url", "", "URL of the hostile server (127.0.0.1)")
	timeout := flag.Duration("timeout", time.Minute, "RequestTimeout of the fetch")
	callLater := flag.Duration("calllater", 500*time.Millisecond, "a CallLater on the fetch's loop, to see how late it runs (0: none)")
	flag.Parse()
	switch *mode {
	case "fetch":
		fetch(*rawURL, *timeout, *callLater)
	case "head", "extra":
		pool(*rawURL, *mode)
	default:
		log.Fatalf("unknown -mode %q", *mode)
	}
	enc.Encode(event{Event: "end"})
	io.Copy(io.Discard, os.Stdin)
}

// fetch makes one GET on an AsyncHTTPClient, with a CallLater on the same
// loop, and stops the loop once both have happened.
func fetch(rawURL string, timeout, callLater time.Duration) {
	loop, err := ioloop.New()
	if err != nil {
		log.Fatal(err)
	}
	pending := 1
	if callLater > 0 {
		pending++
	}
	finish := func() {
		if pending--; pending == 0 {
			loop.Stop()
		}
	}
	loop.AddCallback(func() {
		t0 := time.Now()
		if callLater > 0 {
			loop.CallLater(callLater, func() {
				enc.Encode(event{Event: "calllater", LateMS: ms(time.Since(t0) - callLater)})
				finish()
			})
		}
		// A heartbeat every 100 ms: the most late it has run says how
		// long the loop was kept from its timers.
		var worst time.Duration
		var beat func(due time.Time)
		beat = func(due time.Time) {
			if late := time.Since(due); late > worst {
				worst = late
				enc.Encode(event{Event: "maxlate", LateMS: ms(late)})
			}
			next := time.Now().Add(100 * time.Millisecond)
			loop.CallLater(100*time.Millisecond, func() { beat(next) })
		}
		first := t0.Add(100 * time.Millisecond)
		loop.CallLater(100*time.Millisecond, func() { beat(first) })
		client := httpclient.New(loop)
		fut := client.Fetch(&httpclient.HTTPRequest{URL: rawURL, RequestTimeout: timeout})
		fut.AddDoneCallback(func(*concurrent.Future[*httpclient.HTTPResponse]) {
			resp, err := fut.Result()
			ev := event{Event: "done", ElapsedMS: ms(time.Since(t0))}
			if resp != nil {
				ev.Code, ev.BodyLen = resp.Code, len(resp.Body)
			}
			if err != nil {
				ev.Error = err.Error()
			}
			enc.Encode(ev)
			finish()
		})
	})
	loop.Start()
}

// pool makes two requests on a blocking HTTPClient, which pools the
// connection between them: HEAD /first (head) or GET /first (extra), then,
// 300 ms later (the server may send bytes beyond the first response
// meanwhile), GET /second.
func pool(rawURL, mode string) {
	c, err := httpclient.NewHTTPClient()
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	first := "GET"
	if mode == "head" {
		first = "HEAD"
	}
	do := func(name, method string) {
		resp, err := c.Fetch(&httpclient.HTTPRequest{URL: rawURL + "/" + name, Method: method, RequestTimeout: 5 * time.Second})
		ev := event{Event: "response", Name: name}
		if resp != nil {
			ev.Code, ev.BodyLen = resp.Code, len(resp.Body)
			ev.Body = string(resp.Body[:min(len(resp.Body), 64)])
		}
		if err != nil {
			ev.Error = err.Error()
		}
		enc.Encode(ev)
	}
	do("first", first)
	time.Sleep(300 * time.Millisecond)
	do("second", "GET")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
