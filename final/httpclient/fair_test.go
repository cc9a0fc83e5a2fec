package httpclient

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/ioloop"
)

// A server that sends without end, faster than the client takes it, must
// not take the client's loop: its timers (the fetch's own request timeout
// among them) and its other fetches run while the bytes stream in. Before
// the stream's read pass was bounded, the loop stayed in that one stream
// for as long as the server sent. Two such servers: one sends an endless
// body to a StreamingCallback that works on each piece; the other sends
// `100 Continue` heads without end, to a fetch whose interim limits are
// lifted, so that only the loop's fairness stands between that stream and
// the others (with the defaults, the eleventh head ends the fetch).
func TestEndlessResponsesLeaveTheClientLoopToOthers(t *testing.T) {
	crc := func(p []byte) {
		// Work per piece, as a parser or a file write would do.
		var sum uint32
		for range 32 {
			sum = crc32.Update(sum, crc32.IEEETable, p)
		}
	}
	cases := []struct {
		name string
		// head is what the server sends first, block what it repeats.
		head, block []byte
		// request sets up the endless fetch.
		request func(url string) *HTTPRequest
		// progress is the least the client must take while the others
		// are measured: at 64 heads a pass, heads come slowly.
		progress int64
	}{{
		name:  "endless body",
		head:  []byte("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"),
		block: make([]byte, 64<<10),
		request: func(url string) *HTTPRequest {
			return &HTTPRequest{URL: url, MaxBodySize: 1 << 50, RequestTimeout: time.Hour,
				// Work per piece, as a parser or a file write would do:
				// the server stays ahead of the client.
				StreamingCallback: crc}
		},
		progress: 16 << 20,
	}, {
		name:  "endless 100 Continue",
		block: bytes.Repeat([]byte("HTTP/1.1 100 Continue\r\n\r\n"), 2048),
		request: func(url string) *HTTPRequest {
			return &HTTPRequest{URL: url, RequestTimeout: time.Hour,
				MaxInterimResponses: 1 << 50, MaxInterimBytes: 1 << 50}
		},
		progress: 256 << 10,
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testutil.Flooding(t)
			// The hostile server; read counts the bytes the client took
			// from it (what the server's writes hand the kernel, whose
			// buffers the client empties).
			var read atomic.Int64
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			t.Cleanup(func() { ln.Close() })
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					go func() {
						defer c.Close()
						buf := make([]byte, 4096)
						c.Read(buf)
						c.Write(tc.head)
						for {
							n, err := c.Write(tc.block)
							read.Add(int64(n))
							if err != nil {
								return
							}
						}
					}()
				}
			}()
			// A well-behaved server for the other fetches.
			good := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })}
			gln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			go good.Serve(gln)
			t.Cleanup(func() { good.Close() })

			loop, err := ioloop.New()
			require.NoError(t, err)
			stopped := make(chan struct{})
			go func() { defer close(stopped); loop.Start() }()
			t.Cleanup(func() { loop.AddCallback(loop.Stop); <-stopped; loop.Close(true) })
			client := New(loop)

			endless := make(chan error, 1)
			loop.AddCallback(func() {
				f := client.Fetch(tc.request(fmt.Sprintf("http://%s/endless", ln.Addr())))
				f.OnDone(func() { endless <- f.Exception() })
			})
			deadline := time.Now().Add(10 * time.Second)
			for read.Load() < 8<<20 {
				require.True(t, time.Now().Before(deadline), "the endless response never got going")
				time.Sleep(time.Millisecond)
			}

			timer := func(delay time.Duration) <-chan time.Duration {
				late := make(chan time.Duration, 1)
				loop.AddCallback(func() {
					want := time.Now().Add(delay)
					loop.CallLater(delay, func() { late <- time.Since(want) })
				})
				return late
			}
			goodURL := fmt.Sprintf("http://%s/", gln.Addr())
			before := read.Load()
			f := testutil.MeasureFairness(t, 300, timer, func() error {
				done := make(chan error, 1)
				loop.AddCallback(func() {
					r := client.Fetch(&HTTPRequest{URL: goodURL, RequestTimeout: 3 * time.Second})
					r.OnDone(func() { done <- r.Exception() })
				})
				return testutil.Recv(t, done, "the other fetch")
			})
			during := read.Load() - before
			testutil.AssertFair(t, f)
			t.Logf("the endless response brought %d KiB meanwhile", during>>10)
			assert.Greater(t, during, tc.progress, "the endless response kept coming")
			select {
			case err := <-endless:
				t.Fatalf("the endless fetch ended: %v", err)
			default:
			}
		})
	}
}
