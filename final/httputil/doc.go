// Package httputil is the I/O-free foundation of gornado's HTTP/1.1 layer,
// the counterpart of Tornado's tornado.httputil: header maps, strict
// incremental parsers for request and response heads and chunked bodies, the
// request data a server hands to applications, argument and cookie parsing,
// and fast response-head writing. Nothing here reads or writes a socket; the
// connection code (http1connection, httpserver, httpclient) feeds bytes in
// and acts on what comes out.
//
// # Headers
//
// HTTPHeaders is Tornado's HTTPHeaders: case-insensitive names in Tornado's
// normal form ("Content-Type"), several values per name (Get joins them with
// commas, GetList returns them apart), insertion order kept. All names and
// values live in one byte arena, so a connection that reuses one HTTPHeaders
// (Reset between requests) parses and looks up headers without allocating;
// Peek and At return views into the arena for the same reason. The arena
// keeps the size of the largest head it has held (at most MaxHeaderBytes),
// so a server that wants idle connections to stay small keeps RequestHead
// values in a per-loop pool while a connection waits, rather than one per
// connection.
//
// # Parsing request heads
//
// RequestParser.Parse takes the bytes received so far and returns
// ErrNeedMore, the length of a complete head, or an *HTTPInputError whose
// Status the server answers with before closing the connection:
//
//	n, err := parser.Parse(buf, &head)
//	switch {
//	case errors.Is(err, httputil.ErrNeedMore): // read more, call again
//	case err != nil: // answer httputil.StatusOf(err), then close
//	default: // head is ready; the body (head.Framing) starts at buf[n:]
//	}
//
// The parser applies RFC 9112 strictly, choosing the strict side wherever the
// RFC allows a choice, so that it never frames a request differently from a
// strict intermediary: a request line of exactly method SP request-target SP
// HTTP-version; CRLF line endings only (a bare LF is refused, as RFC 9112
// section 2.2 permits); header names that are tokens, with no whitespace
// before the colon; no CR, LF, NUL or other control byte but HTAB in values;
// obs-fold refused; Content-Length as digits only, repeated values agreeing;
// Transfer-Encoding with chunked exactly once and last, never with
// Content-Length, never on HTTP/1.0; exactly one valid Host on HTTP/1.1; and
// limits on the request line (414), the head (431) and the number of fields
// (431), checked as bytes arrive. It decides the body framing (none, length
// or chunked), keep-alive (including HTTP/1.0's Connection: keep-alive),
// Expect: 100-continue and Connection: upgrade. Every rule is listed, with
// its RFC section and the status it produces, in docs/http-hostile-input.md
// and its Chinese edition docs/zh/http-hostile-input.md, whose tables are
// both generated from this package's tests.
//
// Work is linear in the input however it is split across calls, and a
// reused parser and RequestHead parse a typical browser request without
// allocating.
//
// # Bodies
//
// A FramingLength body is ContentLength bytes; the connection applies its
// body-size limit to ContentLength before reading. A FramingChunked body goes
// through ChunkedDecoder, which returns the decoded bytes as sub-slices of its
// input and checks sizes (hex digits only, bounded), extensions (bounded),
// the CRLF after every chunk and the trailer fields. AppendChunk,
// AppendLastChunk and ChunkedWriter encode chunked responses.
//
// # Responses, for the client
//
// ResponseParser parses status lines and response headers with the same
// calling conventions. It is strict about framing (RFC 9112, section 6.3:
// HEAD, 1xx, 204 and 304 have no body; a 2xx to CONNECT and a 101 switch
// protocols; Transfer-Encoding overrides Content-Length and forbids reuse;
// otherwise the body runs until close) and lenient, as real servers need, on
// bare LF, obs-fold, a missing reason phrase and whitespace before a colon.
//
// # Request data
//
// HTTPServerRequest holds what Tornado's HTTPServerRequest does, as plain
// data the server fills (FromHead) and applications read. ParseBodyArguments
// handles application/x-www-form-urlencoded and multipart/form-data with
// limits of 1000 arguments, 100 parts and 10 KiB of headers per part;
// ParseQueryArguments, URLConcat and ParseCookie (linear time, Tornado's
// semantics) complete Tornado's helpers. Every error caused by the peer is an
// *HTTPInputError (errors.As) wrapping a sentinel (errors.Is); none of these
// functions panics on any input.
//
// # Writing responses
//
// AppendResponseHead writes a status line from a precomputed table and the
// header fields into the caller's buffer, refusing values that would split
// the response; AppendDate appends a Date field whose value is formatted at
// most once a second; FormatTimestamp formats IMF-fixdate as Tornado's
// format_timestamp does.
package httputil
