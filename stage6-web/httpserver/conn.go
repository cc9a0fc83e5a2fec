package httpserver

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	futures "github.com/gornado/gornado/stage3-futures"
	coroutines "github.com/gornado/gornado/stage4-coroutines"
	"github.com/gornado/gornado/stage5-iostream/iostream"
	"golang.org/x/sys/unix"
)

// # One connection, one coroutine
//
// Each accepted connection gets an HTTPConnection and one coroutine, serve,
// that reads like a blocking server's loop: read a request, hand it to the
// Delegate, wait until the response is finished, and go round again while the
// connection may be kept alive. Every read and write is an IOStream Future
// that serve awaits, so while one connection waits for its client, the loop
// runs every other connection. Tornado's HTTP1ServerConnection._server_request_loop
// is the same loop, also a coroutine.
//
// Reading the next request only after the current response is finished is
// what answers pipelined requests in order (RFC 9112, section 9.3.2): a client
// that sends three requests at once finds the second and third waiting in the
// buffer, untouched until the first is answered.

// An HTTPConnection is one client connection. Its methods write the response
// to the current request: WriteHeaders once, Write any number of times, then
// Finish. Tornado calls this HTTP1Connection.
type HTTPConnection struct {
	server   *HTTPServer
	stream   *iostream.IOStream
	remoteIP string

	// buf holds bytes read from the stream but not used yet: the rest of a
	// read that went past the end of a head, or a pipelined next request.
	buf []byte

	// The response in progress.
	request        *Request
	keepAlive      bool // the connection may carry another request after this one
	headersWritten bool
	chunking       bool // the body goes out in chunked Transfer-Encoding
	bodyless       bool // HEAD, 204, 304: no body bytes may be sent
	remaining      int  // Content-Length bytes still to write; -1 if not given
	finished       *futures.Future
	closeCallback  func()
	detached       bool
}

// ErrOutput is the error of a response written out of order: Write before
// WriteHeaders, more bytes than Content-Length, a write after Finish.
var ErrOutput = errors.New("httpserver: response written out of order or past its length")

func newConnection(s *HTTPServer, stream *iostream.IOStream, remoteIP string) *HTTPConnection {
	c := &HTTPConnection{server: s, stream: stream, remoteIP: remoteIP}
	// The stream's close callback fires whenever the client goes away; it
	// is passed on to whoever is handling the current request, which is how
	// a long-polling handler learns that nobody waits for its answer.
	// The connection's coroutine may be waiting for a response that will
	// now never be finished; failing that wait ends the coroutine.
	stream.SetCloseCallback(func() {
		if fn := c.closeCallback; fn != nil {
			c.closeCallback = nil
			fn()
		}
		if c.finished != nil && !c.finished.Done() {
			_ = c.finished.SetException(&iostream.StreamClosedError{RealError: c.stream.Error()})
		}
	})
	return c
}

// serve is the connection's coroutine.
func (c *HTTPConnection) serve(await coroutines.Await) (any, error) {
	defer func() {
		delete(c.server.conns, c)
		if !c.detached {
			c.stream.Close(nil)
		}
	}()
	for {
		req, err := c.readRequest(await)
		if err != nil {
			c.answerError(await, err)
			return nil, nil
		}
		c.startResponse(req)
		c.server.delegate.HandleRequest(await, req)
		if c.detached {
			return nil, nil // a WebSocket owns the stream now
		}
		// A Delegate may return before it has finished the response (a
		// callback will finish it later); wait for that.
		if _, err := await(c.finished); err != nil || !c.keepAlive {
			return nil, nil
		}
	}
}

// # Reading a request

// readRequest reads one request: its head, then its body.
func (c *HTTPConnection) readRequest(await coroutines.Await) (*Request, error) {
	head, err := c.readHead(await)
	if err != nil {
		return nil, err
	}
	req, err := parseHead(head)
	if err != nil {
		return nil, err
	}
	req.Connection, req.RemoteIP = c, c.remoteIP
	chunked, length, err := bodyFraming(req)
	if err != nil {
		return nil, err
	}
	if length > c.server.opts.MaxBodySize {
		return nil, ErrBodyTooLarge
	}
	if (chunked || length > 0) && req.Headers.Get("Expect") == "100-continue" {
		// The client waits for this before it sends the body (RFC 9110,
		// section 10.1.1), as curl does for large POSTs.
		if _, err := await(c.stream.Write([]byte("HTTP/1.1 100 Continue\r\n\r\n"))); err != nil {
			return nil, err
		}
	}
	switch {
	case chunked:
		req.Body, err = c.readChunkedBody(await)
	case length > 0:
		req.Body, err = c.readBytes(await, length)
	}
	return req, err
}

// readHead returns a request's head, without its final empty line. Empty
// lines before a request line are skipped, as RFC 9112 (section 2.2) asks.
//
// Why not the stream's ReadUntil("\r\n\r\n", 64 KiB)? Because ReadUntil
// closes the stream when the delimiter is not within its limit, as Tornado's
// does, and a closed stream cannot carry the 431 answer that tells the client
// what went wrong. So the connection keeps a small buffer of its own (buf)
// and asks the stream only for "whatever bytes you have" (readMore).
func (c *HTTPConnection) readHead(await coroutines.Await) ([]byte, error) {
	searched := 0
	for {
		c.buf = bytes.TrimLeft(c.buf, "\r\n")
		if i := bytes.Index(c.buf[min(searched, len(c.buf)):], []byte("\r\n\r\n")); i >= 0 {
			end := min(searched, len(c.buf)) + i
			if end > c.server.opts.MaxHeaderSize {
				return nil, ErrHeadTooLarge
			}
			head := c.buf[:end]
			c.buf = c.buf[end+4:]
			return head, nil
		}
		if len(c.buf) > c.server.opts.MaxHeaderSize {
			return nil, ErrHeadTooLarge
		}
		// Next time, search only the new bytes (and the 3 before them,
		// which may hold the start of the delimiter).
		searched = max(0, len(c.buf)-3)
		if err := c.readMore(await); err != nil {
			return nil, err
		}
	}
}

// readBytes returns exactly n bytes.
func (c *HTTPConnection) readBytes(await coroutines.Await, n int) ([]byte, error) {
	for len(c.buf) < n {
		if err := c.readMore(await); err != nil {
			return nil, err
		}
	}
	data := c.buf[:n:n]
	c.buf = c.buf[n:]
	return data, nil
}

// readLine returns one line ending in CRLF, of at most max bytes.
func (c *HTTPConnection) readLine(await coroutines.Await, max int) ([]byte, error) {
	for {
		if i := bytes.Index(c.buf, []byte("\r\n")); i >= 0 && i+2 <= max {
			return c.readBytes(await, i+2)
		}
		if len(c.buf) >= max {
			return nil, badRequest("line longer than %d bytes", max)
		}
		if err := c.readMore(await); err != nil {
			return nil, err
		}
	}
}

// readMore waits for the stream to have some bytes and appends them to buf.
// ReadBytes with partial set resolves with whatever is there, up to 64 KiB.
func (c *HTTPConnection) readMore(await coroutines.Await) error {
	v, err := await(c.stream.ReadBytes(64<<10, true, nil))
	if err != nil {
		return err
	}
	c.buf = append(c.buf, v.([]byte)...)
	return nil
}

// readChunkedBody reads a body in chunked Transfer-Encoding (RFC 9112,
// section 7.1): a hex size line, that many bytes and CRLF, again and again,
// until a chunk of size 0; then trailer lines, which we skip, and an empty line.
func (c *HTTPConnection) readChunkedBody(await coroutines.Await) ([]byte, error) {
	var body []byte
	for {
		line, err := c.readLine(await, 1024)
		if err != nil {
			return nil, err
		}
		size, err := parseChunkSize(line)
		if err != nil {
			return nil, err
		}
		if size == 0 {
			break
		}
		if len(body)+size > c.server.opts.MaxBodySize {
			return nil, ErrBodyTooLarge
		}
		chunk, err := c.readBytes(await, size+2)
		if err != nil {
			return nil, err
		}
		if !bytes.HasSuffix(chunk, []byte("\r\n")) {
			return nil, badRequest("chunk not followed by CRLF")
		}
		body = append(body, chunk[:size]...)
	}
	for {
		line, err := c.readLine(await, c.server.opts.MaxHeaderSize)
		if err != nil {
			return nil, err
		}
		if len(line) == 2 {
			return body, nil
		}
	}
}

// answerError answers a request that could not be read with the status its
// error calls for, then the connection closes. A client that merely went away
// (the stream closed) gets no answer: there is nobody to send it to.
func (c *HTTPConnection) answerError(await coroutines.Await, err error) {
	var status int
	var bad *BadRequestError
	switch {
	case errors.As(err, &bad):
		status = http.StatusBadRequest
	case errors.Is(err, ErrHeadTooLarge):
		status = http.StatusRequestHeaderFieldsTooLarge
	case errors.Is(err, ErrBodyTooLarge):
		status = http.StatusRequestEntityTooLarge
	default:
		return
	}
	c.server.logf("%v (from %s)", err, c.remoteIP)
	answer := fmt.Sprintf("HTTP/1.1 %d %s\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", status, http.StatusText(status))
	if _, err := await(c.stream.Write([]byte(answer))); err != nil {
		return
	}
	c.lingeringClose(await)
}

// lingeringClose makes sure an error answer reaches a client that is still
// sending. Closing a socket with unread bytes in it makes the kernel send a
// reset, and a reset can destroy the answer before the client has read it.
// So the server says it is done writing (shutdown), then reads and drops
// what the client still sends, until the client closes too, or for at most
// half a second and 1 MiB (net/http's closeWriteAndWait does the same).
func (c *HTTPConnection) lingeringClose(await coroutines.Await) {
	_ = unix.Shutdown(c.stream.Fileno(), unix.SHUT_WR)
	timer := c.server.Loop.CallLater(500*time.Millisecond, func() { c.stream.Close(nil) })
	defer c.server.Loop.RemoveTimeout(timer)
	for drained := 0; drained < 1<<20; {
		v, err := await(c.stream.ReadBytes(64<<10, true, nil))
		if err != nil {
			return
		}
		drained += len(v.([]byte))
	}
}

// # Writing the response

// startResponse resets the response state for req.
func (c *HTTPConnection) startResponse(req *Request) {
	c.request, c.keepAlive = req, keepAlive(req)
	c.headersWritten, c.chunking, c.bodyless, c.remaining = false, false, false, -1
	c.finished, c.closeCallback = futures.New(), nil
}

// WriteHeaders writes the status line, the headers and a first chunk of the
// body. It decides how the body is framed, as Tornado's
// HTTP1Connection.write_headers does:
//
//   - headers with a Content-Length: exactly that many bytes follow;
//   - an HTTP/1.1 request and no Content-Length: chunked Transfer-Encoding,
//     so that the length need not be known in advance (a handler that
//     Flushes early);
//   - an HTTP/1.0 request and no Content-Length: the body ends when the
//     connection closes, so the connection is not kept alive.
//
// The Future resolves once the bytes are handed to the kernel.
func (c *HTTPConnection) WriteHeaders(status int, headers http.Header, chunk []byte) *futures.Future {
	if c.headersWritten || c.finished.Done() {
		return futures.Failed(ErrOutput)
	}
	c.headersWritten = true
	req := c.request
	c.bodyless = req.Method == "HEAD" || status == 204 || status == 304 || status < 200
	if cl := headers.Get("Content-Length"); cl != "" {
		c.remaining, _ = strconv.Atoi(cl)
	} else if !c.bodyless {
		if req.Version == "HTTP/1.1" {
			c.chunking = true
			headers.Set("Transfer-Encoding", "chunked")
		} else {
			c.keepAlive = false
		}
	}
	switch {
	case !c.keepAlive && req.Version == "HTTP/1.1":
		headers.Set("Connection", "close")
	case c.keepAlive && req.Version == "HTTP/1.0":
		headers.Set("Connection", "keep-alive")
	}

	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	_ = headers.Write(&b) // sorted by name, one "Name: value\r\n" per value
	b.WriteString("\r\n")
	if err := c.appendBody(&b, chunk); err != nil {
		return futures.Failed(err)
	}
	return c.stream.Write(b.Bytes())
}

// Write writes a chunk of the body, after WriteHeaders.
func (c *HTTPConnection) Write(chunk []byte) *futures.Future {
	if !c.headersWritten || c.finished.Done() {
		return futures.Failed(ErrOutput)
	}
	var b bytes.Buffer
	if err := c.appendBody(&b, chunk); err != nil {
		return futures.Failed(err)
	}
	return c.stream.Write(b.Bytes())
}

// appendBody adds chunk to b in the framing WriteHeaders chose.
func (c *HTTPConnection) appendBody(b *bytes.Buffer, chunk []byte) error {
	switch {
	case c.bodyless || len(chunk) == 0:
		// HEAD gets the headers a GET would get, without the body.
	case c.chunking:
		fmt.Fprintf(b, "%x\r\n", len(chunk))
		b.Write(chunk)
		b.WriteString("\r\n")
	case c.remaining >= 0 && len(chunk) > c.remaining:
		return fmt.Errorf("%w: %d bytes past Content-Length", ErrOutput, len(chunk)-c.remaining)
	default:
		c.remaining -= len(chunk)
		b.Write(chunk)
	}
	return nil
}

// Finish ends the response: the last chunk of a chunked body goes out, and
// the connection goes on to the next request (or closes). The Future resolves
// when every byte of the response is handed to the kernel.
func (c *HTTPConnection) Finish() *futures.Future {
	if !c.headersWritten || c.finished.Done() {
		return futures.Failed(ErrOutput)
	}
	c.closeCallback = nil
	var tail []byte
	switch {
	case c.chunking:
		tail = []byte("0\r\n\r\n")
	case !c.bodyless && c.remaining > 0:
		// Fewer bytes than promised: the client would wait for the rest
		// forever, so the connection must close (Tornado does the same).
		c.keepAlive = false
		c.server.logf("httpserver: response ended %d bytes short of its Content-Length", c.remaining)
	}
	// An empty Write still waits for everything queued before it.
	futures.Chain(c.stream.Write(tail), c.finished)
	return c.finished
}

// SetCloseCallback arranges for fn to run if the client closes the connection
// before the current response is finished, Tornado's
// HTTP1Connection.set_close_callback. Finish forgets it.
func (c *HTTPConnection) SetCloseCallback(fn func()) { c.closeCallback = fn }

// Closed reports whether the client's connection is closed.
func (c *HTTPConnection) Closed() bool { return c.stream.Closed() }

// Server returns the server the connection belongs to.
func (c *HTTPConnection) Server() *HTTPServer { return c.server }

// Detach takes the connection's stream away from HTTP: the server will
// neither read another request from it nor close it, and its close callback
// is the caller's to set. A WebSocket handshake detaches the stream once it
// has sent its 101 answer, as Tornado's websocket module does.
func (c *HTTPConnection) Detach() *iostream.IOStream {
	c.detached = true
	c.closeCallback = nil
	c.stream.SetCloseCallback(nil)
	return c.stream
}

// Buffered returns, and forgets, the bytes already read past the request: a
// WebSocket client may send its first frame right behind its handshake.
func (c *HTTPConnection) Buffered() []byte {
	b := c.buf
	c.buf = nil
	return b
}
