// The request and response types of the client, and its errors: Tornado's
// HTTPRequest, HTTPResponse and HTTPClientError.

package httpclient

import (
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"github.com/gornado/gornado/final/httputil"
)

// Defaults of HTTPRequest, Tornado's.
const (
	DefaultConnectTimeout = 20 * time.Second
	DefaultRequestTimeout = 20 * time.Second
	DefaultMaxRedirects   = 5
	DefaultUserAgent      = "gornado/1.0"
	// DefaultMaxClients is how many requests run at once per client; more
	// wait in a queue (Tornado's max_clients).
	DefaultMaxClients = 10
	// DefaultIdleTimeout is how long a pooled connection may stay unused
	// (AsyncHTTPClient.IdleTimeout). Tornado's simple client pools
	// nothing; this is net/http's DefaultTransport's figure.
	DefaultIdleTimeout = 90 * time.Second
	// DefaultMaxBodySize bounds a response body (Tornado's 100 MiB).
	DefaultMaxBodySize = 100 << 20
	// DefaultMaxInterimResponses bounds the interim (1xx) responses
	// before the final one (HTTPRequest.MaxInterimResponses). Tornado has
	// no bound; net/http had 5 until Go 1.23 (max1xxResponses, "arbitrary
	// bound"). Ten leaves room for a 100 Continue and several 103 Early
	// Hints or 102 Processing while an endless stream of them is refused
	// after its tenth.
	DefaultMaxInterimResponses = 10
	// DefaultMaxInterimBytes bounds the interim heads of a response
	// together (HTTPRequest.MaxInterimBytes): one ordinary head's limit,
	// httputil.DefaultMaxHeaderBytes, for all of them, the final head
	// having its own. curl counts every head of a response, interim ones
	// included, against 300 KiB (CVE-2023-38039); net/http since Go 1.24
	// against MaxResponseHeaderBytes, 10 MiB.
	DefaultMaxInterimBytes = 64 << 10
)

// HTTPRequest is one request to fetch (Tornado's HTTPRequest). Only URL is
// required; zero fields take Tornado's defaults.
type HTTPRequest struct {
	// URL is the absolute http or https URL to fetch.
	URL string
	// Method is "GET" unless set.
	Method string
	// Headers are sent as given (Host, Content-Length, User-Agent and
	// Accept-Encoding are added unless present).
	Headers *httputil.HTTPHeaders
	// Body is the request body.
	Body []byte
	// BodyProducer, instead of Body, writes the body in pieces, sent
	// chunked unless Content-Length is in Headers (Tornado's
	// body_producer). It runs on the loop and returns when done.
	BodyProducer func(write func([]byte) error) error
	// StreamingCallback, if set, receives the body in pieces, on the loop,
	// and HTTPResponse.Body stays empty.
	StreamingCallback func(chunk []byte)
	// HeaderCallback, if set, receives the status line and each header
	// line of the response (with CRLF), then "\r\n".
	HeaderCallback func(line string)
	// ConnectTimeout bounds connecting (and, in the queue, waiting).
	ConnectTimeout time.Duration
	// RequestTimeout bounds the whole request.
	RequestTimeout time.Duration
	// NoFollowRedirects returns 3xx responses instead of following them
	// (Tornado's follow_redirects=False).
	NoFollowRedirects bool
	// MaxRedirects bounds the redirects followed (5).
	MaxRedirects int
	// UserAgent is sent as User-Agent.
	UserAgent string
	// NoDecompress keeps a gzip response body as sent (Tornado's
	// decompress_response=False); by default Accept-Encoding: gzip is
	// sent and gzip bodies are decoded.
	NoDecompress bool
	// TLSConfig is used for https: RootCAs (ca_certs), Certificates
	// (client_cert, client_key) and InsecureSkipVerify (validate_cert=False).
	TLSConfig *tls.Config
	// Expect100Continue sends the body only after the server's 100 Continue.
	Expect100Continue bool
	// AuthUsername and AuthPassword send basic authentication.
	AuthUsername, AuthPassword string
	// AllowNonOK returns non-2xx responses without an error (Tornado's
	// raise_error=False); by default they fail with *HTTPClientError.
	AllowNonOK bool
	// MaxBodySize bounds the response body (DefaultMaxBodySize if 0): a
	// Content-Length over it fails before any body byte is read, and a
	// body without one, or a decompressed body, fails once it passes it.
	// The body is held in chunks, so it costs about its size, not the
	// three or four times an append-grown buffer does.
	MaxBodySize int
	// MaxInterimResponses bounds the interim (1xx) responses accepted
	// before the final one (DefaultMaxInterimResponses if 0); one more
	// fails with ErrTooManyInterimResponses.
	MaxInterimResponses int
	// MaxInterimBytes bounds the bytes of those interim heads together
	// (DefaultMaxInterimBytes if 0); going over fails with
	// ErrTooManyInterimResponses.
	MaxInterimBytes int
}

// HTTPResponse is a fetched response (Tornado's HTTPResponse).
type HTTPResponse struct {
	// Request is the request that was made (the last one, after
	// redirects).
	Request *HTTPRequest
	// Code is the status code; Reason its phrase.
	Code   int
	Reason string
	// Headers are the response's header fields.
	Headers *httputil.HTTPHeaders
	// Body is the body, decompressed unless NoDecompress.
	Body []byte
	// EffectiveURL is the URL after redirects.
	EffectiveURL string
	// RequestTime is the time from Fetch to the response, queue included.
	RequestTime time.Duration
	// Error is the error Fetch failed with, if any.
	Error error
}

// HTTPClientError is a failed fetch (Tornado's HTTPClientError, formerly
// HTTPError): a non-2xx response (Code and Response set), or 599 for a
// request that got no response (timeouts, closed connections), as Tornado.
type HTTPClientError struct {
	// Code is the status code, 599 when there is no response.
	Code int
	// Message says what happened ("Timeout while connecting").
	Message string
	// Response is the response, if there was one.
	Response *HTTPResponse
	// Err is the underlying error, if any.
	Err error
}

// Error implements error.
func (e *HTTPClientError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = httputil.StatusText(e.Code)
	}
	if e.Err != nil && e.Code == 599 {
		return fmt.Sprintf("HTTP %d: %s: %v", e.Code, msg, e.Err)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Code, msg)
}

// Unwrap returns the underlying error.
func (e *HTTPClientError) Unwrap() error { return e.Err }

// Sentinel errors of package httpclient; a timeout's *HTTPClientError
// wraps one of the three Timeout errors, which say where it happened.
var (
	ErrTimeoutInQueue    = errors.New("httpclient: timeout in request queue")
	ErrTimeoutConnecting = errors.New("httpclient: timeout while connecting")
	ErrTimeoutRequest    = errors.New("httpclient: timeout during request")
	// ErrBadURL is the error of a URL that is not absolute http(s).
	ErrBadURL = errors.New("httpclient: unsupported URL")
	// ErrClientClosed fails fetches pending when the client closes.
	ErrClientClosed = errors.New("httpclient: client closed")
	// ErrBodyTooLarge is a response body over MaxBodySize.
	ErrBodyTooLarge = errors.New("httpclient: response body too large")
	// ErrTooManyInterimResponses is a server sending more interim (1xx)
	// responses, or more bytes of them, than MaxInterimResponses and
	// MaxInterimBytes allow: without a bound, an endless stream of
	// "HTTP/1.1 100 Continue" keeps the client reading forever.
	ErrTooManyInterimResponses = errors.New("httpclient: too many interim (1xx) responses")
	// ErrUnsafeRequest is a method that is not a token, or a header or
	// User-Agent with CR, LF or another control byte: sent, it would end
	// the request line or a field early and let the rest pass as fields or
	// a second request of the caller's making (request splitting).
	ErrUnsafeRequest = errors.New("httpclient: unsafe method or header")
)
