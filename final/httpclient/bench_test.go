package httpclient_test

import (
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/httpclient"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/ioloop"
)

// helloServer is final's server with one loop answering "Hello, world".
func helloServer(b *testing.B) string {
	s := httpserver.New(httpserver.HandlerFunc(func(req *httpserver.Request) {
		req.Conn.Respond(200, nil, "text/plain", []byte("Hello, world"))
	}))
	s.Loops = 1
	require.NoError(b, s.Bind(0, "127.0.0.1"))
	require.NoError(b, s.Start())
	b.Cleanup(func() { s.Close() })
	return "http://" + s.Addr("127.0.0.1") + "/"
}

const benchParallel = 16

// BenchmarkAsyncHTTPClient: 16 fetch chains on one client loop, over
// pooled keep-alive connections.
func BenchmarkAsyncHTTPClient(b *testing.B) {
	url := helloServer(b)
	loop, err := ioloop.New()
	require.NoError(b, err)
	defer loop.Close(true)
	b.ReportAllocs()
	b.ResetTimer()
	_, err = ioloop.RunSync(loop, func() *concurrent.Future[struct{}] {
		client := httpclient.New(loop)
		client.MaxClients = benchParallel
		client.MaxIdlePerHost = benchParallel
		done := concurrent.NewFuture[struct{}]()
		left, running := b.N, benchParallel
		var next func()
		next = func() {
			if left <= 0 {
				if running--; running == 0 {
					client.Close()
					done.SetResult(struct{}{})
				}
				return
			}
			left--
			client.Fetch(&httpclient.HTTPRequest{URL: url}).AddDoneCallback(func(f *concurrent.Future[*httpclient.HTTPResponse]) {
				if _, err := f.Result(); err != nil {
					b.Error(err)
				}
				next()
			})
		}
		for range benchParallel {
			next()
		}
		return done
	}, 0)
	require.NoError(b, err)
}

// BenchmarkNetHTTPClient is the same load through net/http's client, for
// comparison.
func BenchmarkNetHTTPClient(b *testing.B) {
	url := helloServer(b)
	tr := &http.Transport{MaxIdleConnsPerHost: benchParallel}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var left atomic.Int64
	left.Store(int64(b.N))
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for range benchParallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				resp, err := client.Get(url)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
}
