package callbacks

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// HTTPError is the error of a fetch whose server answered with a status other
// than 2xx, like Tornado's HTTPClientError (tornado.httpclient.HTTPError). Get
// at the code with errors.As:
//
//	var he *callbacks.HTTPError
//	if errors.As(err, &he) && he.Code == 404 { ... }
type HTTPError struct {
	Code   int    // the status code, such as 404
	Reason string // the reason phrase the server sent, such as "Not Found"
	Body   []byte // the body of the answer, often an explanation
}

func (e *HTTPError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.Code, e.Reason) }

// ErrTimeout is the error of a fetch that did not finish within its timeout,
// Tornado's HTTPTimeoutError (its code 599).
var ErrTimeout = errors.New("callbacks: fetch timed out")

// DefaultTimeout is the timeout of Fetch: Tornado's default request_timeout.
const DefaultTimeout = 20 * time.Second

// Fetch GETs url and calls callback on the loop with the body, or with an
// error: a *HTTPError for a status other than 2xx, ErrTimeout after
// DefaultTimeout, or what went wrong on the way. It is the seed's
// asynchronous_fetch(url, callback): Fetch returns at once, before any byte is
// sent, and the callback runs later, from the loop, exactly once.
//
// Call Fetch on the loop's goroutine (or before Start). It speaks HTTP/1.1
// over plain TCP to an IP address or "localhost"; see the README for what
// else it leaves out.
func Fetch(l *Loop, url string, callback func(body []byte, err error)) {
	FetchWithTimeout(l, url, DefaultTimeout, callback)
}

// FetchWithTimeout is Fetch with a timeout of its own.
func FetchWithTimeout(l *Loop, rawURL string, timeout time.Duration, callback func(body []byte, err error)) {
	f := &fetch{loop: l, fd: -1, callback: callback}
	addr, request, err := buildRequest(rawURL)
	if err == nil {
		err = f.connect(addr)
	}
	if err != nil {
		// Even a failure the caller could hear about at once goes through the
		// loop: a callback that sometimes runs before Fetch returns and
		// sometimes after is a trap for whoever calls Fetch.
		l.AddCallback(func() { callback(nil, err) })
		return
	}
	f.unsent = request
	f.timer = l.CallLater(timeout, func() { f.finish(nil, ErrTimeout) })
}

// A fetch is one request in flight. Its state has to live in a struct:
// between one callback and the next, Fetch's own stack frame is long gone.
type fetch struct {
	loop     *Loop
	fd       int
	unsent   []byte // the part of the request not written yet
	received []byte // everything read so far
	timer    *Timer
	callback func([]byte, error)
}

// buildRequest turns a URL into the address to connect to and the bytes of
// the request. The request says "Connection: close", so every fetch has a
// connection of its own and a body without length can end with the close.
func buildRequest(rawURL string) (*unix.SockaddrInet4, []byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, fmt.Errorf("callbacks: %w", err)
	}
	if u.Scheme != "http" {
		return nil, nil, fmt.Errorf("callbacks: %q: only http:// URLs are supported", rawURL)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "80"
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	// Resolving a name would block the whole loop (getaddrinfo has no
	// non-blocking form), so the toy accepts IPv4 addresses only.
	ip := net.ParseIP(host).To4()
	p, err := strconv.ParseUint(port, 10, 16)
	if ip == nil || err != nil {
		return nil, nil, fmt.Errorf("callbacks: %q: need an IPv4 address and port", rawURL)
	}
	addr := &unix.SockaddrInet4{Port: int(p)}
	copy(addr.Addr[:], ip)
	request := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: gornado-stage2\r\nConnection: close\r\n\r\n",
		u.RequestURI(), u.Host)
	return addr, []byte(request), nil
}

// connect opens a non-blocking socket and starts connecting. A non-blocking
// connect returns EINPROGRESS at once; the socket becomes writable when the
// connection is up (or has failed), so the first handler waits for WRITE.
func (f *fetch) connect(addr *unix.SockaddrInet4) error {
	// Hold ForkLock so a child process started meanwhile by another goroutine
	// cannot inherit the socket before it is marked close-on-exec.
	syscall.ForkLock.RLock()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return fmt.Errorf("callbacks: socket: %w", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return fmt.Errorf("callbacks: socket: %w", err)
	}
	if err := unix.Connect(fd, addr); err != nil && err != unix.EINPROGRESS {
		unix.Close(fd)
		return fmt.Errorf("callbacks: connect: %w", err)
	}
	f.fd = fd
	f.loop.AddHandler(fd, WRITE, f.onConnected)
	return nil
}

// onConnected runs when the socket is writable for the first time: the
// connect has finished. Whether it worked is in the socket's SO_ERROR.
func (f *fetch) onConnected(Events) {
	soerr, err := unix.GetsockoptInt(f.fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err == nil && soerr != 0 {
		err = syscall.Errno(soerr)
	}
	if err != nil {
		f.finish(nil, fmt.Errorf("callbacks: connect: %w", err))
		return
	}
	f.loop.AddHandler(f.fd, WRITE, f.onWritable)
	f.onWritable(WRITE)
}

// onWritable writes as much of the request as the socket takes. A request of
// a hundred bytes nearly always goes in one write, but "nearly" is not a
// protocol: the rest waits for the next WRITE event.
func (f *fetch) onWritable(Events) {
	n, err := unix.Write(f.fd, f.unsent)
	if err == unix.EAGAIN {
		return
	}
	if err != nil {
		f.finish(nil, fmt.Errorf("callbacks: write: %w", err))
		return
	}
	f.unsent = f.unsent[n:]
	if len(f.unsent) == 0 {
		f.loop.AddHandler(f.fd, READ, f.onReadable)
	}
}

// onReadable reads what has arrived, once per event: the loop is
// level-triggered, so poll reports the socket again if more is waiting. The
// bytes land in the loop's shared buffer and are copied into this fetch's own.
func (f *fetch) onReadable(Events) {
	buf := f.loop.readBuf
	n, err := unix.Read(f.fd, buf)
	if err == unix.EAGAIN {
		return
	}
	if err != nil {
		f.finish(nil, fmt.Errorf("callbacks: read: %w", err))
		return
	}
	f.received = append(f.received, buf[:n]...)
	resp, complete, err := parseResponse(f.received, n == 0)
	switch {
	case err != nil:
		f.finish(nil, err)
	case !complete:
		return // wait for more
	case resp.code < 200 || resp.code > 299:
		f.finish(nil, &HTTPError{Code: resp.code, Reason: resp.reason, Body: resp.body})
	default:
		f.finish(resp.body, nil)
	}
}

// finish tears the fetch down (timer, handler, socket, in that order) and
// delivers the outcome. Whichever comes first, the answer or the timeout,
// calls finish; the callback field being nil afterwards makes sure the other
// one, and the caller, hear nothing more.
func (f *fetch) finish(body []byte, err error) {
	callback := f.callback
	if callback == nil {
		return
	}
	f.callback = nil
	f.timer.Cancel()
	f.loop.RemoveHandler(f.fd)
	unix.Close(f.fd)
	callback(body, err)
}
