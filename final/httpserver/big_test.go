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

// bigBody is the helloworld demo's /64k answer.
var bigBody = bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz"), 64*1024/26+1)[:64*1024]

// benchBig serves bigBody with h over 16 keep-alive connections, one
// request at a time each, and reports requests and bytes per second.
func benchBig(b *testing.B, h httpserver.HandlerFunc) {
	s := httpserver.New(h)
	s.Loops = 1
	require.NoError(b, s.Bind(0, "127.0.0.1"))
	require.NoError(b, s.Start())
	b.Cleanup(func() { s.Close() })
	addr := s.Addr("127.0.0.1")
	req := []byte("GET /64k HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	// The head's length is fixed (the Date field has a fixed width).
	c0, err := net.Dial("tcp", addr)
	require.NoError(b, err)
	_, err = c0.Write(req)
	require.NoError(b, err)
	buf := make([]byte, 256+len(bigBody))
	n := 0
	for {
		k, err := c0.Read(buf[n:])
		require.NoError(b, err)
		n += k
		if i := bytes.Index(buf[:n], []byte("\r\n\r\n")); i >= 0 && n == i+4+len(bigBody) {
			break
		}
	}
	c0.Close()
	rlen := n
	var left atomic.Int64
	left.Store(int64(b.N))
	b.SetBytes(int64(len(bigBody)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range 16 {
		c, err := net.Dial("tcp", addr)
		require.NoError(b, err)
		defer c.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, rlen)
			for left.Add(-1) >= 0 {
				if _, err := c.Write(req); err != nil {
					b.Error(err)
					return
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// Benchmark64K: the demo's /64k with Respond, which copies what the
// socket does not take at once.
//
//	go test ./final/httpserver -run XXX -bench 64K -benchmem
func Benchmark64K(b *testing.B) {
	benchBig(b, func(req *httpserver.Request) {
		req.Conn.Respond(200, nil, "application/octet-stream", bigBody)
	})
}

// Benchmark64KNoCopy: the same with RespondNoCopy, which never copies the
// body.
func Benchmark64KNoCopy(b *testing.B) {
	benchBig(b, func(req *httpserver.Request) {
		req.Conn.RespondNoCopy(200, nil, "application/octet-stream", bigBody)
	})
}
