package iostream

import (
	"bytes"
	"log"
	"net"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	futures "github.com/gornado/gornado/stage3-futures"
	"github.com/gornado/gornado/stage5-iostream/ioloop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/internal/exercisetest"
	"golang.org/x/sys/unix"
)

// syncBuffer collects log output from any goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newLoop makes a loop for one test. When the test ends it closes the loop
// and checks that the test left no file descriptor and no goroutine behind,
// and that nothing panicked on the loop.
func newLoop(t exercisetest.T) *ioloop.IOLoop {
	t.Helper()
	fds, goroutines := openFDs(), runtime.NumGoroutine()
	l, err := ioloop.New()
	require.NoError(t, err)
	logs := &syncBuffer{}
	l.ErrorLog = log.New(logs, "", 0)
	t.Cleanup(func() {
		require.NoError(t, l.Close(false))
		assert.Empty(t, logs.String(), "the loop logged")
		if fds >= 0 {
			assert.Equal(t, fds, openFDs(), "file descriptors leaked")
		}
		// A finished goroutine (a TLS handshake's, a test peer's) may need
		// a moment to be reaped after it signalled; yield until it is, or
		// until it is clearly a leak.
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > goroutines && time.Now().Before(deadline) {
			runtime.Gosched()
		}
		assert.LessOrEqual(t, runtime.NumGoroutine(), goroutines, "goroutines leaked")
	})
	return l
}

func openFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}

// run runs fn's Future to completion on the loop.
func run(t *testing.T, l *ioloop.IOLoop, fn func() *futures.Future) (any, error) {
	t.Helper()
	return l.RunSync(fn, 10*time.Second)
}

// runBytes runs a read and returns its bytes, failing the test on an error.
func runBytes(t *testing.T, l *ioloop.IOLoop, fn func() *futures.Future) string {
	t.Helper()
	v, err := run(t, l, fn)
	require.NoError(t, err)
	return string(v.([]byte))
}

// pipeFDs makes a pipe; the streams that wrap the ends close them.
func pipeFDs(t exercisetest.T) (r, w int) {
	t.Helper()
	var fds [2]int
	require.NoError(t, unix.Pipe(fds[:]))
	return fds[0], fds[1]
}

// chunkedPipe is a stream over a pipe's read end whose ReadFromFD returns at
// most next() bytes per call: however the data was written, the stream sees
// it arrive in exactly the pieces the test chooses (whole, byte by byte, or
// split at random points).
type chunkedPipe struct {
	*BaseIOStream
	fd   int
	next func() int
}

func newChunkedPipe(fd int, l *ioloop.IOLoop, next func() int, opts Options) *chunkedPipe {
	p := &chunkedPipe{fd: fd, next: next}
	_ = unix.SetNonblock(fd, true)
	opts.Loop = l
	p.BaseIOStream = NewBaseIOStream(p, p, &opts)
	return p
}

func (p *chunkedPipe) Fileno() int                        { return p.fd }
func (p *chunkedPipe) CloseFD() error                     { return unix.Close(p.fd) }
func (p *chunkedPipe) WriteToFD(data []byte) (int, error) { return writeFD(p.fd, data) }
func (p *chunkedPipe) GetFDError() error                  { return nil }
func (p *chunkedPipe) ReadFromFD(buf []byte) (int, error) {
	return readFD(p.fd, buf[:min(len(buf), max(1, p.next()))])
}

// tcpPair connects a client IOStream on the loop to a plain Go net.Conn (the
// peer, used from the test's goroutines) over 127.0.0.1.
func tcpPair(t *testing.T, l *ioloop.IOLoop, opts *Options) (*IOStream, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	fd, err := Socket(unix.AF_INET)
	require.NoError(t, err)
	if opts == nil {
		opts = &Options{}
	}
	opts.Loop = l
	s := NewIOStream(fd, opts)
	v, err := run(t, l, func() *futures.Future { return s.Connect(ln.Addr().String(), "") })
	require.NoError(t, err)
	require.Same(t, s, v, "Connect resolves to the stream")
	peer := <-accepted
	require.NotNil(t, peer)
	t.Cleanup(func() { peer.Close() })
	return s, peer
}
