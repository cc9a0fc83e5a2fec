package iostream

import (
	"bytes"
	"math/rand"
	"testing"

	futures "github.com/gornado/gornado/stage3-futures"
	"github.com/gornado/gornado/stage5-iostream/ioloop"
	"golang.org/x/sys/unix"
)

// FuzzReadUntil feeds random data, split at random points, to a loop of
// ReadUntil calls and checks the pieces against bytes.Index on the whole: the
// stream must find the same delimiters however the bytes arrive, and hand the
// tail to ReadUntilClose.
//
//	go test -fuzz FuzzReadUntil ./stage5-iostream/iostream/
func FuzzReadUntil(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\nbody"), []byte("\r\n"), int64(1))
	f.Add([]byte("aaaaab"), []byte("aab"), int64(2))
	f.Add([]byte("no delimiter here"), []byte("\n"), int64(3))
	f.Fuzz(readUntilMatchesIndex)
}

// readUntilMatchesIndex is the fuzz body.
func readUntilMatchesIndex(t *testing.T, data, delim []byte, seed int64) {
	if len(delim) == 0 || len(data) > 16<<10 {
		return
	}
	var want []string
	rest := data
	for {
		i := bytes.Index(rest, delim)
		if i < 0 {
			break
		}
		want = append(want, string(rest[:i+len(delim)]))
		rest = rest[i+len(delim):]
	}

	l, err := ioloop.New()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(true)
	var fds [2]int
	if err := unix.Pipe(fds[:]); err != nil {
		t.Fatal(err)
	}
	if _, err := unix.Write(fds[1], data); err != nil && len(data) > 0 {
		t.Fatal(err)
	}
	unix.Close(fds[1])
	r := rand.New(rand.NewSource(seed))
	s := newChunkedPipe(fds[0], l, func() int { return 1 + r.Intn(len(delim)+3) }, Options{})
	defer s.Close(nil)

	for i, w := range want {
		v, err := l.RunSync(func() *futures.Future { return s.ReadUntil(delim, 0) }, 0)
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		if got := string(v.([]byte)); got != w {
			t.Fatalf("read %d: got %q, want %q", i, got, w)
		}
	}
	v, err := l.RunSync(func() *futures.Future { return s.ReadUntilClose(nil) }, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(v.([]byte)); got != string(rest) {
		t.Fatalf("tail: got %q, want %q", got, rest)
	}
}
