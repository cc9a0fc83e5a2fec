package iostream

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	blocking "github.com/gornado/gornado/stage1-blocking"
	futures "github.com/gornado/gornado/stage3-futures"
	coroutines "github.com/gornado/gornado/stage4-coroutines"
	"github.com/gornado/gornado/stage5-iostream/ioloop"
	"golang.org/x/sys/unix"
)

// # The seed's "very simple (and broken) HTTP client"
//
// The seed shows IOStream with this program (tornado's own docstring):
//
//	def send_request():
//	    stream.write(b"GET / HTTP/1.0\r\nHost: friendfeed.com\r\n\r\n")
//	    stream.read_until(b"\r\n\r\n", on_headers)
//
//	def on_headers(data):
//	    headers = {}
//	    for line in data.split(b"\r\n"):
//	       parts = line.split(b":")
//	       if len(parts) == 2:
//	           headers[parts[0].strip()] = parts[1].strip()
//	    stream.read_bytes(int(headers[b"Content-Length"]), on_body)
//
//	def on_body(data):
//	    print(data)
//	    stream.close()
//	    tornado.ioloop.IOLoop.current().stop()
//
//	s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
//	stream = tornado.iostream.IOStream(s)
//	stream.connect(("friendfeed.com", 80), send_request)
//	tornado.ioloop.IOLoop.current().start()
//
// BrokenFetch is that program in Go, bugs included, so that the chapter
// (docs/05-iostream.md) can run it against the workload server and point at
// each one. Futures stand in for the callback arguments Tornado 6 removed.

// BrokenFetch fetches path from address ("127.0.0.1:8080") the seed's way and
// calls onBody with whatever it got. Like the seed's on_body, it stops the
// loop when the body is in, whoever else was using the loop.
func BrokenFetch(loop *ioloop.IOLoop, address, path string, onBody func(body []byte)) {
	fd, _ := Socket(unix.AF_INET)
	stream := NewIOStream(fd, &Options{Loop: loop})

	finish := func(f *futures.Future) {
		data, _ := f.Result()
		body, _ := data.([]byte)
		onBody(body)
		stream.Close(nil)
		loop.Stop()
	}
	onHeaders := func(f *futures.Future) {
		data, _ := f.Result()
		head, _ := data.([]byte)
		headers := seedHeaders(head)
		// Python raises KeyError here when there is no Content-Length; Go's
		// map quietly says "", Atoi fails, and the body is read as 0 bytes.
		n, _ := strconv.Atoi(headers["Content-Length"])
		stream.ReadBytes(n, false, nil).AddDoneCallback(finish)
	}
	sendRequest := func(*futures.Future) {
		stream.Write([]byte("GET " + path + " HTTP/1.0\r\nHost: " + address + "\r\n\r\n"))
		stream.ReadUntil([]byte("\r\n\r\n"), 0).AddDoneCallback(onHeaders)
	}
	stream.Connect(address, "").AddDoneCallback(sendRequest)
}

// seedHeaders is on_headers' loop: split each line at every colon, keep the
// lines that had exactly one.
func seedHeaders(head []byte) map[string]string {
	headers := map[string]string{}
	for _, line := range bytes.Split(head, []byte("\r\n")) {
		parts := bytes.Split(line, []byte(":"))
		if len(parts) == 2 {
			headers[string(bytes.TrimSpace(parts[0]))] = string(bytes.TrimSpace(parts[1]))
		}
	}
	return headers
}

// # A fixed client
//
// FetchCoroutine is the same fetch with every bug of BrokenFetch fixed. It is
// a stage4 coroutine, so it reads top to bottom like stage1's blocking fetch,
// and it runs on the real IOLoop over an IOStream:
//
//   - nothing is global and nothing stops the loop: any number of fetches
//     share one loop, and the caller decides when the program ends;
//   - every error comes back as the coroutine's error: a refused connect, a
//     closed stream, a timeout, a bad status (blocking.HTTPError);
//   - the status line is read, and header names are matched without regard to
//     case, split at the first colon only (so "Date: 19:18:53" survives);
//   - all three framings are read: Content-Length, chunked, and "until the
//     server closes" (the request says HTTP/1.1 and Connection: close);
//   - the head is limited to 64 KiB (maxBytes), so a server that never ends
//     its headers cannot make the client buffer 100 MiB.

// FetchTimeout bounds a whole FetchCoroutine, as Tornado's request_timeout.
const FetchTimeout = 20 * time.Second

// maxHeadBytes caps the status line and headers, as Tornado's
// max_header_size (64 KiB).
const maxHeadBytes = 64 << 10

// ErrFetchTimeout is the error of a fetch that took longer than FetchTimeout.
var ErrFetchTimeout = errors.New("iostream: fetch timed out")

// FetchCoroutine fetches rawURL (http://IP:port/path) and returns its body.
func FetchCoroutine(loop *ioloop.IOLoop, rawURL string) coroutines.Func {
	return func(await coroutines.Await) (any, error) {
		u, err := url.Parse(rawURL)
		if err != nil || u.Scheme != "http" {
			return nil, fmt.Errorf("iostream: fetch %q: only http:// URLs", rawURL)
		}
		address := u.Host
		if u.Port() == "" {
			address += ":80"
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return nil, fmt.Errorf("iostream: fetch %q: the host must be an IP address: %w", rawURL, err)
		}
		family := unix.AF_INET
		if !ap.Addr().Is4() {
			family = unix.AF_INET6
		}
		fd, err := Socket(family)
		if err != nil {
			return nil, err
		}
		stream := NewIOStream(fd, &Options{Loop: loop})
		defer stream.Close(nil)
		timeout := loop.CallLater(FetchTimeout, func() { stream.Close(ErrFetchTimeout) })
		defer loop.RemoveTimeout(timeout)

		if _, err := await(stream.Connect(address, "")); err != nil {
			return nil, err
		}
		path := u.RequestURI()
		request := "GET " + path + " HTTP/1.1\r\nHost: " + u.Host + "\r\nConnection: close\r\n\r\n"
		if _, err := await(stream.Write([]byte(request))); err != nil {
			return nil, err
		}
		head, err := await(stream.ReadUntil([]byte("\r\n\r\n"), maxHeadBytes))
		if err != nil {
			return nil, err
		}
		code, headers, err := parseHead(head.([]byte))
		if err != nil {
			return nil, fmt.Errorf("iostream: fetch %s: %w", rawURL, err)
		}

		var body []byte
		switch {
		case strings.EqualFold(headers.Get("Transfer-Encoding"), "chunked"):
			body, err = readChunked(await, stream)
		case headers.Get("Content-Length") != "":
			n, perr := strconv.Atoi(headers.Get("Content-Length"))
			if perr != nil || n < 0 {
				return nil, fmt.Errorf("iostream: fetch %s: bad Content-Length %q", rawURL, headers.Get("Content-Length"))
			}
			var v any
			v, err = await(stream.ReadBytes(n, false, nil))
			body, _ = v.([]byte)
		default:
			var v any
			v, err = await(stream.ReadUntilClose(nil))
			body, _ = v.([]byte)
		}
		if err != nil {
			return nil, err
		}
		if code < 200 || code > 299 {
			return nil, &blocking.HTTPError{Code: code, URL: rawURL, Body: body}
		}
		return body, nil
	}
}

// parseHead reads "HTTP/1.1 200 OK\r\nName: value\r\n...\r\n\r\n".
func parseHead(head []byte) (int, textproto.MIMEHeader, error) {
	lines := strings.Split(strings.TrimSuffix(string(head), "\r\n\r\n"), "\r\n")
	proto, rest, _ := strings.Cut(lines[0], " ")
	codeText, _, _ := strings.Cut(rest, " ")
	code, err := strconv.Atoi(codeText)
	if !strings.HasPrefix(proto, "HTTP/1.") || err != nil || code < 100 || code > 999 {
		return 0, nil, fmt.Errorf("malformed status line %q", lines[0])
	}
	headers := textproto.MIMEHeader{}
	for _, line := range lines[1:] {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return 0, nil, fmt.Errorf("malformed header line %q", line)
		}
		headers.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	return code, headers, nil
}

// readChunked reads a chunked body: a hex size line, that many bytes and a
// CRLF, again and again until a chunk of size 0 and the (empty) trailer.
func readChunked(await coroutines.Await, stream *IOStream) ([]byte, error) {
	var body []byte
	for {
		v, err := await(stream.ReadUntil([]byte("\r\n"), 1024))
		if err != nil {
			return nil, err
		}
		sizeText, _, _ := strings.Cut(strings.TrimSpace(string(v.([]byte))), ";")
		size, err := strconv.ParseInt(sizeText, 16, 32)
		if err != nil || size < 0 {
			return nil, fmt.Errorf("iostream: bad chunk size %q", sizeText)
		}
		if size == 0 {
			// Trailer fields, if any, end with an empty line.
			for {
				v, err := await(stream.ReadUntil([]byte("\r\n"), maxHeadBytes))
				if err != nil {
					return nil, err
				}
				if len(v.([]byte)) == 2 {
					return body, nil
				}
			}
		}
		v, err = await(stream.ReadBytes(int(size)+2, false, nil))
		if err != nil {
			return nil, err
		}
		body = append(body, v.([]byte)[:size]...)
	}
}
