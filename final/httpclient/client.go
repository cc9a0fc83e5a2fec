// AsyncHTTPClient: fetches on a loop with a queue bounded by MaxClients,
// a keep-alive pool per origin, redirects and timeouts that say where they
// happened (Tornado's SimpleAsyncHTTPClient, plus the pooling it lacks).

package httpclient

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/httputil"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/iostream"
	"github.com/gornado/gornado/final/tcpclient"
)

// AsyncHTTPClient fetches URLs on one loop (Tornado's AsyncHTTPClient).
// Its methods must be called on that loop.
type AsyncHTTPClient struct {
	// MaxClients bounds the requests in progress; more wait in a queue.
	MaxClients int
	// MaxIdlePerHost bounds the idle keep-alive connections kept per
	// origin (0: 8; negative: no pooling).
	MaxIdlePerHost int
	// IdleTimeout closes a pooled connection left unused this long (0:
	// DefaultIdleTimeout; negative: never), so that a long-lived client
	// holds no descriptors for origins it stopped using.
	IdleTimeout time.Duration
	// TCP opens connections (its Resolver may be replaced).
	TCP tcpclient.TCPClient

	loop   *ioloop.IOLoop
	active int
	queue  []*fetch
	idle   map[string][]idleConn
	closed bool
	// sweep is the timer that closes connections idle for IdleTimeout;
	// sweeping says it is scheduled.
	sweep    ioloop.Timeout
	sweeping bool
}

// idleConn is a pooled connection and the loop time it was put back.
type idleConn struct {
	s     *iostream.IOStream
	since time.Time
}

// New returns a client fetching on loop (ioloop.Current() if nil).
func New(loop *ioloop.IOLoop) *AsyncHTTPClient {
	if loop == nil {
		loop = ioloop.Current()
	}
	return &AsyncHTTPClient{MaxClients: DefaultMaxClients, loop: loop, idle: map[string][]idleConn{}}
}

// Loop returns the client's loop.
func (c *AsyncHTTPClient) Loop() *ioloop.IOLoop { return c.loop }

// FetchURL is Fetch of a GET request for rawURL.
func (c *AsyncHTTPClient) FetchURL(rawURL string) *concurrent.Future[*HTTPResponse] {
	return c.Fetch(&HTTPRequest{URL: rawURL})
}

// Fetch starts req and returns a Future of its response (Tornado's
// fetch). With AllowNonOK unset, a non-2xx response fails the Future with
// an *HTTPClientError carrying the response.
func (c *AsyncHTTPClient) Fetch(req *HTTPRequest) *concurrent.Future[*HTTPResponse] {
	f := &fetch{client: c, req: req, fut: concurrent.NewFuture[*HTTPResponse](), start: time.Now()}
	if c.closed {
		f.fut.SetException(&HTTPClientError{Code: 599, Message: "client closed", Err: ErrClientClosed})
		return f.fut
	}
	if err := f.setURL(req.URL); err != nil {
		f.fut.SetException(err)
		return f.fut
	}
	if err := checkHead(req); err != nil {
		f.fut.SetException(&HTTPClientError{Code: 599, Message: err.Error(), Err: err})
		return f.fut
	}
	if c.active >= c.maxClients() {
		// Like Tornado, a queued request times out after the smaller of
		// its connect and request timeouts.
		f.turn = turnQueued
		c.queue = append(c.queue, f)
		f.queueTimer = c.loop.CallLater(min(f.connectTimeout(), f.requestTimeout()), func() {
			f.fail("Timeout in request queue", ErrTimeoutInQueue)
		})
		return f.fut
	}
	c.startFetch(f)
	return f.fut
}

func (c *AsyncHTTPClient) maxClients() int {
	if c.MaxClients > 0 {
		return c.MaxClients
	}
	return DefaultMaxClients
}

// startFetch moves f out of the queue into progress.
func (c *AsyncHTTPClient) startFetch(f *fetch) {
	c.active++
	f.turn = turnActive
	// The request timeout counts from here, connecting included, and says
	// "during request" as Tornado's does; the connect timeout says
	// "while connecting".
	f.reqTimer = c.loop.CallLater(f.requestTimeout(), func() {
		f.fail("Timeout during request", ErrTimeoutRequest)
	})
	f.run()
}

// release ends f's turn and starts the next queued fetch.
func (c *AsyncHTTPClient) release() {
	c.active--
	for len(c.queue) > 0 && c.active < c.maxClients() {
		f := c.queue[0]
		c.queue[0] = nil
		c.queue = c.queue[1:]
		if f.turn == turnDone {
			continue
		}
		c.loop.RemoveTimeout(f.queueTimer)
		c.startFetch(f)
	}
}

// Close closes the idle connections and fails queued fetches.
func (c *AsyncHTTPClient) Close() {
	c.closed = true
	for _, list := range c.idle {
		for _, ic := range list {
			ic.s.SetCloseCallback(nil)
			ic.s.Close()
		}
	}
	c.idle = map[string][]idleConn{}
	if c.sweeping {
		c.loop.RemoveTimeout(c.sweep)
		c.sweeping = false
	}
	for _, f := range c.queue {
		if f.turn != turnDone {
			f.fail("client closed", ErrClientClosed)
		}
	}
	c.queue = nil
}

// getIdle returns a pooled connection for key, the most recently used
// first, or nil.
func (c *AsyncHTTPClient) getIdle(key string) *iostream.IOStream {
	list := c.idle[key]
	timeout := c.idleTimeout()
	now := c.loop.Now()
	for len(list) > 0 {
		ic := list[len(list)-1]
		list[len(list)-1] = idleConn{}
		list = list[:len(list)-1]
		c.idle[key] = list
		s := ic.s
		s.SetCloseCallback(nil)
		// A loop that stopped between fetches (the blocking HTTPClient's)
		// has not run its sweep: the age is checked here too. Bytes the
		// server sent since the last response, in the stream's buffer or
		// still in the kernel, are nobody's answer, and end of file means
		// the server closed: either way the connection is done.
		fresh := timeout < 0 || now.Sub(ic.since) < timeout
		if fresh && !s.Closed() && s.BufferedLen() == 0 && socketQuiet(s.Fileno()) {
			return s
		}
		s.Close() // expired, closed, or the server sent bytes nobody asked for
	}
	return nil
}

// idleTimeout is IdleTimeout with its default.
func (c *AsyncHTTPClient) idleTimeout() time.Duration {
	if c.IdleTimeout == 0 {
		return DefaultIdleTimeout
	}
	return c.IdleTimeout
}

// sweepIdle closes the connections idle for IdleTimeout and schedules
// itself for the next one to expire, if any.
func (c *AsyncHTTPClient) sweepIdle() {
	c.sweeping = false
	timeout := c.idleTimeout()
	now := c.loop.Now()
	var next time.Time
	for key, list := range c.idle {
		// Put back in order, so each list is oldest first.
		n := 0
		for n < len(list) && now.Sub(list[n].since) >= timeout {
			list[n].s.SetCloseCallback(nil)
			list[n].s.Close()
			n++
		}
		if n == len(list) {
			delete(c.idle, key)
			continue
		}
		rest := append(list[:0], list[n:]...)
		clear(list[len(rest):])
		c.idle[key] = rest
		if next.IsZero() || rest[0].since.Before(next) {
			next = rest[0].since
		}
	}
	if !next.IsZero() {
		c.scheduleSweep(next.Add(timeout))
	}
}

// scheduleSweep runs sweepIdle at when, unless a sweep is scheduled.
func (c *AsyncHTTPClient) scheduleSweep(when time.Time) {
	if c.sweeping {
		return
	}
	c.sweeping = true
	c.sweep = c.loop.CallAt(when, c.sweepIdle)
}

// putIdle pools a connection whose response is complete.
func (c *AsyncHTTPClient) putIdle(key string, s *iostream.IOStream) {
	max := c.MaxIdlePerHost
	if max == 0 {
		max = 8
	}
	if c.closed || max < 0 || len(c.idle[key]) >= max || s.Closed() {
		s.Close()
		return
	}
	now := c.loop.Now()
	c.idle[key] = append(c.idle[key], idleConn{s: s, since: now})
	s.SetCloseCallback(func() {
		list := c.idle[key]
		for i, x := range list {
			if x.s == s {
				c.idle[key] = append(list[:i], list[i+1:]...)
				break
			}
		}
	})
	if timeout := c.idleTimeout(); timeout > 0 {
		c.scheduleSweep(now.Add(timeout))
	}
}

// IdleConnections returns how many pooled connections the client holds.
func (c *AsyncHTTPClient) IdleConnections() int {
	n := 0
	for _, l := range c.idle {
		n += len(l)
	}
	return n
}

// fetch is one request in progress, redirects included.
type fetch struct {
	client *AsyncHTTPClient
	req    *HTTPRequest
	fut    *concurrent.Future[*HTTPResponse]
	start  time.Time

	u        *url.URL
	key      string
	host     string
	port     int
	tls      bool
	redirect int

	// turn is where f is in its turn with the client; queueTimer and
	// reqTimer end the queued wait and the whole request.
	turn                 turn
	queueTimer, reqTimer ioloop.Timeout

	// stream is the connection the request is on; retry says whether its
	// failure may be retried on a fresh one.
	stream *iostream.IOStream
	retry  retry
	// sending is how far the request's body has gone.
	sending sending

	// chunkedBody: the BodyProducer's body goes out chunked.
	chunkedBody bool

	// headBuf holds a response head that arrived in pieces, from its
	// first byte; the parser bounds it (httputil.DefaultMaxHeaderBytes).
	// A head that arrives whole is parsed where it was read, uncopied.
	headBuf []byte
	parser  httputil.ResponseParser
	head    httputil.ResponseHead
	// headDone says the final (non-1xx) head has been read.
	headDone bool
	// interim and interimBytes count the interim (1xx) responses skipped
	// before the final one, and their bytes.
	interim, interimBytes int
	chunked               httputil.ChunkedDecoder
	// left is what remains of a Content-Length body.
	left int64
	// body holds the response body unless it is streamed.
	body bodyBuffer
	// gz inflates a gzip body into body as it arrives; nil otherwise.
	gz *inflater
	// size counts the body bytes received, before decompression.
	size int
}

// turn is a fetch's place in the client: MaxClients fetches are active at
// once, the rest wait in the queue. Each fetch moves forward only:
// turnNew to turnQueued or turnActive, turnQueued to turnActive, and any
// of them to turnDone.
type turn uint8

const (
	// turnNew: made, not yet queued or started.
	turnNew turn = iota
	// turnQueued: waiting in the client's queue for a slot.
	turnQueued
	// turnActive: holding a slot, connecting, sending or reading.
	turnActive
	// turnDone: its Future is resolved, and its slot, if it held one,
	// handed to the next queued fetch.
	turnDone
)

// retry says what a failure of the fetch's connection means. A pooled
// connection may have been closed by the server while it sat idle, which
// the client learns only when it sends: such a failure, before any byte
// of the answer, is retried once on a new connection, as browsers do.
type retry uint8

const (
	// retryNo: the connection is new, or the answer has started: its
	// failure is the fetch's.
	retryNo retry = iota
	// retryArmed: a pooled connection that has given nothing yet.
	retryArmed
	// retrySpent: the one retry has been used.
	retrySpent
)

// sending is how far a request's body has gone (RFC 9110, section
// 10.1.1, for 100 Continue).
type sending uint8

const (
	// sendingHead: the head is being written; the body follows it.
	sendingHead sending = iota
	// sendingHeld: the head asked for 100 Continue, and the body waits.
	sendingHeld
	// sendingDone: the body (if any) has been written.
	sendingDone
	// sendingWithheld: a final answer came instead of 100 Continue, so
	// the body was never sent and the connection cannot carry another
	// request (the server may still be reading a body).
	sendingWithheld
)

func (f *fetch) connectTimeout() time.Duration {
	if f.req.ConnectTimeout > 0 {
		return f.req.ConnectTimeout
	}
	return DefaultConnectTimeout
}

func (f *fetch) requestTimeout() time.Duration {
	if f.req.RequestTimeout > 0 {
		return f.req.RequestTimeout
	}
	return DefaultRequestTimeout
}

func (f *fetch) method() string {
	if f.req.Method == "" {
		return "GET"
	}
	return f.req.Method
}

// checkHead refuses what would split the request head: a method that is
// not a token, an unsafe header (httputil.HTTPHeaders.Check), a User-Agent
// with a control byte.
func checkHead(r *HTTPRequest) error {
	m := r.Method
	for i := 0; i < len(m); i++ {
		if c := m[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return fmt.Errorf("%w: method %q", ErrUnsafeRequest, m)
		}
	}
	if r.Headers != nil {
		if err := r.Headers.Check(); err != nil {
			return fmt.Errorf("%w: %w", ErrUnsafeRequest, err)
		}
	}
	for i := 0; i < len(r.UserAgent); i++ {
		if c := r.UserAgent[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return fmt.Errorf("%w: User-Agent %q", ErrUnsafeRequest, r.UserAgent)
		}
	}
	return nil
}

// setURL parses and checks the URL to fetch.
func (f *fetch) setURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &HTTPClientError{Code: 599, Message: fmt.Sprintf("unsupported URL %q", raw), Err: ErrBadURL}
	}
	f.u = u
	f.tls = u.Scheme == "https"
	f.host = u.Hostname()
	f.port = 80
	if f.tls {
		f.port = 443
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return &HTTPClientError{Code: 599, Message: fmt.Sprintf("bad port in %q", raw), Err: ErrBadURL}
		}
		f.port = n
	}
	f.key = u.Scheme + "://" + net.JoinHostPort(f.host, strconv.Itoa(f.port))
	return nil
}

// run sends the request on a pooled connection or a new one.
func (f *fetch) run() {
	f.resetResponse()
	if s := f.client.getIdle(f.key); s != nil {
		f.stream = s
		if f.retry != retrySpent {
			f.retry = retryArmed
		}
		f.send()
		return
	}
	f.connect()
}

func (f *fetch) resetResponse() {
	f.dropBody()
	f.headBuf, f.size, f.left, f.interim, f.interimBytes = nil, 0, 0, 0, 0
	f.headDone, f.sending = false, sendingHead
	f.parser.Reset()
	f.chunked.Reset()
}

// dropBody lets go of the body read so far and stops its decompression.
func (f *fetch) dropBody() {
	if f.gz != nil {
		f.gz.abort()
		f.gz = nil
	}
	f.body = bodyBuffer{}
}

// maxBodySize is MaxBodySize with its default.
func (f *fetch) maxBodySize() int {
	if f.req.MaxBodySize > 0 {
		return f.req.MaxBodySize
	}
	return DefaultMaxBodySize
}

func (f *fetch) connect() {
	if f.retry == retryArmed {
		f.retry = retryNo
	}
	opts := tcpclient.Options{Timeout: f.connectTimeout()}
	if f.tls {
		opts.TLS = f.req.TLSConfig
		if opts.TLS == nil {
			opts.TLS = &tls.Config{}
		}
	}
	fut := f.client.TCP.Connect(f.client.loop, f.host, f.port, opts)
	fut.AddDoneCallback(func(fut *concurrent.Future[*iostream.IOStream]) {
		s, err := fut.Result()
		if f.turn == turnDone {
			if s != nil {
				s.Close()
			}
			return
		}
		if err != nil {
			if errors.Is(err, tcpclient.ErrConnectTimeout) {
				f.fail("Timeout while connecting", ErrTimeoutConnecting)
				return
			}
			f.fail("connection failed", err)
			return
		}
		// The request leaves in several writes (head, body or chunks,
		// the last chunk): the stream's write limit refusing one of them
		// would corrupt it, and a BodyProducer's chunks are bytes the
		// caller hands over anyway. As in Tornado, there is no limit.
		s.MaxWriteBufferSize = 0
		f.stream = s
		f.send()
	})
}

// send writes the request head (and the body unless it waits for 100
// Continue) and starts reading the response.
func (f *fetch) send() {
	r := f.req
	var b []byte
	b = append(b, f.method()...)
	b = append(b, ' ')
	b = append(b, f.u.RequestURI()...)
	b = append(b, " HTTP/1.1\r\n"...)
	h := r.Headers
	if h == nil {
		h = &httputil.HTTPHeaders{}
	}
	if !h.Has("Host") {
		b = append(b, "Host: "...)
		b = append(b, f.u.Host...)
		b = append(b, "\r\n"...)
	}
	b = h.AppendTo(b)
	if !h.Has("User-Agent") {
		ua := r.UserAgent
		if ua == "" {
			ua = DefaultUserAgent
		}
		b = append(b, "User-Agent: "...)
		b = append(b, ua...)
		b = append(b, "\r\n"...)
	}
	if !r.NoDecompress && r.StreamingCallback == nil && !h.Has("Accept-Encoding") {
		b = append(b, "Accept-Encoding: gzip\r\n"...)
	}
	if (r.AuthUsername != "" || r.AuthPassword != "") && !h.Has("Authorization") {
		b = append(b, "Authorization: Basic "...)
		b = append(b, base64.StdEncoding.EncodeToString([]byte(r.AuthUsername+":"+r.AuthPassword))...)
		b = append(b, "\r\n"...)
	}
	chunked := false
	switch {
	case r.BodyProducer != nil:
		if !h.Has("Content-Length") {
			b = append(b, "Transfer-Encoding: chunked\r\n"...)
			chunked = true
		}
	case len(r.Body) > 0 || needsBody(f.method()):
		if !h.Has("Content-Length") {
			b = append(b, "Content-Length: "...)
			b = strconv.AppendInt(b, int64(len(r.Body)), 10)
			b = append(b, "\r\n"...)
		}
	}
	if r.Expect100Continue && (len(r.Body) > 0 || r.BodyProducer != nil) {
		b = append(b, "Expect: 100-continue\r\n"...)
		f.sending = sendingHeld
	}
	b = append(b, "\r\n"...)
	f.stream.Write(b)
	f.chunkedBody = chunked
	if f.sending != sendingHeld {
		f.sendBody()
	}
	f.read()
}

// needsBody reports the methods Tornado requires a body for.
func needsBody(m string) bool { return m == "POST" || m == "PUT" || m == "PATCH" }

func (f *fetch) sendBody() {
	f.sending = sendingDone
	r := f.req
	if r.BodyProducer == nil {
		if len(r.Body) > 0 {
			f.stream.Write(r.Body)
		}
		return
	}
	write := func(p []byte) error {
		if len(p) == 0 {
			return nil
		}
		if f.chunkedBody {
			f.stream.Write(httputil.AppendChunk(nil, p))
			return nil
		}
		return f.stream.Write(p).Exception()
	}
	if err := r.BodyProducer(write); err != nil {
		f.fail("body producer failed", err)
		return
	}
	if f.chunkedBody {
		f.stream.Write([]byte(httputil.LastChunk))
	}
}

func (f *fetch) read() {
	if f.turn == turnDone || f.stream == nil {
		return
	}
	f.stream.ReadBytesFunc(64*1024, true, f.onData)
}

// onData receives response bytes.
func (f *fetch) onData(p []byte, err error) {
	if f.turn == turnDone {
		return
	}
	if err != nil {
		if f.headDone && f.head.Framing == httputil.FramingUntilClose {
			f.complete(false)
			return
		}
		if f.retry == retryArmed {
			// A pooled connection the server had closed: try once on a
			// new one, as browsers do for idempotent requests.
			f.retry = retrySpent
			f.stream = nil
			f.resetResponse()
			f.connect()
			return
		}
		f.fail("connection closed", err)
		return
	}
	if f.retry == retryArmed {
		f.retry = retryNo // the answer has started
	}
	f.take(p)
}

// take handles response bytes: heads, then body; it reads more unless f is
// done or waits (a head pass that yielded, see readHeads).
func (f *fetch) take(p []byte) {
	if !f.headDone {
		rest, ok := f.readHeads(p)
		if !ok {
			return
		}
		p = rest
	}
	if f.consumeBody(p) {
		return
	}
	f.read()
}

// passHeads bounds the heads one pass over received bytes parses, as the
// server bounds the requests a pass starts: with the interim limits lifted,
// 64 KiB of them is thousands of heads, too long to keep the loop from its
// timers and other fetches. With the defaults, the limit ends the fetch
// first.
const passHeads = 64

// resumeHeads goes on with the heads a pass left in headBuf.
func (f *fetch) resumeHeads() {
	if f.turn != turnDone {
		f.take(nil)
	}
}

// readHeads parses response heads from p, after the part of a head kept
// from earlier reads: interim (1xx) heads are counted and skipped, and the
// final head ends the phase. It returns the bytes after the final head and
// true, or false when f failed, waits for more bytes (a read is then
// pending), or has parsed passHeads heads (the rest waits in headBuf for a
// loop callback).
func (f *fetch) readHeads(p []byte) ([]byte, bool) {
	buf := p
	if len(f.headBuf) > 0 {
		f.headBuf = append(f.headBuf, p...)
		buf = f.headBuf
	}
	for parsed := 0; ; parsed++ {
		if parsed == passHeads && len(buf) > 0 {
			// The rest waits for the loop's next turn, kept like an
			// unfinished head; no read is pending meanwhile.
			f.headBuf = append(f.headBuf[:0], buf...)
			f.client.loop.AddCallback(f.resumeHeads)
			return nil, false
		}
		n, err := f.parser.Parse(buf, f.method(), &f.head)
		if err == httputil.ErrNeedMore {
			// Keep the unfinished head, moved to the start of headBuf:
			// the parser fails a head beyond its limit, so this stays
			// within it plus one read, however many heads came before.
			f.headBuf = append(f.headBuf[:0], buf...)
			f.read()
			return nil, false
		}
		if err != nil {
			f.fail("malformed response", err)
			return nil, false
		}
		buf = buf[n:]
		if f.head.StatusCode >= 100 && f.head.StatusCode < 200 && f.head.StatusCode != 101 {
			if !f.interimResponse(n) {
				return nil, false
			}
			continue
		}
		f.headBuf = nil
		if !f.finalHead() {
			return nil, false
		}
		return buf, true
	}
}

// interimResponse counts an interim (1xx) head of n bytes against
// MaxInterimResponses and MaxInterimBytes, and sends the body a 100
// Continue was awaited for; it reports whether f goes on. RFC 9110,
// section 15.2: a client must be able to parse one or more 1xx responses
// before the final one, and may ignore them; it need not accept a stream
// of them that never ends.
func (f *fetch) interimResponse(n int) bool {
	f.interim++
	f.interimBytes += n
	maxN, maxBytes := f.req.MaxInterimResponses, f.req.MaxInterimBytes
	if maxN <= 0 {
		maxN = DefaultMaxInterimResponses
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxInterimBytes
	}
	if f.interim > maxN {
		f.fail(fmt.Sprintf("more than %d interim responses", maxN), ErrTooManyInterimResponses)
		return false
	}
	if f.interimBytes > maxBytes {
		f.fail(fmt.Sprintf("interim responses over %d bytes", maxBytes), ErrTooManyInterimResponses)
		return false
	}
	if f.head.StatusCode == 100 && f.sending == sendingHeld {
		f.sendBody()
	}
	return f.turn != turnDone
}

// finalHead acts on the final head: the header callback, and the body's
// limit and storage. It reports whether f goes on to read the body.
func (f *fetch) finalHead() bool {
	f.headDone = true
	if f.sending == sendingHeld {
		// A final answer instead of 100 Continue: the body was never
		// sent, so the connection cannot be reused.
		f.sending = sendingWithheld
	}
	f.callHeaderCallback()
	if f.turn == turnDone {
		return false
	}
	switch f.head.Framing {
	case httputil.FramingTunnel:
		f.fail("protocol switch not supported", nil)
		return false
	case httputil.FramingNone:
		return true
	}
	max := f.maxBodySize()
	f.left = f.head.ContentLength
	if f.head.Framing == httputil.FramingLength && f.left > int64(max) {
		// Known too large before a body byte is read, as the server's
		// MaxBodySize (and Tornado's client) refuse it.
		f.fail("response body too large", ErrBodyTooLarge)
		return false
	}
	if f.req.StreamingCallback != nil {
		return true
	}
	f.body.limit = max
	switch {
	case !f.req.NoDecompress && strings.EqualFold(f.head.Headers.Get("Content-Encoding"), "gzip"):
		f.gz = newInflater(&f.body)
	case f.head.Framing == httputil.FramingLength:
		// The length is known and within the limit: one chunk of
		// exactly that size, which becomes the response's Body as is.
		f.body.presize(int(f.left))
	}
	return true
}

func (f *fetch) callHeaderCallback() {
	cb := f.req.HeaderCallback
	if cb == nil {
		return
	}
	cb(fmt.Sprintf("HTTP/1.1 %d %s\r\n", f.head.StatusCode, f.head.Reason))
	for i := range f.head.Headers.Len() {
		k, v := f.head.Headers.At(i)
		cb(string(k) + ": " + string(v) + "\r\n")
	}
	cb("\r\n")
}

// consumeBody takes body bytes; it reports whether the fetch finished.
// Bytes after the end of the response are none of this request's: the
// connection is then closed, not pooled, since its next answer would start
// with them (a HEAD answered with a body, bytes beyond Content-Length).
func (f *fetch) consumeBody(p []byte) bool {
	switch f.head.Framing {
	case httputil.FramingNone:
		f.complete(len(p) == 0)
		return true
	case httputil.FramingLength:
		k := min(int64(len(p)), f.left)
		if !f.addBody(p[:k]) {
			return true
		}
		f.left -= k
		if f.left == 0 {
			f.complete(k == int64(len(p)))
			return true
		}
	case httputil.FramingUntilClose:
		return !f.addBody(p)
	case httputil.FramingChunked:
		for len(p) > 0 {
			n, d, err := f.chunked.Decode(p)
			p = p[n:]
			if len(d) > 0 && !f.addBody(d) {
				return true
			}
			if err == io.EOF {
				f.complete(len(p) == 0)
				return true
			}
			if err != nil {
				f.fail("malformed chunked body", err)
				return true
			}
			if n == 0 {
				break
			}
		}
	}
	return false
}

// addBody keeps, inflates or streams body bytes; false when f failed.
func (f *fetch) addBody(d []byte) bool {
	if len(d) == 0 {
		return true // nothing for the StreamingCallback either
	}
	f.size += len(d)
	if f.size > f.maxBodySize() {
		f.fail("response body too large", ErrBodyTooLarge)
		return false
	}
	var err error
	switch {
	case f.req.StreamingCallback != nil:
		f.req.StreamingCallback(d)
		return f.turn != turnDone
	case f.gz != nil:
		err = f.gz.write(d)
	default:
		err = f.body.write(d)
	}
	if err != nil {
		f.failBody(err)
		return false
	}
	return true
}

// failBody fails f with a body's error: over the limit, or bad gzip.
func (f *fetch) failBody(err error) {
	if errors.Is(err, ErrBodyTooLarge) {
		f.fail("response body too large", ErrBodyTooLarge)
		return
	}
	f.fail("malformed gzip body", err)
}

// complete finishes a response that has been read; reusable says the
// connection is at a message boundary.
func (f *fetch) complete(reusable bool) {
	s := f.stream
	f.stream = nil
	// Unread bytes in the stream's buffer are, like bytes after the
	// response in the last read, none of the next request's answer.
	if reusable && f.head.KeepAlive && f.sending == sendingDone && s != nil && !s.Closed() && s.BufferedLen() == 0 {
		f.client.putIdle(f.key, s)
	} else if s != nil {
		s.Close()
	}
	headers := f.head.Headers.Copy()
	if gz := f.gz; gz != nil {
		f.gz = nil
		if f.size == 0 {
			gz.abort() // an empty body is left as it is
		} else if err := gz.finish(); err != nil {
			f.failBody(err)
			return
		} else {
			headers.Del("Content-Encoding")
			headers.Set("Content-Length", strconv.Itoa(f.body.size))
		}
	}
	body := f.body.bytes()
	f.body = bodyBuffer{}
	code := f.head.StatusCode
	if loc := headers.Get("Location"); loc != "" && isRedirect(code) && !f.req.NoFollowRedirects && f.redirect < f.maxRedirects() {
		if f.followRedirect(code, loc) {
			return
		}
	}
	resp := &HTTPResponse{
		Request:      f.req,
		Code:         code,
		Reason:       string(f.head.Reason),
		Headers:      headers,
		Body:         body,
		EffectiveURL: f.u.String(),
		RequestTime:  time.Since(f.start),
	}
	if resp.Reason == "" {
		resp.Reason = httputil.StatusText(code)
	}
	f.finish(f.turn)
	if (code < 200 || code >= 300) && !f.req.AllowNonOK {
		resp.Error = &HTTPClientError{Code: code, Message: resp.Reason, Response: resp}
		f.fut.SetException(resp.Error)
		return
	}
	f.fut.SetResult(resp)
}

func (f *fetch) maxRedirects() int {
	if f.req.MaxRedirects > 0 {
		return f.req.MaxRedirects
	}
	return DefaultMaxRedirects
}

func isRedirect(code int) bool {
	return code == 301 || code == 302 || code == 303 || code == 307 || code == 308
}

// followRedirect restarts f at loc, Tornado's _should_follow_redirect and
// redirect handling: 303 (and 301/302 after a POST) become GET without a
// body; credentials and cookies stay with their origin.
func (f *fetch) followRedirect(code int, loc string) bool {
	next, err := f.u.Parse(loc)
	if err != nil {
		return false
	}
	nr := *f.req
	if nr.Headers != nil {
		nr.Headers = nr.Headers.Copy()
	} else {
		nr.Headers = &httputil.HTTPHeaders{}
	}
	nr.URL = next.String()
	if code == 303 || ((code == 301 || code == 302) && nr.Method == "POST") {
		if nr.Method != "HEAD" {
			nr.Method = "GET"
		}
		nr.Body, nr.BodyProducer = nil, nil
		for _, h := range []string{"Content-Length", "Content-Type", "Content-Encoding", "Transfer-Encoding"} {
			nr.Headers.Del(h)
		}
	}
	old := f.u
	if err := f.setURL(nr.URL); err != nil {
		return false
	}
	if old.Scheme != f.u.Scheme || !strings.EqualFold(old.Host, f.u.Host) {
		// Cross-origin: the credentials were for the first origin only
		// (CVE-2023-28370's class of leak).
		nr.Headers.Del("Authorization")
		nr.Headers.Del("Cookie")
		nr.AuthUsername, nr.AuthPassword = "", ""
	}
	nr.Headers.Del("Host")
	f.req = &nr
	f.redirect++
	f.run()
	return true
}

// finish ends f's turn in the client: from turn (what it was before it
// became turnDone), giving back the slot an active fetch held, or leaving
// the queue.
func (f *fetch) finish(from turn) {
	f.turn = turnDone
	f.client.loop.RemoveTimeout(f.reqTimer)
	f.client.loop.RemoveTimeout(f.queueTimer)
	switch from {
	case turnNew:
		// Failed before it was queued or started: nothing to give back.
	case turnActive:
		f.client.release()
	case turnQueued:
		q := f.client.queue
		for i, x := range q {
			if x == f {
				f.client.queue = append(q[:i], q[i+1:]...)
				break
			}
		}
	}
}

// fail ends f with a 599 error (or an error wrapping err).
func (f *fetch) fail(msg string, err error) {
	from := f.turn
	if from == turnDone {
		return
	}
	// Done first: closing the stream fails its pending read at once,
	// and that callback must see a finished fetch.
	f.turn = turnDone
	f.dropBody()
	if f.stream != nil {
		s := f.stream
		f.stream = nil
		s.Close()
	}
	f.finish(from)
	f.fut.SetException(&HTTPClientError{Code: 599, Message: msg, Err: err})
}
