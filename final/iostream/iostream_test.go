package iostream

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/internal/sys"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/ioloop"
)

// quietLoop returns a loop whose log goes to the test's log.
func quietLoop(t testing.TB) *ioloop.IOLoop {
	t.Helper()
	l, err := ioloop.New(ioloop.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, err)
	t.Cleanup(func() { l.Close(false) })
	return l
}

// pair returns two connected streams over a socketpair, closed at the end.
func pair(t testing.TB, l *ioloop.IOLoop) (*IOStream, *IOStream) {
	t.Helper()
	a, b := testutil.SocketPair(t)
	sa, err := New(l, a)
	require.NoError(t, err)
	sb, err := New(l, b)
	require.NoError(t, err)
	t.Cleanup(func() { sa.Close(); sb.Close() })
	return sa, sb
}

// tcpPair returns two streams over a real TCP connection on 127.0.0.1.
func tcpPair(t testing.TB, l *ioloop.IOLoop) (*IOStream, *IOStream) {
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
	client, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	server, ok := <-accepted
	require.True(t, ok)
	cs, err := FromConn(l, client.(*net.TCPConn))
	require.NoError(t, err)
	ss, err := FromConn(l, server.(*net.TCPConn))
	require.NoError(t, err)
	t.Cleanup(func() { cs.Close(); ss.Close() })
	return cs, ss
}

// run runs body as a coroutine on l and fails the test on its error.
func run(t *testing.T, l *ioloop.IOLoop, body func(c *gen.Co) error) {
	t.Helper()
	_, err := gen.Run(l, 10*time.Second, func(c *gen.Co) (struct{}, error) { return struct{}{}, body(c) })
	require.NoError(t, err)
}

func TestWriteAndReadBytes(t *testing.T) {
	testutil.CheckLeaks(t)
	l := quietLoop(t)
	a, b := pair(t, l)
	run(t, l, func(c *gen.Co) error {
		_, err := gen.Await(c, a.Write([]byte("hello world")))
		require.NoError(t, err)
		data, err := gen.Await(c, b.ReadBytes(5, false))
		require.NoError(t, err)
		assert.Equal(t, "hello", string(data))
		data, err = gen.Await(c, b.ReadBytes(100, true))
		require.NoError(t, err)
		assert.Equal(t, " world", string(data), "partial returns what is there")
		_, err = gen.Await(c, a.Write(nil))
		assert.NoError(t, err, "writing zero bytes resolves")
		zero, err := gen.Await(c, b.ReadBytes(0, false))
		assert.NoError(t, err)
		assert.Empty(t, zero)
		return nil
	})
}

func TestReadUntil(t *testing.T) {
	l := quietLoop(t)
	a, b := pair(t, l)
	run(t, l, func(c *gen.Co) error {
		a.Write([]byte("line one\r\nline two\r\nrest"))
		line, err := gen.Await(c, b.ReadUntil([]byte("\r\n"), 0))
		require.NoError(t, err)
		assert.Equal(t, "line one\r\n", string(line))
		line, err = gen.Await(c, b.ReadUntil([]byte("\r\n"), 0))
		require.NoError(t, err)
		assert.Equal(t, "line two\r\n", string(line))
		assert.Equal(t, 4, b.BufferedLen())
		return nil
	})
}

func TestReadUntilMaxBytes(t *testing.T) {
	// Tornado's test_read_until_max_bytes: max_bytes counts the delimiter.
	l := quietLoop(t)
	a, b := pair(t, l)
	run(t, l, func(c *gen.Co) error {
		f := b.ReadUntil([]byte("def"), 50)
		a.Write([]byte("abcdef"))
		data, err := gen.Await(c, f)
		require.NoError(t, err)
		assert.Equal(t, "abcdef", string(data))

		f = b.ReadUntil([]byte("def"), 6)
		a.Write([]byte("abcdef"))
		data, err = gen.Await(c, f)
		require.NoError(t, err)
		assert.Equal(t, "abcdef", string(data), "just enough room")

		f = b.ReadUntil([]byte("def"), 5)
		a.Write([]byte("123456"))
		_, err = gen.Await(c, f)
		var ue *UnsatisfiableReadError
		require.ErrorAs(t, err, &ue)
		assert.ErrorIs(t, err, ErrStreamClosed)
		assert.True(t, b.Closed())
		return nil
	})
}

func TestReadUntilMaxBytesInlineAndIgnoresExtra(t *testing.T) {
	l := quietLoop(t)
	a, b := pair(t, l)
	run(t, l, func(c *gen.Co) error {
		_, err := gen.Await(c, a.Write([]byte("abcdef")))
		require.NoError(t, err)
		// The data is buffered before the read starts; the delimiter ends
		// past the limit, so the read fails even though it is there.
		_, err = gen.Await(c, b.ReadBytes(1, false))
		require.NoError(t, err)
		_, err = gen.Await(c, b.ReadUntil([]byte("ef"), 4))
		var ue *UnsatisfiableReadError
		assert.ErrorAs(t, err, &ue)
		return nil
	})
}

func TestReadUntilRegex(t *testing.T) {
	l := quietLoop(t)
	a, b := pair(t, l)
	run(t, l, func(c *gen.Co) error {
		re := regexp.MustCompile(`\d+;`)
		f := b.ReadUntilRegex(re, 0)
		a.Write([]byte("abc"))
		gen.Moment(c)
		assert.False(t, f.Done())
		a.Write([]byte("12;tail"))
		data, err := gen.Await(c, f)
		require.NoError(t, err)
		assert.Equal(t, "abc12;", string(data))

		_, err = gen.Await(c, b.ReadUntilRegex(regexp.MustCompile(`X`), 3))
		var ue *UnsatisfiableReadError
		assert.ErrorAs(t, err, &ue)
		return nil
	})
}

func TestReadInto(t *testing.T) {
	l := quietLoop(t)
	a, b := pair(t, l)
	run(t, l, func(c *gen.Co) error {
		buf := make([]byte, 8)
		f := b.ReadInto(buf, false)
		a.Write([]byte("1234"))
		gen.Moment(c)
		assert.False(t, f.Done(), "not partial: waits for 8")
		a.Write([]byte("56789"))
		n, err := gen.Await(c, f)
		require.NoError(t, err)
		assert.Equal(t, 8, n)
		assert.Equal(t, "12345678", string(buf))
		n, err = gen.Await(c, b.ReadInto(buf, true))
		require.NoError(t, err)
		assert.Equal(t, "9", string(buf[:n]))
		n, err = gen.Await(c, b.ReadInto(nil, false))
		assert.NoError(t, err)
		assert.Zero(t, n)
		return nil
	})
}

func TestAlreadyReading(t *testing.T) {
	l := quietLoop(t)
	_, b := pair(t, l)
	run(t, l, func(c *gen.Co) error {
		b.ReadBytes(1, false)
		assert.True(t, b.Reading())
		_, err := gen.Await(c, b.ReadUntil([]byte("x"), 0))
		assert.ErrorIs(t, err, ErrAlreadyReading)
		return nil
	})
}

func TestReadUntilCloseAfterClose(t *testing.T) {
	// Tornado's test_read_until_close_after_close: data written just
	// before the close is all delivered.
	l := quietLoop(t)
	a, b := pair(t, l)
	run(t, l, func(c *gen.Co) error {
		_, err := gen.Await(c, a.Write([]byte("1234")))
		require.NoError(t, err)
		a.Close()
		data, err := gen.Await(c, b.ReadBytes(1, false))
		require.NoError(t, err)
		assert.Equal(t, "1", string(data))
		data, err = gen.Await(c, b.ReadUntilClose())
		require.NoError(t, err)
		assert.Equal(t, "234", string(data))
		assert.True(t, b.Closed())
		assert.NoError(t, b.Error())
		return nil
	})
}

func TestBufferedDataReadableAfterClose(t *testing.T) {
	// Tornado's test_close_buffered_data: bytes in the read buffer can be
	// read after the stream closed; beyond them, reads fail.
	l := quietLoop(t)
	a, b := pair(t, l)
	run(t, l, func(c *gen.Co) error {
		_, err := gen.Await(c, a.Write([]byte("abcdef")))
		require.NoError(t, err)
		_, err = gen.Await(c, b.ReadBytes(1, false))
		require.NoError(t, err)
		require.Equal(t, 5, b.BufferedLen())
		b.Close()
		data, err := gen.Await(c, b.ReadBytes(2, false))
		require.NoError(t, err)
		assert.Equal(t, "bc", string(data))
		_, err = gen.Await(c, b.ReadBytes(10, false))
		assert.ErrorIs(t, err, ErrStreamClosed)
		data, err = gen.Await(c, b.ReadUntilClose())
		require.NoError(t, err)
		assert.Equal(t, "def", string(data), "the failed read consumed nothing")
		return nil
	})
}

func TestCloseDuringEveryPendingOperation(t *testing.T) {
	ops := map[string]func(s *IOStream) concurrent.Awaitable{
		"ReadBytes":      func(s *IOStream) concurrent.Awaitable { return s.ReadBytes(10, false) },
		"ReadBytesPart":  func(s *IOStream) concurrent.Awaitable { return s.ReadBytes(10, true) },
		"ReadUntil":      func(s *IOStream) concurrent.Awaitable { return s.ReadUntil([]byte("\n"), 0) },
		"ReadUntilRegex": func(s *IOStream) concurrent.Awaitable { return s.ReadUntilRegex(regexp.MustCompile("x"), 0) },
		"ReadInto":       func(s *IOStream) concurrent.Awaitable { return s.ReadInto(make([]byte, 4), false) },
		"ReadUntilFunc": func(s *IOStream) concurrent.Awaitable {
			f := concurrent.NewFuture[[]byte]()
			s.ReadUntilFunc([]byte("\n"), 0, func(b []byte, err error) { f.Set(b, err) })
			return f
		},
	}
	for name, op := range ops {
		for _, who := range []string{"self", "peer"} {
			t.Run(name+"/"+who, func(t *testing.T) {
				testutil.CheckLeaks(t)
				l := quietLoop(t)
				a, b := pair(t, l)
				closed := concurrent.NewFuture[struct{}]()
				b.SetCloseCallback(func() { closed.SetResult(struct{}{}) })
				run(t, l, func(c *gen.Co) error {
					f := op(b)
					gen.Moment(c)
					assert.False(t, f.Done())
					if who == "self" {
						b.Close()
					} else {
						a.Close()
					}
					require.NoError(t, gen.AwaitAll(c, closed, gen.MultiAny()))
					assert.True(t, f.Done())
					assert.ErrorIs(t, f.Exception(), ErrStreamClosed)
					return nil
				})
			})
		}
	}
	t.Run("ReadUntilClose", func(t *testing.T) {
		l := quietLoop(t)
		a, b := pair(t, l)
		run(t, l, func(c *gen.Co) error {
			f := b.ReadUntilClose()
			_, err := gen.Await(c, a.Write([]byte("partial")))
			require.NoError(t, err)
			for i := 0; i < 1000 && b.BufferedLen() < len("partial"); i++ {
				gen.Moment(c) // until the loop has delivered the bytes
			}
			b.Close()
			data, err := gen.Await(c, f)
			require.NoError(t, err, "read_until_close resolves with what came")
			assert.Equal(t, "partial", string(data))
			return nil
		})
	})
	t.Run("Write", func(t *testing.T) {
		l := quietLoop(t)
		a, b := pair(t, l)
		_ = b
		run(t, l, func(c *gen.Co) error {
			// Fill the socket buffer so the write stays pending.
			big := make([]byte, 8<<20)
			f := a.Write(big)
			gen.Moment(c)
			require.False(t, f.Done())
			a.Close()
			_, err := gen.Await(c, f)
			assert.ErrorIs(t, err, ErrStreamClosed)
			_, err = gen.Await(c, a.Write([]byte("x")))
			assert.ErrorIs(t, err, ErrStreamClosed, "writing to a closed stream")
			return nil
		})
	})
	t.Run("Connect", func(t *testing.T) {
		l := quietLoop(t)
		run(t, l, func(c *gen.Co) error {
			fd, err := sys.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
			require.NoError(t, err)
			s, err := New(l, fd)
			require.NoError(t, err)
			// A listener that never accepts: the connect completes in
			// the kernel, so close right after starting it.
			f := s.Connect(&unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: 1})
			s.Close()
			_, err = gen.Await(c, f)
			assert.ErrorIs(t, err, ErrStreamClosed)
			return nil
		})
	})
}

func TestWriteThenCloseSendsTheData(t *testing.T) {
	l := quietLoop(t)
	a, b := pair(t, l)
	run(t, l, func(c *gen.Co) error {
		wf := a.Write([]byte("last words"))
		a.Close()
		assert.True(t, wf.Done())
		assert.NoError(t, wf.Exception())
		data, err := gen.Await(c, b.ReadUntilClose())
		require.NoError(t, err)
		assert.Equal(t, "last words", string(data))
		return nil
	})
}

func TestCloseCallbackRunsOnNextIteration(t *testing.T) {
	l := quietLoop(t)
	a, _ := pair(t, l)
	run(t, l, func(c *gen.Co) error {
		ran := concurrent.NewFuture[struct{}]()
		a.SetCloseCallback(func() { ran.SetResult(struct{}{}) })
		a.Close()
		assert.False(t, ran.Done(), "not inside Close")
		_, err := gen.Await(c, ran)
		assert.NoError(t, err)
		late := concurrent.NewFuture[struct{}]()
		a.SetCloseCallback(func() { late.SetResult(struct{}{}) })
		_, err = gen.Await(c, late)
		assert.NoError(t, err, "a callback set after close still runs")
		return nil
	})
}

func TestPeerCloseRunsCloseCallbackWhenIdle(t *testing.T) {
	l := quietLoop(t)
	a, b := tcpPair(t, l)
	run(t, l, func(c *gen.Co) error {
		closed := concurrent.NewFuture[struct{}]()
		b.SetCloseCallback(func() { closed.SetResult(struct{}{}) })
		a.Close()
		_, err := gen.Await(c, closed)
		assert.NoError(t, err)
		assert.True(t, b.Closed())
		return nil
	})
}

func TestRandomSplitReads(t *testing.T) {
	// Lines written in random pieces must come back whole, whatever the
	// split, through the shared and owned buffers.
	l := quietLoop(t)
	a, b := pair(t, l)
	rng := rand.New(rand.NewPCG(1, 2))
	var lines []string
	var all bytes.Buffer
	for i := 0; i < 500; i++ {
		line := strings.Repeat(string(rune('a'+i%26)), rng.IntN(300)) + "\n"
		lines = append(lines, line)
		all.WriteString(line)
	}
	data := all.Bytes()
	run(t, l, func(c *gen.Co) error {
		writer := gen.Go(l, func(c *gen.Co) (struct{}, error) {
			for len(data) > 0 {
				n := min(len(data), 1+rng.IntN(700))
				if _, err := gen.Await(c, a.Write(data[:n])); err != nil {
					return struct{}{}, err
				}
				data = data[n:]
				if rng.IntN(3) == 0 {
					gen.Moment(c)
				}
			}
			return struct{}{}, nil
		})
		for i, want := range lines {
			var got []byte
			var err error
			if i%3 == 2 {
				got, err = gen.Await(c, b.ReadBytes(len(want), false))
			} else {
				got, err = gen.Await(c, b.ReadUntil([]byte("\n"), 1000))
			}
			require.NoError(t, err)
			require.Equal(t, want, string(got), "line %d", i)
		}
		_, err := gen.Await(c, writer)
		return err
	})
}

func TestLargeTransfersAndFlowControl(t *testing.T) {
	// Tornado's test_flow_control and test_small_reads_from_large_buffer:
	// a write far larger than the socket buffer, read back in small pieces.
	l := quietLoop(t)
	a, b := tcpPair(t, l)
	payload := make([]byte, 4<<20)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	run(t, l, func(c *gen.Co) error {
		wf := a.Write(payload)
		a.Write([]byte("END\n"))
		var got []byte
		for len(got) < len(payload) {
			chunk, err := gen.Await(c, b.ReadBytes(min(1024, len(payload)-len(got)), false))
			require.NoError(t, err)
			got = append(got, chunk...)
		}
		assert.True(t, bytes.Equal(payload, got))
		end, err := gen.Await(c, b.ReadUntil([]byte("\n"), 0))
		require.NoError(t, err)
		assert.Equal(t, "END\n", string(end))
		_, err = gen.Await(c, wf)
		return err
	})
}

func TestManySmallWritesAreGathered(t *testing.T) {
	l := quietLoop(t)
	a, b := pair(t, l)
	run(t, l, func(c *gen.Co) error {
		var last *concurrent.Future[struct{}]
		for i := 0; i < 100; i++ {
			last = a.Write([]byte("x"))
		}
		assert.True(t, a.Writing(), "gathered until the end of the iteration")
		assert.Equal(t, 1, len(a.w.bufs), "in one chunk")
		_, err := gen.Await(c, last)
		require.NoError(t, err)
		assert.False(t, a.Writing())
		assert.Nil(t, a.w, "an idle stream holds no write state")
		data, err := gen.Await(c, b.ReadBytes(100, false))
		require.NoError(t, err)
		assert.Equal(t, strings.Repeat("x", 100), string(data))
		assert.Nil(t, b.rbuf, "nor a read buffer")
		return nil
	})
}

func TestMaxBufferSize(t *testing.T) {
	l := quietLoop(t)
	a, b := pair(t, l)
	b.MaxBufferSize = 1000
	run(t, l, func(c *gen.Co) error {
		a.Write(make([]byte, 5000))
		_, err := gen.Await(c, b.ReadUntil([]byte("never"), 0))
		var full *StreamBufferFullError
		require.ErrorAs(t, err, &full)
		assert.Equal(t, "read", full.Which)
		assert.True(t, b.Closed())
		return nil
	})
}

func TestMaxWriteBufferSize(t *testing.T) {
	l := quietLoop(t)
	a, _ := pair(t, l)
	a.MaxWriteBufferSize = 100
	run(t, l, func(c *gen.Co) error {
		a.Write(make([]byte, 60))
		_, err := gen.Await(c, a.Write(make([]byte, 60)))
		var full *StreamBufferFullError
		require.ErrorAs(t, err, &full)
		assert.Equal(t, "write", full.Which)
		assert.False(t, a.Closed(), "a refused write leaves the stream open")
		return nil
	})
}

func TestConnectRefused(t *testing.T) {
	l := quietLoop(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	run(t, l, func(c *gen.Co) error {
		fd, err := sys.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
		require.NoError(t, err)
		s, err := New(l, fd)
		require.NoError(t, err)
		_, err = gen.Await(c, s.Connect(&unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: port}))
		assert.ErrorIs(t, err, ErrStreamClosed)
		assert.ErrorIs(t, err, unix.ECONNREFUSED)
		assert.ErrorIs(t, s.Error(), unix.ECONNREFUSED)
		return nil
	})
}

func TestWriteWhileConnecting(t *testing.T) {
	l := quietLoop(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		defer c.Close()
		buf := make([]byte, 5)
		if _, err := io.ReadFull(c, buf); err != nil {
			got <- err.Error()
			return
		}
		c.Write([]byte("pong\n"))
		got <- string(buf)
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	run(t, l, func(c *gen.Co) error {
		fd, err := sys.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
		require.NoError(t, err)
		s, err := New(l, fd)
		require.NoError(t, err)
		defer s.Close()
		cf := s.Connect(&unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: port})
		wf := s.Write([]byte("hello"))
		rf := s.ReadUntil([]byte("\n"), 0)
		require.NoError(t, s.SetNodelay(true))
		_, err = gen.Await(c, cf)
		require.NoError(t, err)
		assert.Equal(t, "127.0.0.1", s.LocalAddr().(*net.TCPAddr).IP.String())
		assert.Equal(t, port, s.RemoteAddr().(*net.TCPAddr).Port)
		_, err = gen.Await(c, wf)
		require.NoError(t, err)
		line, err := gen.Await(c, rf)
		require.NoError(t, err)
		assert.Equal(t, "pong\n", string(line))
		return nil
	})
	assert.Equal(t, "hello", <-got)
}

func TestPipeIOStream(t *testing.T) {
	testutil.CheckLeaks(t)
	l := quietLoop(t)
	var p [2]int
	require.NoError(t, unix.Pipe(p[:]))
	r, err := NewPipe(l, p[0])
	require.NoError(t, err)
	w, err := NewPipe(l, p[1])
	require.NoError(t, err)
	big := bytes.Repeat([]byte("0123456789"), 100000) // more than a pipe holds
	run(t, l, func(c *gen.Co) error {
		wf := w.Write(big)
		got, err := gen.Await(c, r.ReadBytes(len(big), false))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(big, got))
		_, err = gen.Await(c, wf)
		require.NoError(t, err)
		w.Close()
		rest, err := gen.Await(c, r.ReadUntilClose())
		require.NoError(t, err)
		assert.Empty(t, rest)
		return nil
	})
	r.Close()
}

func TestCallbackReadsDoNotAliasSharedBuffer(t *testing.T) {
	// Two streams on one loop: a zero-copy callback of the first starts a
	// read on the second, which must not overwrite the bytes the first
	// callback is still looking at.
	l := quietLoop(t)
	a1, b1 := pair(t, l)
	a2, b2 := pair(t, l)
	run(t, l, func(c *gen.Co) error {
		_, err := gen.Await(c, a2.Write([]byte("SECOND\n")))
		require.NoError(t, err)
		a1.Write([]byte("first\n"))
		done := concurrent.NewFuture[string]()
		b1.ReadUntilFunc([]byte("\n"), 0, func(data []byte, err error) {
			require.NoError(t, err)
			inner, err := b2.ReadUntil([]byte("\n"), 0).Result()
			require.NoError(t, err)
			done.SetResult(string(data) + string(inner))
		})
		got, err := gen.Await(c, done)
		require.NoError(t, err)
		assert.Equal(t, "first\nSECOND\n", got)
		return nil
	})
}

func TestErrorsMatch(t *testing.T) {
	err := error(&StreamClosedError{RealError: unix.ECONNRESET})
	assert.ErrorIs(t, err, ErrStreamClosed)
	assert.ErrorIs(t, err, unix.ECONNRESET)
	assert.Equal(t, "iostream: stream is closed", (&StreamClosedError{}).Error())
	assert.False(t, errors.Is(errors.New("other"), ErrStreamClosed))
}
