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

	// onDataFn, resumeFn, onClosedFn, abortFn and pingFn are method
	// values made once, so that reads and timers allocate nothing.
	onDataFn   func([]byte, error)
	resumeFn   func()
	onClosedFn func()
	abortFn    func()
	pingFn     func()
	// reading is set while a read is pending on the stream.
	reading bool
	// paused is set while a handler's Awaitable is pending; held keeps
	// the bytes that arrived after its message.
	paused bool
	held   []byte

	// sentClose is set once we sent a Close frame (Tornado's
	// server_terminated); gotClose once we received one
	// (client_terminated).
	sentClose bool
	gotClose  bool
	// closeCode and closeReason are the peer's Close frame's, 1006 when
	// none came.
	closeCode   int
	closeReason string
	// waiting is the timer that aborts a closing handshake.
	waiting    ioloop.Timeout
	waitingSet bool
	// pingTimer is the next ping; lastPing and lastPong are when we sent
	// one and received one.
	pingTimer ioloop.Timeout
	pingSet   bool
	lastPing  time.Time
	lastPong  time.Time
	// closed is set once the stream closed and OnClose ran.
	closed bool
}

// newConn returns a connection on stream; start runs it.
func newConn(stream *iostream.IOStream, h Handler, server bool, opts Options, deflate *DeflateParams, co *CompressionOptions) *Conn {
	c := &Conn{stream: stream, loop: stream.Loop(), handler: h, server: server, opts: opts, deflate: deflate, closeCode: CloseAbnormalClosure}
	c.reader = NewReader(ReaderOptions{Server: server, MaxMessageSize: opts.MaxMessageSize, Deflate: deflate})
	c.writer = NewWriter(WriterOptions{Client: !server, Deflate: deflate, Compression: co})
	c.onDataFn = c.onData
	c.resumeFn = c.resume
	c.onClosedFn = c.onStreamClosed
	c.abortFn = c.abort
	c.pingFn = c.periodicPing
	return c
}

// start calls Open, then reads once it is done: first the bytes in held
// (received with the handshake), then the stream.
func (c *Conn) start() {
	c.stream.SetCloseCallback(c.onClosedFn)
	c.lastPong = c.loop.Time()
	if c.opts.PingInterval > 0 {
		c.pingTimer, c.pingSet = c.loop.CallLater(c.opts.PingInterval, c.pingFn), true
	}
	aw := c.call(func() concurrent.Awaitable { return c.handler.Open(c) })
	if c.stream.Closed() {
		return
	}
	if aw != nil && !aw.Done() {
		// Like Tornado, no message is delivered before Open finishes.
		c.paused = true
		aw.OnDone(c.resumeFn)
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
func (c *Conn) IsClosing() bool { return c.stream.Closed() || c.sentClose || c.gotClose }

// readMore starts the next read unless one is pending.
func (c *Conn) readMore() {
	if c.reading || c.paused || c.stream.Closed() {
		return
	}
	c.reading = true
	c.stream.ReadBytesFunc(readChunk, true, c.onDataFn)
}

// onData receives bytes from the stream, valid only during the call.
func (c *Conn) onData(data []byte, err error) {
	c.reading = false
	if err != nil {
		return // the close callback reports it
	}
	c.process(data)
}

// resume continues after a handler's Awaitable is done.
func (c *Conn) resume() {
	c.paused = false
	data := c.held
	c.held = nil
	c.process(data)
	if c.held == nil && cap(data) <= bufKeep {
		c.held = data[:0]
	}
}

// process feeds data to the Reader and dispatches each message; it stops
// at a message whose handler returns a pending Awaitable, keeping the rest.
func (c *Conn) process(data []byte) {
	for len(data) > 0 && !c.stream.Closed() {
		n, m, ok, err := c.reader.Next(data)
		data = data[n:]
		if err != nil {
			c.fail(err)
			return
		}
		if !ok {
			continue
		}
		aw := c.dispatch(m)
		if aw != nil && !aw.Done() && !c.stream.Closed() {
			c.held = append(c.held[:0], data...)
			c.paused = true
			aw.OnDone(c.resumeFn)
			return
		}
	}
	c.readMore()
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
		if !c.gotClose && !c.sentClose {
			c.writeFrame(OpPong, m.Data)
		}
		c.call(func() concurrent.Awaitable { c.handler.OnPing(c, m.Data); return nil })
	case OpPong:
		c.lastPong = c.loop.Time()
		c.call(func() concurrent.Awaitable { c.handler.OnPong(c, m.Data); return nil })
	case OpClose:
		c.gotClose = true
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
	if !c.sentClose && !c.stream.Closed() {
		c.sentClose = true
		h, b := c.writer.PrepareClose(code, reason)
		c.stream.WriteBuffered(h)
		c.stream.WriteBuffered(b)
	}
	c.abort()
}

// abort closes the stream without waiting for anything more.
func (c *Conn) abort() { c.stream.Close() }

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
// (Tornado's WebSocketClosedError). data is not retained.
func (c *Conn) WriteMessage(data []byte, binary bool) *concurrent.Future[struct{}] {
	if c.IsClosing() {
		return concurrent.Failed[struct{}](ErrClosed)
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
// errors after queueing close the connection.
func (c *Conn) Send(data []byte, binary bool) error {
	if c.IsClosing() {
		return ErrClosed
	}
	op := OpText
	if binary {
		op = OpBinary
	}
	return c.writeFrame(op, data)
}

// Ping sends a ping with data, at most 125 bytes (Tornado's ping).
func (c *Conn) Ping(data []byte) error {
	if c.IsClosing() {
		return ErrClosed
	}
	if len(data) > MaxControlPayload {
		return ErrControlTooLong
	}
	c.lastPing = c.loop.Time()
	return c.writeFrame(OpPing, data)
}

// Close starts the closing handshake with code and reason (code 0: a Close
// frame without a body), and closes the connection once the peer's Close
// frame arrives, or after Options.CloseTimeout (5 s) without it, as
// Tornado's close does.
func (c *Conn) Close(code int, reason string) {
	if !c.sentClose {
		c.sentClose = true
		if !c.stream.Closed() {
			h, b := c.writer.PrepareClose(code, reason)
			c.stream.WriteBuffered(h)
			c.stream.WriteBuffered(b)
		}
	}
	if c.gotClose || c.stream.Closed() {
		c.stopWaiting()
		c.stream.Close()
	} else if !c.waitingSet {
		c.waiting, c.waitingSet = c.loop.CallLater(c.opts.closeTimeout(), c.abortFn), true
	}
}

// stopWaiting cancels the closing-handshake timer.
func (c *Conn) stopWaiting() {
	if c.waitingSet {
		c.loop.RemoveTimeout(c.waiting)
		c.waitingSet = false
	}
}

// periodicPing sends a ping, or closes the connection when the last pong
// is older than the ping timeout (Tornado's periodic_ping).
func (c *Conn) periodicPing() {
	c.pingSet = false
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
	c.pingTimer, c.pingSet = c.loop.CallLater(c.opts.PingInterval, c.pingFn), true
}

// onStreamClosed runs once the stream has closed: timers stop and the
// handler's OnClose runs with the peer's code and reason.
func (c *Conn) onStreamClosed() {
	if c.closed {
		return
	}
	c.closed = true
	c.stopWaiting()
	if c.pingSet {
		c.loop.RemoveTimeout(c.pingTimer)
		c.pingSet = false
	}
	c.call(func() concurrent.Awaitable { c.handler.OnClose(c, c.closeCode, c.closeReason); return nil })
}
