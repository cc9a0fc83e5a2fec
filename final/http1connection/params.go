// Connection parameters, the delegate interfaces and the Request handed to
// them: the contract between a connection and the code that answers it.

package http1connection

import (
	"bytes"
	"errors"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/httputil"
)

// Defaults of Params, Tornado's HTTP1ConnectionParameters and HTTPServer
// defaults.
const (
	// DefaultChunkSize is the largest piece of body handed to DataReceived
	// (Tornado's chunk_size, 64 KiB).
	DefaultChunkSize = 64 * 1024
	// DefaultMaxBodySize is Tornado's max_body_size, 100 MiB.
	DefaultMaxBodySize = httputil.DefaultMaxBodySize
	// DefaultIdleTimeout is how long a keep-alive connection may wait
	// between requests: Tornado's idle_connection_timeout, one hour.
	DefaultIdleTimeout = time.Hour
	// DefaultHeaderTimeout is how long a request head may take to arrive,
	// from the connection's accept or from the first byte of a later
	// request's head: nginx's client_header_timeout, 60 seconds. Tornado
	// has no such bound of its own (its header timeout is the idle one, an
	// hour), which lets a client that trickles a head in hold a connection
	// for an hour; a real client sends a head in well under a second.
	DefaultHeaderTimeout = 60 * time.Second
	// DefaultBodyIdleTimeout is how long a request body may go without a
	// byte arriving: nginx's client_body_timeout, 60 seconds. Tornado
	// bounds a body only by its body_timeout, none by default, so a client
	// that announces a large body and sends nothing holds its connection,
	// and here its share of the server's BodyBudget, for ever; a client
	// uploading over the slowest link still sends something every second.
	DefaultBodyIdleTimeout = 60 * time.Second
)

// Sentinel errors of package http1connection.
var (
	// ErrHeadersWritten is returned by WriteHeaders when the response has
	// started already.
	ErrHeadersWritten = errors.New("http1connection: headers already written")
	// ErrNoHeaders is returned by Write or Finish before WriteHeaders.
	ErrNoHeaders = errors.New("http1connection: write before headers")
	// ErrFinished is returned by writes after Finish.
	ErrFinished = errors.New("http1connection: response already finished")
	// ErrContentLength is returned by Write beyond the Content-Length
	// declared, and by Finish short of it (Tornado's HTTPOutputError);
	// the connection is closed since the response cannot be framed.
	ErrContentLength = errors.New("http1connection: body does not match Content-Length")
	// ErrClosed is returned by writes on a closed connection.
	ErrClosed = errors.New("http1connection: connection closed")
)

// Params are the options of a connection (Tornado's
// HTTP1ConnectionParameters); a zero field means its default.
type Params struct {
	// NoKeepAlive closes the connection after each response.
	NoKeepAlive bool
	// ChunkSize bounds the pieces of body given to DataReceived.
	ChunkSize int
	// MaxHeaderSize bounds the request head (431 beyond).
	MaxHeaderSize int
	// MaxRequestLine bounds the request line (414 beyond).
	MaxRequestLine int
	// MaxHeaders bounds the number of header lines (431 beyond).
	MaxHeaders int
	// IdleTimeout bounds the wait between requests on a keep-alive
	// connection: from the end of a response to the first byte of the
	// next request (DefaultIdleTimeout if zero; negative means none).
	IdleTimeout time.Duration
	// HeaderTimeout bounds the arrival of a request head: from the start
	// of the connection for its first request, from the first byte of the
	// head for the later ones (DefaultHeaderTimeout if zero; negative
	// means none). The connection is closed without an answer, as nginx
	// and Tornado do on their header timeouts.
	HeaderTimeout time.Duration
	// BodyTimeout bounds the reading of one request body; zero or negative
	// means none (Tornado's default).
	BodyTimeout time.Duration
	// BodyIdleTimeout bounds the wait for the next bytes of a request
	// body (DefaultBodyIdleTimeout if zero; negative means none). The
	// connection is closed without an answer, as on the other timeouts.
	BodyIdleTimeout time.Duration
	// MaxBodySize bounds a request body, decompressed size included (413
	// beyond).
	MaxBodySize int64
	// BodyBudget bounds what the bodies gathered in memory (CollectBody,
	// Decompress) of every connection sharing it hold at once (503
	// beyond); nil means no bound but MaxBodySize per body. HTTPServer
	// always sets one.
	BodyBudget *BodyBudget
	// Decompress undoes Content-Encoding: gzip on request bodies
	// (Tornado's decompress_request).
	Decompress bool
	// XHeaders makes RemoteIP and Protocol follow X-Real-Ip,
	// X-Forwarded-For, X-Scheme and X-Forwarded-Proto, for a server behind a
	// proxy (Tornado's xheaders).
	XHeaders bool
	// TrustedDownstream lists proxies skipped in X-Forwarded-For.
	TrustedDownstream []string
}

func (p *Params) chunkSize() int {
	if p.ChunkSize > 0 {
		return p.ChunkSize
	}
	return DefaultChunkSize
}

func (p *Params) maxBodySize() int64 {
	if p.MaxBodySize > 0 {
		return p.MaxBodySize
	}
	return DefaultMaxBodySize
}

func (p *Params) headerTimeout() time.Duration {
	return orDefault(p.HeaderTimeout, DefaultHeaderTimeout)
}

func (p *Params) bodyIdleTimeout() time.Duration {
	return orDefault(p.BodyIdleTimeout, DefaultBodyIdleTimeout)
}

func (p *Params) idleTimeout() time.Duration {
	return orDefault(p.IdleTimeout, DefaultIdleTimeout)
}

// orDefault reads a timeout option: zero means def, negative means none
// (0 for setDeadline).
func orDefault(d, def time.Duration) time.Duration {
	switch {
	case d < 0:
		return 0
	case d == 0:
		return def
	}
	return d
}

// ServerDelegate receives the requests of connections (Tornado's
// HTTPServerConnectionDelegate).
type ServerDelegate interface {
	// StartRequest is called when a request's head has arrived and returns
	// the delegate for that request. Returning a delegate kept per
	// connection (or pooled) keeps the server allocation-free.
	StartRequest(c *Conn) MessageDelegate
	// OnClose is called once when the connection has closed.
	OnClose(c *Conn)
}

// MessageDelegate receives one request (Tornado's HTTPMessageDelegate).
// Its methods run on the connection's loop.
type MessageDelegate interface {
	// HeadersReceived is called with the parsed head. An error answers the
	// request with httputil.StatusOf(err) and closes the connection,
	// unless the response has started.
	HeadersReceived(req *Request) error
	// DataReceived is called with each piece of the body, valid only
	// during the call; an error is handled as in HeadersReceived.
	DataReceived(chunk []byte) error
	// Finish is called when the whole request has been read.
	Finish()
	// OnConnectionClose is called if the connection closes before the
	// response is finished: inside Conn.Close when the connection is
	// closed on this side (by the delegate itself too), on a later loop
	// callback when the peer goes away. It is the last call the delegate
	// gets for the request; after Conn.ReleaseDelegate, the delegate gets
	// none at all (after Conn.HandOver, the delegate it handed over to
	// gets them).
	OnConnectionClose()
}

// BodyWaiter is a MessageDelegate that can make the connection wait before
// it reads more of the body: Tornado's data_received returning a Future,
// which HTTP1Connection awaits before its next read. The connection calls
// DataReceivedWait instead of DataReceived for each piece of the body
// (the decompressed pieces of a gzip body with Decompress).
//
// An error is handled as DataReceived's. An Awaitable that is not done
// makes the connection stop where it is: no more of the body is delivered
// and nothing more is read from the socket, so that once the socket's
// buffers are full TCP's flow control holds the client back. What the
// connection had received behind the piece (up to one read, 64 KiB, and
// one read in the stream's buffer) is delivered first once the Awaitable
// is done, on a loop callback of its own, then reading resumes. An
// Awaitable that fails answers the request like an error from
// DataReceived, closing the connection, with the status of the
// *httputil.HTTPInputError it carries, or else 500: what the delegate
// waited for is the server's own work, where an error DataReceived
// returns is taken for the input's (400). A nil or done Awaitable costs
// nothing: the next piece follows at once.
//
// While the connection waits, BodyIdleTimeout does not run: the server is
// slow, not the client, which gets the whole BodyIdleTimeout again from
// the moment reading resumes. BodyTimeout, which bounds the whole body,
// keeps running, as Tornado's body_timeout covers the Futures
// data_received returns. A client that closes the connection meanwhile is
// reported to OnConnectionClose, once: at once if nothing of its was left
// unread, else when reading resumes and reaches the end.
//
// The Awaitable must be resolved on the connection's loop, as the Futures
// of RunOnExecutor and of package gen are.
type BodyWaiter interface {
	MessageDelegate
	// DataReceivedWait is called with each piece of the body, valid only
	// during the call (copy it to keep it, or to hand it to another
	// goroutine); the connection reads no more of the body until the
	// Awaitable it returns (nil: none) is done.
	DataReceivedWait(chunk []byte) (concurrent.Awaitable, error)
}

// Request is one request as the delegate sees it. It belongs to the
// connection and is reused: it and everything it points to are valid
// until the response is finished (Conn.Finish).
type Request struct {
	// Head is the parsed request line and header fields.
	Head *httputil.RequestHead
	// Body is the request body, filled before Finish for a delegate that
	// asked for it with CollectBody; nil otherwise.
	Body []byte
	// RemoteIP is the peer's address, or the proxy's word for it with
	// XHeaders.
	RemoteIP string
	// Protocol is "http" or "https" (or X-Scheme's with XHeaders).
	Protocol string
	// StartTime is when the head was complete.
	StartTime time.Time
	// Conn answers the request.
	Conn *Conn

	// collect is set by CollectBody.
	collect bool
}

// Method returns the request method.
func (r *Request) Method() string { return r.Head.Method }

// Target returns the request-target as sent ("/a?b=c").
func (r *Request) Target() []byte { return r.Head.Target }

// Path returns the request-target up to "?", without the scheme and
// authority of an absolute-form target ("http://h/a?b" gives "/a"), like
// Tornado's request.path.
func (r *Request) Path() []byte {
	t := r.Head.Target
	if r.Head.AbsoluteForm {
		if i := bytes.Index(t, []byte("://")); i >= 0 {
			rest := t[i+3:]
			j := bytes.IndexAny(rest, "/?")
			switch {
			case j < 0:
				return slash
			case rest[j] == '?':
				return slash
			}
			t = rest[j:]
		}
	}
	for i, b := range t {
		if b == '?' {
			return t[:i]
		}
	}
	return t
}

// HasBody reports whether the request has a body to read: it is chunked,
// or its Content-Length is above zero (RFC 9112, section 6.3).
func (r *Request) HasBody() bool {
	h := r.Head
	return h.Framing == httputil.FramingChunked || h.Framing == httputil.FramingLength && h.ContentLength > 0
}

// CollectBody makes the connection gather the request's body into Body,
// which the delegate finds filled when Finish is called, instead of
// handing it to DataReceived: for a delegate that wants the body whole,
// like httpserver's Handlers and web's handlers that do not stream
// (Tornado's _HandlerDelegate, which joins the chunks). Call it from
// HeadersReceived; later it changes nothing.
//
// The connection keeps the body within MaxBodySize and the server's
// BodyBudget: a Content-Length body is charged its length as soon as
// HeadersReceived returns, before any of it is read (and before 100
// Continue), a chunked one as it grows; one that does not fit gets 503
// and the connection closes. It allocates a Content-Length body once, at
// its length, and a chunked one without the garbage of a doubling array
// (see bodyBuf), so that a body costs about its length; small bodies
// reuse the connection's storage and allocate nothing.
func (r *Request) CollectBody() {
	if r.Conn != nil && r.Conn.phase == phaseHead {
		r.collect = true
	}
}

var slash = []byte("/")
