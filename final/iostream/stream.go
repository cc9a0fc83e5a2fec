// The buffered stream engine shared by IOStream, PipeIOStream and
// SSLIOStream: Tornado's BaseIOStream. One read may be pending at a time;
// writes queue in order. Everything here runs on the stream's loop.

package iostream

import (
	"bytes"
	"fmt"
	"os"
	"regexp"

	"golang.org/x/sys/unix"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/ioloop"
)

// Defaults of Tornado's BaseIOStream.
const (
	// DefaultMaxBufferSize bounds the read buffer (Tornado's
	// max_buffer_size, 100 MiB).
	DefaultMaxBufferSize = 100 * 1024 * 1024
	// DefaultReadChunkSize is the most read per system call (Tornado's
	// read_chunk_size, 64 KiB).
	DefaultReadChunkSize = 64 * 1024
	// DefaultMaxWriteBufferSize is the default MaxWriteBufferSize,
	// 100 MiB. Tornado leaves max_write_buffer_size unlimited, which is
	// not safe: a peer that sends and never reads makes a server that
	// answers each message hold every answer, until memory runs out
	// (1.5 GiB in two seconds for one WebSocket echo client). 100 MiB is
	// the read side's limit, so a stream buffers at most that much each
	// way; and since the limit refuses writes only once that much is
	// already queued, one write of any size still goes through: a
	// 200 MiB response written in one call costs what it costs today.
	DefaultMaxWriteBufferSize = 100 * 1024 * 1024
	// inlineWriteMin is the size from which a write goes to the
	// descriptor at once, without copying, when nothing is queued;
	// smaller writes are gathered and flushed at the end of the read event
	// or of the loop iteration.
	inlineWriteMin = 16 * 1024
)

// readKind is the kind of the pending read.
type readKind uint8

const (
	readNone readKind = iota
	readBytes
	readUntil
	readRegex
	readUntilClose
)

// readPass says whether a read pass runs, and what started it.
type readPass uint8

const (
	// passNone: no pass runs.
	passNone readPass = iota
	// passInline: a read call (tryRead) or a resumed pass runs it; the
	// descriptor is read only if the last read did not drain it.
	passInline
	// passEvent: the loop reported the descriptor readable, so it is
	// worth reading whatever the last read found.
	passEvent
)

// deferred is a set of work a stream leaves for the loop's next callback
// batch, where loopBuffers.runLater does it.
type deferred uint8

const (
	// deferFlush: gathered writes wait to be sent.
	deferFlush deferred = 1 << iota
	// deferRead: a read pass stopped at its budget with bytes it can use
	// that the poller would not report (already buffered, or decrypted
	// inside the TLS transport).
	deferRead
	// deferListed: the stream is on the loop's list, once. Work done
	// early (a READ event flushes its own stream) leaves it listed with
	// nothing to do, rather than listed twice.
	deferListed
)

// The budget of one read pass. A pass that reads while the descriptor has
// bytes, and completes reads while the buffer satisfies them, never ends
// while the peer sends faster than the reader consumes: one flooding
// connection would hold the loop, its timers and every other connection
// on it. So a pass stops after readPassBytes from the descriptor, or
// readPassCompletions completed reads, and the loop comes back to the
// stream after its other work: through level-triggered readiness when the
// kernel still has bytes, through deferRead when only the stream knows it
// can go on. Tornado gets the same fairness from resolving each read's
// Future in a loop callback; Go's netpoller from preempting goroutines.
//
// 64 KiB is one read into the loop's buffer. BenchmarkReadPassBudget
// moves bytes through one stream with budgets from 64 KiB to 1 MiB: the
// larger ones save a loop iteration per 64 KiB and gain nothing
// measurable, while every other connection on the loop waits up to one
// pass per busy peer (docs/http-server.md, "Fair loops").
var (
	readPassBytes       = 64 << 10
	readPassCompletions = 64
)

// writeWait is a Write's Future with the stream position at which it is
// done.
type writeWait struct {
	// pos is the total of bytes queued when the write was made.
	pos int64
	// fut resolves when that many bytes have been written.
	fut *concurrent.Future[struct{}]
}

// Stream is the buffered, non-blocking stream of bytes that IOStream,
// PipeIOStream and SSLIOStream share (Tornado's BaseIOStream). Methods must
// be called on the stream's loop.
//
// An idle keep-alive connection is mostly this struct, so it holds only what
// every stream needs at every moment; the state of a ReadUntil, ReadInto or
// Future-returning read (readExtra) and of queued writes (writeState) live
// in side structs taken from the loop's free lists while in use.
type Stream struct {
	// MaxBufferSize bounds the read buffer; a stream that would hold more
	// unread bytes closes with a StreamBufferFullError.
	MaxBufferSize int
	// ReadChunkSize is the most read per system call.
	ReadChunkSize int
	// MaxWriteBufferSize, if positive, bounds the unsent bytes as a
	// high-water mark: once that many are queued, a write fails with a
	// StreamBufferFullError and queues nothing, and the stream stays
	// open (Tornado's max_write_buffer_size). A write made below the
	// mark is accepted whole, however large, so the bytes held are at
	// most the mark plus the last write. 0 means unlimited (Tornado's
	// default); New and its siblings set DefaultMaxWriteBufferSize.
	// Protocols that frame their output in several writes (HTTP/1,
	// WebSocket) set it to 0 when they take the stream and bound their
	// output per frame, since a refusal between two writes of one frame
	// would corrupt it.
	MaxWriteBufferSize int

	// bufs are the loop's shared buffers and free lists; bufs.loop runs
	// the stream.
	bufs *loopBuffers
	// t moves bytes to and from the descriptor when that takes more than
	// read and write system calls (TLS); nil for a plain socket or pipe,
	// which the stream reads and writes itself.
	t transport
	// fd is the descriptor watched on the loop.
	fd int

	// rbuf holds unread bytes from rstart on; nil when there are none.
	// It is either the loop's read buffer (borrowed) or a chunk of the
	// stream's own.
	rbuf   []byte
	rstart int // offset of the first unread byte in rbuf

	// n is the byte count of the pending ReadBytes, ReadBytesFunc or
	// ReadInto, and fn the receiver of ReadUntilFunc and ReadBytesFunc:
	// the HTTP layer's idle connection waits in ReadBytesFunc, so these
	// stay in the stream. Every other part of a pending read is in rx.
	n  int
	fn func([]byte, error)
	// rx is the rest of the pending read, nil for ReadBytesFunc.
	rx *readExtra
	// w holds the unsent bytes and the Write Futures; nil when nothing is
	// queued.
	w *writeState
	// connectFut resolves when Connect's connection is made; it is set
	// while the connect is in progress (connecting).
	connectFut *concurrent.Future[struct{}]
	// closeCallback runs on the loop after the stream closes.
	closeCallback func()
	// err is the error that closed the stream.
	err error
	// tls is the TLS state of an SSLIOStream, nil for plain streams.
	tls *tlsState

	// state is the interest registered with the loop.
	state ioloop.Events
	// kind is the kind of the pending read.
	kind readKind
	// partial lets ReadBytes or ReadInto finish with fewer bytes.
	partial bool
	// borrowed is true while rbuf is the loop's read buffer.
	borrowed bool
	// pass says whether a read pass (readLoop) runs, and why; reads
	// started from its callbacks are picked up by it rather than run
	// inline.
	pass readPass
	// deferred is the work left for the loop's next callback batch (see
	// loopBuffers.later): gathered writes to flush, a read pass to resume.
	deferred deferred
	// drained is set when the last read from the descriptor returned less
	// than asked (or nothing): the kernel has no more for now, so a new
	// read waits for READ readiness instead of a system call that would
	// find nothing. Level-triggered readiness makes this safe. Only plain
	// descriptors use it: TLS may hold decrypted bytes the poller cannot
	// see.
	drained bool
	// blocked is true while the descriptor refused writes and the stream
	// waits for WRITE readiness.
	blocked bool
	// registered says whether the loop has a handler for fd.
	registered bool
	// end is how far the stream has ended.
	end end
}

// readExtra is the part of a pending read that ReadBytesFunc, the HTTP
// layer's read, does not use. It comes from the loop's free list for the
// length of the read.
type readExtra struct {
	// delim is ReadUntil's delimiter.
	delim []byte
	// re is ReadUntilRegex's pattern.
	re *regexp.Regexp
	// maxBytes, if positive, bounds ReadUntil and ReadUntilRegex.
	maxBytes int
	// scanned is how far into the unread bytes the delimiter is known to
	// be absent, so that each arrival is searched once.
	scanned int
	// rfut receives ReadBytes', ReadUntil's... result.
	rfut *concurrent.Future[[]byte]
	// into and intoFut are ReadInto's buffer and Future.
	into    []byte
	intoFut *concurrent.Future[int]
}

// writeState is a stream's queued output, from the loop's free list while
// bytes or Write Futures are pending.
type writeState struct {
	// bufs are the unsent bytes, in order; head is how much of bufs[0] is
	// sent already, and size the unsent total.
	bufs [][]byte
	head int
	size int
	// queued and sent count bytes ever queued and ever sent through this
	// state (both restart at zero with the next one).
	queued, sent int64
	// waits are the Write Futures not yet resolved, in order.
	waits []writeWait
	// spine is the storage of bufs while it holds at most two chunks.
	spine [2][]byte
}

// notReady reports whether the transport cannot carry data yet: a connect
// or a TLS handshake is under way.
func (s *Stream) notReady() bool { return s.connecting() || (s.tls != nil && !s.tls.done) }

// connecting reports whether Connect waits for the connection.
func (s *Stream) connecting() bool { return s.connectFut != nil }

// init prepares a Stream over t, watching fd on loop.
// A nil t is a plain descriptor.
func (s *Stream) init(loop *ioloop.IOLoop, fd int, t transport) {
	s.MaxBufferSize = DefaultMaxBufferSize
	s.ReadChunkSize = DefaultReadChunkSize
	s.MaxWriteBufferSize = DefaultMaxWriteBufferSize
	s.bufs = buffersOf(loop)
	s.t = t
	s.fd = fd
}

// Loop returns the stream's loop.
func (s *Stream) Loop() *ioloop.IOLoop { return s.bufs.loop }

// Fileno returns the stream's descriptor.
func (s *Stream) Fileno() int { return s.fd }

// Closed reports whether the stream is closed.
func (s *Stream) Closed() bool { return s.end >= endClosed }

// end is how far a stream has ended. It moves forward only: endOpen to
// endWriteShut (CloseWrite), and either of them to endClosed or, when the
// descriptor goes on in another stream (Upgrade), to endHandedOver.
type end uint8

const (
	// endOpen: reads and writes.
	endOpen end = iota
	// endWriteShut: CloseWrite was called; nothing more may be written,
	// and reading goes on.
	endWriteShut
	// endClosed: closed, and the descriptor with it.
	endClosed
	// endHandedOver: closed, but the descriptor now belongs to another
	// stream (StartTLS, Upgrade), which will close it.
	endHandedOver
)

// Error returns the error that closed the stream, or nil (Tornado's
// stream.error).
func (s *Stream) Error() error { return s.err }

// Reading reports whether a read is pending.
func (s *Stream) Reading() bool { return s.kind != readNone }

// Writing reports whether unsent bytes are queued.
func (s *Stream) Writing() bool { return s.w != nil && s.w.size > 0 }

// SetCloseCallback sets fn to run on the loop after the stream closes
// (replacing an earlier one; nil removes it). Setting it on a closed stream
// schedules it at once.
func (s *Stream) SetCloseCallback(fn func()) {
	s.closeCallback = fn
	if s.Closed() && fn != nil {
		s.closeCallback = nil
		s.bufs.loop.AddCallback(fn)
		return
	}
	s.updateState()
}

// unread returns the bytes received and not yet consumed.
func (s *Stream) unread() []byte {
	if s.rbuf == nil {
		return nil
	}
	return s.rbuf[s.rstart:]
}

// BufferedLen returns how many received bytes wait to be read.
func (s *Stream) BufferedLen() int { return len(s.rbuf) - s.rstart }

// ---- reads ---------------------------------------------------------------

// startRead checks that a read may start now.
func (s *Stream) startRead() error {
	if s.kind != readNone {
		return ErrAlreadyReading
	}
	return nil
}

// ReadBytes reads n bytes; with partial, it finishes as soon as any bytes
// are available, with at most n (Tornado's read_bytes).
func (s *Stream) ReadBytes(n int, partial bool) *concurrent.Future[[]byte] {
	f := concurrent.NewFuture[[]byte]()
	if err := s.startRead(); err != nil {
		f.SetException(err)
		return f
	}
	s.kind, s.n, s.partial = readBytes, n, partial
	s.extra().rfut = f
	s.tryRead()
	return f
}

// ReadInto fills buf and resolves with the count read; with partial, it
// finishes as soon as any bytes are available (Tornado's read_into). The
// bytes go straight to buf, without an allocation.
func (s *Stream) ReadInto(buf []byte, partial bool) *concurrent.Future[int] {
	f := concurrent.NewFuture[int]()
	if err := s.startRead(); err != nil {
		f.SetException(err)
		return f
	}
	s.kind, s.n, s.partial = readBytes, len(buf), partial
	rx := s.extra()
	rx.into, rx.intoFut = buf, f
	s.tryRead()
	return f
}

// ReadUntil reads up to and including delim. With maxBytes > 0, a
// delimiter not found within maxBytes (which count the delimiter, as
// tornado/iostream.py read_until does) closes the stream with an
// UnsatisfiableReadError.
func (s *Stream) ReadUntil(delim []byte, maxBytes int) *concurrent.Future[[]byte] {
	f := concurrent.NewFuture[[]byte]()
	if err := s.startRead(); err != nil {
		f.SetException(err)
		return f
	}
	s.kind = readUntil
	rx := s.extra()
	rx.delim, rx.maxBytes, rx.rfut = delim, maxBytes, f
	s.tryRead()
	return f
}

// ReadUntilRegex reads up to and including the first match of re, with
// maxBytes as in ReadUntil.
func (s *Stream) ReadUntilRegex(re *regexp.Regexp, maxBytes int) *concurrent.Future[[]byte] {
	f := concurrent.NewFuture[[]byte]()
	if err := s.startRead(); err != nil {
		f.SetException(err)
		return f
	}
	s.kind = readRegex
	rx := s.extra()
	rx.re, rx.maxBytes, rx.rfut = re, maxBytes, f
	s.tryRead()
	return f
}

// ReadUntilClose reads everything until the stream closes, and resolves
// with it then (an error only if it closed with one).
func (s *Stream) ReadUntilClose() *concurrent.Future[[]byte] {
	f := concurrent.NewFuture[[]byte]()
	if err := s.startRead(); err != nil {
		f.SetException(err)
		return f
	}
	if s.Closed() {
		f.SetResult(s.take(s.BufferedLen()))
		return f
	}
	s.kind = readUntilClose
	s.extra().rfut = f
	s.tryRead()
	return f
}

// ReadUntilFunc is ReadUntil for code that must not allocate per read (the
// HTTP layer): fn receives the bytes, valid only until it returns, or the
// error. fn runs on the loop, possibly before ReadUntilFunc returns.
func (s *Stream) ReadUntilFunc(delim []byte, maxBytes int, fn func([]byte, error)) {
	if err := s.startRead(); err != nil {
		fn(nil, err)
		return
	}
	s.kind, s.fn = readUntil, fn
	rx := s.extra()
	rx.delim, rx.maxBytes = delim, maxBytes
	s.tryRead()
}

// ReadBytesFunc is ReadBytes with a callback, as ReadUntilFunc.
func (s *Stream) ReadBytesFunc(n int, partial bool, fn func([]byte, error)) {
	if err := s.startRead(); err != nil {
		fn(nil, err)
		return
	}
	s.kind, s.n, s.partial, s.fn = readBytes, n, partial, fn
	s.tryRead()
}

// ReadBytesStreaming reads n bytes and hands them to chunk as they arrive,
// in pieces valid only during each call, resolving with n once all have
// come: Tornado 5's read_bytes with a streaming_callback, which Tornado 6
// dropped in favour of partial reads; the HTTP layer streams bodies with
// it without holding them.
func (s *Stream) ReadBytesStreaming(n int, chunk func([]byte)) *concurrent.Future[int] {
	f := concurrent.NewFuture[int]()
	if n == 0 {
		f.SetResult(0)
		return f
	}
	remaining := n
	var step func([]byte, error)
	step = func(data []byte, err error) {
		if err != nil {
			f.SetException(err)
			return
		}
		chunk(data)
		remaining -= len(data)
		if remaining == 0 {
			f.SetResult(n)
			return
		}
		s.ReadBytesFunc(remaining, true, step)
	}
	s.ReadBytesFunc(remaining, true, step)
	return f
}

// extra returns the pending read's readExtra, taking one from the loop's
// free list if the read has none yet.
func (s *Stream) extra() *readExtra {
	if s.rx == nil {
		s.rx = s.bufs.getReadExtra()
	}
	return s.rx
}

// findReadPos returns how many unread bytes satisfy the pending read, or -1,
// or an UnsatisfiableReadError (Tornado's _find_read_pos).
func (s *Stream) findReadPos() (int, error) {
	buf := s.unread()
	switch s.kind {
	case readBytes:
		if len(buf) >= s.n || (s.partial && len(buf) > 0) {
			return min(s.n, len(buf)), nil
		}
	case readUntil:
		rx := s.rx
		if i := bytes.Index(buf[rx.scanned:], rx.delim); i >= 0 {
			end := rx.scanned + i + len(rx.delim)
			if rx.maxBytes > 0 && end > rx.maxBytes {
				return -1, s.unsatisfiable()
			}
			return end, nil
		}
		rx.scanned = max(0, len(buf)-len(rx.delim)+1)
		if rx.maxBytes > 0 && len(buf) > rx.maxBytes {
			return -1, s.unsatisfiable()
		}
	case readRegex:
		rx := s.rx
		if m := rx.re.FindIndex(buf); m != nil {
			if rx.maxBytes > 0 && m[1] > rx.maxBytes {
				return -1, s.unsatisfiable()
			}
			return m[1], nil
		}
		if rx.maxBytes > 0 && len(buf) > rx.maxBytes {
			return -1, s.unsatisfiable()
		}
	}
	return -1, nil
}

// unsatisfiable describes the failed ReadUntil or ReadUntilRegex.
func (s *Stream) unsatisfiable() error {
	what := fmt.Sprintf("delimiter %q", s.rx.delim)
	if s.kind == readRegex {
		what = fmt.Sprintf("regex %q", s.rx.re.String())
	}
	return &UnsatisfiableReadError{Reason: fmt.Sprintf("%s not found within %d bytes", what, s.rx.maxBytes)}
}

// take consumes n unread bytes and returns a copy of them.
func (s *Stream) take(n int) []byte {
	out := make([]byte, n)
	copy(out, s.unread())
	s.rstart += n
	return out
}

// finishRead completes the pending read with the first n unread bytes. The
// pending state is cleared first, so the receiver may start the next read.
func (s *Stream) finishRead(n int) {
	fn := s.fn
	var rfut *concurrent.Future[[]byte]
	var into []byte
	var intoFut *concurrent.Future[int]
	if s.rx != nil {
		rfut, into, intoFut = s.rx.rfut, s.rx.into, s.rx.intoFut
	}
	s.clearRead()
	switch {
	case fn != nil:
		data := s.unread()[:n]
		s.rstart += n
		fn(data, nil)
	case intoFut != nil:
		copy(into, s.unread()[:n])
		s.rstart += n
		intoFut.SetResult(n)
	default:
		rfut.SetResult(s.take(n))
	}
	s.releaseIfEmpty()
}

// failRead completes the pending read with err.
func (s *Stream) failRead(err error) {
	if s.kind == readNone {
		return
	}
	fn := s.fn
	var rfut *concurrent.Future[[]byte]
	var intoFut *concurrent.Future[int]
	if s.rx != nil {
		rfut, intoFut = s.rx.rfut, s.rx.intoFut
	}
	s.clearRead()
	switch {
	case fn != nil:
		fn(nil, err)
	case intoFut != nil:
		intoFut.SetException(err)
	default:
		rfut.SetException(err)
	}
}

// clearRead forgets the pending read.
func (s *Stream) clearRead() {
	s.kind, s.n, s.partial, s.fn = readNone, 0, false, nil
	if s.rx != nil {
		s.bufs.putReadExtra(s.rx)
		s.rx = nil
	}
}

// tryRead runs a newly started read: from the buffer if it can, else from
// the descriptor at once (Tornado's _try_inline_read), else it waits for
// READ readiness.
func (s *Stream) tryRead() {
	if s.pass != passNone {
		return // readLoop, which called back into us, takes it from here
	}
	s.readLoop(passInline)
}

// readLoop is one read pass: it satisfies pending reads from the buffer
// and the descriptor until one must wait or the pass's budget is spent,
// then sets the loop interest. With no read pending, it reads one chunk
// (to notice a close), as Tornado's _read_to_buffer_loop does.
func (s *Stream) readLoop(pass readPass) {
	s.pass = pass
	if s.tls != nil || pass == passEvent {
		// Readiness was just reported (or the transport may hide bytes
		// from the poller): the socket is worth reading.
		s.drained = false
	}
	defer func() {
		s.pass = passNone
		// On a panic in a read's receiver, the loop's read buffer must
		// still be given back.
		s.unborrow()
	}()
	// read counts the bytes this pass took from the descriptor, done the
	// reads it completed. Once a read completes, nothing more is read
	// until the next one starts; with no read pending, a pass reads once
	// only if nothing else happened in it.
	read, done := 0, 0
	for {
		if s.kind != readNone {
			pos, err := s.findReadPos()
			if err != nil {
				s.bufs.loop.Logger().Info("iostream: unsatisfiable read, closing connection", "err", err)
				s.close(err)
				s.failRead(&StreamClosedError{RealError: s.err})
				break
			}
			if pos >= 0 {
				if done == readPassCompletions {
					s.bufs.schedule(s, deferRead)
					break
				}
				s.finishRead(pos)
				done++
				continue
			}
		}
		if s.Closed() {
			s.failRead(&StreamClosedError{RealError: s.err})
			break
		}
		if s.notReady() || s.drained || (s.kind == readNone && (read+done > 0 || s.BufferedLen() > 0)) {
			break
		}
		if read >= readPassBytes {
			// The last read filled its buffer, so the kernel likely has
			// more, and level-triggered readiness brings the loop back
			// for it. TLS may hold decrypted bytes the poller cannot see.
			if s.tls != nil {
				s.bufs.schedule(s, deferRead)
			}
			break
		}
		n, err := s.fill()
		if err == errWouldBlock {
			break
		}
		if err != nil {
			s.close(err)
			continue
		}
		if n == 0 {
			s.close(nil) // end of file
			continue
		}
		read += n
		if s.BufferedLen() > s.MaxBufferSize {
			err := &StreamBufferFullError{Which: "read", Limit: s.MaxBufferSize}
			s.bufs.loop.Logger().Error("iostream: reached maximum read buffer size", "limit", s.MaxBufferSize)
			s.close(err)
			continue
		}
	}
	s.unborrow()
	s.releaseIfEmpty()
	s.updateState()
}

// resumeRead runs the read pass an earlier one deferred (deferRead), then
// sends what its receivers wrote, as a READ event does.
func (s *Stream) resumeRead() {
	if s.Closed() || s.pass != passNone {
		return
	}
	s.readLoop(passInline)
	if s.deferred&deferFlush != 0 && !s.Closed() {
		s.flush()
	}
}

// fill reads once from the descriptor into the read buffer: the loop's
// shared buffer when the stream has no unread bytes and it is free, else a
// buffer of the stream's own.
func (s *Stream) fill() (int, error) {
	chunk := s.ReadChunkSize
	if s.borrowed && s.BufferedLen() == 0 {
		s.unborrow() // all consumed: start over at the buffer's head
	}
	if s.BufferedLen() == 0 && !s.bufs.lent {
		buf := s.bufs.read
		if chunk < len(buf) {
			buf = buf[:chunk]
		}
		n, err := s.read(buf)
		s.drained = s.tls == nil && (err == errWouldBlock || (n > 0 && n < len(buf)))
		if n > 0 {
			s.rbuf, s.rstart, s.borrowed = buf[:n], 0, true
			s.bufs.lent = true
		}
		return n, err
	}
	s.own(chunk)
	end := len(s.rbuf)
	space := s.rbuf[end:cap(s.rbuf)]
	if len(space) > chunk {
		space = space[:chunk]
	}
	n, err := s.read(space)
	s.drained = s.tls == nil && (err == errWouldBlock || (n > 0 && n < len(space)))
	if n > 0 {
		s.rbuf = s.rbuf[:end+n]
	}
	return n, err
}

// own makes rbuf a buffer of the stream's own with the unread bytes at its
// start and room for at least min(want, chunkSize) more.
func (s *Stream) own(want int) {
	unread := s.unread()
	room := min(want, chunkSize)
	if !s.borrowed && s.rbuf != nil && cap(s.rbuf)-len(s.rbuf) >= room {
		return
	}
	if !s.borrowed && s.rbuf != nil && s.rstart > 0 && cap(s.rbuf)-len(unread) >= room {
		// Enough room once the consumed bytes are dropped.
		n := copy(s.rbuf[:cap(s.rbuf)], unread)
		s.rbuf, s.rstart = s.rbuf[:n], 0
		return
	}
	size := len(unread) + room
	if !s.borrowed && s.rbuf != nil {
		size = max(size, 2*cap(s.rbuf)) // amortize growth of a large read
	}
	nb := s.bufs.get(size)
	nb = append(nb, unread...)
	if s.borrowed {
		s.bufs.lent = false
		s.borrowed = false
	} else if s.rbuf != nil {
		s.bufs.put(s.rbuf)
	}
	s.rbuf, s.rstart = nb, 0
}

// unborrow gives the loop's read buffer back, copying leftover bytes into
// a buffer of the stream's own.
func (s *Stream) unborrow() {
	if !s.borrowed {
		return
	}
	if s.BufferedLen() > 0 {
		s.own(0)
		return
	}
	s.rbuf, s.rstart, s.borrowed = nil, 0, false
	s.bufs.lent = false
}

// releaseIfEmpty drops an owned buffer once every byte in it is read, so an
// idle stream holds none.
func (s *Stream) releaseIfEmpty() {
	if s.rbuf == nil || s.BufferedLen() > 0 || s.borrowed {
		return
	}
	s.bufs.put(s.rbuf)
	s.rbuf, s.rstart = nil, 0
}

// ---- writes --------------------------------------------------------------

// Write queues data and returns a Future resolved once all of it (and
// everything queued before it) is written to the descriptor (Tornado's
// write). data is not retained: small writes are copied and gathered until
// the end of the read event being handled, or else of the loop iteration,
// so that many small writes (pipelined responses) leave in one system call;
// a large write with nothing queued goes out at once without a copy. Once
// MaxWriteBufferSize bytes wait unsent, a write fails with a
// *StreamBufferFullError and queues nothing; the stream stays open, and
// Write(nil), which resolves once everything queued is sent, tells when to
// write again.
func (s *Stream) Write(data []byte) *concurrent.Future[struct{}] {
	if err := s.queue(data, false); err != nil {
		return concurrent.Failed[struct{}](err)
	}
	return s.writeFuture()
}

// WriteNoCopy is Write without the copy: the stream keeps data itself
// until it is sent, so the caller must not modify data until the Future
// resolves (or the stream closes). It suits large bodies that do not
// change, a static file's bytes, which Write would copy into chunks when
// the socket does not take them at once.
func (s *Stream) WriteNoCopy(data []byte) *concurrent.Future[struct{}] {
	if err := s.queue(data, true); err != nil {
		return concurrent.Failed[struct{}](err)
	}
	return s.writeFuture()
}

// WriteBuffered queues data like Write without a Future: the allocation-free
// form for the HTTP layer. Errors that happen later close the stream.
func (s *Stream) WriteBuffered(data []byte) error { return s.queue(data, false) }

// WriteBufferedNoCopy is WriteBuffered keeping data as WriteNoCopy does:
// the caller must not modify data until it is sent, which it can only
// learn from a Write that follows it (Write(nil) resolves once everything
// before it is sent) or from the stream closing.
func (s *Stream) WriteBufferedNoCopy(data []byte) error { return s.queue(data, true) }

// writeFuture returns a Future resolved once everything queued so far is
// sent.
func (s *Stream) writeFuture() *concurrent.Future[struct{}] {
	w := s.w
	if w == nil || w.sent >= w.queued {
		return concurrent.Resolved(struct{}{})
	}
	f := concurrent.NewFuture[struct{}]()
	w.waits = append(w.waits, writeWait{pos: w.queued, fut: f})
	return f
}

// Queued returns how many bytes written to the stream wait to be sent
// (Tornado's writing(), as a count): a protocol that answers requests can
// stop reading new ones while its answers pile up unread.
func (s *Stream) Queued() int { return s.queued() }

// queued returns how many bytes wait to be sent.
func (s *Stream) queued() int {
	if s.w == nil {
		return 0
	}
	return s.w.size
}

// writeFull reports whether the unsent bytes have reached
// MaxWriteBufferSize, so that a write must be refused. The mark is compared
// with what is queued before the write, not after it (Tornado compares
// after): a caller already holds the bytes of the write it makes, so
// refusing one large write saves nothing, while refusing every write once
// the mark is reached is what stops a writer whose peer does not read.
func (s *Stream) writeFull() bool {
	return s.MaxWriteBufferSize > 0 && s.queued() >= s.MaxWriteBufferSize
}

// queue adds data to the write buffer and makes sure it will be flushed;
// with keep, data itself is queued rather than a copy.
func (s *Stream) queue(data []byte, keep bool) error {
	if s.Closed() {
		return &StreamClosedError{RealError: s.err}
	}
	if s.end == endWriteShut {
		return ErrWriteClosed
	}
	if s.writeFull() && len(data) > 0 {
		// Refused whole, so that what is queued stays a sequence of
		// whole writes. An empty write (Write(nil): "tell me when all is
		// sent") adds nothing and is never refused.
		return &StreamBufferFullError{Which: "write", Limit: s.MaxWriteBufferSize}
	}
	if len(data) >= inlineWriteMin && !s.blocked && !s.notReady() {
		// A large write goes out at once, after what is queued and in the
		// same system call, so that it is not copied if the socket takes
		// it (a response head and a large body: one writev).
		n, err := s.writeNow(data)
		if err != nil && err != errWouldBlock {
			s.closeOnWriteError(err)
			return &StreamClosedError{RealError: err}
		}
		data = data[n:]
		if len(data) > 0 || err == errWouldBlock {
			s.blocked = true
		}
	}
	if len(data) == 0 {
		if s.blocked {
			s.updateState()
		}
		return nil
	}
	if keep {
		s.appendKept(data)
	} else {
		s.appendWrite(data)
	}
	if s.blocked || s.notReady() {
		s.updateState()
	} else {
		s.bufs.schedule(s, deferFlush)
	}
	return nil
}

// writeNow writes the queued bytes and data in one system call, and
// returns how much of data went out. The Futures of queued bytes that went
// out are resolved by the flush already scheduled for them.
func (s *Stream) writeNow(data []byte) (int, error) {
	w := s.w
	if w == nil || w.size == 0 {
		return s.writeOne(data)
	}
	iov := append(s.bufs.iov[:0], w.bufs...)
	iov[0] = iov[0][w.head:]
	iov = append(iov, data)
	n, err := s.write(iov)
	clear(iov)
	s.bufs.iov = iov[:0]
	queued := min(n, w.size)
	s.consumeWrite(queued)
	return n - queued, err
}

// writes returns the stream's writeState, taking one from the loop's free
// list if it has none.
func (s *Stream) writes() *writeState {
	if s.w == nil {
		w := s.bufs.getWriteState()
		// Most streams have one or two buffers queued at a time: keep
		// their slots in the state so that queueing allocates nothing.
		w.bufs = w.spine[:0]
		s.w = w
	}
	return s.w
}

// appendWrite copies data to the end of the write buffer.
func (s *Stream) appendWrite(data []byte) {
	w := s.writes()
	w.size += len(data)
	w.queued += int64(len(data))
	if k := len(w.bufs); k > 0 {
		last := w.bufs[k-1]
		if n := copy(last[len(last):cap(last)], data); n > 0 {
			w.bufs[k-1] = last[:len(last)+n]
			data = data[n:]
		}
	}
	for len(data) > 0 {
		c := s.bufs.get(len(data))
		n := copy(c[:cap(c)], data)
		w.bufs = append(w.bufs, c[:n])
		data = data[n:]
	}
}

// appendKept queues data itself, its capacity cut to its length so that a
// later appendWrite cannot copy into the caller's array. A piece exactly
// chunkSize long is copied instead: the free list (put) could not tell it
// from a chunk of its own and would reuse the caller's array.
func (s *Stream) appendKept(data []byte) {
	if len(data) == chunkSize {
		s.appendWrite(data)
		return
	}
	w := s.writes()
	w.size += len(data)
	w.queued += int64(len(data))
	w.bufs = append(w.bufs, data[:len(data):len(data)])
}

// flush is the end-of-iteration write of the gathered bytes.
func (s *Stream) flush() {
	s.deferred &^= deferFlush
	if s.Closed() || s.blocked || s.notReady() {
		return
	}
	s.handleWrite()
}

// handleWrite writes queued bytes until done or the descriptor is full. A
// transport may hold bytes of its own (TLS records not yet sent); they count
// as queued until it has written them.
func (s *Stream) handleWrite() {
	for s.queued() > 0 || s.pending() {
		var iov [][]byte
		var first []byte
		if s.w != nil && len(s.w.bufs) > 0 {
			iov = s.w.bufs
			first = iov[0]
			iov[0] = first[s.w.head:]
		}
		n, err := s.write(iov)
		if iov != nil {
			iov[0] = first
		}
		s.consumeWrite(n)
		if err == errWouldBlock {
			s.blocked = true
			break
		}
		if err != nil {
			s.closeOnWriteError(err)
			return
		}
	}
	if s.queued() == 0 && !s.pending() {
		s.blocked = false
		if s.end == endWriteShut {
			_ = s.shutWrite()
		}
	}
	s.resolveWrites()
	s.updateState()
}

// consumeWrite drops n sent bytes from the write buffer.
func (s *Stream) consumeWrite(n int) {
	w := s.w
	if w == nil {
		return
	}
	w.size -= n
	w.sent += int64(n)
	for n > 0 {
		left := len(w.bufs[0]) - w.head
		if n < left {
			w.head += n
			return
		}
		n -= left
		s.bufs.put(w.bufs[0])
		w.bufs[0] = nil
		w.bufs = w.bufs[1:]
		w.head = 0
	}
	if len(w.bufs) == 0 {
		w.bufs = w.spine[:0]
	}
}

// resolveWrites resolves the Write Futures whose bytes are all sent, and
// gives the writeState back to the loop once nothing is left in it.
func (s *Stream) resolveWrites() {
	w := s.w
	if w == nil {
		return
	}
	i := 0
	for ; i < len(w.waits) && w.waits[i].pos <= w.sent; i++ {
	}
	// A resolved Future's callback may write again: its wait is appended
	// after these, so done's capacity ends with it.
	done := w.waits[:i:i]
	w.waits = w.waits[i:]
	for _, wt := range done {
		wt.fut.SetResult(struct{}{})
	}
	clear(done)
	if s.w == w && w.size == 0 && len(w.waits) == 0 {
		s.w = nil
		s.bufs.putWriteState(w)
	}
}

// closeOnWriteError closes the stream after a failed write, logging errors
// other than a peer's reset (Tornado's _handle_write).
func (s *Stream) closeOnWriteError(err error) {
	if !isConnReset(err) {
		s.bufs.loop.Logger().Warn("iostream: write error", "fd", s.fd, "err", err)
	}
	s.close(err)
}

// ---- the descriptor ------------------------------------------------------

// read reads from the descriptor, or through the transport.
func (s *Stream) read(p []byte) (int, error) {
	if s.t == nil {
		return fdRead(s.fd, p)
	}
	return s.t.read(p)
}

// write writes bufs to the descriptor, or through the transport.
func (s *Stream) write(bufs [][]byte) (int, error) {
	if s.t == nil {
		return fdWrite(s.fd, bufs)
	}
	return s.t.write(bufs)
}

// writeOne writes one buffer, as write.
func (s *Stream) writeOne(b []byte) (int, error) {
	if s.t == nil {
		return fdWriteOne(s.fd, b)
	}
	one := [1][]byte{b}
	return s.t.write(one[:])
}

// pending reports whether the transport holds bytes it has not sent.
func (s *Stream) pending() bool { return s.t != nil && s.t.pending() }

// closeFD closes the descriptor, through the transport if there is one.
func (s *Stream) closeFD() error {
	if s.t == nil {
		return unix.Close(s.fd)
	}
	return s.t.close()
}

// ---- events and state ----------------------------------------------------

// handleEvents is the stream's descriptor handler: one switch over what the
// descriptor is ready for.
func (s *Stream) handleEvents(fd int, ev ioloop.Events) {
	if s.Closed() {
		return
	}
	if s.connecting() && ev&(ioloop.WRITE|ioloop.ERROR) != 0 {
		s.handleConnect()
		return
	}
	if s.tls != nil && !s.tls.done {
		s.handshakeEvents(ev)
		return
	}
	if ev&ioloop.READ != 0 {
		s.readOnEvent()
		if s.deferred&deferFlush != 0 && !s.Closed() {
			// What the reads' receivers wrote (a response, or sixteen
			// pipelined ones) goes out now in one system call rather than
			// at the end of the iteration: the peer works on it while
			// this loop reads the other ready descriptors, instead of
			// waiting for all of them (Tornado's write, too, writes at
			// once). The stream stays on the loop's list of deferred
			// work, which finds nothing left to do for it.
			s.flush()
		}
	}
	if !s.Closed() && ev&ioloop.WRITE != 0 {
		s.blocked = false
		s.handleWrite()
	}
	if !s.Closed() && ev&ioloop.ERROR != 0 {
		// Tornado's _handle_events: an error or hang-up closes the stream
		// with the socket's pending error, after the readable data was
		// taken above. (ERROR is reported whatever the interest, so
		// leaving it would spin the loop.)
		s.close(socketError(s.fd))
		return
	}
	s.updateState()
}

// streamEvents is a Stream as the loop's ioloop.EventHandler: registering
// the stream itself costs no method value per stream, and keeps the
// HandleEvents method out of Stream's API.
type streamEvents Stream

// HandleEvents runs the stream's handleEvents.
func (e *streamEvents) HandleEvents(fd int, ev ioloop.Events) { (*Stream)(e).handleEvents(fd, ev) }

// readOnEvent runs a read pass for a READ event.
func (s *Stream) readOnEvent() { s.readLoop(passEvent) }

// updateState registers the interest the stream needs now: READ while a
// read waits for data or while it is idle (to notice the peer closing, as
// Tornado's _handle_events listens when idle), WRITE while writes are
// blocked or a connect is in progress.
func (s *Stream) updateState() {
	if s.Closed() {
		return
	}
	var want ioloop.Events
	switch {
	case s.connecting():
		want = ioloop.WRITE
	case s.tls != nil && !s.tls.done:
		want = s.tls.interest()
	default:
		if s.blocked {
			want |= ioloop.WRITE
		}
		if s.kind != readNone || (s.BufferedLen() == 0 && s.closeCallback != nil) || (want == 0 && s.BufferedLen() == 0) {
			want |= ioloop.READ
		}
	}
	if want == s.state && s.registered {
		return
	}
	if !s.registered {
		if want == 0 {
			return
		}
		if err := s.bufs.loop.AddEventHandler(s.fd, (*streamEvents)(s), want); err != nil {
			s.close(err)
			return
		}
		s.registered = true
	} else if err := s.bufs.loop.UpdateHandler(s.fd, want); err != nil {
		s.close(err)
		return
	}
	s.state = want
}

// CloseWrite shuts down the sending side of the stream once everything
// queued is sent: the peer reads end of file after the bytes already
// written, and this side can still read (a half-close, for a lingering
// close or a request/response protocol). A TLS stream sends its
// close_notify alert first (RFC 8446, section 6.1). Writes after it fail
// with ErrWriteClosed.
func (s *Stream) CloseWrite() error {
	if s.Closed() {
		return &StreamClosedError{RealError: s.err}
	}
	if s.end != endOpen {
		return nil // shut already
	}
	s.end = endWriteShut
	if s.blocked || s.notReady() {
		return nil // handleWrite finishes it once the queue is sent
	}
	if s.queued() > 0 || s.pending() {
		s.handleWrite()
		return nil
	}
	return s.shutWrite()
}

// shutWrite is the end of CloseWrite, once nothing queued is left: the
// TLS close_notify, then shutdown(2). If the socket does not take the
// alert now, the stream waits for WRITE and handleWrite comes back here.
func (s *Stream) shutWrite() error {
	if s.tls != nil && s.tls.done {
		// A second call (after the alert waited for WRITE) sends nothing.
		_ = s.tls.t.conn.CloseWrite()
		if err := s.tls.t.flushOut(); err == errWouldBlock {
			s.blocked = true
			s.updateState()
			return nil
		}
	}
	if err := unix.Shutdown(s.fd, unix.SHUT_WR); err != nil {
		return os.NewSyscallError("shutdown", err)
	}
	return nil
}

// Close closes the stream (Tornado's close()). Pending reads that buffered
// bytes can satisfy complete; the others fail with StreamClosedError, as do
// pending writes; the close callback runs on the next iteration.
func (s *Stream) Close() error {
	s.close(nil)
	return nil
}

// CloseWithError closes the stream, recording err as its Error (Tornado's
// close(exc_info)).
func (s *Stream) CloseWithError(err error) { s.close(err) }

// close is Tornado's close followed by _signal_closed.
func (s *Stream) close(err error) { s.closeAs(err, endClosed) }

// closeAs closes the stream into how (endClosed, or endHandedOver, which
// leaves the descriptor open for the stream it was handed to).
func (s *Stream) closeAs(err error, how end) {
	if s.Closed() {
		return
	}
	if err != nil && s.err == nil {
		s.err = err
	}
	if err == nil && s.queued() > 0 && !s.blocked && !s.notReady() {
		// Writes are gathered until the end of the iteration; Tornado
		// writes at once, so `write(x); close()` sends x. Send what the
		// socket takes now; the rest is dropped, as in Tornado.
		s.flushBeforeClose()
	}
	s.end = how
	switch s.kind {
	case readUntilClose:
		s.finishRead(s.BufferedLen())
	case readNone:
	default:
		if pos, ferr := s.findReadPos(); ferr == nil && pos >= 0 {
			s.finishRead(pos)
		}
	}
	if s.registered {
		s.bufs.loop.RemoveHandler(s.fd)
		s.registered = false
	}
	if how != endHandedOver {
		_ = s.closeFD()
	}
	s.signalClosed()
}

// flushBeforeClose writes queued bytes until done or the descriptor is full,
// ignoring errors (the stream is closing anyway).
func (s *Stream) flushBeforeClose() {
	for s.queued() > 0 {
		iov := s.w.bufs
		first := iov[0]
		iov[0] = first[s.w.head:]
		n, err := s.write(iov)
		iov[0] = first
		s.consumeWrite(n)
		if err != nil {
			break
		}
	}
	s.resolveWrites()
}

// signalClosed fails what is pending and schedules the close callback.
func (s *Stream) signalClosed() {
	cerr := &StreamClosedError{RealError: s.err}
	if s.pass == passNone {
		s.failRead(cerr) // inside readLoop, it fails the read itself
	}
	if w := s.w; w != nil {
		// The writeState is not given back: a callback of these Futures
		// could otherwise find it reused.
		s.w = nil
		for _, c := range w.bufs {
			s.bufs.put(c)
		}
		for _, wt := range w.waits {
			wt.fut.SetException(cerr)
		}
	}
	if s.connectFut != nil {
		f := s.connectFut
		s.connectFut = nil
		f.SetException(cerr)
	}
	if s.tls != nil {
		s.tls.failHandshake(cerr)
	}
	if s.BufferedLen() == 0 {
		s.releaseIfEmpty()
	}
	if cb := s.closeCallback; cb != nil {
		s.closeCallback = nil
		s.bufs.loop.AddCallback(cb)
	}
}
