package iostream

// The checkers of the chapter's exercises, separated from the answer they
// check: exercises_test.go (build tag `exercises`) runs them on your answer,
// exerciseanswers_test.go on a model answer and on the wrong answers each
// must reject. Every run of an answer has its own deadline, so that a wrong
// answer fails instead of hanging.

import (
	"bytes"
	"io"
	"os"
	"strings"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"golang.org/x/sys/unix"

	"github.com/gornado/gornado/internal/exercisetest"
	futures "github.com/gornado/gornado/stage3-futures"
	"github.com/gornado/gornado/stage5-iostream/ioloop"
)

// readLinesFunc is the signature of exercise 1, ReadLines.
type readLinesFunc func(s *BaseIOStream, maxLine int, onLine func(line []byte)) *futures.Future

// copyFunc is the signature of exercise 2, Copy.
type copyFunc func(dst, src *BaseIOStream) *futures.Future

// runWithin runs fn under RunSync with a 5s timeout, and fails the test if
// RunSync has not returned 10s later: RunSync's timeout is a timer on the
// loop, which an answer that blocks the loop's goroutine (a blocking read or
// write, a time.Sleep) keeps from firing.
func runWithin(t exercisetest.T, l *ioloop.IOLoop, fn func() *futures.Future) (v any, err error) {
	t.Helper()
	exercisetest.Within(t, 10*time.Second, 5*time.Second, "RunSync", func() { v, err = l.RunSync(fn, 5*time.Second) })
	return v, err
}

// checkReadLines is exercise 1: the data arriving whole, byte by byte and
// split at random points, and lines too long.
func checkReadLines(readLines readLinesFunc) []exercisetest.Case {
	var cases []exercisetest.Case
	inputs := []struct {
		name, data string
		want       []string
	}{
		{"a last line without newline", "first\nsecond\n\nlast, no newline", []string{"first", "second", "", "last, no newline"}},
		{"every line ended", "a\nbb\nccc\n", []string{"a", "bb", "ccc"}},
		{"nothing at all", "", nil},
		{"a thousand lines", strings.Repeat("0123456789\n", 1000), strings.Split(strings.Repeat("0123456789\n", 999)+"0123456789", "\n")},
	}
	for _, mode := range splitModes() {
		for _, tc := range inputs {
			cases = append(cases, exercisetest.Case{Name: mode.name + "/" + tc.name, Check: func(t exercisetest.T) {
				l := newLoop(t)
				s, _ := pipeWith(t, l, tc.data, true, mode.next, Options{})
				defer s.Close(nil)
				var got []string
				n, err := runWithin(t, l, func() *futures.Future {
					return readLines(s.BaseIOStream, 0, func(line []byte) { got = append(got, string(line)) })
				})
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
				assert.Equal(t, len(tc.want), n)
			}})
		}
	}

	// A line too long is refused, whether the stream notices it while the
	// peer keeps sending (ReadUntil's maxBytes) or the peer has closed and
	// the line is in what the closed stream still holds.
	for _, eof := range []bool{false, true} {
		name := map[bool]string{false: "a line longer than maxLine, the peer still open", true: "a line longer than maxLine, the peer gone"}[eof]
		cases = append(cases, exercisetest.Case{Name: name, Check: func(t exercisetest.T) {
			l := newLoop(t)
			s, w := pipeWith(t, l, "short\nexactly10\nthis line is far too long\nnever seen\n", eof,
				func() int { return 3 }, Options{})
			defer s.Close(nil)
			if w >= 0 {
				defer unix.Close(w)
			}
			var got []string
			_, err := runWithin(t, l, func() *futures.Future {
				return readLines(s.BaseIOStream, 10, func(line []byte) { got = append(got, string(line)) })
			})
			assert.ErrorAs(t, err, new(*UnsatisfiableReadError))
			assert.Equal(t, []string{"short", "exactly10"}, got, "maxLine counts the newline")
		}})
	}
	cases = append(cases, exercisetest.Case{Name: "a last line without newline longer than maxLine", Check: func(t exercisetest.T) {
		l := newLoop(t)
		s, _ := pipeWith(t, l, "short\nthis last line is too long", true, func() int { return 4 }, Options{})
		defer s.Close(nil)
		var got []string
		_, err := runWithin(t, l, func() *futures.Future {
			return readLines(s.BaseIOStream, 10, func(line []byte) { got = append(got, string(line)) })
		})
		assert.ErrorAs(t, err, new(*UnsatisfiableReadError))
		assert.Equal(t, []string{"short"}, got)
	}})
	return cases
}

// checkCopy is exercise 2: 1 MiB from one pipe to another through a stream
// whose write buffer holds 64 KiB, to a reader that starts late.
func checkCopy(copyStreams copyFunc) []exercisetest.Case {
	return []exercisetest.Case{{Name: "1 MiB through a 64 KiB write buffer to a slow reader", Check: func(t exercisetest.T) {
		l := newLoop(t)
		r1, w1 := pipeFDs(t) // the test writes w1; Copy reads r1
		r2, w2 := pipeFDs(t) // Copy writes w2; the test reads r2
		src := NewPipeIOStream(r1, &Options{Loop: l})
		dst := NewPipeIOStream(w2, &Options{Loop: l, MaxWriteBufferSize: 64 << 10})
		defer src.Close(nil)
		defer dst.Close(nil)

		data := bytes.Repeat([]byte("gornado copies this. "), 1<<20/21+1)[:1<<20]
		wrote := make(chan error, 1)
		go func() {
			f := os.NewFile(uintptr(w1), "w1")
			_, err := f.Write(data)
			f.Close()
			wrote <- err
		}()
		read := make(chan []byte, 1)
		go func() {
			time.Sleep(100 * time.Millisecond) // a slow consumer: the pipe fills up
			f := os.NewFile(uintptr(r2), "r2")
			b, _ := io.ReadAll(f)
			f.Close()
			read <- b
		}()

		n, err := runWithin(t, l, func() *futures.Future { return copyStreams(dst.BaseIOStream, src.BaseIOStream) })
		src.Close(nil) // a writer still blocked (Copy failed) gets EPIPE
		dst.Close(nil) // the reader sees the end
		got := <-read
		<-wrote // EPIPE if Copy gave up early: that is Copy's failure, reported below
		require.NoError(t, err, "a slow consumer must slow the copy down, not fail it")
		assert.Equal(t, int64(len(data)), n)
		assert.True(t, bytes.Equal(data, got), "copied %d bytes, the reader got %d", len(data), len(got))
		assert.False(t, dst.Closed() && dst.Error() != nil, "dst closed with an error: %v", dst.Error())
	}}}
}
