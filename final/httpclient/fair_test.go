package httpclient

import (
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

// A server that sends a body without end, faster than the client's
// StreamingCallback takes it, must not take the client's loop: its timers
// (the fetch's own request timeout among them) and its other fetches run
// while the body streams in. Before the stream's read pass was bounded, the
// loop stayed in that one stream for as long as the server sent.
func TestEndlessBodyLeavesTheClientLoopToOthers(t *testing.T) {
	// The hostile server: an unframed body of 64 KiB blocks, endless.
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
				c.Write([]byte("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"))
				block := make([]byte, 64<<10)
				for {
					if _, err := c.Write(block); err != nil {
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

	var got atomic.Int64
	endless := make(chan error, 1)
	loop.AddCallback(func() {
		f := client.Fetch(&HTTPRequest{
			URL:            fmt.Sprintf("http://%s/endless", ln.Addr()),
			MaxBodySize:    1 << 50,
			RequestTimeout: time.Hour,
			StreamingCallback: func(p []byte) {
				// Work per piece, as a parser or a file write would
				// do: the server stays ahead of the client.
				var sum uint32
				for range 32 {
					sum = crc32.Update(sum, crc32.IEEETable, p)
				}
				got.Add(int64(len(p)))
			},
		})
		f.OnDone(func() { endless <- f.Exception() })
	})
	deadline := time.Now().Add(10 * time.Second)
	for got.Load() < 8<<20 {
		require.True(t, time.Now().Before(deadline), "the endless body never got going")
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
	before := got.Load()
	f := testutil.MeasureFairness(t, 300, timer, func() error {
		done := make(chan error, 1)
		loop.AddCallback(func() {
			r := client.Fetch(&HTTPRequest{URL: goodURL, RequestTimeout: 3 * time.Second})
			r.OnDone(func() { done <- r.Exception() })
		})
		return testutil.Recv(t, done, "the other fetch")
	})
	during := got.Load() - before
	testutil.AssertFair(t, f)
	t.Logf("the endless body brought %d MiB meanwhile", during>>20)
	assert.Greater(t, during, int64(1<<20), "the endless body kept streaming")
	select {
	case err := <-endless:
		t.Fatalf("the endless fetch ended: %v", err)
	default:
	}
}
