// The response head parser, for the HTTP client: RFC 9112's status line
// and framing rules, with the leniencies real servers need.

package httputil

import "bytes"

// ResponseHead is a parsed status line and header section with the framing
// and keep-alive decisions of RFC 9112, section 6.3 and 9.3.
type ResponseHead struct {
	// Version is HTTP10 or HTTP11.
	Version Version
	// StatusCode is the three-digit status code, 100 to 999.
	StatusCode int
	// Reason is the reason-phrase, possibly empty; clients should ignore it
	// (RFC 9112, section 4). It points into storage reused by the next
	// Parse.
	Reason []byte
	// Headers holds the field lines in order, obs-fold unfolded.
	Headers HTTPHeaders
	// Framing says how the body is delimited.
	Framing Framing
	// ContentLength is the body length for FramingLength, else 0.
	ContentLength int64
	// KeepAlive reports whether the connection can carry another request
	// after this response's body.
	KeepAlive bool

	// raw holds the bytes of Reason.
	raw []byte
}

// reset empties r, keeping storage.
func (r *ResponseHead) reset() {
	raw, h := r.raw[:0], r.Headers
	h.Reset()
	*r = ResponseHead{raw: raw, Headers: h}
}

// ResponseParser parses response heads incrementally, with the calling
// conventions of RequestParser. It is strict where framing is decided
// (Content-Length, Transfer-Encoding, status code) and lenient where real
// servers deviate without harm:
//
//   - a bare LF ends a line (RFC 9112, section 2.2 allows it);
//   - obs-fold is replaced by one space (RFC 9112, section 5.2 requires
//     that of a user agent);
//   - whitespace before a field's colon is dropped (section 5.1 has
//     proxies remove it from responses);
//   - control bytes other than NUL and CR are kept in values;
//   - the space after the status code may be missing ("HTTP/1.1 200"), and
//     status codes up to 999 are accepted (RFC 9110, section 15: a client
//     treats an unknown code as x00 of its class).
//
// The zero value is ready to use with the default limits.
type ResponseParser struct {
	// MaxHeaderBytes bounds the head; 0 means DefaultMaxHeaderBytes.
	MaxHeaderBytes int
	// MaxHeaders bounds the number of field lines; 0 means
	// DefaultMaxHeaders.
	MaxHeaders int

	// st is the progress through the current head.
	st headState
}

// Reset abandons any head in progress and clears a sticky error.
func (p *ResponseParser) Reset() { p.st = headState{} }

// Parse parses the response head at the start of buf into resp; method is
// the request's method, which decides framing for HEAD and CONNECT. Results
// are those of RequestParser.Parse. A 1xx response other than 101 is
// complete with no body and the final response follows it: call Parse again
// on the rest.
func (p *ResponseParser) Parse(buf []byte, method string, resp *ResponseHead) (int, error) {
	st := &p.st
	if st.err != nil {
		return 0, st.err
	}
	if st.at == headIdle {
		*st = headState{at: headStartLine}
		resp.reset()
	}
	maxHead := orDefault(p.MaxHeaderBytes, DefaultMaxHeaderBytes)
	maxFields := orDefault(p.MaxHeaders, DefaultMaxHeaders)
	for {
		i := bytes.IndexByte(buf[st.scan:], '\n')
		if i < 0 {
			st.scan = len(buf)
			if len(buf) > maxHead {
				return p.fail(ErrHeaderTooLarge)
			}
			return 0, ErrNeedMore
		}
		lf := st.scan + i
		next := lf + 1
		end := lf
		if end > st.off && buf[end-1] == '\r' {
			end--
		}
		line := buf[st.off:end]
		if next > maxHead {
			return p.fail(ErrHeaderTooLarge)
		}
		st.off, st.scan = next, next
		if st.at == headStartLine {
			if len(line) == 0 {
				continue
			}
			if err := parseStatusLine(line, resp); err != nil {
				return p.fail(err)
			}
			st.at = headFields
			continue
		}
		if len(line) == 0 {
			if err := st.finishResponse(method, resp); err != nil {
				return p.fail(err)
			}
			st.at = headIdle
			return next, nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			if resp.Headers.Len() == 0 {
				// RFC 9112, section 2.2: whitespace before the first field
				// hides a line from some parsers; refused.
				return p.fail(wrapInput(ErrObsFold, "whitespace before the first response field"))
			}
			v := trimOWS(line)
			for _, c := range v {
				if c == 0 || c == '\r' {
					return p.fail(ErrBadHeaderValue)
				}
			}
			resp.Headers.appendToLast(' ', v)
			// Framing fields are rechecked at the end for folded lines.
			continue
		}
		st.nfields++
		if st.nfields > maxFields {
			return p.fail(ErrTooManyHeaders)
		}
		if err := parseFieldLine(line, &resp.Headers, true); err != nil {
			return p.fail(err)
		}
	}
}

// fail records a sticky error.
func (p *ResponseParser) fail(err error) (int, error) {
	p.st.err = err
	return 0, err
}

// parseStatusLine parses HTTP-version SP status-code SP [reason-phrase]
// (RFC 9112, section 4), with the space before an empty reason optional.
func parseStatusLine(line []byte, resp *ResponseHead) error {
	if len(line) < 12 || line[8] != ' ' {
		return ErrBadStatusLine
	}
	v, err := parseVersion(line[:8])
	if err != nil {
		if err == ErrVersionNotSupported {
			return wrapInput(ErrBadStatusLine, "unsupported version "+string(line[:8]))
		}
		return ErrBadStatusLine
	}
	code := 0
	for _, c := range line[9:12] {
		if !isDigit(c) {
			return ErrBadStatusLine
		}
		code = code*10 + int(c-'0')
	}
	if code < 100 {
		return ErrBadStatusLine
	}
	reason := line[12:]
	if len(reason) > 0 {
		if reason[0] != ' ' {
			return ErrBadStatusLine
		}
		reason = reason[1:]
	}
	for _, c := range reason {
		if c == 0 || c == '\r' {
			return ErrBadStatusLine
		}
	}
	resp.Version, resp.StatusCode = v, code
	resp.raw = append(resp.raw[:0], reason...)
	resp.Reason = resp.raw
	return nil
}

// finishResponse decides a response's framing (RFC 9112, section 6.3) and
// keep-alive (section 9.3) from its fields.
func (st *headState) finishResponse(method string, resp *ResponseHead) error {
	h := &resp.Headers
	for i := 0; i < h.Len(); i++ {
		name, value := h.rawAt(i)
		if err := st.noteField(name, value); err != nil {
			return err
		}
	}
	code := resp.StatusCode
	switch {
	case code == 101:
		resp.Framing = FramingTunnel
	case method == "HEAD" || code < 200 || code == 204 || code == 304:
		resp.Framing = FramingNone // rule 1
	case method == "CONNECT" && code < 300:
		resp.Framing = FramingTunnel // rule 2
	case st.te.listed:
		if resp.Version == HTTP10 {
			return ErrTEInHTTP10 // section 6.1: faulty framing
		}
		// Rule 3: "If a message is received with both a Transfer-Encoding
		// and a Content-Length header field, the Transfer-Encoding
		// overrides the Content-Length. Such a message might indicate an
		// attempt to perform request smuggling ... or response splitting
		// ... and ought to be handled as an error." An error it is, as in
		// requests, and as Tornado's client has it: a server that frames
		// a body two ways has been tampered with or is broken, and
		// reading it either way may take the next response for a body.
		if st.cl.seen {
			return ErrTEAndCL
		}
		if st.te.chunked > 1 {
			return ErrBadTransferEncoding
		}
		if st.te.lastChunked {
			if st.te.other {
				return ErrUnsupportedTransferEncoding
			}
			resp.Framing = FramingChunked
		} else {
			resp.Framing = FramingUntilClose // rule 4
		}
	case st.cl.seen:
		resp.Framing, resp.ContentLength = FramingLength, st.cl.n // rule 6
		if st.cl.n == 0 {
			resp.Framing = FramingNone
		}
	default:
		resp.Framing = FramingUntilClose // rule 8
	}
	switch {
	case resp.Framing == FramingUntilClose || resp.Framing == FramingTunnel:
		resp.KeepAlive = false
	case resp.Version == HTTP11:
		resp.KeepAlive = !st.tokens.has(tokClose)
	default:
		resp.KeepAlive = st.tokens.has(tokKeepAlive) && !st.tokens.has(tokClose)
	}
	return nil
}
