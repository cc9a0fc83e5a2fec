// The incremental HTTP/1.1 message-head parser (RFC 9112, sections 2 to 6):
// the request parser, the field-line rules it shares with the response and
// trailer parsers, and the body-framing decision.

package httputil

import (
	"bytes"
	"encoding/binary"
)

// Version is an HTTP version this package speaks.
type Version uint8

// The versions; the zero value means none was parsed.
const (
	// VersionUnknown is the zero Version.
	VersionUnknown Version = iota
	// HTTP10 is HTTP/1.0.
	HTTP10
	// HTTP11 is HTTP/1.1.
	HTTP11
)

// String returns the version as it appears on the wire.
func (v Version) String() string {
	switch v {
	case HTTP10:
		return "HTTP/1.0"
	case HTTP11:
		return "HTTP/1.1"
	}
	return "HTTP/?"
}

// Framing says how a message body is delimited (RFC 9112, section 6.3).
type Framing uint8

// The framings.
const (
	// FramingNone: the message has no body.
	FramingNone Framing = iota
	// FramingLength: the body is ContentLength bytes.
	FramingLength
	// FramingChunked: the body uses the chunked transfer coding; decode it
	// with ChunkedDecoder.
	FramingChunked
	// FramingUntilClose: the body runs until the server closes the
	// connection (responses only).
	FramingUntilClose
	// FramingTunnel: after a 2xx answer to CONNECT or a 101, the
	// connection carries another protocol (responses only).
	FramingTunnel
)

// String names the framing.
func (f Framing) String() string {
	switch f {
	case FramingNone:
		return "none"
	case FramingLength:
		return "length"
	case FramingChunked:
		return "chunked"
	case FramingUntilClose:
		return "until-close"
	case FramingTunnel:
		return "tunnel"
	}
	return "unknown"
}

// Default limits of RequestParser; a zero field in the parser means the
// default.
const (
	// DefaultMaxRequestLine bounds the request line, CRLF excluded (nginx's
	// large_client_header_buffers default is 8 KiB too).
	DefaultMaxRequestLine = 8 * 1024
	// DefaultMaxHeaderBytes bounds the whole head, request line and final
	// empty line included: Tornado's max_header_size default of 64 KiB.
	DefaultMaxHeaderBytes = 64 * 1024
	// DefaultMaxHeaders bounds the number of field lines (Apache's
	// LimitRequestFields default is 100 too).
	DefaultMaxHeaders = 100
)

// RequestHead is a parsed request line and header section, with the
// framing and connection decisions RFC 9112 derives from them. A server keeps
// one per connection: RequestParser.Parse resets and refills it without
// allocating once its storage has grown.
type RequestHead struct {
	// Method is the request method, case-sensitive (RFC 9110, section 9.1).
	// Standard methods are interned constant strings.
	Method string
	// Target is the request-target as received (RFC 9112, section 3.2). It
	// points into storage reused by the next Parse.
	Target []byte
	// Version is HTTP10 or HTTP11.
	Version Version
	// Headers holds the field lines in order.
	Headers HTTPHeaders
	// Host is the authority of an absolute-form or CONNECT target,
	// otherwise the Host field's value (RFC 9112, section 3.2.2: a server
	// ignores Host when the target is in absolute-form); empty when neither
	// is present.
	Host []byte
	// Framing is FramingNone, FramingLength or FramingChunked (RFC 9112,
	// section 6.3); a request never runs until close.
	Framing Framing
	// ContentLength is the body length for FramingLength, else 0.
	ContentLength int64
	// KeepAlive reports whether the connection may carry another request
	// after this one: HTTP/1.1 unless Connection has "close"; HTTP/1.0 only
	// with "keep-alive" and without "close" (RFC 9112, section 9.3).
	KeepAlive bool
	// Expect100 reports "Expect: 100-continue" on an HTTP/1.1 request; it
	// is ignored on HTTP/1.0 (RFC 9110, section 10.1.1).
	Expect100 bool
	// ExpectUnsupported reports an Expect value other than 100-continue on
	// an HTTP/1.1 request; the server MAY answer 417 (RFC 9110, section
	// 10.1.1).
	ExpectUnsupported bool
	// Upgrade reports an "upgrade" token in Connection (RFC 9110, section
	// 7.8), as a WebSocket handshake sends.
	Upgrade bool
	// AbsoluteForm reports a target in absolute-form (RFC 9112, section
	// 3.2.2).
	AbsoluteForm bool

	// raw holds the bytes of Target.
	raw []byte
}

// DefaultMaxBodySize is the body-size limit CheckBodySize is usually given:
// Tornado's max_body_size default of 100 MiB.
const DefaultMaxBodySize = 100 << 20

// CheckBodySize returns ErrBodyTooLarge when the head declares a body longer
// than max, so that the server can answer 413 before reading any of it
// (RFC 9110, section 15.5.14). A chunked body's size is unknown until it has
// been read; the connection counts decoded bytes against the same limit.
func (r *RequestHead) CheckBodySize(max int64) error {
	if r.Framing == FramingLength && r.ContentLength > max {
		return ErrBodyTooLarge
	}
	return nil
}

// reset empties r for the next request, keeping storage.
func (r *RequestHead) reset() {
	raw, h := r.raw[:0], r.Headers
	h.Reset()
	*r = RequestHead{raw: raw, Headers: h}
}

// RequestParser parses request heads incrementally. Pass Parse the bytes
// received so far for the current request, starting at its first byte; it
// returns ErrNeedMore until the head is complete, then the head's length.
// Between calls the caller may append to the buffer or move it, but the
// bytes already passed must stay the same and the buffer must not shrink. After a complete head the parser
// is ready for the next request; after an error it keeps returning that
// error until Reset.
//
// Work is linear in the input however it is split: each call resumes where
// the previous one stopped and every byte is examined once.
//
// The zero value is ready to use with the default limits.
type RequestParser struct {
	// MaxRequestLine bounds the request line (414 beyond);
	// 0 means DefaultMaxRequestLine.
	MaxRequestLine int
	// MaxHeaderBytes bounds the head (431 beyond); 0 means
	// DefaultMaxHeaderBytes.
	MaxHeaderBytes int
	// MaxHeaders bounds the number of field lines (431 beyond); 0 means
	// DefaultMaxHeaders.
	MaxHeaders int

	// st is the position and framing state of the head being parsed.
	st headState
}

// headState is the progress through one head, shared by the request and
// response parsers.
type headState struct {
	// at is how far the head in progress has got.
	at headProgress
	// off is the start of the next unparsed line.
	off int
	// scan is where the search for the next LF resumes.
	scan int
	// err is the sticky error.
	err error
	// nfields counts the field lines.
	nfields int
	// hosts counts Host field lines.
	hosts int
	// cl is what the Content-Length fields said (noteContentLength).
	cl contentLength
	// te is what the Transfer-Encoding lines listed
	// (noteTransferEncoding).
	te transferCodings
	// tokens are the Connection and Expect values recognised (noteField).
	tokens fieldTokens
}

// headProgress is how far a head has got: a parser between heads is
// headIdle, and its next call starts one.
type headProgress uint8

const (
	headIdle headProgress = iota
	// headStartLine: the request or status line is awaited (empty lines
	// before it are skipped).
	headStartLine
	// headFields: the field lines, up to the empty line.
	headFields
)

// contentLength is what the Content-Length fields of a head said: seen
// once one was, n the value they all agree on.
type contentLength struct {
	seen bool
	n    int64
}

// transferCodings is what the Transfer-Encoding lines of a head listed:
// listed once there was such a line, chunked the number of chunked
// codings, lastChunked whether the last coding listed so far is chunked,
// other whether any coding is not chunked. finishRequest and
// finishResponse judge the combination.
type transferCodings struct {
	listed      bool
	chunked     int
	lastChunked bool
	other       bool
}

// fieldTokens is the set of Connection and Expect values a head carried
// that the framing and keep-alive decisions read; a head may carry any
// combination (Connection: close, upgrade).
type fieldTokens uint8

const (
	// tokClose, tokKeepAlive and tokUpgrade are Connection tokens.
	tokClose fieldTokens = 1 << iota
	tokKeepAlive
	tokUpgrade
	// tokExpect100 is "Expect: 100-continue"; tokExpectOther any other
	// Expect value.
	tokExpect100
	tokExpectOther
)

// has reports whether all of want are in the set.
func (t fieldTokens) has(want fieldTokens) bool { return t&want == want }

// Reset abandons any head in progress and clears a sticky error.
func (p *RequestParser) Reset() { p.st = headState{} }

// Parse parses the request head at the start of buf into req. It returns
// the number of bytes the head took (the body, or the next pipelined
// request, starts at buf[n:]) and nil once the head is complete;
// 0 and ErrNeedMore while it is not; 0 and an *HTTPInputError when the
// request must be refused with that error's Status and the connection
// closed.
func (p *RequestParser) Parse(buf []byte, req *RequestHead) (int, error) {
	st := &p.st
	if st.err != nil {
		return 0, st.err
	}
	if st.at == headIdle {
		*st = headState{at: headStartLine}
		req.reset()
	}
	maxLine := orDefault(p.MaxRequestLine, DefaultMaxRequestLine)
	maxHead := orDefault(p.MaxHeaderBytes, DefaultMaxHeaderBytes)
	maxFields := orDefault(p.MaxHeaders, DefaultMaxHeaders)
	for {
		i := bytes.IndexByte(buf[st.scan:], '\n')
		if i < 0 {
			st.scan = len(buf)
			if st.at == headStartLine && len(buf)-st.off > maxLine {
				return p.fail(ErrRequestLineTooLong)
			}
			if len(buf) > maxHead {
				return p.fail(ErrHeaderTooLarge)
			}
			return 0, ErrNeedMore
		}
		lf := st.scan + i
		next := lf + 1
		// RFC 9112, section 2.2: a recipient MAY accept a bare LF; this
		// parser does not, so that it never frames a request differently
		// from a strict proxy in front of it.
		if lf == st.off || buf[lf-1] != '\r' {
			return p.fail(ErrBareLF)
		}
		line := buf[st.off : lf-1]
		if st.at == headStartLine {
			if len(line) > maxLine {
				return p.fail(ErrRequestLineTooLong)
			}
		}
		if next > maxHead {
			return p.fail(ErrHeaderTooLarge)
		}
		st.off, st.scan = next, next
		if st.at == headStartLine {
			if len(line) == 0 {
				// RFC 9112, section 2.2: a server SHOULD ignore at least
				// one empty line received before the request-line. Any
				// number is ignored, within MaxHeaderBytes.
				continue
			}
			if err := parseRequestLine(line, req); err != nil {
				return p.fail(err)
			}
			st.at = headFields
			continue
		}
		if len(line) == 0 {
			if err := st.finishRequest(req); err != nil {
				return p.fail(err)
			}
			st.at = headIdle
			return next, nil
		}
		st.nfields++
		if st.nfields > maxFields {
			return p.fail(ErrTooManyHeaders)
		}
		// RFC 9112, section 5.2: "A server that receives an obs-fold in a
		// request message that is not within a "message/http" container
		// MUST either reject the message by sending a 400 (Bad Request)
		// ... or replace each received obs-fold with one or more SP
		// octets prior to interpreting the field value". Rejected.
		if line[0] == ' ' || line[0] == '\t' {
			return p.fail(ErrObsFold)
		}
		if err := parseFieldLine(line, &req.Headers, false); err != nil {
			return p.fail(err)
		}
		name, value := req.Headers.rawAt(req.Headers.Len() - 1)
		if equalFold(name, "Host") {
			// RFC 9112, section 3.2: 400 for more than one Host line or
			// an invalid value.
			st.hosts++
			if st.hosts > 1 {
				return p.fail(ErrDuplicateHost)
			}
			if !validHost(value) {
				return p.fail(ErrBadHost)
			}
			if !req.AbsoluteForm && req.Method != "CONNECT" {
				req.Host = value
			}
		} else if err := st.noteField(name, value); err != nil {
			return p.fail(err)
		}
	}
}

// fail records a sticky error.
func (p *RequestParser) fail(err error) (int, error) {
	p.st.err = err
	return 0, err
}

// orDefault returns v, or def when v is not positive.
func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// parseRequestLine parses method SP request-target SP HTTP-version
// (RFC 9112, section 3), CRLF removed, into req.
func parseRequestLine(line []byte, req *RequestHead) error {
	i := 0
	for i < len(line) && classes[line[i]]&classToken != 0 {
		i++
	}
	switch {
	case i == 0:
		return ErrBadMethod // empty, or starting with a non-token byte
	case i == len(line):
		return ErrBadRequestLine
	case line[i] != ' ' && line[i] > ' ' && line[i] < 0x7f:
		return ErrBadMethod // a visible non-token byte inside the method
	case line[i] != ' ':
		return ErrBadRequestLine // a control byte or tab as separator
	}
	method := line[:i]
	j := i + 1
	for j < len(line) && classes[line[j]]&classTarget != 0 {
		j++
	}
	if j == i+1 {
		return ErrBadTarget // empty: two spaces in a row, or a control byte
	}
	if j == len(line) {
		return ErrBadRequestLine // no version: HTTP/0.9 is not spoken
	}
	if line[j] != ' ' {
		return ErrBadTarget
	}
	target := line[i+1 : j]
	v, err := parseVersion(line[j+1:])
	if err != nil {
		return err
	}
	req.Version = v
	req.Method = internMethod(method)
	req.raw = append(req.raw[:0], target...)
	req.Target = req.raw
	return checkTarget(req)
}

// parseVersion parses HTTP-version = "HTTP" "/" DIGIT "." DIGIT, which is
// case-sensitive (RFC 9112, section 2.3).
func parseVersion(b []byte) (Version, error) {
	if len(b) != 8 || string(b[:5]) != "HTTP/" || b[6] != '.' ||
		b[5] < '0' || b[5] > '9' || b[7] < '0' || b[7] > '9' {
		return VersionUnknown, ErrBadVersion
	}
	switch string(b[5:]) {
	case "1.1":
		return HTTP11, nil
	case "1.0":
		return HTTP10, nil
	}
	return VersionUnknown, ErrVersionNotSupported
}

// internMethod returns method as a string, without allocating for the
// methods of RFC 9110, section 9 and PATCH.
func internMethod(m []byte) string {
	switch string(m) {
	case "GET":
		return "GET"
	case "HEAD":
		return "HEAD"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "DELETE":
		return "DELETE"
	case "CONNECT":
		return "CONNECT"
	case "OPTIONS":
		return "OPTIONS"
	case "TRACE":
		return "TRACE"
	case "PATCH":
		return "PATCH"
	}
	return string(m)
}

// checkTarget checks the request-target form against the method (RFC 9112,
// section 3.2) and sets Host and AbsoluteForm for absolute-form.
func checkTarget(req *RequestHead) error {
	t := req.Target
	if bytes.IndexByte(t, '#') >= 0 {
		return ErrBadTarget // a fragment is never part of a request-target
	}
	switch {
	case req.Method == "CONNECT":
		// Section 3.2.3: authority-form, uri-host ":" port, only for
		// CONNECT, and CONNECT only with it.
		c := bytes.LastIndexByte(t, ':')
		if c < 0 || c == len(t)-1 || !validHost(t) || t[0] == ':' {
			return ErrBadTarget
		}
		req.Host = t
		return nil
	case len(t) == 1 && t[0] == '*':
		// Section 3.2.4: asterisk-form, only for OPTIONS.
		if req.Method != "OPTIONS" {
			return ErrBadTarget
		}
		return nil
	case t[0] == '/':
		return nil // section 3.2.1: origin-form
	}
	// Section 3.2.2: absolute-form, scheme "://" authority path-abempty
	// ["?" query]; a server MUST accept it.
	i := 0
	for i < len(t) && (isAlpha(t[i]) || (i > 0 && (isDigit(t[i]) || t[i] == '+' || t[i] == '-' || t[i] == '.'))) {
		i++
	}
	if i == 0 || i+3 > len(t) || string(t[i:i+3]) != "://" {
		return ErrBadTarget
	}
	rest := t[i+3:]
	end := len(rest)
	for k, c := range rest {
		if c == '/' || c == '?' {
			end = k
			break
		}
	}
	authority := rest[:end]
	// RFC 9110, section 4.2.4: userinfo in an http(s) URI is deprecated
	// and a recipient SHOULD treat it as an error.
	if len(authority) == 0 || bytes.IndexByte(authority, '@') >= 0 || !validHost(authority) {
		return ErrBadTarget
	}
	req.Host = authority
	req.AbsoluteForm = true
	return nil
}

// isAlpha reports an ASCII letter.
func isAlpha(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

// isDigit reports an ASCII digit.
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// validHost reports whether h is Host = uri-host [ ":" port ] (RFC 9110,
// section 7.2; RFC 3986, section 3.2.2): an IP-literal in brackets or a
// reg-name (unreserved, pct-encoded, sub-delims), then an optional colon and
// digits. The host may not be empty: section 7.2 has a client send an empty
// Host only for a target URI without authority, and an "http" or "https"
// URI with an empty host is invalid and MUST be rejected (section 4.2.1).
func validHost(h []byte) bool {
	if len(h) == 0 || h[0] == ':' {
		return false
	}
	host, port := h, []byte(nil)
	if len(h) > 0 && h[0] == '[' {
		e := bytes.IndexByte(h, ']')
		if e < 0 {
			return false
		}
		for _, c := range h[1:e] {
			if !(classes[c]&classHex != 0 || c == ':' || c == '.') {
				return false
			}
		}
		host, port = nil, h[e+1:]
		if len(port) > 0 {
			if port[0] != ':' {
				return false
			}
			port = port[1:]
		}
	} else if c := bytes.IndexByte(h, ':'); c >= 0 {
		host, port = h[:c], h[c+1:]
	}
	for _, c := range host {
		if classes[c]&classHost == 0 || c == ':' || c == '[' || c == ']' {
			return false
		}
	}
	for _, c := range port {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// parseFieldLine parses field-name ":" OWS field-value OWS (RFC 9112,
// section 5), CRLF removed, and appends the field to h. The caller has dealt
// with a line starting with whitespace. Strict mode is for requests and
// trailers; lenient mode, for responses, accepts whitespace before the colon
// (RFC 9112, section 5.1 has proxies strip it from responses) and control
// bytes other than NUL and CR in values.
func parseFieldLine(line []byte, h *HTTPHeaders, lenient bool) error {
	i := 0
	for i < len(line) && classes[line[i]]&classToken != 0 {
		i++
	}
	if i == 0 || i == len(line) {
		return ErrBadHeaderName
	}
	name := line[:i]
	if line[i] != ':' {
		if line[i] != ' ' && line[i] != '\t' {
			return ErrBadHeaderName
		}
		// RFC 9112, section 5.1: "A server MUST reject, with a response
		// status code of 400 (Bad Request), any received request message
		// that contains whitespace between a header field name and colon."
		if !lenient {
			return ErrSpaceBeforeColon
		}
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i == len(line) || line[i] != ':' {
			return ErrBadHeaderName
		}
	}
	value := line[i+1:]
	if lenient {
		for _, c := range value {
			if c == 0 || c == '\r' || c == '\n' {
				return ErrBadHeaderValue
			}
		}
	} else if !validValue(value) {
		return ErrBadHeaderValue
	}
	h.addRaw(name, trimOWS(value))
	return nil
}

// noteField records what a field line means for framing and the
// connection; name is as received. Errors found in one line are returned at
// once, so a hostile head is refused before it is complete.
func (st *headState) noteField(name, value []byte) error {
	switch {
	case len(name) < 6 || len(name) > 17:
		// Quick exit: the names below are 6 to 17 bytes long.
	case (len(name) == 14 || len(name) == 17) && bytes.IndexByte(name, '_') >= 0 &&
		(equalFoldUnderscore(name, "Content-Length") || equalFoldUnderscore(name, "Transfer-Encoding")):
		// "Transfer_Encoding" is a different, harmless field to RFC 9110,
		// but CGI-style stacks map "-" and "_" to the same variable (RFC
		// 3875, section 4.1.18) and some proxies normalise one to the other,
		// so such a proxy in front would frame the body differently.
		return errUnderscoreFraming
	case equalFold(name, "Content-Length"):
		return st.noteContentLength(value)
	case equalFold(name, "Transfer-Encoding"):
		return st.noteTransferEncoding(value)
	case equalFold(name, "Connection"):
		for rest := value; rest != nil; {
			var e []byte
			e, rest = nextListElement(rest)
			switch {
			case equalFold(e, "close"):
				st.tokens |= tokClose
			case equalFold(e, "keep-alive"):
				st.tokens |= tokKeepAlive
			case equalFold(e, "upgrade"):
				st.tokens |= tokUpgrade
			}
		}
	case equalFold(name, "Expect"):
		if equalFold(value, "100-continue") {
			st.tokens |= tokExpect100
		} else {
			st.tokens |= tokExpectOther
		}
	}
	return nil
}

// errUnderscoreFraming refuses a framing field spelled with "_".
var errUnderscoreFraming = wrapInput(ErrBadHeaderName, "framing field name spelled with an underscore")

// equalFoldUnderscore is equalFold with "_" in a matching "-".
func equalFoldUnderscore(a []byte, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if c == '_' {
			c = '-'
		}
		if toLower[c] != toLower[b[i]] {
			return false
		}
	}
	return true
}

// maxContentLength is the largest Content-Length accepted: the largest
// int64.
const maxContentLength = 1<<63 - 1

// noteContentLength checks Content-Length = 1*DIGIT (RFC 9110, section
// 8.6). A list of identical values ("5, 5") and repeated lines that agree
// are accepted as one value, as section 8.6 allows; disagreement, signs,
// hex, exponents, empty values and overflow are errors (RFC 9112, section
// 6.3: an invalid Content-Length is unrecoverable).
func (st *headState) noteContentLength(value []byte) error {
	if len(value) == 0 {
		return ErrBadContentLength
	}
	for rest := value; rest != nil; {
		var e []byte
		e, rest = nextListElement(rest)
		if len(e) == 0 {
			return ErrBadContentLength
		}
		var n int64
		for _, c := range e {
			if !isDigit(c) {
				return ErrBadContentLength
			}
			d := int64(c - '0')
			if n > (maxContentLength-d)/10 {
				return ErrBadContentLength
			}
			n = n*10 + d
		}
		if st.cl.seen && n != st.cl.n {
			return ErrBadContentLength
		}
		st.cl = contentLength{seen: true, n: n}
	}
	return nil
}

// noteTransferEncoding records the codings of one Transfer-Encoding line;
// lines combine into one list (RFC 9110, section 5.3). Empty list elements
// are skipped (RFC 9110, section 5.6.1); a coding that is not a token, and
// chunked with parameters, are errors.
func (st *headState) noteTransferEncoding(value []byte) error {
	st.te.listed = true
	for rest := value; rest != nil; {
		var e []byte
		e, rest = nextListElement(rest)
		if len(e) == 0 {
			continue
		}
		name, params := e, false
		if k := bytes.IndexByte(e, ';'); k >= 0 {
			name, params = trimOWS(e[:k]), true
		}
		if !isToken(name) {
			return ErrBadTransferEncoding
		}
		if equalFold(name, "chunked") {
			if params {
				return ErrBadTransferEncoding
			}
			st.te.chunked++
			st.te.lastChunked = true
		} else {
			st.te.other = true
			st.te.lastChunked = false
		}
	}
	return nil
}

// finishRequest applies the rules that need the whole head and decides the
// framing and keep-alive (RFC 9112, sections 3.2, 6.1, 6.3 and 9.3).
func (st *headState) finishRequest(req *RequestHead) error {
	// RFC 9112, section 3.2: "A server MUST respond with a 400 (Bad
	// Request) status code to any HTTP/1.1 request message that lacks a Host
	// header field and to any request message that contains more than one
	// Host header field line or a Host header field with an invalid field
	// value." (The last two are checked line by line in Parse.)
	if req.Version == HTTP11 && st.hosts == 0 {
		return ErrMissingHost
	}
	switch {
	case st.te.listed:
		if req.Version == HTTP10 {
			return ErrTEInHTTP10 // section 6.1: faulty framing
		}
		// Section 6.3, rule 3: "If a message is received with both a
		// Transfer-Encoding and a Content-Length header field, the
		// Transfer-Encoding overrides the Content-Length. Such a message
		// might indicate an attempt to perform request smuggling ... and
		// ought to be handled as an error."
		if st.cl.seen {
			return ErrTEAndCL
		}
		// Section 6.3, rule 4: "If a Transfer-Encoding header field is
		// present in a request and the chunked transfer coding is not the
		// final encoding, the message body length cannot be determined
		// reliably; the server MUST respond with the 400 (Bad Request)
		// status code and then close the connection." Section 6.1 forbids
		// applying chunked twice.
		if st.te.chunked != 1 || !st.te.lastChunked {
			return ErrBadTransferEncoding
		}
		if st.te.other {
			return ErrUnsupportedTransferEncoding // section 6.1: 501
		}
		req.Framing = FramingChunked
	case st.cl.seen && st.cl.n > 0:
		req.Framing, req.ContentLength = FramingLength, st.cl.n
	default:
		req.Framing = FramingNone // section 6.3, rule 7: no body
	}
	if req.Version == HTTP11 {
		req.KeepAlive = !st.tokens.has(tokClose)
		req.Expect100 = st.tokens.has(tokExpect100)
		req.ExpectUnsupported = st.tokens.has(tokExpectOther)
	} else {
		req.KeepAlive = st.tokens.has(tokKeepAlive) && !st.tokens.has(tokClose)
	}
	req.Upgrade = st.tokens.has(tokUpgrade)
	return nil
}

// SWAR constants for validValue.
const (
	// ones has 0x01 in every byte.
	ones = 0x0101010101010101
	// highs has 0x80 in every byte.
	highs = 0x8080808080808080
)

// validValue reports whether every byte of v is field-vchar, SP or HTAB
// (RFC 9110, section 5.5). Values are most of a head's bytes, so it checks
// eight at a time: a word passes fast when no byte is below 0x20 and none
// is 0x7F; a word that fails the fast test (a tab, or a bad byte) is
// checked byte by byte.
func validValue(v []byte) bool {
	for len(v) >= 8 {
		x := binary.LittleEndian.Uint64(v)
		// A byte below 0x20 whose top bit is clear sets its 0x80 bit in
		// (x - 0x20 per byte) &^ x; bytes >= 0x80 (obs-text) never do.
		ctl := (x - 0x20*ones) &^ x & highs
		// A byte equal to 0x7F becomes zero after the xor.
		y := x ^ 0x7f*ones
		del := (y - ones) &^ y & highs
		if ctl|del != 0 {
			for _, c := range v[:8] {
				if classes[c]&classValue == 0 {
					return false
				}
			}
		}
		v = v[8:]
	}
	for _, c := range v {
		if classes[c]&classValue == 0 {
			return false
		}
	}
	return true
}
