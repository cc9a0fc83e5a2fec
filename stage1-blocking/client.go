package blocking

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The errors a fetch can end with. Each wraps the cause, so a caller can test
// for the kind with errors.Is and still print what went wrong.
var (
	// ErrBadURL: the URL could not be parsed, or is not an http:// URL.
	ErrBadURL = errors.New("blocking: bad URL")
	// ErrMalformedResponse: the server's bytes are not an HTTP/1.x response.
	ErrMalformedResponse = errors.New("blocking: malformed response")
)

// HTTPError is the error of a response whose status is not 2xx, like
// Tornado's tornado.httpclient.HTTPError: the request worked, the answer is
// a failure. Use errors.As to get at the code.
type HTTPError struct {
	Code int    // the status code, such as 404
	URL  string // the URL that was fetched
	Body []byte // the body of the error page, for a message or a log
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("blocking: HTTP %d fetching %s", e.Code, e.URL)
}

// HTTPClient is the seed's tornado.httpclient.HTTPClient: fetch a URL and wait
// for the whole answer. It speaks just enough HTTP/1.1 to read a page: one
// request per connection, and a response framed by Content-Length, by chunked
// Transfer-Encoding, or by the server closing the connection.
type HTTPClient struct {
	// Timeout bounds the whole fetch, from connect to the last byte. Zero means
	// 20 seconds, Tornado's default request_timeout.
	Timeout time.Duration
}

// Fetch fetches url with a default HTTPClient: the seed's synchronous_fetch.
//
//	def synchronous_fetch(url):
//	    http_client = HTTPClient()
//	    response = http_client.fetch(url)
//	    return response.body
func Fetch(url string) ([]byte, error) {
	return (&HTTPClient{}).Fetch(url)
}

// Fetch connects, sends a GET request and reads the response. While it waits
// for the network the calling goroutine does nothing else: that is the whole
// point of this stage.
func (c *HTTPClient) Fetch(rawURL string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	if u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("%w: %q is not an http:// URL", ErrBadURL, rawURL)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}

	// Each of the three calls below blocks: Dial until the TCP handshake is
	// done, Write until the kernel has taken the request, and the reads in
	// readResponse until the server's bytes arrive.
	conn, err := net.DialTimeout("tcp", host, timeout)
	if err != nil {
		return nil, fmt.Errorf("blocking: fetch %s: %w", rawURL, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))

	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nUser-Agent: gornado-stage1\r\n\r\n",
		u.RequestURI(), u.Host)
	if _, err := io.WriteString(conn, req); err != nil {
		return nil, fmt.Errorf("blocking: fetch %s: %w", rawURL, err)
	}
	code, body, err := readResponse(bufio.NewReader(conn))
	if err != nil {
		return nil, fmt.Errorf("blocking: fetch %s: %w", rawURL, err)
	}
	if code < 200 || code > 299 {
		return nil, &HTTPError{Code: code, URL: rawURL, Body: body}
	}
	return body, nil
}

// readResponse reads a status line, the headers and the body. The body's end
// is found in one of three ways (RFC 9112, section 6.3): chunked
// Transfer-Encoding, a Content-Length, or else the end of the connection.
func readResponse(r *bufio.Reader) (code int, body []byte, err error) {
	line, err := readLine(r)
	if err != nil {
		return 0, nil, err
	}
	// "HTTP/1.1 200 OK": a version, a three-digit code, an optional reason.
	version, rest, _ := strings.Cut(line, " ")
	codeText, _, _ := strings.Cut(rest, " ")
	if !strings.HasPrefix(version, "HTTP/1.") || len(codeText) != 3 {
		return 0, nil, fmt.Errorf("%w: status line %q", ErrMalformedResponse, line)
	}
	if code, err = strconv.Atoi(codeText); err != nil || code < 100 {
		return 0, nil, fmt.Errorf("%w: status line %q", ErrMalformedResponse, line)
	}

	headers := map[string]string{}
	for {
		line, err := readLine(r)
		if err != nil {
			return 0, nil, err
		}
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return 0, nil, fmt.Errorf("%w: header line %q", ErrMalformedResponse, line)
		}
		headers[strings.ToLower(strings.TrimSpace(name))] = strings.TrimSpace(value)
	}

	switch {
	case strings.EqualFold(headers["transfer-encoding"], "chunked"):
		body, err = readChunked(r)
	case headers["content-length"] != "":
		n, perr := strconv.ParseUint(headers["content-length"], 10, 31)
		if perr != nil {
			return 0, nil, fmt.Errorf("%w: Content-Length %q", ErrMalformedResponse, headers["content-length"])
		}
		body = make([]byte, n)
		_, err = io.ReadFull(r, body)
	default:
		body, err = io.ReadAll(r)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = fmt.Errorf("%w: body cut short", ErrMalformedResponse)
	}
	return code, body, err
}

// readChunked decodes a chunked body: a hex size line, that many bytes and a
// CRLF, again and again, until a chunk of size zero (RFC 9112, section 7.1).
func readChunked(r *bufio.Reader) ([]byte, error) {
	var body []byte
	for {
		line, err := readLine(r)
		if err != nil {
			return nil, err
		}
		sizeText, _, _ := strings.Cut(line, ";") // drop chunk extensions
		size, err := strconv.ParseUint(strings.TrimSpace(sizeText), 16, 31)
		if err != nil {
			return nil, fmt.Errorf("%w: chunk size %q", ErrMalformedResponse, line)
		}
		if size == 0 {
			// Trailer fields, if any, then the empty line that ends the body.
			for {
				if line, err = readLine(r); err != nil || line == "" {
					return body, err
				}
			}
		}
		start := len(body)
		body = append(body, make([]byte, size)...)
		if _, err := io.ReadFull(r, body[start:]); err != nil {
			return nil, err
		}
		if crlf, err := readLine(r); err != nil || crlf != "" {
			return nil, fmt.Errorf("%w: no CRLF after chunk data", ErrMalformedResponse)
		}
	}
}

// readLine reads one line, without its CRLF (a bare LF is accepted too, as most
// clients do). A line longer than 64 KiB is an error rather than a reason to
// buffer without end.
func readLine(r *bufio.Reader) (string, error) {
	var line []byte
	for {
		part, isPrefix, err := r.ReadLine()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return "", fmt.Errorf("%w: connection closed mid-response", ErrMalformedResponse)
			}
			return "", err
		}
		line = append(line, part...)
		if len(line) > 64<<10 {
			return "", fmt.Errorf("%w: line longer than 64 KiB", ErrMalformedResponse)
		}
		if !isPrefix {
			return string(line), nil
		}
	}
}
