// Holding a response body within MaxBodySize: in chunks that never move,
// so that memory stays near the body's size, and gzip inflated as the
// bytes arrive rather than after the whole compressed body is in.

package httpclient

import (
	"compress/gzip"
	"errors"
	"io"
	"iter"
)

// Chunk sizes of bodyBuffer: the first chunk of a body of unknown length
// is minChunk, each next one twice the last, up to maxChunk.
const (
	minChunk = 4 << 10
	maxChunk = 1 << 20
)

// bodyBuffer holds a response body of at most limit bytes.
//
// A body grown with append costs three to four times its size at its peak:
// each doubling copies the body into a new array and leaves the old one as
// garbage, and the garbage collector's pacer lets the heap reach twice the
// live data before it collects. An endless body with the default 100 MiB
// limit peaked at 286-414 MB that way. bodyBuffer instead fills chunks that
// are never copied or dropped while the body is read: the bytes held are the
// body plus the unfilled end of the last chunk (under 1 MiB), and reading
// makes no garbage. A body of known length (Content-Length, checked against
// the limit first) gets one chunk of exactly that size, which is the
// response's Body as it is; a body of unknown length is joined into one
// array when it is complete, so a large one costs twice its size for that
// moment, and an endless one fails at the limit having cost it once.
type bodyBuffer struct {
	// limit is the most bytes the body may have.
	limit int
	// full are the filled chunks, in order.
	full [][]byte
	// cur is the chunk being filled: its length is what it holds, its
	// capacity its size.
	cur []byte
	// size is the bytes held, in full and cur.
	size int
}

// presize makes the first chunk n bytes, for a body whose length is known
// and within the limit.
func (b *bodyBuffer) presize(n int) {
	b.cur = make([]byte, 0, n)
}

// space returns the free end of the current chunk, starting a new chunk
// when it is full. The new chunk is never larger than the room left under
// the limit, plus one byte so that a body going over it is seen.
func (b *bodyBuffer) space() []byte {
	if len(b.cur) == cap(b.cur) {
		if len(b.cur) > 0 {
			b.full = append(b.full, b.cur)
		}
		size := min(max(2*cap(b.cur), minChunk), maxChunk, b.limit-b.size+1)
		b.cur = make([]byte, 0, size)
	}
	return b.cur[len(b.cur):cap(b.cur)]
}

// commit records that n bytes were written into space's slice; going over
// the limit is ErrBodyTooLarge.
func (b *bodyBuffer) commit(n int) error {
	b.cur = b.cur[:len(b.cur)+n]
	b.size += n
	if b.size > b.limit {
		return ErrBodyTooLarge
	}
	return nil
}

// write copies p into the buffer, or fails with ErrBodyTooLarge, before
// copying anything, if p would take the body over the limit.
func (b *bodyBuffer) write(p []byte) error {
	if len(p) > b.limit-b.size {
		return ErrBodyTooLarge
	}
	for len(p) > 0 {
		n := copy(b.space(), p)
		b.commit(n) // within the limit: checked above
		p = p[n:]
	}
	return nil
}

// bytes returns the body in one slice: the only chunk as it is, or the
// chunks joined. It returns nil for an empty body.
func (b *bodyBuffer) bytes() []byte {
	if b.size == 0 {
		return nil
	}
	if len(b.full) == 0 {
		return b.cur
	}
	out := make([]byte, 0, b.size)
	for i, c := range b.full {
		out = append(out, c...)
		b.full[i] = nil // collectable once copied, if a cycle runs meanwhile
	}
	return append(out, b.cur...)
}

// inflater decompresses a gzip body as it arrives, into a bodyBuffer, so
// that neither the compressed nor the decompressed body is ever held twice
// and a gzip bomb (a megabyte inflating to a gigabyte) fails as soon as its
// output passes the limit.
//
// compress/gzip pulls its input through an io.Reader and cannot resume
// after that reader reports "no more yet": its errors are sticky. The loop,
// though, pushes input as it is read from the socket. iter.Pull turns one
// into the other: the decompressor runs as a coroutine that, when it wants
// input and none is left, yields to the loop; write hands it the next piece
// and resumes it until it wants more. The coroutine and the loop take turns
// and never run at once, so no locking is needed, and nothing is read ahead
// of the socket.
type inflater struct {
	// in is the input handed over by write and not yet read by the
	// decompressor; it is consumed before the coroutine yields.
	in []byte
	// eof says the body ended: the decompressor reads end of file.
	eof bool
	// out receives the decompressed bytes.
	out *bodyBuffer
	// err is the decompressor's failure, set when the coroutine returns.
	err error
	// next resumes the coroutine until it wants input (true) or returns
	// (false); stop ends it early.
	next func() (struct{}, bool)
	stop func()
	// running is true until the coroutine has returned or been stopped.
	running bool
}

// errInflateStopped is what the decompressor reads when the fetch ends
// before its body does.
var errInflateStopped = errors.New("httpclient: decompression stopped")

// newInflater starts decompressing into out; the coroutine runs until it
// first wants input.
func newInflater(out *bodyBuffer) *inflater {
	z := &inflater{out: out, running: true}
	z.next, z.stop = iter.Pull(z.run)
	return z
}

// run is the coroutine: gzip (multi-member, as RFC 1952 allows) read into
// out until end of file, an error, or the limit.
func (z *inflater) run(yield func(struct{}) bool) {
	src := pullReader{z: z, yield: yield}
	zr, err := gzip.NewReader(&src)
	if err != nil {
		z.err = err
		return
	}
	for {
		n, err := zr.Read(z.out.space())
		if n > 0 {
			if err := z.out.commit(n); err != nil {
				z.err = err
				return
			}
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			z.err = err
			return
		}
	}
}

// write hands p to the decompressor and runs it until it wants more; it
// returns the decompressor's error, if it failed. p is not kept.
func (z *inflater) write(p []byte) error {
	if z.running {
		z.in = p
		if _, ok := z.next(); !ok {
			z.running = false
		}
		z.in = nil
	}
	// Before finish, the coroutine can only have returned on an error:
	// gzip reads member after member until end of file.
	return z.err
}

// finish tells the decompressor the body ended and returns its verdict: nil
// when the gzip stream ended cleanly, io.ErrUnexpectedEOF when it was cut.
func (z *inflater) finish() error {
	z.eof = true
	if z.running {
		z.next() // runs to the end: every read now returns end of file
		z.running = false
	}
	return z.err
}

// abort ends the coroutine of a fetch that failed or was abandoned.
func (z *inflater) abort() {
	if z.running {
		z.stop()
		z.running = false
	}
}

// pullReader is the decompressor's input: what write handed over, and when
// that is used up, a yield to the loop for more.
type pullReader struct {
	// z is the inflater whose input this is.
	z *inflater
	// yield suspends the coroutine until the next write or finish; false
	// means the coroutine is being stopped.
	yield func(struct{}) bool
}

// Read implements io.Reader.
func (r *pullReader) Read(p []byte) (int, error) {
	for len(r.z.in) == 0 {
		if r.z.eof {
			return 0, io.EOF
		}
		if !r.yield(struct{}{}) {
			return 0, errInflateStopped
		}
	}
	n := copy(p, r.z.in)
	r.z.in = r.z.in[n:]
	return n, nil
}
