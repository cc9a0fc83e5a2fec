package httpserver_test

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// Memory per idle keep-alive connection (the performance target: at most
// 1 KB resident, docs/performance.md).
// The clients are raw blocking sockets, so that they cost the Go heap
// nothing and every byte measured is the server's: each connection makes
// one request, reads the answer and stays open, idle between requests as a
// browser's kept-alive connection is. The demo's resident memory, in a
// process of its own, is measured by bench/cmd/idleconns (see
// docs/performance-notes.md).

// idleConns opens n keep-alive connections to addr, each after one hello
// request, and returns their descriptors.
func idleConns(tb testing.TB, port, n int) []int {
	tb.Helper()
	fds := make([]int, 0, n)
	tb.Cleanup(func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	})
	buf := make([]byte, 4096)
	sa := &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}
	for range n {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
		require.NoError(tb, err)
		fds = append(fds, fd)
		unix.CloseOnExec(fd)
		require.NoError(tb, unix.Connect(fd, sa))
		_, err = unix.Write(fd, helloReq)
		require.NoError(tb, err)
		got := 0
		for !bytes.HasSuffix(buf[:got], helloBody) {
			k, err := unix.Read(fd, buf[got:])
			require.NoError(tb, err)
			require.Positive(tb, k, "server closed the connection")
			got += k
		}
	}
	return fds
}

// vmRSS returns this process's resident memory in bytes, from
// /proc/self/status, or 0 where there is none.
func vmRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			kb, _ := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(v), []byte(" kB"))), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// idleMemory is the growth per connection of n idle keep-alive
// connections: of the live Go heap after a collection, and of resident
// memory (which includes the collector's headroom).
func idleMemory(tb testing.TB, n int) (heap, rss float64) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < uint64(2*n+200) {
		tb.Skipf("needs %d descriptors, have %d", 2*n+200, lim.Cur)
	}
	addr := startHello(tb)
	_, portStr, _ := bytes.Cut([]byte(addr), []byte(":"))
	port, err := strconv.Atoi(string(portStr))
	require.NoError(tb, err)
	// A first connection sets up what the loop makes once (its buffers,
	// free lists, the descriptor table's first growth).
	idleConns(tb, port, 1)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rss0 := vmRSS()
	idleConns(tb, port, n)
	rss1 := vmRSS()
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
	rss = float64(rss1-rss0) / float64(n)
	return heap, rss
}

// BenchmarkIdleConnMemory reports the Go heap and the resident memory per
// idle keep-alive connection, with 4,000 connections (the process holds
// both ends, so 10,000 would need 20,000 descriptors):
//
//	go test ./final/httpserver -run XXX -bench IdleConnMemory -benchtime 1x
func BenchmarkIdleConnMemory(b *testing.B) {
	heap, rss := idleMemory(b, 4000)
	b.ReportMetric(heap, "heap-B/conn")
	b.ReportMetric(rss, "rss-B/conn")
}

// TestIdleConnHeap bounds the Go heap an idle keep-alive connection keeps
// (its HTTP state, its stream, their registrations with the loop), so that
// the resident memory, the collector's headroom included, stays under the
// 1 KB target.
func TestIdleConnHeap(t *testing.T) {
	heap, rss := idleMemory(t, 1000)
	t.Logf("%.0f bytes of Go heap, %.0f bytes resident per idle connection", heap, rss)
	assert.Less(t, heap, 700.0, "about 570 bytes when measured (docs/performance-notes.md)")
}
