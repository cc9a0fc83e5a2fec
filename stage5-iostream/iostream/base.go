package iostream

import (
	"bytes"
	"fmt"
	"io"
	"regexp"

	"github.com/gornado/gornado/stage5-iostream/ioloop"

	futures "github.com/gornado/gornado/stage3-futures"
)

// Default limits, Tornado's defaults.
const (
	DefaultMaxBufferSize = 100 << 20 // 100 MiB of unread bytes at most
	DefaultReadChunkSize = 64 << 10  // read at most 64 KiB per system call
)

// Transport is what a concrete stream supplies to BaseIOStream: the "methods
// for subclasses" of the seed. Python subclasses override them; in Go the
// concrete stream (IOStream, SSLIOStream, PipeIOStream) implements them and
// hands itself to the BaseIOStream it embeds.
type Transport interface {
	// Fileno is the file descriptor the loop watches.
	Fileno() int
	// CloseFD closes the file descriptor (and whatever wraps it).
	CloseFD() error
	// WriteToFD writes some of data and says how much. A full kernel buffer
	// is not an error: it returns 0 and nil ("would block").
	WriteToFD(data []byte) (int, error)
	// ReadFromFD reads into buf. It returns 0 and nil when nothing is there
	// yet (would block), 0 and io.EOF when the peer has closed.
	ReadFromFD(buf []byte) (int, error)
	// GetFDError returns the error pending on the fd (SO_ERROR), if any.
	GetFDError() error
}

// Options are the constructor arguments of Tornado's BaseIOStream. The zero
// value means: the current loop and Tornado's default limits.
type Options struct {
	// Loop runs the stream; nil means ioloop.Current().
	Loop *ioloop.IOLoop
	// MaxBufferSize caps unread bytes; 0 means DefaultMaxBufferSize.
	MaxBufferSize int
	// ReadChunkSize is how much to read per system call; 0 means 64 KiB.
	ReadChunkSize int
	// MaxWriteBufferSize caps unsent bytes; 0 means unlimited.
	MaxWriteBufferSize int
}

// BaseIOStream turns a non-blocking file descriptor into reads and writes
// that return Futures. It keeps a read buffer, a write buffer, at most one
// pending read, and it watches the fd on the loop only for what it needs:
// READ while a read is pending, WRITE while bytes wait to be sent, and READ
// when idle with nothing buffered, so that it notices the peer closing.
//
// Every Future it returns is resolved through loop.AddCallback, on a later
// turn, as asyncio-based Tornado does: user code never runs in the middle of
// the stream's bookkeeping, and a reader that issues read after read from a
// full buffer does not recurse.
//
// Like the loop, a stream belongs to the loop goroutine.
type BaseIOStream struct {
	// MaxBufferSize, ReadChunkSize and MaxWriteBufferSize are the limits of
	// Options after defaults; change them before the first read or write.
	MaxBufferSize      int
	ReadChunkSize      int
	MaxWriteBufferSize int

	impl Transport
	loop *ioloop.IOLoop
	self any // the concrete stream, which Connect's Future resolves to

	err           error
	closed        bool
	closeCallback func()
	onClose       func() // lets SSLIOStream fail its handshake Future too

	// The read side: unread bytes are readBuf[readPos:].
	readBuf []byte
	readPos int
	scratch []byte

	// The one pending read. readBytes < 0 and the others nil/zero mean none.
	readFuture     *futures.Future
	readBytes      int
	readPartial    bool
	readDelimiter  []byte
	readRegex      *regexp.Regexp
	readMaxBytes   int
	readUntilClose bool
	streaming      func([]byte)

	// The write side: bytes not yet handed to the fd, and one Future per
	// Write that resolves once the stream has written everything up to end.
	writeBuf     []byte
	written      int64 // bytes handed to the fd so far
	queued       int64 // bytes handed to Write so far
	writeWaiters []writeWaiter

	connecting    bool
	connectFuture *futures.Future

	registered bool
	state      ioloop.Events
}

type writeWaiter struct {
	end    int64
	future *futures.Future
}

// pendingOutput is implemented by transports that hold bytes of their own
// (SSLIOStream's ciphertext): the stream keeps writing until they are out.
type pendingOutput interface{ hasPendingOutput() bool }

// pauser is implemented by transports that sometimes need the loop to keep
// away from the fd (SSLIOStream during its handshake).
type pauser interface{ paused() bool }

// NewBaseIOStream sets up the buffers and limits for impl. Concrete streams
// call it from their constructors; self is what Connect resolves to.
func NewBaseIOStream(impl Transport, self any, opts *Options) *BaseIOStream {
	if opts == nil {
		opts = &Options{}
	}
	b := &BaseIOStream{
		impl:               impl,
		self:               self,
		loop:               opts.Loop,
		MaxBufferSize:      opts.MaxBufferSize,
		ReadChunkSize:      opts.ReadChunkSize,
		MaxWriteBufferSize: opts.MaxWriteBufferSize,
		readBytes:          -1,
	}
	if b.loop == nil {
		b.loop = ioloop.Current()
	}
	if b.MaxBufferSize <= 0 {
		b.MaxBufferSize = DefaultMaxBufferSize
	}
	if b.ReadChunkSize <= 0 {
		b.ReadChunkSize = DefaultReadChunkSize
	}
	// A chunk bigger than the whole buffer could never be read (Tornado
	// clamps it the same way).
	b.ReadChunkSize = min(b.ReadChunkSize, b.MaxBufferSize)
	return b
}

// # The main interface

// Write queues data and writes as much as the fd takes now; the rest goes out
// as the fd becomes writable. The Future resolves (to nil) once data and
// everything before it has been handed to the kernel. data is copied, so the
// caller may reuse it at once.
func (b *BaseIOStream) Write(data []byte) *futures.Future {
	if b.closed {
		return futures.Failed(&StreamClosedError{RealError: b.err})
	}
	if b.MaxWriteBufferSize > 0 && len(b.writeBuf)+len(data) > b.MaxWriteBufferSize {
		// Like Tornado, the stream stays open: the caller learns to slow down.
		return futures.Failed(&StreamBufferFullError{Message: "reached maximum write buffer size"})
	}
	b.writeBuf = append(b.writeBuf, data...)
	b.queued += int64(len(data))
	f := futures.New()
	b.writeWaiters = append(b.writeWaiters, writeWaiter{end: b.queued, future: f})
	if !b.connecting {
		b.handleWrite()
	}
	b.updateState()
	return f
}

// ReadBytes reads exactly n bytes. With partial, it resolves as soon as any
// bytes are there (never more than n). With a streamingCallback, the bytes go
// to it as they arrive and the Future resolves to an empty slice at the end.
func (b *BaseIOStream) ReadBytes(n int, partial bool, streamingCallback func([]byte)) *futures.Future {
	f, ok := b.startRead()
	if !ok {
		return f
	}
	b.readBytes = max(n, 0)
	b.readPartial = partial
	b.streaming = streamingCallback
	b.tryInlineRead()
	return f
}

// ReadUntil reads until delimiter and resolves to the data including it. With
// maxBytes > 0, a delimiter that does not end within the first maxBytes bytes
// closes the stream with an UnsatisfiableReadError (maxBytes counts the
// delimiter, as in tornado/iostream.py).
func (b *BaseIOStream) ReadUntil(delimiter []byte, maxBytes int) *futures.Future {
	f, ok := b.startRead()
	if !ok {
		return f
	}
	b.readDelimiter = bytes.Clone(delimiter)
	b.readMaxBytes = maxBytes
	b.tryInlineRead()
	return f
}

// ReadUntilRegex reads until re matches and resolves to the data up to the
// end of the match; maxBytes works as in ReadUntil.
func (b *BaseIOStream) ReadUntilRegex(re *regexp.Regexp, maxBytes int) *futures.Future {
	f, ok := b.startRead()
	if !ok {
		return f
	}
	b.readRegex = re
	b.readMaxBytes = maxBytes
	b.tryInlineRead()
	return f
}

// ReadUntilClose reads everything until the peer closes and resolves to it.
// With a streamingCallback, data goes to it as it arrives and the Future
// resolves to an empty slice. On a closed stream it returns what is buffered.
func (b *BaseIOStream) ReadUntilClose(streamingCallback func([]byte)) *futures.Future {
	f, ok := b.startRead()
	if !ok {
		return f
	}
	b.streaming = streamingCallback
	if b.closed {
		b.runStreamingCallback()
		b.finishRead(b.buffered())
		return f
	}
	b.readUntilClose = true
	b.tryInlineRead()
	return f
}

// Close closes the stream: the pending read is resolved if the buffer can
// satisfy it, every other pending operation fails with StreamClosedError, and
// the close callback runs. err, if not nil, is why (Tornado's exc_info): it
// becomes Error() and the RealError of those StreamClosedErrors.
func (b *BaseIOStream) Close(err error) {
	if !b.closed {
		if err != nil && b.err == nil {
			b.err = err
		}
		if b.readUntilClose {
			b.readUntilClose = false
			b.runStreamingCallback()
			b.finishRead(b.buffered())
		} else if b.readFuture != nil {
			if pos, perr := b.findReadPos(); perr == nil && pos >= 0 {
				b.readFromBuffer(pos)
			}
		}
		if b.registered {
			b.loop.RemoveHandler(b.impl.Fileno())
			b.registered = false
		}
		_ = b.impl.CloseFD()
		b.closed = true
		b.writeBuf = nil
	}
	b.signalClosed()
}

// SetCloseCallback arranges for fn to run (on the loop) when the stream closes.
func (b *BaseIOStream) SetCloseCallback(fn func()) {
	b.closeCallback = fn
	if b.closed {
		b.signalClosed()
		return
	}
	b.updateState()
}

// Closed reports whether the stream is closed.
func (b *BaseIOStream) Closed() bool { return b.closed }

// Error is why the stream closed, or nil. (Tornado's error attribute.)
func (b *BaseIOStream) Error() error { return b.err }

// Reading reports whether a read is pending.
func (b *BaseIOStream) Reading() bool { return b.readFuture != nil }

// Writing reports whether bytes are waiting to be written.
func (b *BaseIOStream) Writing() bool {
	if p, ok := b.impl.(pendingOutput); ok && p.hasPendingOutput() {
		return true
	}
	return len(b.writeBuf) > 0
}

// SetNodelay is a no-op on streams that are not TCP sockets; IOStream
// overrides it.
func (b *BaseIOStream) SetNodelay(bool) error { return nil }

// The subclass methods, forwarded so that a BaseIOStream shows the whole
// contract of the seed.

// Fileno returns the stream's file descriptor.
func (b *BaseIOStream) Fileno() int { return b.impl.Fileno() }

// CloseFD closes the file descriptor without the rest of Close's work.
func (b *BaseIOStream) CloseFD() error { return b.impl.CloseFD() }

// WriteToFD writes to the fd directly, bypassing the write buffer.
func (b *BaseIOStream) WriteToFD(data []byte) (int, error) { return b.impl.WriteToFD(data) }

// ReadFromFD reads from the fd directly, bypassing the read buffer.
func (b *BaseIOStream) ReadFromFD(buf []byte) (int, error) { return b.impl.ReadFromFD(buf) }

// GetFDError returns the error pending on the fd.
func (b *BaseIOStream) GetFDError() error { return b.impl.GetFDError() }

// # Reading

// startRead claims the one read slot. On a closed stream the read may still
// succeed from the buffer (tryInlineRead looks there first), so only a second
// concurrent read is refused here.
func (b *BaseIOStream) startRead() (*futures.Future, bool) {
	if b.readFuture != nil {
		if b.closed {
			return futures.Failed(&StreamClosedError{RealError: b.err}), false
		}
		return futures.Failed(ErrAlreadyReading), false
	}
	b.readFuture = futures.New()
	return b.readFuture, true
}

// tryInlineRead satisfies the new read from the buffer if it can, then from
// whatever the fd has right now, and only then asks the loop for READ events.
// Reading the fd at once, not waiting for an event, matters for SSLIOStream:
// crypto/tls may hold decrypted bytes while the socket itself is not readable.
func (b *BaseIOStream) tryInlineRead() {
	b.runStreamingCallback()
	pos, err := b.findReadPos()
	if err != nil {
		b.Close(err)
		return
	}
	if pos >= 0 {
		b.readFromBuffer(pos)
		return
	}
	if b.closed {
		b.signalClosed() // fails the read just started
		return
	}
	if pos, err = b.readToBufferLoop(); err != nil {
		b.Close(err)
		return
	}
	if pos >= 0 {
		b.readFromBuffer(pos)
		return
	}
	b.updateState()
}

// readToBufferLoop reads chunks until the pending read can be satisfied or
// the fd would block. Like Tornado it stops early once it has the bytes a
// ReadBytes or a maxBytes needs, and it searches for a delimiter only when the
// buffer has doubled since the last search, so that a big message arriving
// in many chunks is not scanned over and over. With no read pending, it reads
// a single chunk (an idle stream noticing data or a close).
func (b *BaseIOStream) readToBufferLoop() (int, error) {
	target := -1
	switch {
	case b.readBytes >= 0:
		target = b.readBytes
	case b.readMaxBytes > 0:
		target = b.readMaxBytes
	case b.Reading():
		target = -1
	default:
		target = 0
	}
	nextFindPos := 0
	for !b.closed {
		n, err := b.readToBuffer()
		if err != nil {
			return -1, err
		}
		if n == 0 {
			break
		}
		b.runStreamingCallback()
		if target >= 0 && b.buffered() >= target {
			break
		}
		if b.buffered() >= nextFindPos {
			pos, err := b.findReadPos()
			if err != nil || pos >= 0 {
				return pos, err
			}
			nextFindPos = b.buffered() * 2
		}
	}
	if b.closed {
		return -1, nil // Close already settled the pending read
	}
	return b.findReadPos()
}

// readToBuffer reads one chunk from the fd into the buffer and returns its
// size; 0 means it would block, or that the peer closed (then the stream is
// closed too).
func (b *BaseIOStream) readToBuffer() (int, error) {
	if b.scratch == nil {
		b.scratch = make([]byte, b.ReadChunkSize)
	}
	n, err := b.impl.ReadFromFD(b.scratch)
	if err == io.EOF {
		b.Close(nil)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, nil
	}
	// Slide the unread bytes to the front before growing, so the buffer
	// does not creep forward forever.
	if b.readPos > 0 && b.readPos >= len(b.readBuf)/2 {
		b.readBuf = append(b.readBuf[:0], b.readBuf[b.readPos:]...)
		b.readPos = 0
	}
	b.readBuf = append(b.readBuf, b.scratch[:n]...)
	if b.buffered() > b.MaxBufferSize {
		return n, &StreamBufferFullError{Message: "reached maximum read buffer size"}
	}
	return n, nil
}

// findReadPos returns how many buffered bytes satisfy the pending read, or -1
// if they do not (yet). It fails when a delimiter can no longer fit in
// maxBytes.
func (b *BaseIOStream) findReadPos() (int, error) {
	buf := b.readBuf[b.readPos:]
	switch {
	case b.readBytes >= 0 && (len(buf) >= b.readBytes || (b.readPartial && len(buf) > 0)):
		return min(b.readBytes, len(buf)), nil
	case b.readDelimiter != nil && len(buf) > 0:
		if loc := bytes.Index(buf, b.readDelimiter); loc >= 0 {
			end := loc + len(b.readDelimiter)
			return end, b.checkMaxBytes(b.readDelimiter, end)
		}
		return -1, b.checkMaxBytes(b.readDelimiter, len(buf))
	case b.readRegex != nil && len(buf) > 0:
		if m := b.readRegex.FindIndex(buf); m != nil {
			return m[1], b.checkMaxBytes(b.readRegex, m[1])
		}
		return -1, b.checkMaxBytes(b.readRegex, len(buf))
	}
	return -1, nil
}

func (b *BaseIOStream) checkMaxBytes(delimiter any, size int) error {
	if b.readMaxBytes > 0 && size > b.readMaxBytes {
		if d, ok := delimiter.([]byte); ok {
			delimiter = string(d)
		}
		return &UnsatisfiableReadError{Message: fmt.Sprintf("delimiter %q not found within %d bytes", delimiter, b.readMaxBytes)}
	}
	return nil
}

// readFromBuffer ends the pending read with the first pos buffered bytes.
func (b *BaseIOStream) readFromBuffer(pos int) {
	b.readBytes, b.readPartial, b.readDelimiter, b.readRegex, b.readMaxBytes = -1, false, nil, nil, 0
	b.streaming = nil
	b.finishRead(pos)
}

func (b *BaseIOStream) finishRead(size int) {
	data := b.consume(size)
	f := b.readFuture
	b.readFuture, b.streaming = nil, nil
	if f != nil {
		b.loop.AddCallback(func() { _ = f.SetResult(data) })
	}
	b.updateState()
}

// runStreamingCallback hands the buffered bytes (no more than a ReadBytes
// still wants) to the streaming callback.
func (b *BaseIOStream) runStreamingCallback() {
	if b.streaming == nil || b.buffered() == 0 {
		return
	}
	n := b.buffered()
	if b.readBytes >= 0 {
		n = min(n, b.readBytes)
		b.readBytes -= n
	}
	if n == 0 { // a ReadBytes that has had all it wanted
		return
	}
	data, fn := b.consume(n), b.streaming
	b.loop.AddCallback(func() { fn(data) })
}

func (b *BaseIOStream) buffered() int { return len(b.readBuf) - b.readPos }

// consume takes n bytes off the front of the buffer, as a copy the caller owns.
func (b *BaseIOStream) consume(n int) []byte {
	data := bytes.Clone(b.readBuf[b.readPos : b.readPos+n])
	if data == nil {
		data = []byte{}
	}
	b.readPos += n
	if b.readPos == len(b.readBuf) {
		b.readBuf, b.readPos = b.readBuf[:0], 0
		if cap(b.readBuf) > 4*b.ReadChunkSize {
			b.readBuf = nil // let a burst's big buffer go
		}
	}
	return data
}

// # Writing

// handleWrite writes until the buffer is empty or the fd would block, then
// resolves the Futures of the Writes that are now wholly out.
func (b *BaseIOStream) handleWrite() {
	for b.Writing() {
		n, err := b.impl.WriteToFD(b.writeBuf)
		if err != nil {
			b.Close(err)
			return
		}
		if n == 0 {
			break
		}
		b.writeBuf = b.writeBuf[n:]
		b.written += int64(n)
	}
	if len(b.writeBuf) == 0 {
		b.writeBuf = nil
	}
	// A transport's own pending bytes (SSLIOStream's ciphertext) belong to
	// the Writes already accepted, so those wait for them too.
	for len(b.writeWaiters) > 0 && b.writeWaiters[0].end <= b.written && !b.transportPending() {
		f := b.writeWaiters[0].future
		b.writeWaiters = b.writeWaiters[1:]
		b.loop.AddCallback(func() { _ = f.SetResult(nil) })
	}
}

func (b *BaseIOStream) transportPending() bool {
	p, ok := b.impl.(pendingOutput)
	return ok && p.hasPendingOutput()
}

// # Events

// handleEvents is the stream's handler on the loop: one step per kind of
// event, stopping as soon as a step closed the stream.
func (b *BaseIOStream) handleEvents(fd int, events ioloop.Events) {
	if b.closed {
		return
	}
	if b.connecting {
		if events&(ioloop.WRITE|ioloop.ERROR) != 0 {
			b.handleConnect()
		}
		if b.connecting || b.closed {
			return
		}
	}
	if events&ioloop.READ != 0 {
		b.handleRead()
		if b.closed {
			return
		}
	}
	if events&ioloop.WRITE != 0 {
		b.handleWrite()
		if b.closed {
			return
		}
	}
	if events&ioloop.ERROR != 0 {
		b.handleError()
		return
	}
	b.updateState()
}

func (b *BaseIOStream) handleRead() {
	pos, err := b.readToBufferLoop()
	if err != nil {
		b.Close(err)
		return
	}
	if pos >= 0 {
		b.readFromBuffer(pos)
	}
}

// handleError deals with an error or a hang-up. A plain hang-up (no error on
// the fd) may leave bytes unread, as when a pipe's writer wrote and closed:
// keep them, so that reads issued later are served from the buffer, then
// close.
func (b *BaseIOStream) handleError() {
	err := b.impl.GetFDError()
	if err == nil {
		for !b.closed {
			n, rerr := b.readToBuffer()
			if rerr != nil {
				err = rerr
				break
			}
			if n == 0 {
				break
			}
		}
	}
	b.Close(err)
}

func (b *BaseIOStream) handleConnect() {
	if err := b.impl.GetFDError(); err != nil {
		b.Close(err)
		return
	}
	b.connecting = false
	f := b.connectFuture
	b.connectFuture = nil
	if f != nil {
		self := b.self
		b.loop.AddCallback(func() { _ = f.SetResult(self) })
	}
	b.handleWrite() // Writes queued while connecting
	b.updateState()
}

// updateState tells the loop which events the stream wants now. The stream
// registers its handler on first use and keeps it until Close.
func (b *BaseIOStream) updateState() {
	if b.closed {
		return
	}
	if p, ok := b.impl.(pauser); ok && p.paused() {
		if b.registered {
			b.loop.RemoveHandler(b.impl.Fileno())
			b.registered = false
		}
		return
	}
	var state ioloop.Events
	if b.Reading() {
		state |= ioloop.READ
	}
	if b.connecting || b.Writing() {
		state |= ioloop.WRITE
	}
	if state == 0 && b.buffered() == 0 {
		// Idle: listen anyway, to notice the peer closing (Tornado's
		// _maybe_add_error_listener).
		state = ioloop.READ
	}
	if !b.registered {
		if err := b.loop.AddHandler(b.impl.Fileno(), b.handleEvents, state); err != nil {
			b.Close(err)
			return
		}
		b.registered, b.state = true, state
		return
	}
	if state != b.state {
		if err := b.loop.UpdateHandler(b.impl.Fileno(), state); err != nil {
			b.Close(err)
			return
		}
		b.state = state
	}
}

// signalClosed fails everything still pending with StreamClosedError and
// schedules the close callback. It runs after Close, and again whenever an
// operation is started on a closed stream.
func (b *BaseIOStream) signalClosed() {
	closedErr := &StreamClosedError{RealError: b.err}
	fail := func(f *futures.Future) {
		b.loop.AddCallback(func() { _ = f.SetException(closedErr) })
	}
	if f := b.readFuture; f != nil {
		b.readFuture, b.streaming = nil, nil
		b.readBytes, b.readPartial, b.readDelimiter, b.readRegex, b.readMaxBytes = -1, false, nil, nil, 0
		fail(f)
	}
	if f := b.connectFuture; f != nil {
		b.connectFuture = nil
		fail(f)
	}
	for _, w := range b.writeWaiters {
		fail(w.future)
	}
	b.writeWaiters = nil
	if b.onClose != nil {
		b.onClose()
	}
	if fn := b.closeCallback; fn != nil {
		b.closeCallback = nil
		b.loop.AddCallback(fn)
	}
}
