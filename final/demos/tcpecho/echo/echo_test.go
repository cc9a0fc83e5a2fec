package echo

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/internal/testutil"
)

func TestServeAndClient(t *testing.T) {
	testutil.CheckLeaks(t)
	s, err := Start("127.0.0.1:0", 2)
	require.NoError(t, err)
	host, port := splitAddr(t, s.Addr)
	replies, err := Client(host, port, []string{"hello", "world", strings.Repeat("x", 10000)}, 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, []string{"hello", "world", strings.Repeat("x", 10000)}, replies)
	_, err = Client(host, port, []string{"a\nb"}, 5*time.Second)
	assert.Error(t, err)
	require.NoError(t, s.Stop())
}

func TestMainUsage(t *testing.T) {
	var out, errb bytes.Buffer
	assert.Equal(t, 2, Main(nil, &out, &errb))
	assert.Equal(t, 2, Main([]string{"dance"}, &out, &errb))
	assert.Contains(t, errb.String(), "unknown command")
	assert.Equal(t, 2, Main([]string{"client"}, &out, &errb))
	assert.Equal(t, 2, Main([]string{"serve", "-loops", "-1"}, &out, &errb))
	assert.Equal(t, 1, Main([]string{"serve", "-addr", "127.0.0.1:notaport"}, &out, &errb))
}

func splitAddr(t testing.TB, addr string) (string, int) {
	host, p, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	var port int
	fmt.Sscan(p, &port)
	return host, port
}

// netConnEcho is the baseline: a goroutine per connection on net.Conn, the
// way a Go program would write it without gornado.
func netConnEcho(t testing.TB) (addr string, stop func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				r := bufio.NewReaderSize(c, 64*1024)
				for {
					line, err := r.ReadSlice('\n')
					if err != nil {
						return
					}
					if _, err := c.Write(line); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), func() { ln.Close(); wg.Wait() }
}

// gornadoEcho starts the demo's server on one loop.
func gornadoEcho(t testing.TB) (addr string, stop func()) {
	s, err := Start("127.0.0.1:0", 1)
	require.NoError(t, err)
	return s.Addr, func() { s.Stop() }
}

// pingPong runs n round trips of msg over conns connections in parallel.
func pingPong(b testing.TB, addr string, conns, n int, msg []byte) {
	var wg sync.WaitGroup
	per := n / conns
	for c := 0; c < conns; c++ {
		count := per
		if c == 0 {
			count += n % conns
		}
		conn, err := net.Dial("tcp", addr)
		require.NoError(b, err)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.Close()
			buf := make([]byte, len(msg))
			for i := 0; i < count; i++ {
				if _, err := conn.Write(msg); err != nil {
					b.Error(err)
					return
				}
				if _, err := io.ReadFull(conn, buf); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func message(size int) []byte {
	m := bytes.Repeat([]byte("x"), size-1)
	return append(m, '\n')
}

// BenchmarkEcho compares round trips through the demo's server (one loop)
// with the net.Conn baseline, for small and large messages and 1 or 50
// connections. allocs/op counts the whole process; the clients allocate
// nothing per round trip, so it is the server's cost per echo.
func BenchmarkEcho(b *testing.B) {
	for _, srv := range []struct {
		name  string
		start func(testing.TB) (string, func())
	}{{"gornado", gornadoEcho}, {"netconn", netConnEcho}} {
		for _, size := range []int{64, 16 * 1024} {
			for _, conns := range []int{1, 50} {
				b.Run(fmt.Sprintf("%s/msg=%d/conns=%d", srv.name, size, conns), func(b *testing.B) {
					addr, stop := srv.start(b)
					defer stop()
					msg := message(size)
					pingPong(b, addr, conns, conns, msg) // warm up
					b.SetBytes(int64(size))
					b.ReportAllocs()
					b.ResetTimer()
					pingPong(b, addr, conns, b.N, msg)
				})
			}
		}
	}
}

// TestAllocsPerEcho checks that the echo path allocates nothing per round
// trip in steady state: the shared read buffer, the callback read and the
// buffered write leave the server nothing to allocate.
func TestAllocsPerEcho(t *testing.T) {
	if testing.Short() {
		t.Skip("measures 20000 round trips")
	}
	addr, stop := gornadoEcho(t)
	defer stop()
	msg := message(64)
	pingPong(t, addr, 4, 2000, msg) // warm the pools and loop buffers
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const n = 20000
	pingPong(t, addr, 4, n, msg)
	runtime.ReadMemStats(&after)
	perEcho := float64(after.Mallocs-before.Mallocs) / n
	t.Logf("%.3f allocations per echo (whole process)", perEcho)
	assert.Less(t, perEcho, 0.05, "the echo path must not allocate")
}
