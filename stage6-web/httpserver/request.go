package httpserver

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// # What a request is
//
// An HTTP/1.1 request arrives as text: a request line, header lines, an empty
// line, and maybe a body (RFC 9112, section 2.1):
//
//	POST /a/message/new HTTP/1.1\r\n
//	Host: 127.0.0.1:8888\r\n
//	Content-Type: application/x-www-form-urlencoded\r\n
//	Content-Length: 10\r\n
//	\r\n
//	body=hello
//
// This file turns the part before the empty line (the "head") into a Request;
// conn.go reads the head and the body off the socket. Tornado splits the same
// work between tornado.httputil (parse_request_start_line, HTTPHeaders.parse)
// and tornado.http1connection.

// A Request is one HTTP request, Tornado's HTTPServerRequest: the request line
// split into its parts, the headers, and the whole body, which the server reads
// before it calls the Delegate.
type Request struct {
	// Method is the request method, such as "GET".
	Method string
	// URI is the request target as sent, such as "/a/message/updates?cursor=3".
	URI string
	// Path is URI's path, percent-decoded; Query is the raw query string.
	Path  string
	Query string
	// Version is "HTTP/1.1" or "HTTP/1.0".
	Version string
	// Headers holds the request's headers, names in canonical form.
	Headers http.Header
	// Body is the request body, de-chunked; empty when there is none.
	Body []byte
	// RemoteIP is the client's address, without the port.
	RemoteIP string
	// Connection is the connection the request came on: the response is
	// written through it.
	Connection *HTTPConnection
}

// Host is the request's Host header, as Tornado's request.host.
func (r *Request) Host() string { return r.Headers.Get("Host") }

// FullURL is the URL the client asked for: "http://" + Host + URI.
func (r *Request) FullURL() string { return "http://" + r.Host() + r.URI }

// The errors a malformed head produces. Each becomes a response status: most
// are 400 Bad Request; a head over the size limit is 431 (RFC 6585, section
// 5); a body over the limit is 413. The server answers and closes the
// connection, because after a framing error it cannot know where the next
// request would begin.
var (
	// ErrHeadTooLarge is a request line and headers over MaxHeaderSize.
	ErrHeadTooLarge = errors.New("httpserver: request header fields too large")
	// ErrBodyTooLarge is a body over MaxBodySize.
	ErrBodyTooLarge = errors.New("httpserver: request body too large")
)

// A BadRequestError says why a request could not be parsed.
type BadRequestError struct{ Reason string }

func (e *BadRequestError) Error() string { return "httpserver: malformed request: " + e.Reason }

func badRequest(format string, args ...any) error {
	return &BadRequestError{Reason: fmt.Sprintf(format, args...)}
}

// parseHead parses a request line and headers, without the final empty line.
// It is strict where leniency has caused request smuggling (RFC 9112, section
// 11.2): a line must end in CRLF, a header name must be a token directly
// followed by a colon, and obsolete line folding is refused.
func parseHead(head []byte) (*Request, error) {
	lines := strings.Split(string(head), "\r\n")
	for _, line := range lines {
		if strings.ContainsAny(line, "\r\n\x00") {
			return nil, badRequest("bare CR, LF or NUL in the head")
		}
	}

	// The request line: method SP request-target SP HTTP-version.
	parts := strings.Split(lines[0], " ")
	if len(parts) != 3 {
		return nil, badRequest("request line %q", lines[0])
	}
	req := &Request{Method: parts[0], URI: parts[1], Version: parts[2], Headers: http.Header{}}
	if !isToken(req.Method) {
		return nil, badRequest("method %q", req.Method)
	}
	if req.Version != "HTTP/1.1" && req.Version != "HTTP/1.0" {
		return nil, badRequest("version %q", req.Version)
	}
	if !strings.HasPrefix(req.URI, "/") && !(req.Method == "OPTIONS" && req.URI == "*") {
		return nil, badRequest("request target %q", req.URI)
	}
	rawPath, query, _ := strings.Cut(req.URI, "?")
	path, err := url.PathUnescape(rawPath)
	if err != nil {
		return nil, badRequest("request target %q", req.URI)
	}
	req.Path, req.Query = path, query

	// The header lines: field-name ":" OWS field-value OWS.
	for _, line := range lines[1:] {
		name, value, ok := strings.Cut(line, ":")
		if !ok || !isToken(name) {
			// A line starting with a space is obsolete line folding (RFC
			// 9112, section 5.2), which a server may refuse with 400.
			return nil, badRequest("header line %q", line)
		}
		req.Headers.Add(name, strings.Trim(value, " \t"))
	}
	if req.Version == "HTTP/1.1" && len(req.Headers.Values("Host")) != 1 {
		// RFC 9112, section 3.2: a request without exactly one Host is a 400.
		return nil, badRequest("HTTP/1.1 needs one Host header")
	}
	return req, nil
}

// bodyFraming says how the body of req is framed (RFC 9112, section 6.3):
// chunked, or a Content-Length, or (for a request) no body at all.
func bodyFraming(req *Request) (chunked bool, length int, err error) {
	te := req.Headers.Values("Transfer-Encoding")
	cl := req.Headers.Values("Content-Length")
	if len(te) > 0 {
		if len(cl) > 0 {
			// Both at once is how requests are smuggled past proxies;
			// Tornado refuses it too.
			return false, 0, badRequest("both Transfer-Encoding and Content-Length")
		}
		if len(te) != 1 || !strings.EqualFold(te[0], "chunked") {
			return false, 0, badRequest("unsupported Transfer-Encoding %q", strings.Join(te, ", "))
		}
		if req.Version == "HTTP/1.0" {
			return false, 0, badRequest("chunked HTTP/1.0 request")
		}
		return true, 0, nil
	}
	if len(cl) == 0 {
		return false, 0, nil
	}
	for _, v := range cl[1:] {
		if v != cl[0] {
			return false, 0, badRequest("conflicting Content-Length %q", cl)
		}
	}
	n, err := strconv.ParseUint(cl[0], 10, 63)
	if err != nil || strings.TrimLeft(cl[0], "0123456789") != "" {
		return false, 0, badRequest("Content-Length %q", cl[0])
	}
	if n > 1<<40 {
		return false, 0, ErrBodyTooLarge
	}
	return false, int(n), nil
}

// parseChunkSize reads the size line of a chunk: hex digits, maybe a chunk
// extension after ";" (which nobody uses and we ignore), then CRLF.
func parseChunkSize(line []byte) (int, error) {
	line = bytes.TrimSuffix(line, []byte("\r\n"))
	size, _, _ := bytes.Cut(line, []byte(";"))
	size = bytes.TrimRight(size, " \t")
	if len(size) == 0 || len(size) > 8 {
		return 0, badRequest("chunk size %q", line)
	}
	n, err := strconv.ParseUint(string(size), 16, 32)
	if err != nil {
		return 0, badRequest("chunk size %q", line)
	}
	return int(n), nil
}

// keepAlive reports whether the connection may carry another request after
// this one: HTTP/1.1 unless the client said "Connection: close", HTTP/1.0 only
// if the client said "Connection: keep-alive" (RFC 9112, section 9.3).
func keepAlive(req *Request) bool {
	conn := strings.ToLower(strings.Join(req.Headers.Values("Connection"), ","))
	if req.Version == "HTTP/1.1" {
		return !strings.Contains(conn, "close")
	}
	return strings.Contains(conn, "keep-alive")
}

// isToken reports whether s is an RFC 9110 token: the characters allowed in
// a method or a header name.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x7f || c <= ' ' || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
