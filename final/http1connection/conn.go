// The server side of one HTTP/1.1 connection: a state machine over the bytes
// the stream delivers (head, body, waiting for the answer) and the writer of
// the answer. Everything here runs on the connection's loop.

package http1connection

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/gornado/gornado/final/httputil"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/iostream"
)

// phase is where a connection is in its current request.
type phase uint8

const (
	// phaseHead: reading a request head, or waiting for the first one
	// (HeaderTimeout runs).
	phaseHead phase = iota
	// phaseBody: reading a request body.
	phaseBody
	// phaseWait: the request is read; waiting for the response to finish.
	phaseWait
	// phaseClosing: sending a last response before closing; nothing more
	// is read.
	phaseClosing
	// phaseDrain: the response is finished but more than drainAbove bytes
	// of answers wait to be sent; the next request waits for them.
	phaseDrain
	// phaseYield: one pass over received bytes started passRequests
	// requests; the rest wait in pend for a loop callback (resume).
	phaseYield
	// phaseIdle: between two requests of a keep-alive connection, no byte
	// of the next one received (IdleTimeout runs; its first byte moves the
	// connection to phaseHead and HeaderTimeout).
	phaseIdle
	// phaseBodyWait: the delegate's DataReceivedWait returned an
	// Awaitable that is not done; nothing more of the body is read or
	// delivered until it is (BodyWaiter, bodyWaited). The bytes received
	// behind the piece delivered wait in pend; no read is pending, so
	// the socket's buffers fill and TCP pushes back on the client.
	phaseBodyWait
)

// life is how far a connection has gone towards closing, apart from the
// request in progress (phase). It only moves forward.
type life uint8

const (
	// lifeServing: requests are served and the connection kept alive
	// between them as they ask.
	lifeServing life = iota
	// lifeStopping: the server is stopping (CloseWhenIdle). Every
	// response says Connection: close; a request the client already sent
	// is served; with nothing left to serve the connection closes.
	lifeStopping
	// lifeLingering: the last response is written and the sending side
	// shut down; what the client still sends is read and dropped until it
	// closes too or lingerTimeout passes (linger).
	lifeLingering
	// lifeClosed: the stream is closed; nothing more happens.
	lifeClosed
	// lifeDetached: the stream was handed to another protocol (Detach):
	// it is no longer this connection's to read, write or close.
	lifeDetached
)

// ended reports whether the connection is closed or detached: it serves
// nothing more.
func (l life) ended() bool { return l >= lifeClosed }

// respProgress is how far the response to the current request has gone:
// nothing written, its head written (WriteHeaders, or fail's error
// answer), finished. It moves forward only, and back to respNone for the
// next request.
type respProgress uint8

const (
	respNone respProgress = iota
	respStarted
	respFinished
)

// respBody is how the response's body is framed, set from its head.
type respBody uint8

const (
	// respBodyPlain: Content-Length, or (HTTP/1.0 without one) until the
	// connection closes.
	respBodyPlain respBody = iota
	// respBodyChunked: chunked transfer coding (RFC 9112, section 7.1).
	respBodyChunked
	// respBodyNone: no body can follow (HEAD, 1xx, 204, 304).
	respBodyNone
)

// passRequests bounds the requests one pass over received bytes starts.
// A read brings up to 64 KiB, which a client that pipelines tiny requests
// fills with a thousand of them: answering them all in one go would keep
// the loop from its timers and its other connections for as long (the
// stream's read pass bounds bytes, not the work they cost). At the depth
// clients pipeline to (wrk's and the benchmarks' 16), a read holds far
// fewer, so the bound costs them nothing; a flood gets 64 answered, then
// everyone else on the loop gets a turn.
const passRequests = 64

// drainAbove is how many unsent bytes of answers a connection may hold
// before it stops taking the next request until they are sent. Tornado
// reads the next request only once the last response is written; without
// a bound, a client that pipelines requests for large answers and reads
// none makes the server buffer them all. Small pipelined answers, gathered
// into one write per batch, stay far below it.
const drainAbove = 64 << 10

// readSize is how much one read asks of the stream.
const readSize = ioloop.ReadBufferSize

// maxKeptBuffer is the largest body or pending buffer a request state
// keeps for reuse; bigger ones go to the garbage collector.
const maxKeptBuffer = 64 * 1024

// reqState is what a connection needs only while a request is in progress.
// It comes from a per-loop free list, so idle connections hold none.
type reqState struct {
	parser  httputil.RequestParser
	head    httputil.RequestHead
	chunked httputil.ChunkedDecoder
	req     Request
	resp    httputil.HTTPHeaders
	// body gathers the body for a delegate that asked for it whole
	// (Request.CollectBody); gz holds a compressed body until it is
	// complete (Decompress). Both are charged to Params.BodyBudget.
	body, gz bodyBuf
	// bodyLeft is what remains of a Content-Length body; bodyRead counts
	// decoded body bytes against MaxBodySize.
	bodyLeft, bodyRead int64
	// bodyEnd is when BodyTimeout ends the body being read, in
	// nanoseconds on the loop's clock (0: never).
	bodyEnd int64
	// respExpect is the response's Content-Length (-1: none) and
	// respWritten the body bytes written so far.
	respExpect, respWritten int64
	// md receives the request.
	md MessageDelegate
	// cur and curOff are the bytes being processed and the position
	// reached, for Detach.
	cur    []byte
	curOff int
	// reason replaces the standard reason phrase in the status line when
	// not empty (SetReason).
	reason string
	// zr decompresses a gzip body being delivered (Decompress), kept
	// between pieces so that a delegate may make it wait (inflate); zbuf
	// is the piece it fills, and inflated counts the bytes it gave
	// against MaxBodySize.
	zr       *gzip.Reader
	zbuf     []byte
	inflated int64
}

// loopShared is a loop's state shared by its connections.
type loopShared struct {
	free    []*reqState
	scratch []byte
	// pend are spare buffers for bytes received ahead of their turn.
	pend [][]byte
}

type loopSharedKey struct{}

func sharedOf(loop *ioloop.IOLoop) *loopShared {
	if s, ok := loop.Value(loopSharedKey{}).(*loopShared); ok {
		return s
	}
	s := &loopShared{scratch: make([]byte, 0, 4096)}
	loop.SetValue(loopSharedKey{}, s)
	return s
}

func (s *loopShared) get() *reqState {
	if n := len(s.free); n > 0 {
		st := s.free[n-1]
		s.free[n-1] = nil
		s.free = s.free[:n-1]
		return st
	}
	return &reqState{}
}

func (s *loopShared) put(st *reqState) {
	st.parser.Reset()
	st.chunked.Reset()
	st.resp.Reset()
	st.releaseBodies()
	st.req = Request{}
	st.md, st.cur, st.curOff = nil, nil, 0
	st.reason = ""
	st.zr, st.zbuf, st.inflated = nil, nil, 0
	if len(s.free) < 1024 {
		s.free = append(s.free, st)
	}
}

func (s *loopShared) getPend() []byte {
	if n := len(s.pend); n > 0 {
		b := s.pend[n-1]
		s.pend = s.pend[:n-1]
		return b[:0]
	}
	return make([]byte, 0, 4096)
}

func (s *loopShared) putPend(b []byte) {
	if cap(b) <= maxKeptBuffer && len(s.pend) < 256 {
		s.pend = append(s.pend, b[:0])
	}
}

// Conn is one server connection (Tornado's HTTP1ServerConnection and
// HTTP1Connection together). Its methods must be called on its loop.
//
// An idle keep-alive connection is this struct and its stream, so what a
// request needs only while it is in progress is in reqState.
type Conn struct {
	stream   *iostream.IOStream
	params   *Params
	delegate ServerDelegate
	shared   *loopShared

	// remoteIP and protocol are the connection's own, before xheaders.
	remoteIP string
	protocol string

	// st is the state of the request in progress, nil when idle.
	st *reqState
	// pend holds received bytes not yet consumed (a partial head, or
	// pipelined requests waiting for an earlier answer).
	pend []byte

	// deadline is when the current phase times out (0: never), and
	// timerAt when the timer fires, both in nanoseconds on the loop's
	// clock; one timer, re-armed lazily, enforces the deadline.
	deadline, timerAt int64
	timer             ioloop.Timeout
	// idleSince is when the connection last became idle (Start, or the
	// end of a response), on the same clock: a stopping connection waits
	// out the rest of stopGrace from it for a last request.
	idleSince int64

	onDataFn  func([]byte, error)
	onTimerFn func()

	// The flags come last, together, so that an idle connection (whose
	// size counts, see docs/http-server.md) wastes no padding.
	phase phase
	// decompress is set for a gzip body being collected.
	decompress bool
	// readDone is set when the current request has been read.
	readDone bool
	// Response state.
	keepAlive  bool
	closeAfter bool
	resp       respProgress
	respBody   respBody
	// life is how far the connection has gone towards closing.
	life life
	// reading is set while a read asked of the stream has not delivered
	// (read runs at most one at a time; CloseWhenIdle closes a connection
	// that waits in one).
	reading bool
	// inProcess is set while consume hands bytes to the parser and the
	// delegate: a response finished inside it is continued by consume
	// itself, one finished later (after a wait) by the finish path.
	inProcess bool
}

// Serve starts serving HTTP/1.x on stream, whose peer is addr, with
// delegate receiving the requests: New, then Start.
func Serve(stream *iostream.IOStream, addr net.Addr, protocol string, params *Params, delegate ServerDelegate) *Conn {
	c := New(stream, addr, protocol, params, delegate)
	c.Start()
	return c
}

// New returns a connection serving HTTP/1.x on stream, whose peer is addr,
// with delegate receiving the requests; protocol is "http" or "https".
// Nothing is read until Start, so that the caller can record the
// connection first (a request may be served inside Start). Call it on the
// stream's loop.
func New(stream *iostream.IOStream, addr net.Addr, protocol string, params *Params, delegate ServerDelegate) *Conn {
	if params == nil {
		params = &Params{}
	}
	// A response leaves in several writes (head, body, chunk framing, the
	// last chunk): the stream's write limit refusing one of them would cut
	// the response in the middle, so the connection turns it off, as
	// Tornado has none. HTTP's flow control is Tornado's: Flush's Future
	// for a streamed body, and the next request waits while more than
	// drainAbove bytes of answers are unsent.
	stream.MaxWriteBufferSize = 0
	c := &Conn{
		stream:   stream,
		params:   params,
		delegate: delegate,
		protocol: protocol,
	}
	c.shared = sharedOf(stream.Loop())
	c.remoteIP = remoteIPOf(addr)
	c.onDataFn = c.onData
	c.onTimerFn = c.onTimer
	return c
}

// Start starts reading requests. The first head must be complete within
// HeaderTimeout of it.
func (c *Conn) Start() {
	c.stream.SetCloseCallback(c.onStreamClosed)
	c.idleSince = c.now()
	c.setDeadline(c.params.headerTimeout())
	c.read()
}

// remoteIPOf returns the address's IP as Tornado's remote_ip, or "" for
// addresses without one (Unix sockets).
func remoteIPOf(addr net.Addr) string {
	switch a := addr.(type) {
	case *net.TCPAddr:
		return a.IP.String()
	case nil:
		return ""
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	return host
}

// Stream returns the connection's stream.
func (c *Conn) Stream() *iostream.IOStream { return c.stream }

// Loop returns the connection's loop.
func (c *Conn) Loop() *ioloop.IOLoop { return c.stream.Loop() }

// RemoteIP returns the peer's address.
func (c *Conn) RemoteIP() string { return c.remoteIP }

// Closed reports whether the connection has closed.
func (c *Conn) Closed() bool { return c.life == lifeClosed }

// ---- reading ------------------------------------------------------------

// read asks the stream for whatever arrives next. A stopping connection
// with nothing to serve closes instead: this is where every path that
// leaves a connection idle passes (see closeIfIdle).
func (c *Conn) read() {
	if c.reading || c.life.ended() {
		return
	}
	if c.life == lifeStopping && c.closeIfIdle() {
		return
	}
	c.reading = true
	c.stream.ReadBytesFunc(readSize, true, c.onDataFn)
}

// onData receives bytes from the stream, valid only during the call.
func (c *Conn) onData(p []byte, err error) {
	c.reading = false
	if err != nil {
		return // the stream closed; onStreamClosed cleans up
	}
	if c.phase == phaseClosing {
		// Nothing after a closing response is served: drop it.
		if c.life == lifeLingering {
			c.read()
		}
		return
	}
	if c.pend != nil {
		c.pend = append(c.pend, p...)
		c.consume(c.pend, true)
	} else {
		c.consume(p, false)
	}
}

// consume processes data and keeps what is left of it; owned says data is
// c.pend itself.
func (c *Conn) consume(data []byte, owned bool) {
	c.inProcess = true
	n := c.process(data)
	c.inProcess = false
	if c.life.ended() || c.phase == phaseClosing {
		return
	}
	rest := data[n:]
	switch {
	case len(rest) == 0:
		if c.pend != nil {
			c.shared.putPend(c.pend)
			c.pend = nil
		}
	case owned:
		c.pend = c.pend[:copy(c.pend, rest)]
	default:
		c.pend = append(c.shared.getPend(), rest...)
	}
	switch c.phase {
	case phaseHead, phaseBody, phaseIdle:
		if c.pend == nil && c.phase == phaseHead {
			c.releaseState() // no head in progress
		}
		c.read()
	case phaseYield:
		// A method value per yield (per 64 pipelined requests), rather
		// than a field that every idle connection would carry.
		c.Loop().AddCallback(c.resume)
	}
}

// resume goes on with the requests a pass left in pend (phaseYield),
// once the loop has run its other work.
func (c *Conn) resume() {
	if c.life.ended() || c.phase != phaseYield {
		return
	}
	c.phase = phaseHead
	c.consume(c.pend, true)
}

// process runs the connection's state machine over data and returns how
// many bytes it consumed. It stops when it needs more bytes, while a
// response is awaited, or once it has started passRequests requests.
func (c *Conn) process(data []byte) int {
	off, started := 0, 0
	defer func() {
		if c.st != nil {
			c.st.cur = nil
		}
	}()
	for !c.life.ended() {
		switch c.phase {
		case phaseIdle:
			if off == len(data) {
				return off
			}
			// The first byte of the next request: the idle wait is over
			// and the head has HeaderTimeout to arrive, as nginx's
			// client_header_timeout, instead of the idle timeout that
			// would let a head trickle in for an hour.
			c.phase = phaseHead
			c.setDeadline(c.params.headerTimeout())
		case phaseHead:
			if off == len(data) {
				return off
			}
			if started == passRequests {
				c.phase = phaseYield
				return off
			}
			if c.st == nil {
				c.st = c.shared.get()
				c.st.parser.MaxHeaderBytes = c.params.MaxHeaderSize
				c.st.parser.MaxRequestLine = c.params.MaxRequestLine
				c.st.parser.MaxHeaders = c.params.MaxHeaders
			}
			n, err := c.st.parser.Parse(data[off:], &c.st.head)
			if err == httputil.ErrNeedMore {
				return off
			}
			if err != nil {
				c.fail(err)
				return len(data)
			}
			off += n
			started++
			c.st.cur, c.st.curOff = data, off
			c.startRequest()
		case phaseBody:
			if off == len(data) {
				return off
			}
			c.st.cur, c.st.curOff = data, off
			off += c.readBody(data[off:])
		default:
			return off
		}
	}
	return len(data)
}

// startRequest handles a complete head.
func (c *Conn) startRequest() {
	st := c.st
	h := &st.head
	c.keepAlive = h.KeepAlive && !c.params.NoKeepAlive
	c.closeAfter = false
	c.resp, c.respBody = respNone, respBodyPlain
	c.st.respExpect, c.st.respWritten = -1, 0
	c.readDone, c.decompress = false, false
	c.st.bodyLeft, c.st.bodyRead = 0, 0
	now := c.Loop().Now()
	req := &st.req
	*req = Request{Head: h, RemoteIP: c.remoteIP, Protocol: c.protocol, StartTime: now, Conn: c}
	if c.params.XHeaders {
		c.applyXHeaders(req)
	}
	if h.Framing == httputil.FramingLength {
		if err := h.CheckBodySize(c.params.maxBodySize()); err != nil {
			c.fail(err)
			return
		}
	}
	hasBody := req.HasBody()
	if hasBody && c.params.Decompress && asciiEqualFold(h.Headers.Peek("Content-Encoding"), "gzip") {
		// Like Tornado's _GzipMessageDelegate: the application sees the
		// decoded body and the coding under another name.
		c.decompress = true
		h.Headers.Del("Content-Encoding")
		h.Headers.Add("X-Consumed-Content-Encoding", "gzip")
	}
	st.md = c.delegate.StartRequest(c)
	if err := st.md.HeadersReceived(req); err != nil {
		c.fail(err)
		return
	}
	if c.life.ended() || c.phase == phaseClosing {
		return
	}
	if !hasBody {
		c.finishRead()
		return
	}
	if err := c.startBodies(); err != nil {
		c.fail(err)
		return
	}
	if h.Expect100 && c.resp == respNone {
		// RFC 9110, section 10.1.1: the client waits for this before
		// sending the body. The size and budget checks above came first,
		// so a body that is too large, or that the server has no room
		// for, is refused without it.
		_ = c.stream.WriteBuffered(continue100)
	}
	c.phase = phaseBody
	c.st.bodyLeft = h.ContentLength
	c.st.bodyEnd = 0
	if c.params.BodyTimeout > 0 {
		c.st.bodyEnd = c.now() + int64(c.params.BodyTimeout)
	}
	c.bodyDeadline()
}

// bodyDeadline sets the deadline while a body is read, and again as each
// piece of it arrives: BodyIdleTimeout from now, but no later than the
// end BodyTimeout sets. Moving the deadline later costs a field, not the
// timer (see onTimer).
func (c *Conn) bodyDeadline() {
	d := c.params.bodyIdleTimeout()
	if end := c.st.bodyEnd; end > 0 {
		if left := time.Duration(end - c.now()); d == 0 || left < d {
			d = max(left, 1)
		}
	}
	c.setDeadline(d)
}

// readBody consumes body bytes from data and returns how many. Bytes for
// a delegate that streams are consumed one piece of at most ChunkSize at a
// time, each delivered before the next is decoded, so that a delegate
// that makes the connection wait (phaseBodyWait) stops it at an exact
// position: what follows the piece stays unconsumed, in pend.
func (c *Conn) readBody(data []byte) int {
	streams := !c.gathers()
	if c.st.head.Framing == httputil.FramingLength {
		k := int64(len(data))
		if k > c.st.bodyLeft {
			k = c.st.bodyLeft
		}
		if cs := int64(c.params.chunkSize()); streams && k > cs {
			k = cs
		}
		c.st.bodyLeft -= k
		c.st.curOff += int(k)
		if k > 0 {
			c.bodyDeadline()
		}
		c.deliver(data[:k])
		// The delegate may have closed, answered or detached: check that
		// first (Detach drops the request state).
		if !c.life.ended() && c.phase == phaseBody && c.st.bodyLeft == 0 {
			c.finishRead()
		}
		return int(k)
	}
	if len(data) > 0 {
		c.bodyDeadline()
	}
	off := 0
	for off < len(data) && !c.life.ended() && c.phase == phaseBody {
		src := data[off:]
		if cs := c.params.chunkSize(); streams && len(src) > cs {
			// A piece of data is a part of its input: at most ChunkSize.
			src = src[:cs]
		}
		n, d, err := c.st.chunked.Decode(src)
		off += n
		c.st.curOff += n
		if len(d) > 0 {
			c.st.bodyRead += int64(len(d))
			if c.st.bodyRead > c.params.maxBodySize() {
				c.fail(httputil.ErrBodyTooLarge)
				return len(data)
			}
			c.deliver(d)
		}
		if err == io.EOF {
			if !c.life.ended() && c.phase == phaseBody {
				c.finishRead()
			}
			return off
		}
		if err != nil {
			c.fail(err)
			return len(data)
		}
		if n == 0 {
			break
		}
	}
	return off
}

// gathers reports whether the body goes into memory (collected, or kept
// for decompression) rather than to DataReceived.
func (c *Conn) gathers() bool { return c.decompress || c.st.req.collect }

// deliver hands a piece of body, at most ChunkSize long (readBody bounds
// it), to the delegate, or keeps it for decompression.
func (c *Conn) deliver(b []byte) {
	if c.gathers() {
		c.gather(b)
		return
	}
	if md := c.st.md; md != nil && len(b) > 0 {
		c.dataReceived(md, b)
	}
	// Without a delegate, it let go of the request: the body is dropped.
}

// finishRead ends the reading of the current request.
func (c *Conn) finishRead() {
	if c.decompress {
		if !c.inflate() {
			return
		}
	}
	if c.st.req.collect {
		c.st.req.Body = c.st.body.bytes()
	}
	c.readDone = true
	c.phase = phaseWait
	c.setDeadline(0)
	if md := c.st.md; md != nil {
		md.Finish()
	}
	// A response finished inside md.Finish has ended the request already
	// (Finish called endRequest): only one still waiting ends it here.
	if c.resp == respFinished && c.life != lifeClosed && c.phase == phaseWait {
		c.endRequest()
	}
}

// inflate decompresses the collected gzip body into the delegate, counting
// decompressed bytes against MaxBodySize. It reports whether to go on. The
// reader stays in the request state, so that after a delegate made the
// connection wait (phaseBodyWait), bodyWaited calls finishRead and inflate
// goes on from the next piece.
func (c *Conn) inflate() bool {
	st := c.st
	if st.zr == nil {
		zr, err := gzip.NewReader(st.gz.reader())
		if err != nil {
			c.fail(errBadGzip)
			return false
		}
		st.zr, st.zbuf, st.inflated = zr, make([]byte, c.params.chunkSize()), 0
	}
	max := c.params.maxBodySize()
	for {
		n, err := st.zr.Read(st.zbuf)
		if n > 0 {
			st.inflated += int64(n)
			if st.inflated > max {
				c.fail(httputil.ErrBodyTooLarge)
				return false
			}
			if st.req.collect {
				if err := st.body.add(st.zbuf[:n]); err != nil {
					c.fail(err)
					return false
				}
			} else if md := st.md; md != nil {
				c.dataReceived(md, st.zbuf[:n])
			}
			if c.life.ended() || c.phase != phaseBody {
				return false
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			c.fail(errBadGzip)
			return false
		}
	}
	st.zr, st.zbuf = nil, nil
	st.gz.release()
	return true
}

// errBadGzip answers a request body that is not valid gzip.
var errBadGzip = &httputil.HTTPInputError{Status: 400, Msg: "http1connection: malformed gzip request body"}

// fail answers a request that cannot be served with err's status and
// closes the connection once the answer is sent; if the response has
// started, it just closes.
func (c *Conn) fail(err error) {
	if c.life == lifeClosed || c.phase == phaseClosing {
		return
	}
	// While a head is read no response is in progress: a started response is
	// then the previous request's, answered already, and the bad head
	// after it is answered like any other.
	if c.resp != respNone && c.phase != phaseHead {
		c.close()
		return
	}
	code := httputil.StatusOf(err)
	b := c.shared.scratch[:0]
	b = httputil.AppendStatusLine(b, httputil.HTTP11, code)
	b = append(b, "Content-Length: 0\r\nConnection: close\r\n\r\n"...)
	c.shared.scratch = b
	_ = c.stream.WriteBuffered(b)
	c.resp = respStarted
	c.closeAfterWrite()
}

// endRequest runs when a request has been read and answered: the
// connection closes or goes on to the next request.
func (c *Conn) endRequest() {
	if c.st != nil {
		c.st.md = nil
	}
	if !c.keepAlive || c.closeAfter {
		c.closeAfterWrite()
		return
	}
	// A response that went out without Connection: close (it started
	// before the server began stopping) leaves the client free to send
	// another request: a stopping connection serves what has come and
	// closes when idle, in read.
	c.releaseState()
	c.idleSince = c.now()
	c.setDeadline(c.params.idleTimeout())
	if c.stream.Queued() > drainAbove {
		c.phase = phaseDrain
		c.stream.Write(nil).OnDone(c.drained)
		return
	}
	c.phase = phaseIdle
	if !c.inProcess {
		// The answer came later than the request: carry on with the
		// bytes that waited, then read.
		if c.pend != nil {
			c.consume(c.pend, true)
		} else {
			c.read()
		}
	}
}

// drained goes on to the next request once the answers queued at
// endRequest are sent (phaseDrain).
func (c *Conn) drained() {
	if c.life.ended() || c.phase != phaseDrain {
		return
	}
	c.phase = phaseIdle
	c.idleSince = c.now()
	if c.pend != nil {
		c.consume(c.pend, true)
	} else {
		c.read()
	}
}

// releaseState gives the request state back to the loop.
func (c *Conn) releaseState() {
	if c.st != nil {
		c.shared.put(c.st)
		c.st = nil
	}
}

// closeAfterWrite closes the connection once everything queued is sent;
// nothing after it is read (RFC 9112, section 9.6).
func (c *Conn) closeAfterWrite() {
	c.phase = phaseClosing
	c.setDeadline(0)
	c.releaseBodies()
	if c.pend != nil {
		c.shared.putPend(c.pend)
		c.pend = nil
	}
	f := c.stream.Write(nil)
	if f.Done() {
		c.linger()
		return
	}
	f.OnDone(c.linger)
}

// lingerTimeout bounds how long a closing connection keeps draining input.
const lingerTimeout = 2 * time.Second

// linger closes the sending side once the last response is written and
// reads and drops what the peer still sends, until it closes too or
// lingerTimeout passes. Closing at once with unread input makes the kernel
// send a reset, which can destroy the response before the client has read
// it (an error answered while the client is still sending, say): nginx's
// lingering_close, net/http's closeWriteAndWait.
func (c *Conn) linger() {
	if c.life == lifeClosed {
		return
	}
	if err := c.stream.CloseWrite(); err != nil {
		c.close()
		return
	}
	c.life = lifeLingering
	c.setDeadline(lingerTimeout)
	c.read()
}

// close closes the connection now, and tells the delegate of an
// unfinished response at once (see Close). A detached connection's stream
// is no longer its own to close.
func (c *Conn) close() {
	if c.life.ended() {
		return
	}
	c.life = lifeClosed
	c.releaseBodies()
	c.stream.Close()
	c.closeDelegate()
}

// closeDelegate forgets the request's delegate and, if its response is
// unfinished, calls its OnConnectionClose; once, whichever of close and
// onStreamClosed comes first.
func (c *Conn) closeDelegate() {
	st := c.st
	if st == nil || st.md == nil {
		return
	}
	md := st.md
	st.md = nil
	if c.resp != respFinished {
		md.OnConnectionClose()
	}
}

// ReleaseDelegate makes the connection forget md, the MessageDelegate of
// the request in progress, if md still is that delegate: the connection
// calls none of its methods again (the rest of a body still arriving is
// read and dropped, and a close is not reported). The response goes on:
// whoever holds the Request may still write and finish it.
//
// A delegate calls it before it goes back to a pool, or when it hands the
// request to something else that answers it (web's FallbackHandler), so
// that a close the connection learns of later cannot reach it while it
// serves another request. Giving md rather than forgetting whatever the
// delegate is makes a late call harmless: by then the connection may be
// serving its next request, with another delegate.
func (c *Conn) ReleaseDelegate(md MessageDelegate) {
	if st := c.st; st != nil && st.md == md {
		st.md = nil
	}
}

// HandOver puts to in the place of md, the MessageDelegate of the request
// in progress, if md still is that delegate: the connection calls to, not
// md, for the rest of the request (the body still to arrive, Finish if the
// request is still being read, and OnConnectionClose). It is
// ReleaseDelegate for a delegate that hands its request to something else
// that still wants to hear of it: web's FallbackHandler passes a close to
// the net/http handler it hands the request to, which cancels that
// handler's context. A call in the middle of a call to md (Finish, say)
// leaves that call to md; to gets the ones after it. A late call, once
// the connection serves another request, changes nothing.
func (c *Conn) HandOver(md, to MessageDelegate) {
	if st := c.st; st != nil && st.md == md {
		st.md = to
	}
}

// Idle reports whether the connection is between requests with no byte of
// the next one received.
func (c *Conn) Idle() bool {
	return (c.phase == phaseIdle || c.phase == phaseHead && c.st == nil) && c.pend == nil
}

// CloseWhenIdle stops the connection gracefully, for a server's Shutdown:
// every response from now on says Connection: close, so the client sends
// no more requests; a request that is in progress, or that the client has
// already sent (bytes in the stream's buffer or still in the kernel), is
// served; and once there is nothing left to serve, and the client has had
// stopGrace since its last answer (or since Start) to send one more
// request, the connection closes between requests, lingering (see linger)
// so that the kernel sends the client no reset. A client whose next
// request still crosses the close on the wire reads end of file before any
// byte of an answer: the race that RFC 9112, section 9.3.1, leaves to
// clients to retry.
//
// Before Start it only marks the connection, for a server that accepts it
// as it stops: Start then serves it as above.
func (c *Conn) CloseWhenIdle() {
	if c.life.ended() || c.life != lifeServing {
		return
	}
	c.life = lifeStopping
	if c.reading {
		// Started and waiting for bytes; read, which every path to an idle
		// connection runs, is not going to run again by itself.
		c.closeIfIdle()
	}
}

// stopGrace is how long a stopping connection that has just become idle
// waits for one more request before it closes. A client sending requests
// back to back has its next one on the way, or about to be: answered
// (with Connection: close), it learns that the server is stopping; closed,
// it would meet the close on the wire and read end of file, a race it must
// retry (RFC 9112, section 9.3.1). A second covers a client's turnaround
// over the internet (a round trip and a little work) and bounds what it
// adds to a Shutdown; a connection idle for longer closes at once.
const stopGrace = time.Second

// closeIfIdle closes a stopping connection that has nothing to serve and
// reports whether it did. Bytes received and not yet served (pipelined
// requests, a head begun) are served first; a connection idle for less
// than stopGrace gets the rest of it (the timer comes back here, through
// onTimer).
func (c *Conn) closeIfIdle() bool {
	if !c.Idle() {
		return false
	}
	now := c.now()
	if wait := c.idleSince + int64(stopGrace) - now; wait > 0 {
		if c.deadline == 0 || now+wait < c.deadline {
			c.setDeadline(time.Duration(wait))
		}
		return false
	}
	return c.closeIdle()
}

// closeIdle closes an idle connection between requests and reports whether
// it did: not if a request has arrived that the loop has not read yet
// (still in the kernel or the stream's buffer), which is then served.
// The close writes what is queued, then lingers.
func (c *Conn) closeIdle() bool {
	if c.stream.InputPending() {
		return false
	}
	c.closeAfterWrite()
	return true
}

// Close closes the connection; the delegate's OnConnectionClose runs
// before Close returns if a response was unfinished, even when the delegate
// itself is closing. Not later: a delegate that closes its connection and
// then goes back to a pool (web's dispatchers do) must not hear of the
// close when it already serves another request.
func (c *Conn) Close() { c.close() }

// Detach takes the stream away from the connection, for protocols that
// take over after an upgrade (WebSocket). The connection reads and writes
// nothing more and calls no delegate method; the caller owns the stream.
//
// Like Tornado's detach, the ServerDelegate's OnClose runs now: for the
// server, this connection is over. rest holds the bytes the client sent
// after the request that the connection had already received (a WebSocket
// frame right behind the handshake); the rest are still in the stream. The
// stream's MaxWriteBufferSize, off while it carried HTTP, is back to
// iostream.DefaultMaxWriteBufferSize.
func (c *Conn) Detach() (stream *iostream.IOStream, rest []byte) {
	if c.life == lifeDetached {
		return c.stream, nil
	}
	c.life = lifeDetached
	// The new protocol gets the stream's default write limit back (New
	// turned it off); one that frames its output may turn it off again.
	c.stream.MaxWriteBufferSize = iostream.DefaultMaxWriteBufferSize
	c.setDeadline(0)
	c.Loop().RemoveTimeout(c.timer)
	c.timer = ioloop.Timeout{}
	c.stream.SetCloseCallback(nil)
	if st := c.st; st != nil && st.cur != nil && st.curOff < len(st.cur) {
		// Detached while processing received bytes: those after the
		// request are the new protocol's. (st.cur may be c.pend.)
		rest = append(rest, st.cur[st.curOff:]...)
		st.cur = nil
	} else if c.pend != nil {
		rest = append(rest, c.pend...)
	}
	if c.pend != nil {
		c.shared.putPend(c.pend)
		c.pend = nil
	}
	if c.st != nil {
		c.st.md = nil
		c.st.releaseBodies()
		c.st = nil // the handler may still hold the Request
	}
	c.delegate.OnClose(c)
	return c.stream, rest
}

// onStreamClosed runs once after the stream has closed, however it did.
func (c *Conn) onStreamClosed() {
	c.life = lifeClosed
	c.Loop().RemoveTimeout(c.timer)
	c.timer = ioloop.Timeout{}
	// A close of the stream itself (the peer went away, a write failed):
	// the delegate hears of it now, unless close already told it.
	c.closeDelegate()
	if c.pend != nil {
		c.shared.putPend(c.pend)
		c.pend = nil
	}
	// The state goes back only if no response is in progress: a handler
	// may still hold the Request.
	if c.resp == respFinished || c.resp == respNone && c.phase == phaseHead {
		c.releaseState()
	} else {
		c.releaseBodies()
		c.st = nil
	}
	c.delegate.OnClose(c)
}

// ---- timeouts -----------------------------------------------------------

// setDeadline makes the current phase time out after d (0: never).
func (c *Conn) setDeadline(d time.Duration) {
	if d <= 0 {
		c.deadline = 0
		return
	}
	now := c.now()
	c.deadline = now + int64(d)
	if c.timer == (ioloop.Timeout{}) {
		c.arm(now)
	} else if c.deadline < c.timerAt {
		c.Loop().RemoveTimeout(c.timer)
		c.arm(now)
	}
}

// now reads the loop's clock, as cached for the iteration, in
// nanoseconds; Time is monotonic (its base plus the monotonic time
// elapsed), so these values are too.
func (c *Conn) now() int64 { return c.Loop().Now().UnixNano() }

// arm schedules the timer at the deadline.
func (c *Conn) arm(now int64) {
	c.timerAt = c.deadline
	c.timer = c.Loop().CallLater(time.Duration(c.deadline-now), c.onTimerFn)
}

// onTimer checks the deadline; the timer is re-armed lazily, so that a
// busy connection moves a field rather than the timer heap per request.
func (c *Conn) onTimer() {
	c.timer = ioloop.Timeout{} // it has fired
	if c.life == lifeClosed || c.deadline == 0 {
		return
	}
	if now := c.now(); now < c.deadline {
		c.arm(now)
		return
	}
	c.Loop().Logger().Debug("http1connection: timeout, closing", "remote", c.remoteIP, "phase", int(c.phase))
	if c.Idle() {
		// The idle timeout, the head timeout of a connection that sent
		// nothing, or the end of a stopping connection's stopGrace: no
		// request is in progress, so the connection closes as between
		// requests, lingering, unless one has just arrived.
		if !c.closeIdle() {
			c.setDeadline(c.params.headerTimeout())
		}
		return
	}
	// Tornado closes without an answer on header and body timeouts.
	c.close()
}

// ---- writing ------------------------------------------------------------

// ResponseHeaders returns an empty header set that the connection reuses
// for every response, for writers that must not allocate. Valid until the
// response is finished.
func (c *Conn) ResponseHeaders() *httputil.HTTPHeaders {
	if c.st == nil {
		return httputil.NewHTTPHeaders()
	}
	return &c.st.resp
}

// WriteHeaders starts the response with status code and headers and,
// optionally, the first piece of body (Tornado's write_headers). Without
// Content-Length or Transfer-Encoding the body is sent chunked on HTTP/1.1,
// and delimited by closing on HTTP/1.0. A HEAD request, 1xx, 204 and 304
// get no body (RFC 9110, section 6.4.1).
func (c *Conn) WriteHeaders(code int, headers *httputil.HTTPHeaders, chunk []byte) error {
	if c.life.ended() {
		return ErrClosed
	}
	if c.resp != respNone {
		return ErrHeadersWritten
	}
	if c.st == nil {
		return ErrFinished // no request in progress
	}
	if headers == nil {
		headers = c.ResponseHeaders()
	}
	var version httputil.Version = httputil.HTTP11
	method := ""
	if c.st != nil {
		version = c.st.head.Version
		method = c.st.head.Method
	}
	noBody := method == "HEAD" || code == 204 || code == 304 || (code >= 100 && code < 200)
	expect := int64(-1)
	if cl := headers.Peek("Content-Length"); cl != nil {
		v, ok := parseDigits(cl)
		if !ok {
			return ErrContentLength
		}
		expect = v
	}
	chunked := version == httputil.HTTP11 && !noBody && expect < 0 && !headers.Has("Transfer-Encoding")
	if !chunked && !noBody && expect < 0 {
		c.closeAfter = true // HTTP/1.0 body runs until close
	}
	if c.life != lifeServing {
		// Stopping: the client must not send another request here (RFC
		// 9112, section 9.6), or it would meet the close.
		c.closeAfter = true
	}
	if !c.readDone {
		// Answered before the request was read: like Tornado, close after
		// it rather than read a body nobody wants.
		c.closeAfter = true
	}
	b := c.shared.scratch[:0]
	b, err := httputil.AppendResponseHead(b, httputil.HTTP11, code, headers)
	if err != nil {
		return err
	}
	b = b[:len(b)-2]
	if c.st.reason != "" {
		b = replaceReason(b, code, c.st.reason)
	}
	if !headers.Has("Date") {
		b = httputil.AppendDate(b, c.Loop().Now())
	}
	if chunked {
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	}
	switch {
	case (c.closeAfter || !c.keepAlive) && version == httputil.HTTP11:
		b = append(b, "Connection: close\r\n"...)
	case c.keepAlive && !c.closeAfter && version == httputil.HTTP10:
		b = append(b, "Connection: keep-alive\r\n"...)
	}
	b = append(b, '\r', '\n')
	c.resp = respStarted
	c.respBody, c.st.respExpect = respBodyPlain, expect
	switch {
	case noBody:
		c.respBody = respBodyNone
	case chunked:
		c.respBody = respBodyChunked
	}
	if len(chunk) > 0 && !noBody {
		if expect >= 0 && int64(len(chunk)) > expect {
			c.shared.scratch = b
			c.close()
			return ErrContentLength
		}
		c.st.respWritten += int64(len(chunk))
		if chunked {
			b = httputil.AppendChunk(b, chunk)
			chunk = nil
		} else if len(b)+len(chunk) <= cap(c.shared.scratch) || len(chunk) < 4096 {
			b = append(b, chunk...)
			chunk = nil
		}
	}
	c.shared.scratch = b
	if err := c.stream.WriteBuffered(b); err != nil {
		return ErrClosed
	}
	if len(chunk) > 0 && !noBody {
		if err := c.stream.WriteBuffered(chunk); err != nil {
			return ErrClosed
		}
	}
	return nil
}

// Write sends a piece of the body (Tornado's write).
func (c *Conn) Write(chunk []byte) error { return c.write(chunk, false) }

// WriteNoCopy is Write for a piece of body that does not change until it
// is sent (a cached static file, a constant): it is queued without a copy.
// The caller must not modify chunk until the response is finished and the
// connection has sent it, which for a body that never changes is always.
func (c *Conn) WriteNoCopy(chunk []byte) error { return c.write(chunk, true) }

// write is Write, keeping chunk itself with keep.
func (c *Conn) write(chunk []byte, keep bool) error {
	switch {
	case c.life.ended():
		return ErrClosed
	case c.resp == respNone:
		return ErrNoHeaders
	case c.resp == respFinished || c.st == nil:
		return ErrFinished
	case len(chunk) == 0 || c.respBody == respBodyNone:
		return nil
	}
	c.st.respWritten += int64(len(chunk))
	if c.st.respExpect >= 0 && c.st.respWritten > c.st.respExpect {
		c.close()
		return ErrContentLength
	}
	if c.respBody == respBodyChunked {
		c.shared.scratch = httputil.AppendChunkHeader(c.shared.scratch[:0], len(chunk))
		if err := c.stream.WriteBuffered(c.shared.scratch); err != nil {
			return ErrClosed
		}
	}
	var err error
	if keep {
		err = c.stream.WriteBufferedNoCopy(chunk)
	} else {
		err = c.stream.WriteBuffered(chunk)
	}
	if err != nil {
		return ErrClosed
	}
	if c.respBody == respBodyChunked {
		_ = c.stream.WriteBuffered(crlf)
	}
	return nil
}

var (
	continue100 = []byte("HTTP/1.1 100 Continue\r\n\r\n")
	crlf        = []byte("\r\n")
	lastChunk   = []byte(httputil.LastChunk)
)

// Finish ends the response (Tornado's finish). The connection then reads
// the next request, or closes.
func (c *Conn) Finish() error {
	switch {
	case c.life.ended():
		return ErrClosed
	case c.resp == respNone:
		return ErrNoHeaders
	case c.resp == respFinished || c.st == nil:
		return ErrFinished
	}
	c.resp = respFinished
	if c.respBody == respBodyChunked {
		_ = c.stream.WriteBuffered(lastChunk)
	}
	if c.st.respExpect >= 0 && c.respBody != respBodyNone && c.st.respWritten != c.st.respExpect {
		c.close()
		return ErrContentLength
	}
	if !c.readDone {
		c.closeAfterWrite()
		return nil
	}
	c.endRequest()
	return nil
}

// Respond writes a whole response with a Content-Length: the common case,
// without allocating. headers may be nil or ResponseHeaders().
func (c *Conn) Respond(code int, headers *httputil.HTTPHeaders, contentType string, body []byte) error {
	if headers == nil {
		headers = c.ResponseHeaders()
	}
	if contentType != "" {
		headers.Set("Content-Type", contentType)
	}
	if !headers.Has("Content-Length") {
		var num [20]byte
		headers.AddBytes(contentLengthName, strconv.AppendInt(num[:0], int64(len(body)), 10))
	}
	if err := c.WriteHeaders(code, headers, body); err != nil {
		return err
	}
	return c.Finish()
}

// RespondNoCopy is Respond for a body that never changes (a static file's
// bytes held in memory, a constant), queued without a copy: see
// WriteNoCopy. Small bodies are copied into the response head anyway.
func (c *Conn) RespondNoCopy(code int, headers *httputil.HTTPHeaders, contentType string, body []byte) error {
	if len(body) < noCopyMin {
		return c.Respond(code, headers, contentType, body)
	}
	if headers == nil {
		headers = c.ResponseHeaders()
	}
	if contentType != "" {
		headers.Set("Content-Type", contentType)
	}
	if !headers.Has("Content-Length") {
		var num [20]byte
		headers.AddBytes(contentLengthName, strconv.AppendInt(num[:0], int64(len(body)), 10))
	}
	if err := c.WriteHeaders(code, headers, nil); err != nil {
		return err
	}
	if err := c.WriteNoCopy(body); err != nil {
		return err
	}
	return c.Finish()
}

// noCopyMin is the body size from which RespondNoCopy keeps the body
// rather than copy it next to the head.
const noCopyMin = 4096

var contentLengthName = []byte("Content-Length")

// ---- helpers ------------------------------------------------------------

// parseDigits parses a non-negative decimal without allocating.
func parseDigits(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var v int64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		v = v*10 + int64(ch-'0')
	}
	return v, true
}

// asciiEqualFold compares b and s ignoring ASCII case.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// applyXHeaders sets RemoteIP and Protocol from proxy headers, as Tornado's
// _HTTPRequestContext._apply_xheaders: X-Forwarded-For's last address not
// in TrustedDownstream, overridden by X-Real-Ip; X-Scheme, else
// X-Forwarded-Proto's last value, when it is http or https.
func (c *Conn) applyXHeaders(req *Request) {
	h := &req.Head.Headers
	ip := req.RemoteIP
	if xff := h.Get("X-Forwarded-For"); xff != "" {
		parts := strings.Split(xff, ",")
		for i := len(parts) - 1; i >= 0; i-- {
			cand := strings.TrimSpace(parts[i])
			if !contains(c.params.TrustedDownstream, cand) {
				ip = cand
				break
			}
		}
	}
	if real := h.Peek("X-Real-Ip"); real != nil {
		ip = string(real)
	}
	if net.ParseIP(ip) != nil {
		req.RemoteIP = ip
	}
	proto := h.Peek("X-Scheme")
	if proto == nil {
		if all := h.Get("X-Forwarded-Proto"); all != "" {
			if i := strings.LastIndexByte(all, ','); i >= 0 {
				all = all[i+1:]
			}
			proto = []byte(strings.TrimSpace(all))
		}
	}
	switch {
	case asciiEqualFold(proto, "http"):
		req.Protocol = "http"
	case asciiEqualFold(proto, "https"):
		req.Protocol = "https"
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// SetReason makes the next WriteHeaders of this request send reason instead
// of the standard phrase (Tornado's set_status(code, reason)). RFC 9112,
// section 4: reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ); anything
// else (a CR or LF above all, which would split the response) is refused
// with httputil.ErrUnsafeHeader.
func (c *Conn) SetReason(reason string) error {
	if c.st == nil {
		return ErrFinished
	}
	for i := 0; i < len(reason); i++ {
		if b := reason[i]; b != '\t' && (b < ' ' || b == 0x7f) {
			return httputil.ErrUnsafeHeader
		}
	}
	c.st.reason = reason
	return nil
}

// replaceReason rewrites the status line at the start of head with reason:
// a rare path (custom phrases), so it may allocate.
func replaceReason(head []byte, code int, reason string) []byte {
	end := bytes.Index(head, []byte("\r\n"))
	if end < 0 {
		return head
	}
	line := fmt.Appendf(nil, "HTTP/1.1 %03d %s", code, reason)
	return append(line, head[end:]...)
}
