// HTTPInputError and the sentinel errors of package httputil: every way a
// peer's bytes can be refused, each carrying the status code a server
// answers with.

package httputil

import "errors"

// HTTPInputError reports malformed or unacceptable input from the peer, like
// Tornado's httputil.HTTPInputError. Status is the response status a server
// sends before closing the connection (400, 414, 431, 501 or 505); a client
// that gets one from a response parser closes the connection instead.
//
// Every error the parsers return is an *HTTPInputError, usually one of the
// sentinels below (compare with errors.Is) or one wrapping a sentinel with
// detail (extract with errors.As). After a head or chunked-framing error the
// connection cannot be resynchronised: the server answers Status and closes.
type HTTPInputError struct {
	// Status is the HTTP status code to answer with.
	Status int
	// Msg is the package-prefixed description.
	Msg string
	// Err is the sentinel this error refines, or nil for a sentinel itself.
	Err error
}

// Error returns the message, followed by the refined sentinel's message.
func (e *HTTPInputError) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

// Unwrap returns the sentinel this error refines.
func (e *HTTPInputError) Unwrap() error { return e.Err }

// wrapInput returns an error with the status of sentinel base and extra
// detail; errors.Is(err, base) holds.
func wrapInput(base *HTTPInputError, detail string) error {
	return &HTTPInputError{Status: base.Status, Msg: "httputil: " + detail, Err: base}
}

// newInput returns a sentinel.
func newInput(status int, msg string) *HTTPInputError {
	return &HTTPInputError{Status: status, Msg: msg}
}

// StatusOf returns the status code an error carries, or 400 for an error
// that is not an *HTTPInputError.
func StatusOf(err error) int {
	for err != nil {
		if e, ok := err.(*HTTPInputError); ok {
			return e.Status
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			break
		}
		err = u.Unwrap()
	}
	return 400
}

// Sentinel errors of package httputil. ErrNeedMore is not a failure: the
// parser wants more bytes. All the others are *HTTPInputError values.
var (
	// ErrNeedMore is returned by the incremental parsers when the input
	// ends before the element being parsed; call again with more bytes.
	ErrNeedMore = errors.New("httputil: need more input")

	// ErrBadRequestLine: the request line is not method SP request-target
	// SP HTTP-version CRLF (RFC 9112, section 3).
	ErrBadRequestLine = newInput(400, "httputil: malformed request line")
	// ErrBadMethod: the method is not a token (RFC 9110, section 9.1).
	ErrBadMethod = newInput(400, "httputil: malformed method")
	// ErrBadTarget: the request-target is empty, has bytes outside
	// visible ASCII, or does not fit the method (RFC 9112, section 3.2).
	ErrBadTarget = newInput(400, "httputil: malformed request-target")
	// ErrBadVersion: the HTTP-version is not HTTP/DIGIT.DIGIT, which is
	// case-sensitive (RFC 9112, section 2.3).
	ErrBadVersion = newInput(400, "httputil: malformed HTTP-version")
	// ErrVersionNotSupported: a well-formed version other than HTTP/1.0 and
	// HTTP/1.1 (RFC 9110, section 15.6.6: 505).
	ErrVersionNotSupported = newInput(505, "httputil: HTTP version not supported")
	// ErrRequestLineTooLong: the request line exceeds MaxRequestLine
	// (RFC 9112, section 3: 414 for a long request-target).
	ErrRequestLineTooLong = newInput(414, "httputil: request line too long")
	// ErrBareLF: a line ended in LF without CR; requests must use CRLF
	// (RFC 9112, section 2.2 lets a recipient choose; see doc.go).
	ErrBareLF = newInput(400, "httputil: line not terminated by CRLF")
	// ErrBadHeaderName: a field name is empty or not a token (RFC 9110,
	// section 5.1).
	ErrBadHeaderName = newInput(400, "httputil: malformed header field name")
	// ErrSpaceBeforeColon: whitespace between a field name and the colon
	// (RFC 9112, section 5.1: MUST respond with 400).
	ErrSpaceBeforeColon = newInput(400, "httputil: whitespace before colon in header field")
	// ErrBadHeaderValue: a field value holds CR, LF, NUL or another control
	// character (RFC 9110, section 5.5).
	ErrBadHeaderValue = newInput(400, "httputil: invalid character in header field value")
	// ErrObsFold: a line starting with whitespace, which is obsolete line
	// folding in a request (RFC 9112, section 5.2) or whitespace before the
	// first field (RFC 9112, section 2.2).
	ErrObsFold = newInput(400, "httputil: obsolete line folding in request")
	// ErrHeaderTooLarge: the head exceeds MaxHeaderBytes (RFC 6585,
	// section 5: 431).
	ErrHeaderTooLarge = newInput(431, "httputil: request header fields too large")
	// ErrTooManyHeaders: more than MaxHeaders field lines (RFC 6585,
	// section 5: 431).
	ErrTooManyHeaders = newInput(431, "httputil: too many header fields")
	// ErrBodyTooLarge: a declared body longer than the server's limit
	// (RFC 9110, section 15.5.14: 413); see RequestHead.CheckBodySize.
	ErrBodyTooLarge = newInput(413, "httputil: request body too large")
	// ErrBadContentLength: Content-Length is not 1*DIGIT, overflows, or
	// repeated values disagree (RFC 9110, section 8.6; RFC 9112, section
	// 6.3).
	ErrBadContentLength = newInput(400, "httputil: invalid Content-Length")
	// ErrBadTransferEncoding: chunked is missing, not final or repeated in
	// Transfer-Encoding (RFC 9112, section 6.3: 400 and close).
	ErrBadTransferEncoding = newInput(400, "httputil: invalid Transfer-Encoding")
	// ErrUnsupportedTransferEncoding: a transfer coding other than chunked
	// before the final chunked (RFC 9112, section 6.1: 501).
	ErrUnsupportedTransferEncoding = newInput(501, "httputil: unsupported transfer coding")
	// ErrTEAndCL: both Transfer-Encoding and Content-Length (RFC 9112,
	// section 6.3: a smuggling attempt; rejected, and close).
	ErrTEAndCL = newInput(400, "httputil: both Transfer-Encoding and Content-Length")
	// ErrTEInHTTP10: Transfer-Encoding in an HTTP/1.0 message (RFC 9112,
	// section 6.1: faulty framing, close).
	ErrTEInHTTP10 = newInput(400, "httputil: Transfer-Encoding in HTTP/1.0 message")
	// ErrMissingHost: an HTTP/1.1 request without Host (RFC 9112, section
	// 3.2: 400).
	ErrMissingHost = newInput(400, "httputil: missing Host header")
	// ErrDuplicateHost: more than one Host field line (RFC 9112, section
	// 3.2: 400).
	ErrDuplicateHost = newInput(400, "httputil: more than one Host header")
	// ErrBadHost: a Host value that is not uri-host [":" port] (RFC 9112,
	// section 3.2: 400).
	ErrBadHost = newInput(400, "httputil: invalid Host header")

	// ErrBadStatusLine: a response status line is not HTTP-version SP
	// 3DIGIT [SP reason-phrase] (RFC 9112, section 4).
	ErrBadStatusLine = newInput(502, "httputil: malformed status line")

	// ErrBadChunkSize: a chunk size that is not 1*HEXDIG or overflows
	// (RFC 9112, section 7.1).
	ErrBadChunkSize = newInput(400, "httputil: invalid chunk size")
	// ErrBadChunkExtension: a chunk extension with forbidden bytes or
	// longer than MaxChunkLine (RFC 9112, section 7.1.1).
	ErrBadChunkExtension = newInput(400, "httputil: invalid chunk extension")
	// ErrBadChunkTerminator: chunk data not followed by CRLF (RFC 9112,
	// section 7.1).
	ErrBadChunkTerminator = newInput(400, "httputil: chunk data not followed by CRLF")
	// ErrChunkOverhead: far more framing than data, such as one-byte
	// chunks with long extensions; the rule is net/http's (16 bytes of
	// overhead per chunk plus twice its data, 16 KiB of excess at most).
	ErrChunkOverhead = newInput(400, "httputil: chunked encoding with too much non-data")
	// ErrTrailerTooLarge: the trailer section exceeds its limits (RFC 9112,
	// section 7.1.2).
	ErrTrailerTooLarge = newInput(431, "httputil: trailer section too large")

	// ErrBadForm: a malformed application/x-www-form-urlencoded or
	// multipart/form-data body.
	ErrBadForm = newInput(400, "httputil: malformed form body")
	// ErrTooManyArguments: more arguments than the limit (1000).
	ErrTooManyArguments = newInput(400, "httputil: too many arguments")
	// ErrTooManyParts: more multipart parts than the limit (100).
	ErrTooManyParts = newInput(400, "httputil: too many multipart parts")
	// ErrPartHeaderTooLarge: a multipart part's headers exceed the limit
	// (10 KiB).
	ErrPartHeaderTooLarge = newInput(400, "httputil: multipart part headers too large")
	// ErrUnsafeHeader: a header to be written holds CR, LF or NUL, which
	// would split the response (RFC 9110, section 5.5).
	ErrUnsafeHeader = newInput(500, "httputil: unsafe header name or value")
)
