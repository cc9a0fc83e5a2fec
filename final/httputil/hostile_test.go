// The hostile-input table: what the request head parser answers to each
// malformed or smuggling-prone request, checked whole, byte by byte, at
// random split points and pipelined, and rendered into
// docs/http-hostile-input.md and, with the descriptions of
// hostile_zh_test.go, into its Chinese edition docs/zh/http-hostile-input.md,
// so the pages cannot drift from the code.

package httputil

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/internal/testutil"
)

// updateDoc rewrites the generated tables in docs/http-hostile-input.md and
// its Chinese edition, docs/zh/http-hostile-input.md.
var updateDoc = flag.Bool("update", false, "rewrite the tables in docs/http-hostile-input.md and docs/zh/http-hostile-input.md")

// hostileCase is one row of the table.
type hostileCase struct {
	// what describes the request.
	what string
	// input is the request head as sent.
	input string
	// show replaces input in the doc when input is too long to print.
	show string
	// status is the answer: 0 when the head is accepted.
	status int
	// err is the sentinel a refused head gets.
	err *HTTPInputError
	// keepAlive is, for an accepted head, whether the connection stays open.
	keepAlive bool
	// framing is, for an accepted head, the body framing: "none",
	// "length N" or "chunked".
	framing string
	// rfc names the rule.
	rfc string
}

const h11 = "GET / HTTP/1.1\r\nHost: a\r\n"

// hostileCases is the table. Each input is a complete head or, for cases
// rejected before the head ends, enough of one.
var hostileCases = []hostileCase{
	// Accepted requests, for contrast.
	{what: "plain HTTP/1.1 GET", input: h11 + "\r\n", keepAlive: true, framing: "none", rfc: "RFC 9112 §3, §9.3"},
	{what: "HTTP/1.0 GET without Host or Connection", input: "GET / HTTP/1.0\r\n\r\n", framing: "none", rfc: "RFC 9112 §9.3"},
	{what: "HTTP/1.0 with Connection: keep-alive", input: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", keepAlive: true, framing: "none", rfc: "RFC 9112 §9.3, RFC 7230 §A.1.2"},
	{what: "HTTP/1.1 with Connection: close", input: h11 + "Connection: close\r\n\r\n", framing: "none", rfc: "RFC 9112 §9.6"},
	{what: "Content-Length: 5", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", keepAlive: true, framing: "length 5", rfc: "RFC 9112 §6.3 rule 6"},
	{what: "Content-Length twice with the same value", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", keepAlive: true, framing: "length 5", rfc: "RFC 9110 §8.6"},
	{what: "Content-Length: 5, 5", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", keepAlive: true, framing: "length 5", rfc: "RFC 9110 §8.6"},
	{what: "Content-Length: 0", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", keepAlive: true, framing: "none", rfc: "RFC 9112 §6.3 rule 6"},
	{what: "Content-Length with leading zeros", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\n", keepAlive: true, framing: "length 7", rfc: "RFC 9110 §8.6 (1*DIGIT)"},
	{what: "Transfer-Encoding: chunked", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", keepAlive: true, framing: "chunked", rfc: "RFC 9112 §6.3 rule 4"},
	{what: "Transfer-Encoding:\\tchunked (a tab is OWS)", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked\r\n\r\n", keepAlive: true, framing: "chunked", rfc: "RFC 9112 §5.1, RFC 9110 §5.6.3"},
	{what: "Transfer-Encoding with spaces before and after chunked", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:  chunked  \r\n\r\n", keepAlive: true, framing: "chunked", rfc: "RFC 9112 §5.1"},
	{what: "Transfer-Encoding: CHUNKED (codings are case-insensitive)", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n", keepAlive: true, framing: "chunked", rfc: "RFC 9112 §7"},
	{what: "Transfer-Encoding: , chunked (empty list element)", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked\r\n\r\n", keepAlive: true, framing: "chunked", rfc: "RFC 9110 §5.6.1"},
	{what: "empty line before the request line", input: "\r\n" + h11 + "\r\n", keepAlive: true, framing: "none", rfc: "RFC 9112 §2.2"},
	{what: "absolute-form target (Host taken from it)", input: "GET http://b/x HTTP/1.1\r\nHost: a\r\n\r\n", keepAlive: true, framing: "none", rfc: "RFC 9112 §3.2.2"},
	{what: "OPTIONS *", input: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", keepAlive: true, framing: "none", rfc: "RFC 9112 §3.2.4"},
	{what: "CONNECT authority-form", input: "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", keepAlive: true, framing: "none", rfc: "RFC 9112 §3.2.3"},
	{what: "Host with IPv6 literal and port", input: "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", keepAlive: true, framing: "none", rfc: "RFC 9110 §7.2, RFC 3986 §3.2.2"},
	{what: "unknown lower-case method (the application answers 405/501)", input: "get / HTTP/1.1\r\nHost: a\r\n\r\n", keepAlive: true, framing: "none", rfc: "RFC 9110 §9.1"},
	{what: "obs-text (0x80-0xFF) in a value", input: h11 + "X: caf\xc3\xa9\r\n\r\n", keepAlive: true, framing: "none", rfc: "RFC 9110 §5.5"},
	{what: "Expect: 100-continue", input: "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", keepAlive: true, framing: "length 1", rfc: "RFC 9110 §10.1.1"},

	// Request smuggling: CL.TE, TE.CL, TE.TE.
	{what: "CL.TE: Content-Length then Transfer-Encoding", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n", status: 400, err: ErrTEAndCL, rfc: "RFC 9112 §6.3 rule 3"},
	{what: "TE.CL: Transfer-Encoding then Content-Length", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n", status: 400, err: ErrTEAndCL, rfc: "RFC 9112 §6.3 rule 3"},
	{what: "Transfer-Encoding: xchunked", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", status: 400, err: ErrBadTransferEncoding, rfc: "RFC 9112 §6.3 rule 4"},
	{what: "Transfer-Encoding: chunked, identity", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n", status: 400, err: ErrBadTransferEncoding, rfc: "RFC 9112 §6.3 rule 4"},
	{what: "Transfer-Encoding: identity", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", status: 400, err: ErrBadTransferEncoding, rfc: "RFC 9112 §6.3 rule 4"},
	{what: "Transfer-Encoding: chunked, chunked", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", status: 400, err: ErrBadTransferEncoding, rfc: "RFC 9112 §6.1, §6.3"},
	{what: "Transfer-Encoding: chunked on two lines", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", status: 400, err: ErrBadTransferEncoding, rfc: "RFC 9112 §6.1, RFC 9110 §5.3"},
	{what: "Transfer-Encoding: chunked then a second line: identity", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n", status: 400, err: ErrBadTransferEncoding, rfc: "RFC 9112 §6.3 rule 4, RFC 9110 §5.3"},
	{what: "Transfer-Encoding: gzip, chunked (unsupported coding)", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", status: 501, err: ErrUnsupportedTransferEncoding, rfc: "RFC 9112 §6.1"},
	{what: "Transfer-Encoding: chunked;x=1 (chunked has no parameters)", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;x=1\r\n\r\n", status: 400, err: ErrBadTransferEncoding, rfc: "RFC 9112 §7"},
	{what: "Transfer-Encoding: chu nked", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chu nked\r\n\r\n", status: 400, err: ErrBadTransferEncoding, rfc: "RFC 9112 §6.1"},
	{what: "Transfer-Encoding:\\vchunked (vertical tab)", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\vchunked\r\n\r\n", status: 400, err: ErrBadHeaderValue, rfc: "RFC 9110 §5.5"},
	{what: "Transfer-Encoding : chunked (space before colon)", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n", status: 400, err: ErrSpaceBeforeColon, rfc: "RFC 9112 §5.1"},
	{what: "Transfer-Encoding folded onto the previous line", input: "POST / HTTP/1.1\r\nHost: a\r\nX: y\r\n Transfer-Encoding: chunked\r\n\r\n", status: 400, err: ErrObsFold, rfc: "RFC 9112 §5.2"},
	{what: "Transfer-Encoding value folded (obs-fold)", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n", status: 400, err: ErrObsFold, rfc: "RFC 9112 §5.2"},
	{what: "Transfer_Encoding: chunked (underscore)", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer_Encoding: chunked\r\n\r\n", status: 400, err: ErrBadHeaderName, rfc: "RFC 3875 §4.1.18 (proxies that map _ to -)"},
	{what: "Content_Length: 5 (underscore)", input: "POST / HTTP/1.1\r\nHost: a\r\nContent_Length: 5\r\n\r\n", status: 400, err: ErrBadHeaderName, rfc: "RFC 3875 §4.1.18 (proxies that map _ to -)"},
	{what: "X_Forwarded_For (underscores elsewhere are fine)", input: h11 + "X_Forwarded_For: 1.2.3.4\r\n\r\n", keepAlive: true, framing: "none", rfc: "RFC 9110 §5.1"},
	{what: "Transfer-Encoding on HTTP/1.0", input: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", status: 400, err: ErrTEInHTTP10, rfc: "RFC 9112 §6.1"},
	{what: "Transfer-Encoding and Content-Length on HTTP/1.0", input: "POST / HTTP/1.0\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", status: 400, err: ErrTEInHTTP10, rfc: "RFC 9112 §6.1"},

	// Content-Length.
	{what: "Content-Length twice with different values", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", status: 400, err: ErrBadContentLength, rfc: "RFC 9110 §8.6, RFC 9112 §6.3 rule 5"},
	{what: "Content-Length: 5, 6", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", status: 400, err: ErrBadContentLength, rfc: "RFC 9110 §8.6"},
	{what: "Content-Length: +5", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", status: 400, err: ErrBadContentLength, rfc: "RFC 9110 §8.6"},
	{what: "Content-Length: -1", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", status: 400, err: ErrBadContentLength, rfc: "RFC 9110 §8.6"},
	{what: "Content-Length: 0x10", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", status: 400, err: ErrBadContentLength, rfc: "RFC 9110 §8.6"},
	{what: "Content-Length: 1e3", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1e3\r\n\r\n", status: 400, err: ErrBadContentLength, rfc: "RFC 9110 §8.6"},
	{what: "Content-Length: 5 5", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 5\r\n\r\n", status: 400, err: ErrBadContentLength, rfc: "RFC 9110 §8.6"},
	{what: "Content-Length: 5, (empty element)", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,\r\n\r\n", status: 400, err: ErrBadContentLength, rfc: "RFC 9110 §8.6"},
	{what: "Content-Length empty", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", status: 400, err: ErrBadContentLength, rfc: "RFC 9110 §8.6"},
	{what: "Content-Length: 9223372036854775808 (2^63)", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775808\r\n\r\n", status: 400, err: ErrBadContentLength, rfc: "RFC 9110 §8.6"},
	{what: "Content-Length: 99999999999999999999999", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", status: 400, err: ErrBadContentLength, rfc: "RFC 9110 §8.6"},

	// Field syntax.
	{what: "NUL in a value", input: h11 + "X: a\x00b\r\n\r\n", status: 400, err: ErrBadHeaderValue, rfc: "RFC 9110 §5.5"},
	{what: "bare CR in a value", input: h11 + "X: a\rb\r\n\r\n", status: 400, err: ErrBadHeaderValue, rfc: "RFC 9110 §5.5, RFC 9112 §2.2"},
	{what: "bare LF inside a field line", input: h11 + "X: a\nb: c\r\n\r\n", status: 400, err: ErrBareLF, rfc: "RFC 9112 §2.2"},
	{what: "other control byte (0x01) in a value", input: h11 + "X: a\x01b\r\n\r\n", status: 400, err: ErrBadHeaderValue, rfc: "RFC 9110 §5.5"},
	{what: "DEL (0x7F) in a value", input: h11 + "X: a\x7fb\r\n\r\n", status: 400, err: ErrBadHeaderValue, rfc: "RFC 9110 §5.5"},
	{what: "obs-fold continuation line", input: h11 + "X: a\r\n b\r\n\r\n", status: 400, err: ErrObsFold, rfc: "RFC 9112 §5.2"},
	{what: "obs-fold with a tab", input: h11 + "X: a\r\n\tb\r\n\r\n", status: 400, err: ErrObsFold, rfc: "RFC 9112 §5.2"},
	{what: "whitespace before the first field", input: "GET / HTTP/1.1\r\n Host: a\r\n\r\n", status: 400, err: ErrObsFold, rfc: "RFC 9112 §2.2"},
	{what: "space before the colon", input: "GET / HTTP/1.1\r\nHost : a\r\n\r\n", status: 400, err: ErrSpaceBeforeColon, rfc: "RFC 9112 §5.1"},
	{what: "tab before the colon", input: "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", status: 400, err: ErrSpaceBeforeColon, rfc: "RFC 9112 §5.1"},
	{what: "field name not a token", input: h11 + "X(y): 1\r\n\r\n", status: 400, err: ErrBadHeaderName, rfc: "RFC 9110 §5.1"},
	{what: "empty field name", input: h11 + ": 1\r\n\r\n", status: 400, err: ErrBadHeaderName, rfc: "RFC 9110 §5.1"},
	{what: "field line without a colon", input: h11 + "Xy\r\n\r\n", status: 400, err: ErrBadHeaderName, rfc: "RFC 9112 §5"},
	{what: "non-ASCII in a field name", input: h11 + "X\xc3\xa9: 1\r\n\r\n", status: 400, err: ErrBadHeaderName, rfc: "RFC 9110 §5.1"},
	{what: "bare LF line endings", input: "GET / HTTP/1.1\nHost: a\n\n", status: 400, err: ErrBareLF, rfc: "RFC 9112 §2.2"},
	{what: "bare LF ending the head", input: h11 + "\n", status: 400, err: ErrBareLF, rfc: "RFC 9112 §2.2"},

	// Host.
	{what: "HTTP/1.1 without Host", input: "GET / HTTP/1.1\r\n\r\n", status: 400, err: ErrMissingHost, rfc: "RFC 9112 §3.2"},
	{what: "two Host lines", input: h11 + "Host: b\r\n\r\n", status: 400, err: ErrDuplicateHost, rfc: "RFC 9112 §3.2"},
	{what: "two Host lines on HTTP/1.0", input: "GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", status: 400, err: ErrDuplicateHost, rfc: "RFC 9112 §3.2"},
	{what: "empty Host", input: "GET / HTTP/1.1\r\nHost:\r\n\r\n", status: 400, err: ErrBadHost, rfc: "RFC 9112 §3.2, RFC 9110 §4.2.1"},
	{what: "Host with only a port", input: "GET / HTTP/1.1\r\nHost: :80\r\n\r\n", status: 400, err: ErrBadHost, rfc: "RFC 9112 §3.2, RFC 9110 §4.2.1"},
	{what: "Host: a, b", input: "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", status: 400, err: ErrBadHost, rfc: "RFC 9112 §3.2"},
	{what: "Host with a space", input: "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", status: 400, err: ErrBadHost, rfc: "RFC 9112 §3.2"},
	{what: "Host with userinfo", input: "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", status: 400, err: ErrBadHost, rfc: "RFC 9112 §3.2, RFC 9110 §4.2.4"},
	{what: "Host with a path", input: "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", status: 400, err: ErrBadHost, rfc: "RFC 9112 §3.2"},
	{what: "Host with a non-numeric port", input: "GET / HTTP/1.1\r\nHost: a:b\r\n\r\n", status: 400, err: ErrBadHost, rfc: "RFC 9112 §3.2"},
	{what: "absolute-form without Host on HTTP/1.1", input: "GET http://b/ HTTP/1.1\r\n\r\n", status: 400, err: ErrMissingHost, rfc: "RFC 9112 §3.2"},
	{what: "absolute-form with userinfo", input: "GET http://u@b/ HTTP/1.1\r\nHost: b\r\n\r\n", status: 400, err: ErrBadTarget, rfc: "RFC 9110 §4.2.4"},

	// Request line.
	{what: "two spaces after the method", input: "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, err: ErrBadTarget, rfc: "RFC 9112 §3"},
	{what: "two spaces before the version", input: "GET /  HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, err: ErrBadVersion, rfc: "RFC 9112 §3"},
	{what: "tab as separator", input: "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, err: ErrBadRequestLine, rfc: "RFC 9112 §3"},
	{what: "trailing space after the version", input: "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", status: 400, err: ErrBadVersion, rfc: "RFC 9112 §3"},
	{what: "leading space before the method", input: " GET / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, err: ErrBadMethod, rfc: "RFC 9112 §3"},
	{what: "HTTP/0.9 request (no version)", input: "GET /\r\n\r\n", status: 400, err: ErrBadRequestLine, rfc: "RFC 9112 §3"},
	{what: "method not a token", input: "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, err: ErrBadMethod, rfc: "RFC 9110 §9.1"},
	{what: "HTTP/2.0", input: "GET / HTTP/2.0\r\nHost: a\r\n\r\n", status: 505, err: ErrVersionNotSupported, rfc: "RFC 9112 §2.3, RFC 9110 §15.6.6"},
	{what: "HTTP/2 connection preface", input: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", status: 505, err: ErrVersionNotSupported, rfc: "RFC 9113 §3.4, RFC 9110 §15.6.6"},
	{what: "HTTP/0.9 as a version", input: "GET / HTTP/0.9\r\nHost: a\r\n\r\n", status: 505, err: ErrVersionNotSupported, rfc: "RFC 9110 §15.6.6"},
	{what: "HTTP/1.2", input: "GET / HTTP/1.2\r\nHost: a\r\n\r\n", status: 505, err: ErrVersionNotSupported, rfc: "RFC 9110 §15.6.6"},
	{what: "HTTP/1.10", input: "GET / HTTP/1.10\r\nHost: a\r\n\r\n", status: 400, err: ErrBadVersion, rfc: "RFC 9112 §2.3"},
	{what: "lower-case http/1.1", input: "GET / http/1.1\r\nHost: a\r\n\r\n", status: 400, err: ErrBadVersion, rfc: "RFC 9112 §2.3"},
	{what: "HTTP/1 (no minor version)", input: "GET / HTTP/1\r\nHost: a\r\n\r\n", status: 400, err: ErrBadVersion, rfc: "RFC 9112 §2.3"},
	{what: "bare CR ending the request line", input: "GET / HTTP/1.1\rHost: a\r\n\r\n", status: 400, err: ErrBadVersion, rfc: "RFC 9112 §2.2"},
	{what: "NUL in the target", input: "GET /a\x00b HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, err: ErrBadTarget, rfc: "RFC 9112 §3.2"},
	{what: "non-ASCII in the target", input: "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, err: ErrBadTarget, rfc: "RFC 9112 §3.2, RFC 3986 §2"},
	{what: "fragment in the target", input: "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, err: ErrBadTarget, rfc: "RFC 9112 §3.2"},
	{what: "relative target", input: "GET a HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, err: ErrBadTarget, rfc: "RFC 9112 §3.2"},
	{what: "asterisk-form with GET", input: "GET * HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, err: ErrBadTarget, rfc: "RFC 9112 §3.2.4"},
	{what: "CONNECT with origin-form", input: "CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, err: ErrBadTarget, rfc: "RFC 9112 §3.2.3"},

	// Limits.
	{what: "request line over 8 KiB", input: "GET /" + strings.Repeat("a", 9000), show: `"GET /aaa…" (9005 bytes, no CRLF yet)`, status: 414, err: ErrRequestLineTooLong, rfc: "RFC 9112 §3, RFC 9110 §15.5.15"},
	{what: "request line over 8 KiB, complete", input: "GET /" + strings.Repeat("a", 8200) + " HTTP/1.1\r\nHost: a\r\n\r\n", show: `"GET /aaa… HTTP/1.1\r\n…" (8,205-byte line)`, status: 414, err: ErrRequestLineTooLong, rfc: "RFC 9112 §3"},
	{what: "header block over 64 KiB", input: h11 + strings.Repeat("X-Long: "+strings.Repeat("b", 1000)+"\r\n", 66), show: `"GET / HTTP/1.1\r\nHost: a\r\n" + 66 × "X-Long: bbb…\r\n" (1010 bytes each)`, status: 431, err: ErrHeaderTooLarge, rfc: "RFC 6585 §5"},
	{what: "one field line over 64 KiB", input: h11 + "X: " + strings.Repeat("b", 70000), show: `"GET / HTTP/1.1\r\nHost: a\r\nX: bbb…" (70,000-byte value, no CRLF yet)`, status: 431, err: ErrHeaderTooLarge, rfc: "RFC 6585 §5"},
	{what: "Content-Length over 100 MiB (checked before the body is read)", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 104857601\r\n\r\n", status: 413, err: ErrBodyTooLarge, rfc: "RFC 9110 §15.5.14"},
	{what: "Content-Length of exactly 100 MiB", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 104857600\r\n\r\n", keepAlive: true, framing: "length 104857600", rfc: "RFC 9110 §8.6"},
	{what: "101 field lines", input: h11 + strings.Repeat("X: y\r\n", 100) + "\r\n", show: `"GET / HTTP/1.1\r\nHost: a\r\n" + 100 × "X: y\r\n" + "\r\n"`, status: 431, err: ErrTooManyHeaders, rfc: "RFC 6585 §5"},
	{what: "empty lines before the request line beyond 64 KiB", input: strings.Repeat("\r\n", 33000), show: `33,000 × "\r\n"`, status: 431, err: ErrHeaderTooLarge, rfc: "RFC 9112 §2.2, RFC 6585 §5"},
}

// outcome is what parsing a case produced, in the table's terms.
type outcome struct {
	// status is 0 for an accepted head, else the error's status.
	status int
	// err is the error of a refused head.
	err error
	// keepAlive and framing describe an accepted head.
	keepAlive bool
	// framing is as in hostileCase.
	framing string
	// n is the head length for an accepted head.
	n int
}

// describe turns a parse result into an outcome.
func describe(t *testing.T, n int, err error, req *RequestHead) outcome {
	t.Helper()
	if err != nil {
		var ie *HTTPInputError
		require.True(t, errors.As(err, &ie), "error %v is not an *HTTPInputError", err)
		for ie.Err != nil { // compare refined errors by their sentinel
			ie = ie.Err.(*HTTPInputError)
		}
		return outcome{status: ie.Status, err: ie}
	}
	f := req.Framing.String()
	if req.Framing == FramingLength {
		f = fmt.Sprintf("length %d", req.ContentLength)
	}
	return outcome{keepAlive: req.KeepAlive, framing: f, n: n}
}

// feed parses input in the given pieces (cut points, increasing), as a
// connection receiving them would, and returns the outcome. It checks that
// every call before the last returns ErrNeedMore.
func feed(t *testing.T, input string, cuts []int) outcome {
	t.Helper()
	var p RequestParser
	var req RequestHead
	buf := make([]byte, 0, len(input))
	prev := 0
	for _, c := range append(cuts, len(input)) {
		buf = append(buf, input[prev:c]...)
		prev = c
		n, err := p.Parse(buf, &req)
		if errors.Is(err, ErrNeedMore) {
			require.Zero(t, n)
			continue
		}
		if err == nil {
			err = req.CheckBodySize(DefaultMaxBodySize) // what the server does next
		}
		return describe(t, n, err, &req)
	}
	return outcome{status: -1} // still incomplete
}

// want returns the outcome a case expects.
func (c hostileCase) want() outcome {
	if c.status != 0 {
		return outcome{status: c.status, err: c.err}
	}
	return outcome{keepAlive: c.keepAlive, framing: c.framing, n: len(c.input)}
}

func TestHostileInput(t *testing.T) {
	for _, c := range hostileCases {
		t.Run(c.what, func(t *testing.T) {
			want := c.want()
			assert.Equal(t, want, feed(t, c.input, nil), "whole")

			cuts := make([]int, 0, len(c.input))
			for i := 1; i < len(c.input); i++ {
				cuts = append(cuts, i)
			}
			assert.Equal(t, want, feed(t, c.input, cuts), "byte by byte")

			rng := rand.New(rand.NewPCG(uint64(len(c.input)), 7))
			for round := 0; round < 20; round++ {
				var cuts []int
				for i := 1; i < len(c.input); i++ {
					if rng.IntN(8) == 0 {
						cuts = append(cuts, i)
					}
				}
				assert.Equal(t, want, feed(t, c.input, cuts), "random splits %v", cuts)
			}

			// Pipelined: the case, its body if it has one, and a plain
			// request, in one buffer. An accepted head leaves what follows
			// it intact; a refused one stops the parser (the server closes).
			if c.status == 0 {
				pipelined(t, c)
			}
		})
	}
}

// pipelined parses an accepted case followed in the same buffer by its
// body (for a chunked head, a one-byte chunk and the last chunk; for a
// Content-Length, that many zero bytes) and a second request, as a
// connection receiving them in one read would, and checks that each part
// starts where the previous one ended.
func pipelined(t *testing.T, c hostileCase) {
	t.Helper()
	next := h11 + "\r\n"
	chunked := "1\r\nx\r\n0\r\n\r\n"
	bodyLen := 0
	switch {
	case c.framing == "chunked":
		bodyLen = len(chunked)
	case strings.HasPrefix(c.framing, "length "):
		n, err := strconv.Atoi(strings.TrimPrefix(c.framing, "length "))
		require.NoError(t, err)
		bodyLen = n
	}
	// A fresh buffer is zeroed already: the 100 MiB body costs no copy.
	buf := make([]byte, len(c.input)+bodyLen+len(next))
	copy(buf, c.input)
	if c.framing == "chunked" {
		copy(buf[len(c.input):], chunked)
	}
	copy(buf[len(c.input)+bodyLen:], next)

	var p RequestParser
	var req RequestHead
	n, err := p.Parse(buf, &req)
	require.NoError(t, err)
	require.Equal(t, len(c.input), n, "the head ends where the case ends")
	rest := buf[n:]
	if c.framing == "chunked" {
		var d ChunkedDecoder
		var data []byte
		for {
			m, chunk, err := d.Decode(rest)
			data = append(data, chunk...)
			rest = rest[m:]
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			require.NotZero(t, m, "the decoder makes progress")
		}
		assert.Equal(t, "x", string(data))
	} else {
		rest = rest[bodyLen:]
	}
	n2, err := p.Parse(rest, &req)
	require.NoError(t, err)
	assert.Equal(t, len(next), n2)
	assert.Equal(t, "/", string(req.Target))
}

// edition holds the words of one edition of the doc's tables. The Sent
// column, the results in code, the statuses, reason phrases and sentinel
// names are the same in every edition; only the prose around them differs.
type edition struct {
	// path is the page holding the tables.
	path string
	// hostileBegin and chunkedBegin are the markers before each table (the
	// end markers are shared).
	hostileBegin, chunkedBegin string
	// hostileHead and chunkedHead are each table's header and rule lines.
	hostileHead, chunkedHead string
	// what gives a row's description; rule gives its Rule column.
	what, rule func(string) string
	// accepted gives the Answer of an accepted head from its framing.
	accepted func(framing string) string
	// kept and closed are the Connection column.
	kept, closed string
	// refused formats a refused answer from its status, reason phrase and
	// sentinel name.
	refused string
}

// english is docs/http-hostile-input.md.
var english = edition{
	path:         "../../docs/http-hostile-input.md",
	hostileBegin: tableBegin,
	chunkedBegin: chunkedBegin,
	hostileHead:  "| Request | Sent | Answer | Connection | Rule |\n|---|---|---|---|---|\n",
	chunkedHead:  "| Body | Sent | Result | Rule |\n|---|---|---|---|\n",
	what:         func(s string) string { return s },
	rule:         func(s string) string { return s },
	accepted:     func(f string) string { return "accepted, body: " + f },
	kept:         "kept",
	closed:       "close",
	refused:      "**%d** %s (`%s`)",
}

// renderHostileTable renders the table of docs/http-hostile-input.md in
// the given edition.
func renderHostileTable(ed edition) string {
	var b strings.Builder
	b.WriteString(ed.hostileHead)
	for _, c := range hostileCases {
		shown := c.show
		if shown == "" {
			shown = testutil.QuoteBytes(c.input)
		}
		shown = strings.ReplaceAll(shown, "|", `\|`)
		answer, conn := "", ed.closed
		if c.status != 0 {
			answer = fmt.Sprintf(ed.refused, c.status, StatusText(c.status), sentinelName(c.err))
		} else {
			answer = ed.accepted(c.framing)
			if c.keepAlive {
				conn = ed.kept
			}
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s |\n", ed.what(c.what), shown, answer, conn, ed.rule(c.rfc))
	}
	return b.String()
}

// renderChunkedTable renders the chunked-body table of the doc from
// chunkedCases (chunked_test.go) in the given edition.
func renderChunkedTable(ed edition) string {
	var b strings.Builder
	b.WriteString(ed.chunkedHead)
	for _, c := range chunkedCases {
		if c.err == ErrNeedMore {
			continue
		}
		shown := testutil.QuoteBytes(c.input)
		if len(shown) > 80 {
			shown = shown[:40] + "…" + fmt.Sprintf(" (%d bytes)", len(c.input))
		}
		shown = strings.ReplaceAll(shown, "|", `\|`)
		data := testutil.QuoteBytes(c.data)
		if len(data) > 40 {
			data = data[:30] + fmt.Sprintf("…\" (%d bytes)", len(c.data))
		}
		result := "decoded " + data
		if c.trailers != "" {
			result += ", trailers " + testutil.QuoteBytes(c.trailers)
		}
		result = "`" + result + "`"
		rule := "RFC 9112 §7.1"
		if c.err != nil {
			ie := c.err.(*HTTPInputError)
			result = fmt.Sprintf(ed.refused, ie.Status, StatusText(ie.Status), sentinelName(ie))
		}
		switch {
		case strings.Contains(c.what, "trailer") || c.err == ErrTrailerTooLarge:
			rule = "RFC 9112 §7.1.2, §5"
		case strings.Contains(c.what, "extension") || strings.Contains(c.what, "BWS"):
			rule = "RFC 9112 §7.1.1"
		case strings.Contains(c.what, "LF") || strings.Contains(c.what, "CR"):
			rule = "RFC 9112 §7.1, §2.2"
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", ed.what(c.what), shown, result, ed.rule(rule))
	}
	return b.String()
}

// Markers around the generated tables of the English page.
const (
	tableBegin   = "<!-- BEGIN hostile-input table: generated by TestHostileInputDoc; edit final/httputil/hostile_test.go -->\n"
	tableEnd     = "<!-- END hostile-input table -->\n"
	chunkedBegin = "<!-- BEGIN chunked table: generated by TestHostileInputDoc; edit final/httputil/chunked_test.go -->\n"
	chunkedEnd   = "<!-- END chunked table -->\n"
)

// TestHostileInputDoc checks, or with -update rewrites, the tables of the
// page and of its Chinese edition (hostile_zh_test.go).
func TestHostileInputDoc(t *testing.T) {
	for _, ed := range []edition{english, chinese} {
		t.Run(strings.TrimPrefix(ed.path, "../../"), func(t *testing.T) {
			hostile, chunked := renderHostileTable(ed), renderChunkedTable(ed)
			testutil.CheckGenerated(t, ed.path, *updateDoc, "go test ./final/httputil -run TestHostileInputDoc -update",
				testutil.Generated{Begin: ed.hostileBegin, End: tableEnd, Text: hostile},
				testutil.Generated{Begin: ed.chunkedBegin, End: chunkedEnd, Text: chunked})
			assert.NotContains(t, hostile+chunked, "`?`", "every error in the tables has a name")
		})
	}
}

// sentinelName returns the Go name of a sentinel error, for the doc.
func sentinelName(err *HTTPInputError) string {
	for name, e := range map[string]*HTTPInputError{
		"ErrBadRequestLine":              ErrBadRequestLine,
		"ErrBadMethod":                   ErrBadMethod,
		"ErrBadTarget":                   ErrBadTarget,
		"ErrBadVersion":                  ErrBadVersion,
		"ErrVersionNotSupported":         ErrVersionNotSupported,
		"ErrRequestLineTooLong":          ErrRequestLineTooLong,
		"ErrBareLF":                      ErrBareLF,
		"ErrBadHeaderName":               ErrBadHeaderName,
		"ErrSpaceBeforeColon":            ErrSpaceBeforeColon,
		"ErrBadHeaderValue":              ErrBadHeaderValue,
		"ErrObsFold":                     ErrObsFold,
		"ErrHeaderTooLarge":              ErrHeaderTooLarge,
		"ErrTooManyHeaders":              ErrTooManyHeaders,
		"ErrBodyTooLarge":                ErrBodyTooLarge,
		"ErrBadContentLength":            ErrBadContentLength,
		"ErrBadTransferEncoding":         ErrBadTransferEncoding,
		"ErrUnsupportedTransferEncoding": ErrUnsupportedTransferEncoding,
		"ErrTEAndCL":                     ErrTEAndCL,
		"ErrTEInHTTP10":                  ErrTEInHTTP10,
		"ErrMissingHost":                 ErrMissingHost,
		"ErrDuplicateHost":               ErrDuplicateHost,
		"ErrBadHost":                     ErrBadHost,
		"ErrBadStatusLine":               ErrBadStatusLine,
		"ErrBadChunkSize":                ErrBadChunkSize,
		"ErrBadChunkExtension":           ErrBadChunkExtension,
		"ErrBadChunkTerminator":          ErrBadChunkTerminator,
		"ErrChunkOverhead":               ErrChunkOverhead,
		"ErrTrailerTooLarge":             ErrTrailerTooLarge,
		"ErrBadForm":                     ErrBadForm,
		"ErrTooManyArguments":            ErrTooManyArguments,
		"ErrTooManyParts":                ErrTooManyParts,
		"ErrPartHeaderTooLarge":          ErrPartHeaderTooLarge,
		"ErrUnsafeHeader":                ErrUnsafeHeader,
	} {
		if e == err {
			return name
		}
	}
	return "?"
}
