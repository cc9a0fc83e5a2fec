// Request bodies gathered in memory for delegates that want them whole
// (Request.CollectBody, and gzip bodies being decompressed), and the budget
// that bounds what all of a server's bodies hold at once.

package http1connection

import (
	"io"
	"sync/atomic"
	"syscall"

	"github.com/gornado/gornado/final/httputil"
)

// BodyBudget bounds the memory that the request bodies a server gathers in
// memory hold at once, over all its connections and loops. A body of known
// length is charged its length before any of it is read; a chunked body
// (or a decompressed one) is charged as it grows. A charge that does not
// fit answers the request 503 and closes the connection (ErrBodyBudget); a
// body that could not fit even alone answers 413. What a body holds goes
// back when its request ends, however it ends: answered, refused, closed
// by either side, timed out.
//
// Refusing rather than waiting for room is deliberate: uploads that each
// hold part of the budget and wait for more could wait for each other
// forever. A client that gets 503 may retry.
//
// MaxBodySize bounds one body; a budget bounds them together. Without
// one, a few concurrent uploads of MaxBodySize each can take gigabytes.
// Connections on every loop of a server charge the same budget, so it is
// atomic.
type BodyBudget struct {
	// limit is the most bytes the bodies may hold at once.
	limit int64
	// used is what they hold now.
	used atomic.Int64
}

// NewBodyBudget returns a budget of limit bytes.
func NewBodyBudget(limit int64) *BodyBudget { return &BodyBudget{limit: limit} }

// Limit returns the budget's size in bytes.
func (b *BodyBudget) Limit() int64 { return b.limit }

// InUse returns how many bytes the bodies charged to the budget hold now.
func (b *BodyBudget) InUse() int64 { return b.used.Load() }

// take charges n more bytes to a body that will then hold total: nil if
// they fit, ErrBodyTooLarge if total alone exceeds the limit (the body
// could never fit), ErrBodyBudget if they do not fit now. A nil budget
// takes everything.
func (b *BodyBudget) take(n, total int64) error {
	if b == nil || n == 0 {
		return nil
	}
	if total > b.limit {
		return httputil.ErrBodyTooLarge
	}
	for {
		used := b.used.Load()
		if used+n > b.limit {
			return ErrBodyBudget
		}
		if b.used.CompareAndSwap(used, used+n) {
			return nil
		}
	}
}

// give returns n bytes to the budget.
func (b *BodyBudget) give(n int64) {
	if b != nil && n != 0 {
		b.used.Add(-n)
	}
}

// ErrBodyBudget answers, with 503 and a close, a request whose body does
// not fit in what is left of the server's BodyBudget.
var ErrBodyBudget error = &httputil.HTTPInputError{Status: 503, Msg: "http1connection: request bodies in memory exceed the server's budget"}

// blockSize is the size of the blocks a chunked body grows by once it has
// outgrown its head: big enough that mapping one is rare next to the
// copying that fills it (two system calls per MiB, with the unmapping),
// small enough that the last block's unused part stays small.
const blockSize = 1 << 20

// spillAt is how much of a chunked body stays in head, the request state's
// reused storage, before blocks are mapped: the small bodies of forms and
// API calls cost neither a mapping nor an allocation.
const spillAt = maxKeptBuffer

// bodyBuf gathers one request body in memory, charged to a budget.
//
// A body of known length goes into one array of that length, allocated at
// its first byte (or the reused head, when that is large enough). A
// chunked body goes into head while it fits in spillAt, then into blocks
// of blockSize; when it is complete, the pieces are copied into one array
// of its exact length and each block is unmapped as soon as it has been
// copied.
//
// Why not append to one array: append grows an array by copying it into
// one a quarter to twice as large, and the old arrays are garbage until the
// collector's next cycle; none of them can hold the next, larger array, so
// they pile up, and one 100 MiB chunked body cost 300 MiB of resident
// memory. Why blocks outside the Go heap (anonymous mappings): a block goes
// back to the kernel the moment it is unmapped, not at the collector's
// pace, so that a server's resident memory follows its budget, and the
// assembly of a complete body costs its length plus one block rather than
// twice its length. The blocks never leave this file, and are reached only
// through bodyBuf's fields, which release clears: no slice of an unmapped
// block can survive. What a delegate gets, Request.Body, is on the Go heap.
type bodyBuf struct {
	// budget is charged for what the body holds (nil: no budget).
	budget *BodyBudget
	// charged is what this body holds of budget.
	charged int64
	// size is the declared length of a Content-Length body, or -1 for a
	// body of unknown length (chunked, or decompressed).
	size int64
	// head holds a Content-Length body, or the first bytes of one of
	// unknown length. Its storage is kept between requests when small.
	head []byte
	// blocks hold the rest of a body of unknown length, mapped blockSize
	// bytes each; the last is filled up to fill.
	blocks [][]byte
	fill   int
}

// start prepares b for a body of size bytes (-1: unknown) charged to
// budget; a known size is charged now, whole, so that a body admitted at
// the head is not refused half-way.
func (b *bodyBuf) start(budget *BodyBudget, size int64) error {
	b.budget, b.size, b.charged = budget, size, 0
	b.head = b.head[:0]
	if size > 0 {
		if err := budget.take(size, size); err != nil {
			return err
		}
		b.charged = size
	}
	return nil
}

// add appends p to the body. The connection delivers no more than a
// known size.
func (b *bodyBuf) add(p []byte) error {
	if b.size >= 0 {
		if cap(b.head) < int(b.size) {
			b.head = make([]byte, 0, b.size)
		}
		b.head = append(b.head, p...)
		return nil
	}
	// Charged by the byte: the part of a block not written yet is
	// address space, not memory (the kernel provides a page when it is
	// first written).
	if err := b.charge(int64(len(p))); err != nil {
		return err
	}
	if len(b.blocks) == 0 && len(b.head)+len(p) <= spillAt {
		b.head = append(b.head, p...)
		return nil
	}
	for len(p) > 0 {
		if len(b.blocks) == 0 || b.fill == blockSize {
			blk, err := syscall.Mmap(-1, 0, blockSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
			if err != nil {
				// Out of address space or memory: the server cannot
				// take this body now, as when the budget is spent.
				return ErrBodyBudget
			}
			b.blocks = append(b.blocks, blk)
			b.fill = 0
		}
		n := copy(b.blocks[len(b.blocks)-1][b.fill:], p)
		b.fill += n
		p = p[n:]
	}
	return nil
}

// charge takes n more bytes of the budget for the body.
func (b *bodyBuf) charge(n int64) error {
	if err := b.budget.take(n, b.charged+n); err != nil {
		return err
	}
	b.charged += n
	return nil
}

// bytes returns the whole body as one array on the Go heap, assembling a
// body that spilled into blocks (and unmapping them) first; the charge,
// its length, stays until release.
func (b *bodyBuf) bytes() []byte {
	if len(b.blocks) == 0 {
		return b.head
	}
	total := len(b.head) + (len(b.blocks)-1)*blockSize + b.fill
	out := make([]byte, total)
	n := copy(out, b.head)
	for i, blk := range b.blocks {
		if i == len(b.blocks)-1 {
			blk = blk[:b.fill]
		}
		n += copy(out[n:], blk)
		b.unmap(i)
	}
	b.blocks = b.blocks[:0]
	return out
}

// unmap returns block i to the kernel.
func (b *bodyBuf) unmap(i int) {
	// Munmap fails only for a slice Mmap did not return.
	_ = syscall.Munmap(b.blocks[i])
	b.blocks[i] = nil
}

// release ends the body: its blocks go back to the kernel and its charge to
// the budget. head's storage is kept for the next request when small (a
// delegate that still holds Request.Body may read it until the response is
// finished; nothing writes to it before the next request starts).
func (b *bodyBuf) release() {
	for i := range b.blocks {
		b.unmap(i)
	}
	b.blocks = b.blocks[:0]
	b.fill = 0
	b.budget.give(b.charged)
	b.budget, b.charged = nil, 0
	if cap(b.head) > maxKeptBuffer {
		b.head = nil
	} else {
		b.head = b.head[:0]
	}
}

// reader returns a reader of the body gathered so far, for decompressing
// it. It reads through b's fields on every call, so a body released
// meanwhile reads as ended rather than from unmapped memory.
func (b *bodyBuf) reader() io.Reader { return &bodyReader{b: b} }

// bodyReader reads a bodyBuf: head, then the blocks in order.
type bodyReader struct {
	// b is the body; off is how much of it has been read.
	b   *bodyBuf
	off int
}

func (r *bodyReader) Read(p []byte) (int, error) {
	b := r.b
	if r.off < len(b.head) {
		n := copy(p, b.head[r.off:])
		r.off += n
		return n, nil
	}
	at := r.off - len(b.head)
	i, o := at/blockSize, at%blockSize
	if i >= len(b.blocks) {
		return 0, io.EOF
	}
	end := blockSize
	if i == len(b.blocks)-1 {
		end = b.fill
	}
	if o >= end {
		return 0, io.EOF
	}
	n := copy(p, b.blocks[i][o:end])
	r.off += n
	return n, nil
}

// startBodies prepares the gathering of the request's body in memory, for
// a delegate that asked for it whole (CollectBody) or for decompression; a
// body of known length is charged to the budget now, before any of it is
// read (and before 100 Continue).
func (c *Conn) startBodies() error {
	st := c.st
	size := int64(-1)
	if st.head.Framing == httputil.FramingLength {
		size = st.head.ContentLength
	}
	budget := c.params.BodyBudget
	switch {
	case c.decompress:
		// The decompressed length is unknown: that body is charged as it
		// grows, which cannot fail now.
		_ = st.body.start(budget, -1)
		return st.gz.start(budget, size)
	case st.req.collect:
		return st.body.start(budget, size)
	}
	return nil
}

// gather keeps body bytes in memory: compressed ones until the body is
// complete, or the body of a delegate that collects it.
func (c *Conn) gather(p []byte) {
	buf := &c.st.body
	if c.decompress {
		buf = &c.st.gz
	}
	if err := buf.add(p); err != nil {
		c.fail(err)
	}
}

// releaseBodies ends the request's bodies in memory: see bodyBuf.release.
func (st *reqState) releaseBodies() {
	st.body.release()
	st.gz.release()
}

// releaseBodies gives back what the current request's bodies hold, when
// the request is over (answered, refused, closed, detached).
func (c *Conn) releaseBodies() {
	if c.st != nil {
		c.st.releaseBodies()
	}
}
