package httpserver_test

import (
	"bytes"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/httpserver"
)

var (
	helloBody = []byte("Hello, world")
	helloReq  = []byte("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
)

// hello is the benchmark's handler: Tornado's hello world.
func hello(req *httpserver.Request) {
	req.Conn.Respond(200, nil, "text/plain; charset=utf-8", helloBody)
}

// startHello starts a one-loop server for benchmarks and returns its
// address.
func startHello(tb testing.TB) string {
	s := httpserver.New(httpserver.HandlerFunc(hello))
	s.Loops = 1
	require.NoError(tb, s.Bind(0, "127.0.0.1"))
	require.NoError(tb, s.Start())
	tb.Cleanup(func() { s.Close() })
	return s.Addr("127.0.0.1")
}

// responseLen learns the length of one hello response (the Date field has
// a fixed width, so every response is as long).
func responseLen(tb testing.TB, c net.Conn) int {
	_, err := c.Write(helloReq)
	require.NoError(tb, err)
	buf := make([]byte, 4096)
	n := 0
	for {
		k, err := c.Read(buf[n:])
		require.NoError(tb, err)
		n += k
		if i := bytes.Index(buf[:n], []byte("\r\n\r\n")); i >= 0 && n >= i+4+len(helloBody) {
			require.Equal(tb, i+4+len(helloBody), n)
			return n
		}
	}
}

// benchConns runs b.N requests over conns connections, depth requests in
// flight per connection, and reports requests per second.
func benchConns(b *testing.B, conns, depth int) {
	addr := startHello(b)
	var left atomic.Int64
	left.Store(int64(b.N))
	clients := make([]net.Conn, conns)
	var rlen int
	for i := range clients {
		c, err := net.Dial("tcp", addr)
		require.NoError(b, err)
		defer c.Close()
		rlen = responseLen(b, c)
		clients[i] = c
	}
	batch := bytes.Repeat(helloReq, depth)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Add(1)
		go func(c net.Conn) {
			defer wg.Done()
			buf := make([]byte, rlen*depth)
			for {
				k := int(min(left.Add(-int64(depth))+int64(depth), int64(depth)))
				if k <= 0 {
					return
				}
				if _, err := c.Write(batch[:k*len(helloReq)]); err != nil {
					b.Error(err)
					return
				}
				if _, err := io.ReadFull(c, buf[:k*rlen]); err != nil {
					b.Error(err)
					return
				}
			}
		}(c)
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkHelloKeepAlive: one request at a time on each of 64 keep-alive
// connections.
func BenchmarkHelloKeepAlive(b *testing.B) { benchConns(b, 64, 1) }

// BenchmarkHelloKeepAlive1: one connection, one request at a time (latency).
func BenchmarkHelloKeepAlive1(b *testing.B) { benchConns(b, 1, 1) }

// BenchmarkHelloPipelined: 16 requests in flight on each of 16 connections.
func BenchmarkHelloPipelined(b *testing.B) { benchConns(b, 16, 16) }

// TestHelloAllocatesNothing proves the zero-allocation steady state: a
// request and its response through the server cost no allocation anywhere
// in the process (testing.AllocsPerRun counts every goroutine's).
func TestHelloAllocatesNothing(t *testing.T) {
	addr := startHello(t)
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	rlen := responseLen(t, c)
	buf := make([]byte, rlen*16)
	batch := bytes.Repeat(helloReq, 16)
	one := func() {
		_, err := c.Write(helloReq)
		if err == nil {
			_, err = io.ReadFull(c, buf[:rlen])
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for range 100 {
		one() // warm the pools
	}
	allocs := testing.AllocsPerRun(1000, one)
	require.Zero(t, allocs, "allocations per keep-alive request")
	pipelined := func() {
		_, err := c.Write(batch)
		if err == nil {
			_, err = io.ReadFull(c, buf)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	allocs = testing.AllocsPerRun(200, pipelined)
	require.Zero(t, allocs, "allocations per batch of 16 pipelined requests")
}
