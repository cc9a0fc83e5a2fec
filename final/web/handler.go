// RequestHandler: the base of every handler, with Tornado's
// RequestHandler methods for reading the request and writing the response.

package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"html"
	"log/slog"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/httputil"
	"github.com/gornado/gornado/final/ioloop"
)

// RequestHandler is embedded in every handler type, as Tornado's handlers
// subclass RequestHandler. Its methods read the request (arguments,
// headers, cookies) and write the response (status, headers, body). They
// run on the request's loop.
//
// As in Tornado, each request gets a handler of its own, never used for
// another request, so a reference to it kept past its request (a timer, a
// waiter list, a goroutine) can reach no one else's response. Once the
// request has ended (its response finished and its coroutine, if any,
// done), the handler lets go of the request: Request becomes nil, a
// method that returns an error returns ErrFinished, and the others
// do nothing and return zero values (pool.go explains why).
type RequestHandler struct {
	// Request is the request being served (Tornado's self.request); nil
	// once the request has ended.
	Request *HTTPServerRequest
	// Application is the application serving it.
	Application *Application
	// handlerState is the request's working storage, lent by the loop
	// for the request's lifetime; nil before and after (then live gives
	// the handler a finished state of its own).
	*handlerState
}

// handlerState is the storage a handler works in while it serves a
// request: pooled per loop (pool.go), it goes from one request to the
// next, while the handler that used it does not.
type handlerState struct {
	// resumeFn continues the handler's steps after an Awaitable (made
	// once per state).
	resumeFn func()
	// req is the storage behind Request.
	req HTTPServerRequest
	// headers are the response headers; buf the body not yet flushed.
	headers httputil.HTTPHeaders
	buf     []byte
	// jsonBuf and jsonEnc encode Write's JSON; kept across requests.
	jsonBuf bytes.Buffer
	jsonEnc *json.Encoder
	// num is scratch space for numbers and hashes.
	num [64]byte
	// gzOut receives what the gzip writer compresses; kept across
	// requests.
	gzOut sliceWriter
	// owner is the handler the state is lent to (resumeFn resumes it);
	// self is that handler as the user's type, whose hooks the framework
	// calls (a finished handler's own state has the RequestHandler
	// itself, with the default hooks).
	owner *RequestHandler
	self  Handler
	// pathArgs are the groups of the route's pattern (PathArgs).
	pathArgs []string

	// perRequest is the state one request starts from zero: init clears
	// it in one assignment, while the storage above is kept for reuse.
	perRequest
}

// perRequest is the part of a RequestHandler that each request starts
// from zero.
type perRequest struct {
	// d is the request's dispatcher; loop its loop.
	d    *dispatch
	loop *ioloop.IOLoop
	// status and reason are the response status.
	status int
	reason string
	// headersWritten is set once the head went out (Flush, Finish).
	headersWritten bool
	// resp is how far the response has gone; peer where the client is
	// with its request.
	resp respState
	peer peerState
	// allow lists the handler's methods for a 405's Allow field.
	allow string
	// step is the handler's step (stepPrepare ...); running is set while
	// steps run.
	step    int
	running bool
	// pending is an Awaitable the current step waits for (Go, Wait);
	// waiting the one being awaited.
	pending concurrent.Awaitable
	waiting concurrent.Awaitable
	// currentUser caches CurrentUser; userDone marks it computed.
	currentUser any
	userDone    bool
	// xsrfToken caches XSRFToken.
	xsrfToken string
	// locale caches Locale (locale.go).
	locale localeCache
	// gzipping is set when the first Flush chose to gzip a streamed
	// response; gz is its writer, from gzipWriters (nil for HEAD, which
	// sends no body).
	gzipping bool
	gz       *gzip.Writer
}

// respState is how far a response has gone. It moves forward only:
// respOpen to respErrorPage (SendError), either to respFinished (Finish,
// or a client that left) or to respDetached (the connection taken over).
type respState uint8

const (
	// respOpen: the handler is writing the response.
	respOpen respState = iota
	// respErrorPage: SendError is having the handler's WriteError write
	// an error page; should that fail too, the default page is written
	// instead of trying the handler's again.
	respErrorPage
	// respFinished: Finish ran, or the client left; nothing more is
	// written.
	respFinished
	// respDetached: the connection was taken over (Detach,
	// WebSocketUpgrade, FallbackHandler); finished as far as the
	// framework is concerned, which neither finishes nor answers it.
	respDetached
)

// finished reports whether nothing more may be written.
func (s respState) finished() bool { return s >= respFinished }

// peerState is where the client is with its request: sending the body,
// done sending it, and whether it left before the response was finished.
// The body cannot come back once sent, nor the client once gone:
// peerSending to peerSent or peerLeftSending, peerSent to peerLeftSent.
type peerState uint8

const (
	// peerSending: the body is still to come (or there is none yet to
	// speak of: the head has just been read).
	peerSending peerState = iota
	// peerSent: the whole body has been read.
	peerSent
	// peerLeftSending: the client closed before its body was complete.
	peerLeftSending
	// peerLeftSent: the client closed after sending its body.
	peerLeftSent
)

// hasSent reports whether the whole body has been read.
func (s peerState) hasSent() bool { return s == peerSent || s == peerLeftSent }

// gone reports whether the client has left.
func (s peerState) gone() bool { return s >= peerLeftSending }

// sent is s once the body has been read.
func (s peerState) sent() peerState {
	switch s {
	case peerSending:
		return peerSent
	case peerLeftSending:
		return peerLeftSent
	}
	return s
}

// left is s once the client has gone.
func (s peerState) left() peerState {
	switch s {
	case peerSending:
		return peerLeftSending
	case peerSent:
		return peerLeftSent
	}
	return s
}

// base makes every type embedding RequestHandler a Handler.
func (rh *RequestHandler) base() *RequestHandler { return rh }

// init prepares the handler for a request.
func (rh *RequestHandler) init(d *dispatch, args []string) {
	rh.perRequest = perRequest{}
	rh.buf = rh.buf[:0]
	rh.req.reset()
	rh.Application, rh.d, rh.loop = d.app, d, d.loop
	rh.Request = &rh.req
	if len(args) > 0 {
		// The handler's own copy: the groups' buffer is the loop's.
		rh.pathArgs = append([]string(nil), args...)
	}
	rh.status = 200
	rh.setDefaultHeaders()
}

// PathArgs returns the groups of the route's pattern, also passed to the
// handler's method (Tornado's path_args); nil once the request has ended.
// The slice is the handler's own.
func (rh *RequestHandler) PathArgs() []string {
	rh.live()
	return rh.pathArgs
}

// defaultHeaders are the headers every response starts with, like
// Tornado's clear(): Server and Content-Type (Date is the connection's).
var defaultHeaders = httputil.NewHTTPHeaders(
	"Server", "gornado",
	"Content-Type", "text/html; charset=UTF-8",
)

// setDefaultHeaders replaces the response headers with defaultHeaders.
func (rh *RequestHandler) setDefaultHeaders() { rh.headers.CopyFrom(defaultHeaders) }

// logger returns the application's logger, or the loop's.
func (rh *RequestHandler) logger() *slog.Logger {
	if rh.Application != nil && rh.Application.Settings.Logger != nil {
		return rh.Application.Settings.Logger
	}
	if rh.loop != nil {
		return rh.loop.Logger()
	}
	return slog.Default()
}

// Loop returns the loop the request runs on.
func (rh *RequestHandler) Loop() *ioloop.IOLoop {
	rh.live()
	return rh.loop
}

// Settings returns the application's settings.
func (rh *RequestHandler) Settings() *Settings {
	rh.live()
	return &rh.Application.Settings
}

// ---- coroutines ---------------------------------------------------------

// Go runs body as a coroutine on the request's loop (gen.Go) and makes the
// handler wait for it: the response is finished when it returns (unless it
// finished it), and an error it returns is answered like a method's. Call
// it from a handler method or Prepare and return its result:
//
//	func (h *Poll) Get(args ...string) error {
//		return h.Go(func(c *gen.Co) error {
//			msgs, err := gen.Await(c, h.buffer.Wait())
//			...
//		})
//	}
func (rh *RequestHandler) Go(body func(c *gen.Co) error) error {
	if !rh.live() {
		return ErrFinished
	}
	if rh.loop == nil {
		return ErrNoLoop
	}
	f := gen.Go(rh.loop, func(c *gen.Co) (struct{}, error) { return struct{}{}, body(c) })
	rh.Wait(f)
	return nil
}

// Wait makes the handler wait for aw before its next step (the method, or
// finishing); its error is answered like a method's. This is how a method
// "returns a Future" to the framework.
func (rh *RequestHandler) Wait(aw concurrent.Awaitable) {
	rh.live()
	rh.pending = aw
}

// ---- arguments ----------------------------------------------------------

// GetArgument returns the last value of the query or body argument name,
// whitespace-stripped, or a *MissingArgumentError (answered 400) when
// there is none (Tornado's get_argument without a default).
func (rh *RequestHandler) GetArgument(name string) (string, error) {
	if !rh.live() {
		return "", ErrFinished
	}
	return lastArg(rh.req.Arguments(), name)
}

// GetArgumentDefault returns the argument name, or def without one.
func (rh *RequestHandler) GetArgumentDefault(name, def string) string {
	rh.live()
	v, err := rh.GetArgument(name)
	if err != nil {
		return def
	}
	return v
}

// GetArguments returns every value of the argument name, stripped.
func (rh *RequestHandler) GetArguments(name string) []string {
	rh.live()
	return cleanArgs(rh.req.Arguments()[name])
}

// GetQueryArgument is GetArgument for the query string only.
func (rh *RequestHandler) GetQueryArgument(name string) (string, error) {
	if !rh.live() {
		return "", ErrFinished
	}
	return lastArg(rh.req.QueryArguments(), name)
}

// GetBodyArgument is GetArgument for the body only.
func (rh *RequestHandler) GetBodyArgument(name string) (string, error) {
	if !rh.live() {
		return "", ErrFinished
	}
	return lastArg(rh.req.BodyArguments(), name)
}

// lastArg returns the last cleaned value of name in args.
func lastArg(args url.Values, name string) (string, error) {
	vs := args[name]
	if len(vs) == 0 {
		return "", &MissingArgumentError{Name: name}
	}
	return cleanArg(vs[len(vs)-1]), nil
}

func cleanArgs(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = cleanArg(v)
	}
	return out
}

// cleanArg replaces control characters other than tab, newline and
// carriage return with spaces and strips whitespace, like Tornado's
// _get_arguments (strip=True).
func cleanArg(v string) string {
	if strings.IndexFunc(v, isControl) >= 0 {
		v = strings.Map(func(r rune) rune {
			if isControl(r) {
				return ' '
			}
			return r
		}, v)
	}
	return strings.TrimSpace(v)
}

func isControl(r rune) bool { return r <= 0x08 || (r >= 0x0e && r <= 0x1f) }

// ---- the response ---------------------------------------------------------

// SetStatus sets the response status; reason, if given, replaces the
// standard phrase on the status line and on error pages (Tornado's
// set_status(code, reason)). A reason with a control character (CR, LF)
// fails the response with httputil.ErrUnsafeHeader rather than split it.
func (rh *RequestHandler) SetStatus(code int, reason ...string) {
	rh.live()
	rh.status = code
	rh.reason = ""
	if len(reason) > 0 {
		rh.reason = reason[0]
	}
}

// Status returns the response status (Tornado's get_status).
func (rh *RequestHandler) Status() int {
	rh.live()
	return rh.status
}

// SetHeader sets a response header, replacing any value. A value with a
// control character is refused when the head is written (response
// splitting), as Tornado's _convert_header_value refuses it.
func (rh *RequestHandler) SetHeader(name, value string) {
	rh.live()
	rh.headers.Set(name, value)
}

// AddHeader adds a value to a response header (Tornado's add_header).
func (rh *RequestHandler) AddHeader(name, value string) {
	rh.live()
	rh.headers.Add(name, value)
}

// ClearHeader removes a response header (Tornado's clear_header).
func (rh *RequestHandler) ClearHeader(name string) {
	rh.live()
	rh.headers.Del(name)
}

// ResponseHeaders returns the response headers to set before the head is
// written.
func (rh *RequestHandler) ResponseHeaders() *httputil.HTTPHeaders {
	rh.live()
	return &rh.headers
}

// Clear resets the status, headers and unflushed body (Tornado's clear):
// the headers are the defaults again, the handler's SetDefaultHeaders
// included.
func (rh *RequestHandler) Clear() {
	rh.live()
	rh.resetHeaders()
	rh.status, rh.reason = 200, ""
	rh.buf = rh.buf[:0]
}

// Write adds v to the response body: a string or []byte as is; a map or a
// struct (or a pointer to one) as JSON with Content-Type application/json
// (Tornado's write(dict)). Other types, slices among them, are refused
// with ErrNotJSONable, as a top-level JSON array can be read cross-site.
func (rh *RequestHandler) Write(v any) error {
	if !rh.live() {
		return ErrFinished
	}
	if rh.resp.finished() {
		return ErrFinished
	}
	switch x := v.(type) {
	case string:
		rh.buf = append(rh.buf, x...)
		return nil
	case []byte:
		rh.buf = append(rh.buf, x...)
		return nil
	}
	return rh.WriteJSON(v)
}

// WriteString adds s to the response body.
func (rh *RequestHandler) WriteString(s string) error {
	if !rh.live() {
		return ErrFinished
	}
	if rh.resp.finished() {
		return ErrFinished
	}
	rh.buf = append(rh.buf, s...)
	return nil
}

// WriteBytes adds b to the response body.
func (rh *RequestHandler) WriteBytes(b []byte) error {
	if !rh.live() {
		return ErrFinished
	}
	if rh.resp.finished() {
		return ErrFinished
	}
	rh.buf = append(rh.buf, b...)
	return nil
}

// WriteJSON adds v as JSON (a map or struct, see Write) and sets
// Content-Type to application/json.
func (rh *RequestHandler) WriteJSON(v any) error {
	if !rh.live() {
		return ErrFinished
	}
	if rh.resp.finished() {
		return ErrFinished
	}
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || (t.Kind() != reflect.Map && t.Kind() != reflect.Struct) {
		return ErrNotJSONable
	}
	if rh.jsonEnc == nil {
		rh.jsonEnc = json.NewEncoder(&rh.jsonBuf)
	}
	rh.jsonBuf.Reset()
	if err := rh.jsonEnc.Encode(v); err != nil {
		return err
	}
	out := rh.jsonBuf.Bytes()
	rh.buf = append(rh.buf, out[:len(out)-1]...) // without Encode's newline
	rh.headers.Set("Content-Type", "application/json; charset=UTF-8")
	return nil
}

// Body returns the response body written so far and not yet flushed.
func (rh *RequestHandler) Body() []byte {
	rh.live()
	return rh.buf
}

// Flush sends the headers (the first time) and the body written so far;
// the response goes on chunked. The Future resolves once the bytes are
// written to the socket, for flow control (Tornado's flush). With
// CompressResponse the first Flush decides whether the stream is gzipped
// (see gzipWanted), and each Flush then sends what the client can decode
// so far.
func (rh *RequestHandler) Flush() *concurrent.Future[struct{}] {
	rh.live()
	if rh.resp.finished() {
		return concurrent.Failed[struct{}](ErrFinished)
	}
	headFirst := !rh.headersWritten
	if err := rh.flush(); err != nil {
		return concurrent.Failed[struct{}](err)
	}
	if rh.d.conn != nil {
		return rh.d.conn.Stream().Write(nil)
	}
	if headFirst {
		// Under net/http the head and first chunk wait in the
		// ResponseWriter's buffer; an empty Write flushes it, as Write
		// flushes each later chunk.
		if err := rh.d.out.Write(nil); err != nil {
			return concurrent.Failed[struct{}](err)
		}
	}
	return concurrent.Resolved(struct{}{})
}

// flush writes the head if needed and the buffered body.
func (rh *RequestHandler) flush() error {
	if !rh.headersWritten {
		if err := rh.checkHeaders(); err != nil {
			return err
		}
	}
	return rh.send()
}

// send is flush once the headers are known to be safe (checkHeaders).
func (rh *RequestHandler) send() error {
	out := rh.d.out
	body := rh.buf
	rh.buf = rh.buf[:0]
	if !rh.headersWritten {
		if rh.reason != "" {
			// A custom phrase goes on the status line where the HTTP layer
			// can put it there (http1connection; net/http cannot). It is
			// checked before the headers count as written, so a refused
			// phrase still leaves room for the error page.
			if rs, ok := out.(interface{ SetReason(string) error }); ok {
				if err := rs.SetReason(rh.reason); err != nil {
					return err
				}
			}
		}
		if !rh.resp.finished() && rh.Application.Settings.CompressResponse {
			// The first Flush of a streamed response (Finish gzips a
			// whole one before it gets here).
			rh.startGzip()
		}
		rh.headersWritten = true
		if rh.gzipping {
			body = rh.gzipChunk(body)
		}
		return out.WriteHeaders(rh.status, &rh.headers, body)
	}
	if rh.gzipping {
		body = rh.gzipChunk(body)
	}
	return out.Write(body)
}

// checkHeaders refuses header fields that would split the response (a
// name that is not a token, a value with CR, LF or another control byte),
// before anything is sent, so that the answer can still be a 500.
func (rh *RequestHandler) checkHeaders() error {
	if err := rh.headers.Check(); err != nil {
		return fmt.Errorf("web: %w", err)
	}
	// RFC 9112, section 4: a reason phrase is HTAB, SP, VCHAR or obs-text.
	for i := 0; i < len(rh.reason); i++ {
		if c := rh.reason[i]; c != '\t' && (c < ' ' || c == 0x7f) {
			return fmt.Errorf("web: unsafe reason phrase %q", rh.reason)
		}
	}
	return nil
}

// Finish ends the response (Tornado's finish): for a 200 answer to GET or
// HEAD it sets an ETag from the body and answers 304 when If-None-Match
// holds it; it sets Content-Length, gzips when CompressResponse allows,
// writes, and runs OnFinish. A flushed response that is gzipped sends the
// rest of its body and the gzip trailer.
func (rh *RequestHandler) Finish() error {
	if !rh.live() {
		return ErrFinished
	}
	if rh.resp.finished() {
		return ErrFinished
	}
	if rh.peer.gone() {
		rh.resp = respFinished
		rh.releaseGzip()
		rh.onFinish()
		return nil
	}
	if !rh.headersWritten {
		if err := rh.checkHeaders(); err != nil {
			// Nothing has been sent: answer 500 instead, as Tornado's
			// ValueError for an unsafe header value ends in one.
			rh.handleError(err)
			return err
		}
	}
	rh.resp = respFinished
	var err error
	if !rh.headersWritten {
		m := rh.req.Method
		if rh.status == 200 && (m == "GET" || m == "HEAD") && !rh.headers.Has("Etag") && rh.setETag() {
			if rh.checkETag() {
				rh.buf = rh.buf[:0]
				rh.status = 304
			}
		}
		switch {
		case rh.status == 204 || rh.status == 304 || (rh.status >= 100 && rh.status < 200):
			// RFC 9110, section 8.6: no Content-Length on 204 and 1xx; on
			// 304 it would describe the body not sent. Tornado clears
			// the entity headers the same way.
			rh.headers.Del("Content-Length")
			rh.headers.Del("Content-Type")
			rh.buf = rh.buf[:0]
		default:
			if rh.Application.Settings.CompressResponse {
				rh.gzipBody()
			}
			if !rh.headers.Has("Content-Length") {
				rh.headers.AddBytes(contentLengthName, strconv.AppendInt(rh.num[:0], int64(len(rh.buf)), 10))
			}
		}
	}
	// The headers were checked above; Etag and Content-Length, added
	// since, are the handler's own and safe.
	if err = rh.send(); err == nil {
		err = rh.d.out.Finish()
	}
	rh.logRequest()
	rh.onFinish()
	return err
}

var contentLengthName = []byte("Content-Length")

// onFinish runs the handler's OnFinish.
func (rh *RequestHandler) onFinish() {
	var err error
	func() {
		defer rh.recoverPanic(&err)
		rh.self.OnFinish()
	}()
	if err != nil {
		rh.logger().Error("web: panic in OnFinish", "error", err.Error())
	}
}

// logRequest writes the access log line, Tornado's log_request: the
// LogFunction setting if there is one; otherwise 2xx and 3xx at INFO, 4xx
// at WARN and 5xx at ERROR, as "200 GET /path (127.0.0.1) 0.52ms" with the
// same fields as attributes. The level is checked first, so that a logger
// set above it costs a request nothing.
func (rh *RequestHandler) logRequest() {
	if f := rh.Application.Settings.LogFunction; f != nil {
		f(rh)
		return
	}
	l := rh.logger()
	lvl := slog.LevelInfo
	switch {
	case rh.status >= 500:
		lvl = slog.LevelError
	case rh.status >= 400:
		lvl = slog.LevelWarn
	}
	ctx := context.Background()
	if !l.Enabled(ctx, lvl) {
		return
	}
	uri := rh.req.URI()
	ms := float64(time.Since(rh.req.StartTime).Microseconds()) / 1000
	msg := fmt.Sprintf("%d %s %s (%s) %.2fms", rh.status, rh.req.Method, uri, rh.req.RemoteIP, ms)
	l.Log(ctx, lvl, msg, "status", rh.status, "method", rh.req.Method, "uri", uri, "remote_ip", rh.req.RemoteIP, "ms", ms)
}

// setETag sets Etag to the handler's ComputeETag (by default a hash of
// the body, appendETag) and reports whether there is one. A handler that
// serves a large constant body can return a precomputed tag instead of
// hashing it on every request.
func (rh *RequestHandler) setETag() bool {
	tag := rh.self.ComputeETag()
	if tag == nil {
		return false
	}
	rh.headers.AddBytes(etagName, tag)
	return true
}

// castagnoli is the CRC-32C table; the CPU computes CRC-32C (and CRC-32
// with carry-less multiplication) in hardware on amd64 and arm64.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// appendETag appends the default ETag of body, 64 bits in hex and quotes:
// CRC-32C of the body, then CRC-32 of it (FNV-1a for a body under 64 bytes,
// where CRC-32 has no hardware path). Tornado hashes the body with SHA-1;
// an ETag only has to change when the body does, which these do for all
// but one change in about 2^64, at about 15 GB/s instead of SHA-1's 2, and
// in a sixth of its time on a short body: every 200 answer to GET pays
// for it.
func appendETag(dst, body []byte) []byte {
	var low uint32
	if len(body) >= 64 {
		low = crc32.ChecksumIEEE(body)
	} else {
		low = 2166136261 // FNV-1a, 32 bits
		for _, c := range body {
			low = (low ^ uint32(c)) * 16777619
		}
	}
	var raw [8]byte
	binary.BigEndian.PutUint32(raw[:4], crc32.Checksum(body, castagnoli))
	binary.BigEndian.PutUint32(raw[4:], low)
	dst = append(dst, '"')
	dst = hex.AppendEncode(dst, raw[:])
	return append(dst, '"')
}

var etagName = []byte("Etag")

// checkETag reports whether If-None-Match holds the response's Etag (weak
// comparison, "*" matches), Tornado's check_etag_header.
func (rh *RequestHandler) checkETag() bool {
	inm := rh.req.Headers.Peek("If-None-Match")
	if inm == nil {
		return false
	}
	return etagMatches(inm, rh.headers.Peek("Etag"))
}

// etagMatches implements RFC 9110, section 13.1.2's weak comparison.
func etagMatches(inm, etag []byte) bool {
	if len(etag) == 0 {
		return false
	}
	etag = bytes.TrimPrefix(etag, []byte("W/"))
	if bytes.Equal(bytes.TrimSpace(inm), []byte("*")) {
		return true
	}
	for len(inm) > 0 {
		var tag []byte
		i := bytes.IndexByte(inm, ',')
		if i < 0 {
			tag, inm = inm, nil
		} else {
			tag, inm = inm[:i], inm[i+1:]
		}
		tag = bytes.TrimPrefix(bytes.TrimSpace(tag), []byte("W/"))
		if bytes.Equal(tag, etag) {
			return true
		}
	}
	return false
}

// ---- gzip ---------------------------------------------------------------

// gzipMinLength is the smallest body compressed, Tornado's
// GZipContentEncoding.MIN_LENGTH.
const gzipMinLength = 1024

// gzipWriters pools gzip writers, which are large.
var gzipWriters sync.Pool

// gzipLive counts the writers taken from gzipWriters and not yet put
// back, so that tests can see every way a response ends return them.
var gzipLive atomic.Int64

// getGzipWriter returns a pooled gzip writer (level 6, Tornado's
// GZIP_LEVEL) writing to w.
func getGzipWriter(w *sliceWriter) *gzip.Writer {
	gzipLive.Add(1)
	zw, _ := gzipWriters.Get().(*gzip.Writer)
	if zw == nil {
		zw, _ = gzip.NewWriterLevel(w, 6)
	} else {
		zw.Reset(w)
	}
	return zw
}

// putGzipWriter returns zw to gzipWriters.
func putGzipWriter(zw *gzip.Writer) {
	gzipWriters.Put(zw)
	gzipLive.Add(-1)
}

// sliceWriter is an io.Writer that appends to b.
type sliceWriter struct{ b []byte }

func (w *sliceWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// gzipWanted is the decision of Tornado's GZipContentEncoding
// (transform_first_chunk): for a compressible type it adds Vary:
// Accept-Encoding, and it reports whether to gzip: the client accepts
// gzip, no Content-Encoding is set, the status is 200 or 201, and a
// response finished at once (whole) has at least gzipMinLength bytes; a
// streamed one is gzipped whatever its length, as Tornado does. A 206 is
// never gzipped (Tornado would): its Content-Range counts bytes of the
// uncompressed file, which a gzipped part would contradict.
func (rh *RequestHandler) gzipWanted(whole bool) bool {
	if !compressible(rh.headers.Peek("Content-Type")) {
		return false
	}
	rh.headers.Add("Vary", "Accept-Encoding")
	if whole && len(rh.buf) < gzipMinLength || rh.headers.Has("Content-Encoding") || rh.status != 200 && rh.status != 201 {
		return false
	}
	return acceptsGzip(rh.req.Headers)
}

// gzipBody compresses a response finished without Flush, whole, when
// gzipWanted allows.
func (rh *RequestHandler) gzipBody() {
	if !rh.gzipWanted(true) {
		return
	}
	rh.gzOut.b = rh.gzOut.b[:0]
	zw := getGzipWriter(&rh.gzOut)
	zw.Write(rh.buf)
	zw.Close()
	putGzipWriter(zw)
	rh.buf = append(rh.buf[:0], rh.gzOut.b...)
	rh.headers.Set("Content-Encoding", "gzip")
	rh.headers.Del("Content-Length")
}

// startGzip decides, at the first Flush, whether a streamed response is
// gzipped; if so it sets Content-Encoding, drops a Content-Length (it
// counts the uncompressed bytes) and takes a writer, which Finish, or
// whatever else ends the response, puts back (releaseGzip).
func (rh *RequestHandler) startGzip() {
	if !rh.gzipWanted(false) {
		return
	}
	rh.headers.Set("Content-Encoding", "gzip")
	rh.headers.Del("Content-Length")
	rh.gzipping = true
	if rh.req.Method != "HEAD" {
		rh.gz = getGzipWriter(&rh.gzOut)
	}
}

// gzipChunk compresses a flushed chunk of a gzipped stream and returns the
// bytes to send, valid until the next call: sync-flushed, so that the
// client can decode everything sent so far, or, once the response is
// finished, with the gzip trailer, the writer going back to the pool. A
// HEAD request has no writer and gets nothing.
func (rh *RequestHandler) gzipChunk(p []byte) []byte {
	zw := rh.gz
	if zw == nil {
		return nil
	}
	rh.gzOut.b = rh.gzOut.b[:0]
	zw.Write(p)
	if rh.resp.finished() {
		zw.Close()
		rh.releaseGzip()
	} else {
		zw.Flush()
	}
	return rh.gzOut.b
}

// releaseGzip puts back the writer of a gzipped stream, if it holds one:
// when the response is finished, fails after its head or loses its
// client, and at the latest when the handler is released.
func (rh *RequestHandler) releaseGzip() {
	if rh.gz != nil {
		putGzipWriter(rh.gz)
		rh.gz = nil
	}
}

// compressible reports the types Tornado's GZipContentEncoding compresses.
func compressible(ct []byte) bool {
	s := string(ct)
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(strings.ToLower(s))
	switch s {
	case "application/javascript", "application/x-javascript", "application/xml",
		"application/atom+xml", "application/json", "application/xhtml+xml", "image/svg+xml":
		return true
	}
	return strings.HasPrefix(s, "text/")
}

// acceptsGzip reports "gzip" in Accept-Encoding.
func acceptsGzip(h *httputil.HTTPHeaders) bool {
	for _, v := range h.GetList("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.EqualFold(strings.TrimSpace(name), "gzip") {
				return !strings.Contains(strings.ReplaceAll(q, " ", ""), "q=0") || strings.Contains(q, "q=0.")
			}
		}
	}
	return false
}

// ---- redirects and errors ----------------------------------------------

// Redirect answers with a redirect to url (302, or 301 when permanent),
// resolved against the request's URI, and finishes (Tornado's redirect).
func (rh *RequestHandler) Redirect(to string, permanent bool) error {
	if !rh.live() {
		return ErrFinished
	}
	code := 302
	if permanent {
		code = 301
	}
	return rh.RedirectStatus(to, code)
}

// RedirectStatus is Redirect with an explicit 3xx status.
func (rh *RequestHandler) RedirectStatus(to string, code int) error {
	if !rh.live() {
		return ErrFinished
	}
	if rh.headersWritten {
		return ErrHeadersSent
	}
	if code < 300 || code > 399 {
		return fmt.Errorf("web: redirect status %d is not 3xx", code)
	}
	if base, err := url.Parse(rh.req.URI()); err == nil {
		if ref, err := url.Parse(to); err == nil {
			to = base.ResolveReference(ref).String()
		}
	}
	rh.SetStatus(code)
	rh.SetHeader("Location", to)
	return rh.Finish()
}

// SendError answers the request with an error status (Tornado's
// send_error): it clears the response, calls WriteError, and finishes. If
// the head has already been sent, it can only end the response (the
// connection is closed so the client sees it is incomplete).
func (rh *RequestHandler) SendError(code int, err error) {
	rh.live()
	if rh.resp.finished() {
		return
	}
	if rh.headersWritten {
		rh.logger().Error("web: cannot send error response after headers written", "status", code)
		rh.resp = respFinished
		rh.releaseGzip()
		if rh.d.conn != nil {
			rh.d.conn.Close()
		} else {
			rh.d.out.Finish()
		}
		rh.onFinish()
		return
	}
	rh.Clear()
	if code == 405 && rh.allow != "" {
		rh.SetHeader("Allow", rh.allow)
	}
	reason := ""
	if err != nil {
		_, reason = statusOf(err)
	}
	rh.SetStatus(code, reason)
	if rh.resp == respOpen {
		// The handler's WriteError (RequestHandler's unless it has its
		// own). One that fails in turn (an unsafe header) gets the
		// default page the second time round, not a loop.
		rh.resp = respErrorPage
		var perr error
		func() {
			defer rh.recoverPanic(&perr)
			rh.self.WriteError(code, err)
		}()
		if perr != nil {
			rh.logger().Error("web: panic in WriteError", "error", perr.Error())
		}
	} else {
		rh.WriteError(code, err)
	}
	if !rh.resp.finished() {
		rh.Finish()
	}
}

// WriteError writes Tornado's default error page: "<code>: <reason>", and
// with Debug the error and, for a panic, its stack trace.
func (rh *RequestHandler) WriteError(code int, err error) {
	rh.live()
	reason := rh.reason
	if reason == "" {
		reason = httputil.StatusText(code)
	}
	if rh.Application.Settings.Debug && err != nil {
		rh.SetHeader("Content-Type", "text/plain; charset=UTF-8")
		rh.WriteString(err.Error() + "\n")
		var pe *panicError
		var cpe *concurrent.PanicError
		switch {
		case asPanic(err, &pe):
			rh.WriteBytes(pe.stack)
		case asConcurrentPanic(err, &cpe):
			rh.WriteBytes(cpe.Stack)
		}
		return
	}
	t := html.EscapeString(fmt.Sprintf("%d: %s", code, reason))
	rh.WriteString("<html><title>" + t + "</title><body>" + t + "</body></html>")
}

func asPanic(err error, pe **panicError) bool { return errors.As(err, pe) }

func asConcurrentPanic(err error, pe **concurrent.PanicError) bool { return errors.As(err, pe) }
