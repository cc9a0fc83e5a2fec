package iostream

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"regexp"
	"strings"
	"testing"

	futures "github.com/gornado/gornado/stage3-futures"
	coroutines "github.com/gornado/gornado/stage4-coroutines"
	"github.com/gornado/gornado/stage5-iostream/ioloop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/internal/exercisetest"
	"golang.org/x/sys/unix"
)

// splitModes are the ways data may arrive: all at once, one byte per read,
// and split at random points (several seeds, so that delimiters land across
// reads at many places).
func splitModes() []struct {
	name string
	next func() int
} {
	modes := []struct {
		name string
		next func() int
	}{
		{"whole", func() int { return 1 << 20 }},
		{"byte by byte", func() int { return 1 }},
	}
	for seed := int64(1); seed <= 10; seed++ {
		r := rand.New(rand.NewSource(seed))
		modes = append(modes, struct {
			name string
			next func() int
		}{fmt.Sprintf("random splits seed %d", seed), func() int { return 1 + r.Intn(9) }})
	}
	return modes
}

// pipeWith writes data into a fresh pipe (closing the write end if eof) and
// returns a chunked stream over its read end.
func pipeWith(t exercisetest.T, l *ioloop.IOLoop, data string, eof bool, next func() int, opts Options) (*chunkedPipe, int) {
	t.Helper()
	r, w := pipeFDs(t)
	_, err := unix.Write(w, []byte(data))
	require.NoError(t, err)
	if eof {
		unix.Close(w)
		w = -1
	}
	return newChunkedPipe(r, l, next, opts), w
}

func TestEachReadMethodWholeByteByByteAndSplit(t *testing.T) {
	const data = "HTTP/1.1 200 OK\r\nHost: x\r\n\r\nhello world;  12345|the rest, until close"
	for _, mode := range splitModes() {
		t.Run(mode.name, func(t *testing.T) {
			l := newLoop(t)
			s, _ := pipeWith(t, l, data, true, mode.next, Options{})
			defer s.Close(nil)

			assert.Equal(t, "HTTP/1.1 200 OK\r\nHost: x\r\n\r\n",
				runBytes(t, l, func() *futures.Future { return s.ReadUntil([]byte("\r\n\r\n"), 0) }))
			assert.Equal(t, "hello",
				runBytes(t, l, func() *futures.Future { return s.ReadBytes(5, false, nil) }))
			assert.Equal(t, " world;  ",
				runBytes(t, l, func() *futures.Future { return s.ReadUntilRegex(regexp.MustCompile(`;\s+`), 0) }))
			// partial: whatever is there, at least one byte, at most 100.
			part := runBytes(t, l, func() *futures.Future { return s.ReadBytes(100, true, nil) })
			require.NotEmpty(t, part)
			require.True(t, strings.HasPrefix("12345|the rest, until close", part), part)
			if !strings.Contains(part, "|") {
				part += runBytes(t, l, func() *futures.Future { return s.ReadUntil([]byte("|"), 0) })
			}
			assert.True(t, strings.HasPrefix(part, "12345|"), part)
			rest := runBytes(t, l, func() *futures.Future { return s.ReadUntilClose(nil) })
			assert.Equal(t, "12345|the rest, until close", part+rest)
			assert.True(t, s.Closed())
			assert.NoError(t, s.Error(), "a clean EOF is no error")
		})
	}
}

func TestStreamingCallbacks(t *testing.T) {
	data := strings.Repeat("0123456789", 50)
	for _, mode := range splitModes() {
		t.Run(mode.name, func(t *testing.T) {
			l := newLoop(t)
			s, _ := pipeWith(t, l, data, true, mode.next, Options{})
			defer s.Close(nil)

			var first, second []string
			v := runBytes(t, l, func() *futures.Future {
				return s.ReadBytes(123, false, func(b []byte) { first = append(first, string(b)) })
			})
			assert.Empty(t, v, "with a streaming callback the result is empty")
			assert.Equal(t, data[:123], strings.Join(first, ""))

			v = runBytes(t, l, func() *futures.Future {
				return s.ReadUntilClose(func(b []byte) { second = append(second, string(b)) })
			})
			assert.Empty(t, v)
			assert.Equal(t, data[123:], strings.Join(second, ""))
			for _, piece := range append(first, second...) {
				assert.NotEmpty(t, piece, "a streaming callback never gets an empty piece")
			}
			if mode.name == "byte by byte" {
				assert.Len(t, first, 123, "one callback per byte that arrived")
			}
		})
	}
}

func TestDelimiterSpanningTwoReads(t *testing.T) {
	l := newLoop(t)
	// The first read ends in the middle of "\r\n\r\n"; the second completes it.
	sizes := []int{7, 1 << 20}
	s, _ := pipeWith(t, l, "ab\r\n\r\n\r\nrest", true, func() int {
		n := sizes[0]
		if len(sizes) > 1 {
			sizes = sizes[1:]
		}
		return n
	}, Options{})
	defer s.Close(nil)
	assert.Equal(t, "ab\r\n\r\n", runBytes(t, l, func() *futures.Future { return s.ReadUntil([]byte("\r\n\r\n"), 0) }))
	assert.Equal(t, "\r\nrest", runBytes(t, l, func() *futures.Future { return s.ReadUntilClose(nil) }))
}

func TestMaxBytesAtItsExactBoundaries(t *testing.T) {
	nl := regexp.MustCompile(`\n`)
	cases := []struct {
		name     string
		data     string
		read     func(s *chunkedPipe, max int) *futures.Future
		maxBytes int
		want     string // "" means the read fails
		unsat    bool   // ... with UnsatisfiableReadError, else a plain close
	}{
		{"delimiter ends at maxBytes", "0123456789\nmore", until("\n"), 11, "0123456789\n", false},
		{"delimiter ends one past maxBytes", "0123456789\nmore", until("\n"), 10, "", true},
		{"maxBytes counts a long delimiter", "012345678\r\nmore", until("\r\n"), 10, "", true},
		{"delimiter well within", "0123456789\nmore", until("\n"), 12, "0123456789\n", false},
		{"regex ends at maxBytes", "0123456789\nmore", regex(nl), 11, "0123456789\n", false},
		{"regex ends one past maxBytes", "0123456789\nmore", regex(nl), 10, "", true},
		// Exactly maxBytes bytes and no delimiter yet: the read still waits,
		// so EOF ends it with a plain close, not an unsatisfiable read.
		{"buffer of exactly maxBytes waits", "0123456789", until("\n"), 10, "", false},
		{"buffer of maxBytes+1 gives up", "0123456789", until("\n"), 9, "", true},
	}
	for _, c := range cases {
		for _, mode := range splitModes()[:4] {
			t.Run(c.name+"/"+mode.name, func(t *testing.T) {
				l := newLoop(t)
				s, _ := pipeWith(t, l, c.data, true, mode.next, Options{})
				defer s.Close(nil)
				v, err := run(t, l, func() *futures.Future { return c.read(s, c.maxBytes) })
				if c.want != "" {
					require.NoError(t, err)
					assert.Equal(t, c.want, string(v.([]byte)))
					return
				}
				var closed *StreamClosedError
				require.ErrorAs(t, err, &closed)
				var unsat *UnsatisfiableReadError
				assert.Equal(t, c.unsat, errors.As(err, &unsat), "%v", err)
				assert.True(t, s.Closed())
				if c.unsat {
					assert.ErrorAs(t, s.Error(), &unsat, "the stream says why it closed")
				}
			})
		}
	}
}

func until(delim string) func(s *chunkedPipe, max int) *futures.Future {
	return func(s *chunkedPipe, max int) *futures.Future { return s.ReadUntil([]byte(delim), max) }
}

func regex(re *regexp.Regexp) func(s *chunkedPipe, max int) *futures.Future {
	return func(s *chunkedPipe, max int) *futures.Future { return s.ReadUntilRegex(re, max) }
}

func TestCloseDuringEachPendingRead(t *testing.T) {
	reads := []struct {
		name string
		read func(s *chunkedPipe, streamed *[]string) *futures.Future
		want string // the result if the read succeeds on close
	}{
		{"ReadBytes", func(s *chunkedPipe, _ *[]string) *futures.Future { return s.ReadBytes(100, false, nil) }, ""},
		{"ReadBytes streaming", func(s *chunkedPipe, out *[]string) *futures.Future {
			return s.ReadBytes(100, false, func(b []byte) { *out = append(*out, string(b)) })
		}, ""},
		{"ReadUntil", func(s *chunkedPipe, _ *[]string) *futures.Future { return s.ReadUntil([]byte("\n"), 0) }, ""},
		{"ReadUntilRegex", func(s *chunkedPipe, _ *[]string) *futures.Future {
			return s.ReadUntilRegex(regexp.MustCompile(`x+`), 0)
		}, ""},
		{"ReadUntilClose", func(s *chunkedPipe, _ *[]string) *futures.Future { return s.ReadUntilClose(nil) }, "abc"},
	}
	for _, r := range reads {
		for _, how := range []string{"peer closes", "Close on the loop"} {
			t.Run(r.name+"/"+how, func(t *testing.T) {
				l := newLoop(t)
				s, w := pipeWith(t, l, "abc", how == "peer closes", func() int { return 1 << 20 }, Options{})
				if w >= 0 {
					defer unix.Close(w)
				}
				var order []string
				s.SetCloseCallback(func() { order = append(order, "close callback") })
				var streamed []string
				v, err := run(t, l, func() *futures.Future {
					f := r.read(s, &streamed)
					f.AddDoneCallback(func(*futures.Future) { order = append(order, "read done") })
					if how == "Close on the loop" {
						l.AddCallback(func() { s.Close(nil) })
					}
					return f
				})
				if r.want != "" {
					require.NoError(t, err)
					assert.Equal(t, r.want, string(v.([]byte)))
				} else {
					var closed *StreamClosedError
					require.ErrorAs(t, err, &closed)
					assert.NoError(t, closed.RealError, "a clean close has no real error")
				}
				if r.name == "ReadBytes streaming" {
					assert.Equal(t, []string{"abc"}, streamed)
				}
				_, _ = run(t, l, func() *futures.Future { return nil }) // one more turn
				assert.Equal(t, []string{"read done", "close callback"}, order)
				assert.True(t, s.Closed())

				// Any later operation the buffer cannot satisfy fails the
				// same way. (One it can is served: see the next test.)
				_, err = run(t, l, func() *futures.Future { return s.ReadUntil([]byte("never"), 0) })
				assert.ErrorAs(t, err, new(*StreamClosedError))
				_, err = run(t, l, func() *futures.Future { return s.Write([]byte("x")) })
				assert.ErrorAs(t, err, new(*StreamClosedError))
			})
		}
	}
}

func TestReadFromBufferAfterClose(t *testing.T) {
	// A writer that wrote and hung up: the bytes it left are still readable,
	// one read at a time, after the stream has seen the hang-up.
	l := newLoop(t)
	s, _ := pipeWith(t, l, "one\ntwo\nthree", true, func() int { return 1 << 20 }, Options{})
	assert.Equal(t, "one\n", runBytes(t, l, func() *futures.Future { return s.ReadUntil([]byte("\n"), 0) }))
	assert.Equal(t, "two\n", runBytes(t, l, func() *futures.Future { return s.ReadUntil([]byte("\n"), 0) }))
	assert.Equal(t, "three", runBytes(t, l, func() *futures.Future { return s.ReadUntilClose(nil) }))
}

func TestReadBufferFull(t *testing.T) {
	l := newLoop(t)
	s, _ := pipeWith(t, l, strings.Repeat("x", 4096), true, func() int { return 1 << 20 }, Options{MaxBufferSize: 1024})
	_, err := run(t, l, func() *futures.Future { return s.ReadUntil([]byte("never"), 0) })
	var full *StreamBufferFullError
	require.ErrorAs(t, err, &full)
	assert.ErrorAs(t, err, new(*StreamClosedError))
	assert.True(t, s.Closed())
	assert.ErrorAs(t, s.Error(), &full)
}

func TestOneReadAtATime(t *testing.T) {
	l := newLoop(t)
	s, w := pipeWith(t, l, "", false, func() int { return 1 << 20 }, Options{})
	defer unix.Close(w)
	defer s.Close(nil)
	_, err := run(t, l, func() *futures.Future {
		s.ReadBytes(1, false, nil)
		return s.ReadBytes(1, false, nil)
	})
	assert.ErrorIs(t, err, ErrAlreadyReading)
	assert.True(t, s.Reading())
	assert.False(t, s.Writing())
}

func TestPipeIOStream(t *testing.T) {
	l := newLoop(t)
	r, w := pipeFDs(t)
	reader := NewPipeIOStream(r, &Options{Loop: l})
	writer := NewPipeIOStream(w, &Options{Loop: l})
	assert.Equal(t, r, reader.Fileno())
	assert.NoError(t, reader.GetFDError())

	_, err := run(t, l, func() *futures.Future {
		writer.Write([]byte("line 1\nline 2\n"))
		return writer.Write([]byte("tail"))
	})
	require.NoError(t, err)
	assert.Equal(t, "line 1\n", runBytes(t, l, func() *futures.Future { return reader.ReadUntil([]byte("\n"), 0) }))
	writer.Close(nil)
	assert.Equal(t, "line 2\ntail", runBytes(t, l, func() *futures.Future { return reader.ReadUntilClose(nil) }))

	// And the other way round: the reader goes away, the writer notices.
	r2, w2 := pipeFDs(t)
	reader2 := NewPipeIOStream(r2, &Options{Loop: l})
	writer2 := NewPipeIOStream(w2, &Options{Loop: l})
	closed := futures.New()
	writer2.SetCloseCallback(func() { closed.SetResult("writer closed") })
	reader2.Close(nil)
	v, err := run(t, l, func() *futures.Future { return closed })
	require.NoError(t, err)
	assert.Equal(t, "writer closed", v)
	_, err = run(t, l, func() *futures.Future { return writer2.Write([]byte("x")) })
	assert.ErrorAs(t, err, new(*StreamClosedError))
}

func TestSocketReadsWithBytesArrivingOneByOne(t *testing.T) {
	l := newLoop(t)
	s, peer := tcpPair(t, l, nil)
	defer s.Close(nil)
	require.NoError(t, s.SetNodelay(true))
	peer.(*net.TCPConn).SetNoDelay(true)
	const msg = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	go func() {
		for i := range msg {
			if _, err := peer.Write([]byte{msg[i]}); err != nil {
				return
			}
		}
	}()
	assert.Equal(t, msg, runBytes(t, l, func() *futures.Future { return s.ReadUntil([]byte("\r\n\r\n"), 1024) }))
	assert.Equal(t, peer.LocalAddr().String(), s.RemoteAddr().String())
	assert.Equal(t, peer.RemoteAddr().String(), s.LocalAddr().String())
}

func TestWriteBackpressureWithASlowReader(t *testing.T) {
	l := newLoop(t)
	const total = 16 << 20
	s, peer := tcpPair(t, l, &Options{MaxWriteBufferSize: total + 1024})
	defer s.Close(nil)
	// A small kernel send buffer, so that the stream's own buffer is what
	// holds the bytes the slow reader has not taken.
	require.NoError(t, unix.SetsockoptInt(s.Fileno(), unix.SOL_SOCKET, unix.SO_SNDBUF, 64<<10))

	data := bytes.Repeat([]byte("0123456789abcdef"), total/16)
	startReading := make(chan struct{})
	received := make(chan []byte, 1)
	go func() {
		<-startReading // the slow reader: not a byte until told
		got, _ := io.ReadAll(io.LimitReader(peer, total))
		received <- got
	}()

	var written *futures.Future
	_, err := run(t, l, func() *futures.Future {
		written = s.Write(data)
		assert.True(t, s.Writing(), "the kernel could not take 16 MiB: the rest waits in the stream")
		// Another 16 MiB would pass MaxWriteBufferSize: it is refused, and
		// the stream stays open.
		_, err := s.Write(data).Result()
		assert.ErrorAs(t, err, new(*StreamBufferFullError))
		assert.False(t, s.Closed())
		// Let a few turns pass: nothing can be flushed while the peer sleeps.
		done := futures.New()
		l.AddCallback(func() { l.AddCallback(func() { done.SetResult(nil) }) })
		return done
	})
	require.NoError(t, err)
	assert.False(t, written.Done(), "not flushed while the reader is not reading")
	assert.True(t, s.Writing())

	close(startReading)
	_, err = run(t, l, func() *futures.Future { return written })
	require.NoError(t, err)
	assert.False(t, s.Writing())
	assert.Equal(t, data, <-received)
}

func TestConnectRefused(t *testing.T) {
	l := newLoop(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nobody listens there now
	fd, err := Socket(unix.AF_INET)
	require.NoError(t, err)
	s := NewIOStream(fd, &Options{Loop: l})
	_, err = run(t, l, func() *futures.Future { return s.Connect(addr, "") })
	var closed *StreamClosedError
	require.ErrorAs(t, err, &closed)
	assert.ErrorIs(t, err, unix.ECONNREFUSED)
	assert.True(t, s.Closed())
}

func TestWritesBeforeConnectAreSent(t *testing.T) {
	l := newLoop(t)
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
		b, _ := io.ReadAll(c)
		c.Close()
		got <- string(b)
	}()
	fd, err := Socket(unix.AF_INET)
	require.NoError(t, err)
	s := NewIOStream(fd, &Options{Loop: l})
	_, err = run(t, l, func() *futures.Future {
		s.Connect(ln.Addr().String(), "")
		return s.Write([]byte("queued while connecting"))
	})
	require.NoError(t, err)
	s.Close(nil)
	assert.Equal(t, "queued while connecting", <-got)
}

func TestServerSideAccept(t *testing.T) {
	l := newLoop(t)
	lfd, err := BindSocket("127.0.0.1:0", 128)
	require.NoError(t, err)
	defer unix.Close(lfd)
	addr := BoundAddr(lfd)
	require.Regexp(t, `^127\.0\.0\.1:\d+$`, addr)

	// An echo server of one line per connection, on the loop.
	remove, err := AddAcceptHandler(l, lfd, func(conn int, peer net.Addr) {
		s := NewIOStream(conn, &Options{Loop: l})
		s.ReadUntil([]byte("\n"), 1024).AddDoneCallback(func(f *futures.Future) {
			line, err := f.Result()
			if err != nil {
				s.Close(err)
				return
			}
			s.Write(bytes.ToUpper(line.([]byte))).AddDoneCallback(func(*futures.Future) { s.Close(nil) })
		})
	})
	require.NoError(t, err)
	defer remove()

	answers := make(chan string, 3)
	for i := 0; i < 3; i++ {
		go func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				answers <- err.Error()
				return
			}
			fmt.Fprintf(c, "hello %d\n", i)
			b, _ := io.ReadAll(c)
			c.Close()
			answers <- string(b)
		}()
	}
	var got []string
	_, err = run(t, l, func() *futures.Future {
		done := futures.New()
		// The answers come back on other goroutines; hand each to the loop.
		go func() {
			for i := 0; i < 3; i++ {
				a := <-answers
				l.AddCallback(func() {
					got = append(got, a)
					if len(got) == 3 {
						done.SetResult(nil)
					}
				})
			}
		}()
		return done
	})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"HELLO 0\n", "HELLO 1\n", "HELLO 2\n"}, got)
}

// stage3's Futures and stage4's coroutines run on this loop unchanged: a
// coroutine awaits the stream's Futures as it would await any other.
func TestStage4CoroutineReadsFromAnIOStream(t *testing.T) {
	l := newLoop(t)
	s, peer := tcpPair(t, l, nil)
	defer s.Close(nil)
	go func() {
		// The peer answers each line with its length, then hangs up on "bye".
		buf := make([]byte, 1024)
		var pending string
		for {
			n, err := peer.Read(buf)
			if err != nil {
				return
			}
			pending += string(buf[:n])
			for strings.Contains(pending, "\n") {
				line, rest, _ := strings.Cut(pending, "\n")
				pending = rest
				if line == "bye" {
					peer.Close()
					return
				}
				fmt.Fprintf(peer, "%d\n", len(line))
			}
		}
	}()
	r := coroutines.NewRunner(l)
	defer r.Close()
	v, err := r.RunSync(func(await coroutines.Await) (any, error) {
		var answers []string
		for _, word := range []string{"a", "loop", "coroutine"} {
			if _, err := await(s.Write([]byte(word + "\n"))); err != nil {
				return nil, err
			}
			line, err := await(s.ReadUntil([]byte("\n"), 64))
			if err != nil {
				return nil, err
			}
			answers = append(answers, strings.TrimSpace(string(line.([]byte))))
		}
		if _, err := await(s.Write([]byte("bye\n"))); err != nil {
			return nil, err
		}
		rest, err := await(s.ReadUntilClose(nil))
		if err != nil {
			return nil, err
		}
		answers = append(answers, fmt.Sprintf("then %d bytes and EOF", len(rest.([]byte))))
		return answers, nil
	}, 10e9)
	require.NoError(t, err)
	assert.Equal(t, []string{"1", "4", "9", "then 0 bytes and EOF"}, v)
}
