// Benchmarks of hello world and JSON through Application and
// RequestHandler, in-process over loopback, and the proof that the steady
// state allocates nothing.

package web

import (
	"bytes"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var helloReq = []byte("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")

type plainHello struct{ RequestHandler }

func (h *plainHello) Get(...string) error {
	h.SetHeader("Content-Type", "text/plain; charset=utf-8")
	return h.WriteString("Hello, world")
}

type jsonHello struct{ RequestHandler }

// message is the JSON workload's answer.
type message struct {
	Message string `json:"message"`
}

func (h *jsonHello) Get(...string) error { return h.Write(&message{Message: "Hello, world"}) }

// startBench serves the benchmark application on one loop.
func startBench(tb testing.TB) string {
	app := NewApplication([]*URLSpec{URL("/", &plainHello{}), URL("/json", &jsonHello{})}, Settings{})
	return strings.TrimPrefix(serve(tb, app), "http://")
}

// responseLen learns the length of one response (all are as long).
func responseLen(tb testing.TB, c net.Conn, req []byte) int {
	_, err := c.Write(req)
	require.NoError(tb, err)
	buf := make([]byte, 4096)
	n := 0
	for {
		k, err := c.Read(buf[:])
		require.NoError(tb, err)
		n += k
		head := bytes.Index(buf[:k], []byte("\r\n\r\n"))
		if head >= 0 {
			i := bytes.Index(buf[:k], []byte("Content-Length: "))
			require.GreaterOrEqual(tb, i, 0)
			j := bytes.IndexByte(buf[i:k], '\r')
			var cl int
			for _, ch := range buf[i+16 : i+j] {
				cl = cl*10 + int(ch-'0')
			}
			for n < head+4+cl {
				k2, err := c.Read(buf[k:])
				require.NoError(tb, err)
				n += k2
			}
			return head + 4 + cl
		}
	}
}

// benchConns runs b.N requests over conns keep-alive connections, one at a
// time on each, and reports requests per second.
func benchConns(b *testing.B, req []byte, conns int) {
	addr := startBench(b)
	var left atomic.Int64
	left.Store(int64(b.N))
	clients := make([]net.Conn, conns)
	var rlen int
	for i := range clients {
		c, err := net.Dial("tcp", addr)
		require.NoError(b, err)
		defer c.Close()
		rlen = responseLen(b, c, req)
		clients[i] = c
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Add(1)
		go func(c net.Conn) {
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
		}(c)
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkHelloApplication: hello world through Application and
// RequestHandler on 64 keep-alive connections.
func BenchmarkHelloApplication(b *testing.B) { benchConns(b, helloReq, 64) }

// BenchmarkJSONApplication: a JSON answer (Write of a struct).
func BenchmarkJSONApplication(b *testing.B) {
	benchConns(b, []byte("GET /json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), 64)
}

// TestHelloAllocations: a hello world request through Application,
// routing, a new handler, the ETag and the response, costs in the steady
// state (anywhere in the process) one allocation per handlerBlock
// requests, the block its handler comes from (pool.go), and nothing
// else, with the access log off (serve's logger is above INFO; a line
// written by slog allocates).
func TestHelloAllocations(t *testing.T) {
	addr := startBench(t)
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	rlen := responseLen(t, c, helloReq)
	buf := make([]byte, rlen)
	one := func() {
		_, err := c.Write(helloReq)
		if err == nil {
			_, err = io.ReadFull(c, buf)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for range 100 {
		one()
	}
	const n = 100 * handlerBlock
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range n {
		one()
	}
	runtime.ReadMemStats(&after)
	allocs := after.Mallocs - before.Mallocs
	t.Logf("%d allocations in %d requests", allocs, n)
	// A few more than the blocks' own, for whatever the runtime
	// allocates meanwhile (a timer, a GC's work).
	require.LessOrEqual(t, allocs, uint64(n/handlerBlock+8), "allocations")
	require.Contains(t, string(buf), "Hello, world")
}
