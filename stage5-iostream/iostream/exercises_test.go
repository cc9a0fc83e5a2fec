//go:build exercises

package iostream

// The tests of the chapter's exercises. They fail until the exercise is done:
//
//	go test -tags exercises -run Exercise ./stage5-iostream/iostream/

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"golang.org/x/sys/unix"

	"github.com/gornado/gornado/stage5-iostream/ioloop"

	"github.com/gornado/gornado/internal/exercisetest"
	futures "github.com/gornado/gornado/stage3-futures"
)

// runWithin is run with a deadline of its own: RunSync's timeout is a timer
// on the loop, which an answer that blocks the loop's goroutine (a blocking
// read or write, a time.Sleep) keeps from firing, so the test would hang
// instead of failing.
func runWithin(t *testing.T, l *ioloop.IOLoop, fn func() *futures.Future) (v any, err error) {
	t.Helper()
	exercisetest.Within(t, 15*time.Second, 5*time.Second, "RunSync", func() { v, err = run(t, l, fn) })
	return v, err
}

// Exercise 1: ReadLines, with the data arriving whole, byte by byte and split
// at random points.
func TestExercise1ReadLines(t *testing.T) {
	cases := []struct {
		name, data string
		want       []string
	}{
		{"a last line without newline", "first\nsecond\n\nlast, no newline", []string{"first", "second", "", "last, no newline"}},
		{"every line ended", "a\nbb\nccc\n", []string{"a", "bb", "ccc"}},
		{"nothing at all", "", nil},
		{"a thousand lines", strings.Repeat("0123456789\n", 1000), strings.Split(strings.Repeat("0123456789\n", 999)+"0123456789", "\n")},
	}
	for _, mode := range splitModes() {
		for _, tc := range cases {
			t.Run(mode.name+"/"+tc.name, func(t *testing.T) {
				l := newLoop(t)
				s, _ := pipeWith(t, l, tc.data, true, mode.next, Options{})
				defer s.Close(nil)
				var got []string
				n, err := runWithin(t, l, func() *futures.Future {
					return ReadLines(s.BaseIOStream, 0, func(line []byte) { got = append(got, string(line)) })
				})
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
				assert.Equal(t, len(tc.want), n)
			})
		}
	}

	// A line too long is refused, whether the stream notices it while the
	// peer keeps sending (ReadUntil's maxBytes) or the peer has closed and
	// the line is in what the closed stream still holds.
	for _, eof := range []bool{false, true} {
		name := map[bool]string{false: "a line longer than maxLine, the peer still open", true: "a line longer than maxLine, the peer gone"}[eof]
		t.Run(name, func(t *testing.T) {
			l := newLoop(t)
			s, w := pipeWith(t, l, "short\nexactly10\nthis line is far too long\nnever seen\n", eof,
				func() int { return 3 }, Options{})
			defer s.Close(nil)
			if w >= 0 {
				defer unix.Close(w)
			}
			var got []string
			_, err := runWithin(t, l, func() *futures.Future {
				return ReadLines(s.BaseIOStream, 10, func(line []byte) { got = append(got, string(line)) })
			})
			assert.ErrorAs(t, err, new(*UnsatisfiableReadError))
			assert.Equal(t, []string{"short", "exactly10"}, got, "maxLine counts the newline")
		})
	}
}

// Exercise 2: Copy moves 1 MiB from one pipe to another through a stream whose
// write buffer holds 64 KiB, to a reader that starts late.
func TestExercise2Copy(t *testing.T) {
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

	n, err := runWithin(t, l, func() *futures.Future { return Copy(dst.BaseIOStream, src.BaseIOStream) })
	src.Close(nil) // a writer still blocked (Copy failed) gets EPIPE
	dst.Close(nil) // the reader sees the end
	got := <-read
	require.NoError(t, <-wrote)
	require.NoError(t, err, "a slow consumer must slow the copy down, not fail it")
	assert.Equal(t, int64(len(data)), n)
	assert.True(t, bytes.Equal(data, got), "copied %d bytes, the reader got %d", len(data), len(got))
	assert.False(t, dst.Closed() && dst.Error() != nil, "dst closed with an error: %v", dst.Error())
}
