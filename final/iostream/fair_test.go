package iostream

import (
	"bytes"
	"hash/crc32"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/ioloop"
)

// acceptOn starts a listener on 127.0.0.1:0 and returns a dialled client
// and the server side as a stream on l.
func acceptOn(t *testing.T, l *ioloop.IOLoop) (net.Conn, *IOStream) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { client.Close() })
	server, err := ln.Accept()
	require.NoError(t, err)
	s, err := FromConn(l, server.(*net.TCPConn))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return client, s
}

// burn stands for the work a protocol does per chunk it reads (parsing
// frames, writing echoes): enough that a peer writing as fast as it can
// stays ahead of the reader, so the socket always has bytes to read.
func burn(p []byte) uint32 {
	var sum uint32
	for range 32 {
		sum = crc32.Update(sum, crc32.IEEETable, p)
	}
	return sum
}

// A stream whose socket always has bytes to read must not keep its loop:
// each read pass does a bounded amount of work, then the loop runs its
// timers and the other descriptors. Before, the pass went on reading while
// the socket had data, so with a peer faster than the reader the timer and
// the other connection waited for as long as the flood lasted.
func TestFloodedStreamLetsTimersAndOthersRun(t *testing.T) {
	testutil.Flooding(t)
	l := quietLoop(t)
	floodPeer, flood := acceptOn(t, l)
	echoPeer, echo := acceptOn(t, l)
	stopped := make(chan struct{})
	go func() { defer close(stopped); l.Start() }()
	// Cleanups run last first: the loop stops before the streams close.
	t.Cleanup(func() { l.Stop(); <-stopped })

	// The flood: a peer that writes 64 KiB blocks as fast as the socket
	// takes them, and a reader on the loop that consumes every byte.
	var consumed atomic.Int64
	stopFlood := make(chan struct{})
	t.Cleanup(func() { close(stopFlood); floodPeer.Close() })
	go func() {
		block := make([]byte, 64<<10)
		for {
			select {
			case <-stopFlood:
				return
			default:
			}
			if _, err := floodPeer.Write(block); err != nil {
				return
			}
		}
	}()
	var onChunk func([]byte, error)
	onChunk = func(p []byte, err error) {
		if err != nil {
			return
		}
		burn(p)
		consumed.Add(int64(len(p)))
		flood.ReadBytesFunc(64<<10, true, onChunk)
	}
	l.AddCallback(func() { flood.ReadBytesFunc(64<<10, true, onChunk) })

	// Wait until the flood is under way: several socket buffers' worth.
	deadline := time.Now().Add(10 * time.Second)
	for consumed.Load() < 8<<20 {
		require.True(t, time.Now().Before(deadline), "the flood never got going")
		time.Sleep(time.Millisecond)
	}

	// Another connection on the same loop: a one-byte echo, timed from a
	// client goroutine.
	var onByte func([]byte, error)
	onByte = func(p []byte, err error) {
		if err != nil {
			return
		}
		echo.Write(p)
		echo.ReadBytesFunc(1, true, onByte)
	}
	l.AddCallback(func() { echo.ReadBytesFunc(1, true, onByte) })

	timer := func(delay time.Duration) <-chan time.Duration {
		late := make(chan time.Duration, 1)
		l.AddCallback(func() {
			want := time.Now().Add(delay)
			l.CallLater(delay, func() { late <- time.Since(want) })
		})
		return late
	}
	buf := make([]byte, 1)
	before := consumed.Load()
	f := testutil.MeasureFairness(t, 1000, timer, func() error {
		if _, err := echoPeer.Write([]byte{'x'}); err != nil {
			return err
		}
		echoPeer.SetReadDeadline(time.Now().Add(3 * time.Second))
		_, err := io.ReadFull(echoPeer, buf)
		return err
	})
	during := consumed.Load() - before
	testutil.AssertFair(t, f)
	// The flood kept going meanwhile: the loop shared its time rather
	// than stopping the reader.
	assert.Greater(t, during, int64(1<<20), "the flooded stream kept being read")
}

// Reads the buffer satisfies count against the pass too: a peer that sends
// many small messages at once gets a bounded number of them handled, then
// the loop runs what waits (here a callback added by the first message's
// receiver), then the rest. Over TLS the decrypted bytes are invisible to
// the poller, so the stream itself brings the pass back.
func TestManyBufferedReadsYield(t *testing.T) {
	for _, name := range []string{"plain", "tls"} {
		t.Run(name, func(t *testing.T) {
			var r, w *IOStream
			if name == "tls" {
				scfg, ccfg := testutil.TLSConfigs(t)
				w, r = tlsPair(t, scfg, ccfg)
			} else {
				r, w = pair(t, quietLoop(t))
			}
			l := r.Loop()
			const lines = 20000
			run(t, l, func(c *gen.Co) error {
				w.Write(bytes.Repeat([]byte("x\n"), lines))
				count, markerAt := 0, -1
				done := concurrent.NewFuture[struct{}]()
				var next func([]byte, error)
				next = func(p []byte, err error) {
					if err != nil {
						done.SetException(err)
						return
					}
					count++
					if count == 1 {
						l.AddCallback(func() { markerAt = count })
					}
					if count == lines {
						done.SetResult(struct{}{})
						return
					}
					r.ReadUntilFunc([]byte("\n"), 0, next)
				}
				r.ReadUntilFunc([]byte("\n"), 0, next)
				_, err := gen.Await(c, done)
				require.NoError(t, err)
				t.Logf("the callback ran after %d of %d messages", markerAt, lines)
				assert.Positive(t, markerAt)
				assert.LessOrEqual(t, markerAt, 2*readPassCompletions, "messages handled before the loop ran its callback")
				return nil
			})
		})
	}
}

// A stream is on the loop's list of deferred work once, however often its
// work is deferred and done early. Before, a READ event that flushed its
// own stream left a stale entry on the list, and a write made from that
// flush's Future callbacks listed the stream again: both entries then did
// their work in the next batch, each deferring more for the one after, so
// every READ event added one more flush (and whatever the protocol does on
// top) to every later iteration.
func TestDeferredWorkRunsOncePerIteration(t *testing.T) {
	l := quietLoop(t)
	peer, s := acceptOn(t, l)
	stopped := make(chan struct{})
	go func() { defer close(stopped); l.Start() }()
	t.Cleanup(func() { l.Stop(); <-stopped })

	// Each byte from the peer is answered; each answer sent is followed
	// by another, as an HTTP connection goes on to the next pipelined
	// request once its answers are sent.
	writes, most := 0, 0
	var chain func()
	chain = func() {
		writes++
		f := s.Write([]byte("w"))
		f.OnDone(func() {
			if f.Exception() == nil {
				chain()
			}
		})
	}
	var onByte func([]byte, error)
	onByte = func(p []byte, err error) {
		if err == nil {
			s.Write(p)
			s.ReadBytesFunc(1, true, onByte)
		}
	}
	ticks := 0
	done := make(chan int, 1)
	var tick func()
	tick = func() {
		most = max(most, writes)
		writes = 0
		if ticks++; ticks == 2000 {
			done <- most
			return
		}
		l.CallLater(0, tick)
	}
	l.AddCallback(func() {
		s.ReadBytesFunc(1, true, onByte)
		chain()
		tick()
	})
	// The peer sends byte after byte, so READ events keep coming, and
	// reads whatever comes back.
	go io.Copy(io.Discard, peer)
	go func() {
		for {
			if _, err := peer.Write([]byte("x")); err != nil {
				return
			}
		}
	}()
	most = testutil.Recv(t, done, "2000 loop iterations")
	t.Logf("at most %d chained writes in one iteration", most)
	// One from the flush after a READ event, one from the deferred flush,
	// one after a WRITE event, and one for where the tick falls; before,
	// it grew with every READ event, to hundreds.
	assert.LessOrEqual(t, most, 4, "chained writes done in one loop iteration")
}
