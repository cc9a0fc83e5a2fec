// Conn: the protocol core run on an iostream, with Tornado's
// WebSocketProtocol13 behaviour: the closing handshake with its 5-second
// limit, pings on an interval with a timeout, and a handler's callbacks,
// which may be coroutines.

package websocket

import (
	"strings"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/iostream"
)

// Defaults of a connection's timers.
const (
	// DefaultCloseTimeout is how long a side that sent a Close frame waits
	// for the peer's before closing the connection (Tornado's 5 seconds).
	DefaultCloseTimeout = 5 * time.Second
	// minPingTimeout is the least default ping timeout: Tornado's
	// max(3 * ping_interval, 30 s).
	minPingTimeout = 30 * time.Second
	// readChunk is the most a read asks of the stream at once.
	readChunk = 64 << 10
	// DefaultWriteHighWater is the default Options.WriteHighWater, 1 MiB:
	// sixteen reads' worth of answers. What a read event's handlers write
	// is sent at the end of that event, so a peer that reads its answers
	// never lets this much wait; a peer that does not read costs the
	// server this much plus one read's answers, and then its own TCP
	// window fills, as with gorilla/websocket, whose writes block.
	DefaultWriteHighWater = 1 << 20
	// DefaultMaxWriteBufferSize is the default Options.MaxWriteBufferSize,
	// 4 MiB: as much again as Linux lets a socket's send buffer grow to
	// (tcp_wmem), between engine.io's 1 MiB and Bun's 16 MiB limits for
	// the same purpose. A client that falls that far behind (four
	// thousand 1 KiB chat messages, on top of what the kernels hold) is
	// not reading, and a thousand of them cost 4 GiB rather than all the
	// memory there is. It is above the high-water mark by more than what
	// one pass writes, so an echo (answers to the peer's own messages) is
	// paused by the mark and never reaches it.
	DefaultMaxWriteBufferSize = 4 << 20
	// maxMessagesPerPass bounds the messages one pass over received bytes
	// dispatches before the rest waits for a loop callback, so that a
	// read of 64 KiB of tiny frames (ten thousand of them) does not keep
	// the loop from its timers and other connections. 64 is more than a
	// 64 KiB read holds of 1 KiB messages, so those never wait.
	maxMessagesPerPass = 64
)

// Options are a connection's settings, Tornado's websocket_* application
// settings and websocket_connect arguments.
type Options struct {
	// PingInterval, if positive, sends a ping that often
	// (websocket_ping_interval).
	PingInterval time.Duration
	// PingTimeout closes the connection when no pong has come for that
	// long (websocket_ping_timeout); 0 means max(3 * PingInterval, 30 s).
	PingTimeout time.Duration
	// MaxMessageSize bounds incoming messages (websocket_max_message_size,
	// close 1009); 0 means 10 MiB.
	MaxMessageSize int
	// CloseTimeout bounds the closing handshake; 0 means 5 s.
	CloseTimeout time.Duration
	// WriteHighWater is the back-pressure mark: while more than this
	// many bytes of output wait unsent, the connection stops reading the
	// peer, and reads again once they are sent. A peer that sends without
	// reading the answers is thus held by its own TCP window instead of
	// filling the server's memory. 0 means DefaultWriteHighWater (1 MiB);
	// negative, never pause (Tornado, which has no such mark).
	WriteHighWater int
	// MaxWriteBufferSize bounds output the application sends on its own
	// (a broadcast) to a peer that does not read: a WriteMessage, Send or
	// Ping made while this many bytes wait unsent fails with
	// ErrWriteBufferFull, and the connection is failed with close code
	// 1008 and a log line. A message made below it is accepted whole,
	// however large. 0 means DefaultMaxWriteBufferSize (4 MiB); negative,
	// no limit (Tornado).
	MaxWriteBufferSize int
}

// writeHighWater returns the effective back-pressure mark, 0 for none.
func (o *Options) writeHighWater() int {
	switch {
	case o.WriteHighWater > 0:
		return o.WriteHighWater
	case o.WriteHighWater < 0:
		return 0
	}
	return DefaultWriteHighWater
}

// maxWriteBuffer returns the effective output limit, 0 for none.
func (o *Options) maxWriteBuffer() int {
	switch {
	case o.MaxWriteBufferSize > 0:
		return o.MaxWriteBufferSize
	case o.MaxWriteBufferSize < 0:
		return 0
	}
	return DefaultMaxWriteBufferSize
}

// pingTimeout returns the effective ping timeout.
func (o *Options) pingTimeout() time.Duration {
	if o.PingTimeout > 0 {
		return o.PingTimeout
	}
	return max(3*o.PingInterval, minPingTimeout)
}

// closeTimeout returns the effective closing-handshake limit.
func (o *Options) closeTimeout() time.Duration {
	if o.CloseTimeout > 0 {
		return o.CloseTimeout
	}
	return DefaultCloseTimeout
}

// readState is what a connection's reading waits for: one thing at a time.
type readState uint8

const (
	// readIdle: nothing; the next pass starts a read on the stream.
	readIdle readState = iota
	// readPending: a read is pending on the stream; onData goes on.
	readPending
	// readAwaiting: a handler's Awaitable (Open's or OnMessage's) is
	// pending; held keeps the bytes after its message.
	readAwaiting
	// readYielded: the pass has dispatched maxMessagesPerPass messages;
	// a loop callback goes on with held.
	readYielded
	// readDraining: more than the high-water mark of output waits
	// unsent; reading goes on once it is sent.
	readDraining
)

// Conn is an open WebSocket connection, server or client side. Its methods
// must be called on its loop's goroutine, as every callback runs there.
type Conn struct {
	// stream carries the frames.
	stream *iostream.IOStream
	// loop is the stream's loop.
	loop *ioloop.IOLoop
	// handler receives the events.
	handler Handler
	// request is the handshake request on a server, nil on a client.
	request *Request
	// server is set on the server side.
	server bool
	// opts are the settings.
	opts Options
	// reader and writer are the protocol core.
	reader *Reader
	writer *Writer
	// subprotocol is the negotiated subprotocol, or "".
	subprotocol string
	// deflate holds the permessage-deflate parameters, nil without it.
	deflate *DeflateParams

	// onDataFn, resumeFn, scheduleFn, onClosedFn, abortFn and pingFn are
	// method values made once, so that reads and timers allocate nothing.
	onDataFn   func([]byte, error)
	resumeFn   func()
	scheduleFn func()
	onClosedFn func()
	abortFn    func()
	pingFn     func()
	// rs is what reading waits for.
	rs readState
	// held is the received bytes not yet processed while reading waits
	// (readAwaiting, readYielded, readDraining); heldBuf is storage of
	// the connection's own that held may point into, kept for reuse up
	// to bufKeep.
	held    []byte
	heldBuf []byte
	// writeErr, once set, is the answer to every write: ErrWriteBufferFull
	// after a write found MaxWriteBufferSize reached and failed the
	// connection.
	writeErr error

	// closing is where the closing handshake stands.
	closing closing
	// closeCode and closeReason are the peer's Close frame's, 1006 when
	// none came.
	closeCode   int
	closeReason string
	// waiting is the timer that aborts a closing handshake, the zero
	// Timeout when none is set.
	waiting ioloop.Timeout
	// pingTimer is the next ping (the zero Timeout: none); lastPing and
	// lastPong are when we sent one and received one.
	pingTimer ioloop.Timeout
	lastPing  time.Time
	lastPong  time.Time
}

// closing is where a connection's closing handshake stands (RFC 6455,
// section 7): which Close frames have crossed, then the end. It only moves
// forward: closeOpen to closeSent or closeReceived, either of those to
// closeBoth, and any of them to closeDone once the stream has closed and
// OnClose has run.
type closing uint8

const (
	// closeOpen: no Close frame either way.
	closeOpen closing = iota
	// closeSent: ours went out (Tornado's server_terminated); the peer's
	// is awaited, for at most Options.CloseTimeout.
	closeSent
	// closeReceived: the peer's came (client_terminated) and ours has not
	// gone yet; Close answers at once, so it does not last.
	closeReceived
	// closeBoth: both frames have crossed; the stream closes.
	closeBoth
	// closeDone: the stream has closed and OnClose has run.
	closeDone
)

// sent reports whether our Close frame is out (or no longer matters).
func (s closing) sent() bool { return s == closeSent || s >= closeBoth }

// received reports whether the peer's Close frame came (or no longer
// matters).
func (s closing) received() bool { return s >= closeReceived }

// withSent is s once our Close frame went out.
func (s closing) withSent() closing {
	switch s {
	case closeOpen:
		return closeSent
	case closeReceived:
		return closeBoth
	}
	return s
}

// withReceived is s once the peer's Close frame came.
func (s closing) withReceived() closing {
	switch s {
	case closeOpen:
		return closeReceived
	case closeSent:
		return closeBoth
	}
	return s
}

// newConn returns a connection on stream; start runs it.
func newConn(stream *iostream.IOStream, h Handler, server bool, opts Options, deflate *DeflateParams, co *CompressionOptions) *Conn {
	c := &Conn{stream: stream, loop: stream.Loop(), handler: h, server: server, opts: opts, deflate: deflate, closeCode: CloseAbnormalClosure}
	c.reader = NewReader(ReaderOptions{Server: server, MaxMessageSize: opts.MaxMessageSize, Deflate: deflate})
	c.writer = NewWriter(WriterOptions{Client: !server, Deflate: deflate, Compression: co})
	c.onDataFn = c.onData
	c.resumeFn = c.resume
	c.scheduleFn = c.scheduleResume
	c.onClosedFn = c.onStreamClosed
	c.abortFn = c.abort
	c.pingFn = c.periodicPing
	// Frames leave in two writes (header, payload): a refusal of the
	// second by the stream's own limit would corrupt the connection, so
	// the connection bounds its output per message instead (see
	// checkWrite).
	stream.MaxWriteBufferSize = 0
	return c
}

// start calls Open, then reads once it is done: first the bytes in held
// (received with the handshake), then the stream.
func (c *Conn) start() {
	c.stream.SetCloseCallback(c.onClosedFn)
	c.lastPong = c.loop.Time()
	if c.opts.PingInterval > 0 {
		c.pingTimer = c.loop.CallLater(c.opts.PingInterval, c.pingFn)
	}
	aw := c.call(func() concurrent.Awaitable { return c.handler.Open(c) })
	if c.stream.Closed() {
		return
	}
	if aw != nil && !aw.Done() {
		// Like Tornado, no message is delivered before Open finishes.
		c.rs = readAwaiting
		aw.OnDone(c.scheduleFn)
		return
	}
	c.resume() // frames received with the handshake, then the stream
}

// Stream returns the connection's stream.
func (c *Conn) Stream() *iostream.IOStream { return c.stream }

// Request returns the handshake request on a server, nil on a client.
func (c *Conn) Request() *Request { return c.request }

// Subprotocol returns the negotiated subprotocol, or "".
func (c *Conn) Subprotocol() string { return c.subprotocol }

// Deflate returns the permessage-deflate parameters, or nil.
func (c *Conn) Deflate() *DeflateParams { return c.deflate }

// CloseCode and CloseReason return what the peer's Close frame said: 1005
// for a frame without a code, 1006 while none has come (Tornado's
// close_code and close_reason).
func (c *Conn) CloseCode() int { return c.closeCode }

// CloseReason returns the peer's close reason; see CloseCode.
func (c *Conn) CloseReason() string { return c.closeReason }

// SetNodelay turns Nagle's algorithm off, so small messages leave at once
// (Tornado's set_nodelay).
func (c *Conn) SetNodelay(on bool) error { return c.stream.SetNodelay(on) }

// IsClosing reports whether the connection is closed or closing.
func (c *Conn) IsClosing() bool { return c.stream.Closed() || c.closing != closeOpen }

// The reading cycle. A pass feeds received bytes to the Reader and
// dispatches the messages, then reads more, unless it must wait for one of
// three things, each a readState: a handler's pending Awaitable (as in
// Tornado, the next message waits for it), the loop (the pass dispatched
// maxMessagesPerPass messages), or the peer (more than the high-water mark
// of output waits unsent). Each wait ends in resume, run from a loop
// callback, never inside whatever resolved the Awaitable or sent the
// output: a pass always starts from the loop, so it cannot nest in another
// connection's or run ahead of the loop's timers.

// readMore starts the next read, or waits for the output to drain first.
func (c *Conn) readMore() {
	if c.rs != readIdle || c.stream.Closed() {
		return
	}
	if hw := c.opts.writeHighWater(); hw > 0 && c.stream.Queued() > hw {
		// The peer is not reading what we send: stop reading it, so that
		// its TCP window fills instead of our memory. Write(nil) resolves
		// once the stream's queue is empty; the kernel's send buffer still
		// holds data then, so a peer that reads is not starved meanwhile.
		c.rs = readDraining
		c.stream.Write(nil).OnDone(c.scheduleFn)
		return
	}
	c.rs = readPending
	c.stream.ReadBytesFunc(readChunk, true, c.onDataFn)
}

// onData receives bytes from the stream, valid only during the call.
func (c *Conn) onData(data []byte, err error) {
	c.rs = readIdle
	if err != nil {
		return // the close callback reports it
	}
	c.process(data, false)
}

// scheduleResume runs resume from a loop callback: it is what an Awaitable
// or the drained output calls when done.
func (c *Conn) scheduleResume() { c.loop.AddCallback(c.resumeFn) }

// resume goes on after a wait: with the held bytes, then the stream.
func (c *Conn) resume() {
	c.rs = readIdle
	data := c.held
	c.held = nil
	c.process(data, true)
}

// process feeds data to the Reader and dispatches each message, at most
// maxMessagesPerPass of them; it stops at a message whose handler returns
// a pending Awaitable. Bytes it stops before are held: data itself when it
// is held already (inHeld), else a copy, as data is the stream's buffer.
func (c *Conn) process(data []byte, inHeld bool) {
	for dispatched := 0; len(data) > 0 && !c.stream.Closed(); {
		if dispatched == maxMessagesPerPass {
			c.hold(data, inHeld, readYielded)
			c.loop.AddCallback(c.resumeFn)
			return
		}
		n, m, ok, err := c.reader.Next(data)
		data = data[n:]
		if err != nil {
			c.fail(err)
			return
		}
		if !ok {
			continue
		}
		dispatched++
		aw := c.dispatch(m)
		if aw != nil && !aw.Done() && !c.stream.Closed() {
			c.hold(data, inHeld, readAwaiting)
			aw.OnDone(c.scheduleFn)
			return
		}
	}
	if inHeld && cap(c.heldBuf) > bufKeep {
		c.heldBuf = nil // a big message's storage is not kept
	}
	c.readMore()
}

// hold keeps rest, the bytes a pass stops before, while reading waits for
// rs.
func (c *Conn) hold(rest []byte, inHeld bool, rs readState) {
	c.rs = rs
	if inHeld {
		c.held = rest // in heldBuf (or Request.Rest) already
		return
	}
	c.heldBuf = append(c.heldBuf[:0], rest...)
	c.held = c.heldBuf
}

// dispatch hands one message or control frame to the handler.
func (c *Conn) dispatch(m Message) concurrent.Awaitable {
	switch m.Opcode {
	case OpText, OpBinary:
		binary := m.Opcode == OpBinary
		return c.call(func() concurrent.Awaitable { return c.handler.OnMessage(c, m.Data, binary) })
	case OpPing:
		// "Upon receipt of a Ping frame, an endpoint MUST send a Pong
		// frame in response, unless it already received a Close frame"
		// (section 5.5.2).
		if c.closing == closeOpen {
			c.writeFrame(OpPong, m.Data)
		}
		c.call(func() concurrent.Awaitable { c.handler.OnPing(c, m.Data); return nil })
	case OpPong:
		c.lastPong = c.loop.Time()
		c.call(func() concurrent.Awaitable { c.handler.OnPong(c, m.Data); return nil })
	case OpClose:
		c.closing = c.closing.withReceived()
		c.closeCode, c.closeReason = m.CloseCode, m.CloseReason
		// Echo the received code (section 5.5.1), as Tornado does.
		c.Close(m.CloseCode, "")
	}
	return nil
}

// call runs a handler method; a panic is logged and fails the connection
// with 1011, as Tornado's _run_callback aborts. A returned Awaitable that
// fails is logged.
func (c *Conn) call(fn func() concurrent.Awaitable) (result concurrent.Awaitable) {
	defer func() {
		if r := recover(); r != nil {
			c.loop.Logger().Error("websocket: handler panicked", "panic", r)
			result = nil
			c.failCode(CloseInternalError)
		}
	}()
	aw := fn()
	if aw != nil {
		c.logFailure(aw)
	}
	return aw
}

// logFailure logs the error aw ends with, if any. (A function of its own
// so that the synchronous path does not move aw to the heap.)
func (c *Conn) logFailure(aw concurrent.Awaitable) {
	aw.OnDone(func() {
		if err := aw.Exception(); err != nil {
			c.loop.Logger().Error("websocket: handler failed", "err", err)
		}
	})
}

// fail fails the connection for a protocol error (section 7.1.7): a Close
// frame with the error's code, then the TCP connection closed at once.
func (c *Conn) fail(err error) {
	c.loop.Logger().Debug("websocket: failing connection", "err", err)
	// The reason is the error without its package prefix: "message too
	// big" for 1009, as Tornado says.
	c.failReason(CodeOf(err), strings.TrimPrefix(err.Error(), "websocket: "))
}

// failCode sends a Close frame with code, if none was sent, and closes.
func (c *Conn) failCode(code int) { c.failReason(code, "") }

// failReason is failCode with a reason.
func (c *Conn) failReason(code int, reason string) {
	if !c.closing.sent() && !c.stream.Closed() {
		c.closing = c.closing.withSent()
		h, b := c.writer.PrepareClose(code, reason)
		c.stream.WriteBuffered(h)
		c.stream.WriteBuffered(b)
	}
	c.abort()
}

// abort closes the stream without waiting for anything more.
func (c *Conn) abort() { c.stream.Close() }

// checkWrite is the output limit for a message the application writes:
// while MaxWriteBufferSize bytes or more wait unsent, the peer is not
// reading, and the connection is failed (section 7.1.7) rather than let
// grow. The code is 1008, Policy Violation: section 7.4.1 makes it the
// generic code "when there is no other more suitable status code", and
// none fits better: 1009 is for a message received too big, 1011 for an
// unexpected condition on the server, and 1001 for a server going away.
// The Close frame is queued behind the output the peer has not read, so
// it rarely arrives; the log line and ErrWriteBufferFull are what tell.
func (c *Conn) checkWrite() error {
	limit := c.opts.maxWriteBuffer()
	queued := c.stream.Queued()
	if limit <= 0 || queued < limit {
		return nil
	}
	c.writeErr = ErrWriteBufferFull
	c.loop.Logger().Warn("websocket: peer is not reading, closing the connection",
		"code", ClosePolicyViolation, "unsent", queued, "limit", limit, "remote", c.remoteAddr())
	c.failReason(ClosePolicyViolation, "write buffer full")
	return ErrWriteBufferFull
}

// remoteAddr returns the peer's address for log lines.
func (c *Conn) remoteAddr() string {
	if c.request != nil && c.request.RemoteIP != "" {
		return c.request.RemoteIP
	}
	if a := c.stream.RemoteAddr(); a != nil {
		return a.String()
	}
	return ""
}

// writeFrame queues one frame, dropping it if the stream is closed.
func (c *Conn) writeFrame(op Opcode, payload []byte) error {
	h, b := c.writer.Prepare(op, payload)
	if err := c.stream.WriteBuffered(h); err != nil {
		return err
	}
	return c.stream.WriteBuffered(b)
}

// WriteMessage sends a message, binary or text, and returns a Future
// resolved once it is written to the socket (Tornado's write_message).
// After Close, or once the peer has closed, it fails with ErrClosed
// (Tornado's WebSocketClosedError). Made while Options.MaxWriteBufferSize
// bytes wait unsent, it fails with ErrWriteBufferFull and the connection is
// failed (close code 1008). data is not retained.
func (c *Conn) WriteMessage(data []byte, binary bool) *concurrent.Future[struct{}] {
	if err := c.writable(); err != nil {
		return concurrent.Failed[struct{}](err)
	}
	op := OpText
	if binary {
		op = OpBinary
	}
	h, b := c.writer.Prepare(op, data)
	if err := c.stream.WriteBuffered(h); err != nil {
		return concurrent.Failed[struct{}](err)
	}
	return c.stream.Write(b)
}

// Send is WriteMessage without a Future, the form that allocates nothing;
// it fails as WriteMessage does (ErrClosed, ErrWriteBufferFull), and
// errors after queueing close the connection.
func (c *Conn) Send(data []byte, binary bool) error {
	if err := c.writable(); err != nil {
		return err
	}
	op := OpText
	if binary {
		op = OpBinary
	}
	return c.writeFrame(op, data)
}

// Ping sends a ping with data, at most 125 bytes (Tornado's ping); it
// fails as WriteMessage does.
func (c *Conn) Ping(data []byte) error {
	if len(data) > MaxControlPayload {
		return ErrControlTooLong
	}
	if err := c.writable(); err != nil {
		return err
	}
	c.lastPing = c.loop.Time()
	return c.writeFrame(OpPing, data)
}

// writable returns why the application may not write a message now, or
// nil: the connection is closing (ErrClosed), or its output is over the
// limit (ErrWriteBufferFull, which fails the connection the first time and
// keeps being the answer after, so that every writer learns why).
func (c *Conn) writable() error {
	if c.writeErr != nil {
		return c.writeErr
	}
	if c.IsClosing() {
		return ErrClosed
	}
	return c.checkWrite()
}

// Close starts the closing handshake with code and reason (code 0: a Close
// frame without a body), and closes the connection once the peer's Close
// frame arrives, or after Options.CloseTimeout (5 s) without it, as
// Tornado's close does.
func (c *Conn) Close(code int, reason string) {
	if !c.closing.sent() {
		c.closing = c.closing.withSent()
		if !c.stream.Closed() {
			h, b := c.writer.PrepareClose(code, reason)
			c.stream.WriteBuffered(h)
			c.stream.WriteBuffered(b)
		}
	}
	if c.closing.received() || c.stream.Closed() {
		c.stopWaiting()
		c.stream.Close()
	} else if c.waiting == (ioloop.Timeout{}) {
		c.waiting = c.loop.CallLater(c.opts.closeTimeout(), c.abortFn)
	}
}

// stopWaiting cancels the closing-handshake timer.
func (c *Conn) stopWaiting() {
	c.loop.RemoveTimeout(c.waiting)
	c.waiting = ioloop.Timeout{}
}

// periodicPing sends a ping, or closes the connection when the last pong
// is older than the ping timeout (Tornado's periodic_ping).
func (c *Conn) periodicPing() {
	c.pingTimer = ioloop.Timeout{} // it has fired
	if c.IsClosing() {
		return
	}
	now := c.loop.Time()
	// Like Tornado, time out only when a ping went out recently: after a
	// stall of the loop itself, ping again instead of blaming the peer.
	if now.Sub(c.lastPing) < 2*c.opts.PingInterval && now.Sub(c.lastPong) > c.opts.pingTimeout() {
		c.loop.Logger().Debug("websocket: ping timed out, closing")
		c.Close(0, "")
		return
	}
	c.Ping(nil)
	c.pingTimer = c.loop.CallLater(c.opts.PingInterval, c.pingFn)
}

// onStreamClosed runs once the stream has closed: timers stop and the
// handler's OnClose runs with the peer's code and reason.
func (c *Conn) onStreamClosed() {
	if c.closing == closeDone {
		return
	}
	c.closing = closeDone
	c.stopWaiting()
	c.loop.RemoveTimeout(c.pingTimer)
	c.pingTimer = ioloop.Timeout{}
	c.call(func() concurrent.Awaitable { c.handler.OnClose(c, c.closeCode, c.closeReason); return nil })
}
