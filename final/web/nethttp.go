// Serving an Application under net/http: ServeHTTP runs each request's
// handler on a loop of the application's own, so that handlers keep
// Tornado's one-thread semantics (and may be coroutines) wherever they
// are hosted. A WebSocket takes its connection from net/http (Hijack) and
// moves it to an iostream on that loop.

package web

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gornado/gornado/final/http1connection"
	"github.com/gornado/gornado/final/httputil"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/iostream"
)

// netState is what serving under net/http needs: the loop ServeHTTP runs
// handlers on, started on first use and running until Close.
type netState struct {
	mu sync.Mutex
	// loop is the loop, or nil before the first request; err says why it
	// could not be made.
	loop *ioloop.IOLoop
	err  error
	// ended is closed once the loop has stopped and closed. A request
	// whose callback the loop never ran (queued as Close stopped it)
	// waits on it too, and is answered 503 instead of waiting for ever.
	ended chan struct{}
	// closed is set by Close: no loop starts after it.
	closed bool
}

// errAppClosed is why ServeHTTP answers 503 after Application.Close.
var errAppClosed = errors.New("web: the application was closed")

// loopForNetHTTP returns the loop ServeHTTP runs handlers on and the
// channel closed when it has ended, starting it on first use.
func (a *Application) loopForNetHTTP() (*ioloop.IOLoop, chan struct{}, error) {
	n := &a.net
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case n.closed:
		return nil, nil, errAppClosed
	case n.loop == nil && n.err == nil:
		l, err := ioloop.New()
		if err != nil {
			n.err = err
			break
		}
		n.loop, n.ended = l, make(chan struct{})
		go func(ended chan struct{}) {
			l.Start()
			l.Close(false)
			close(ended)
		}(n.ended)
	}
	return n.loop, n.ended, n.err
}

// Close stops the loop ServeHTTP runs handlers on, if it was started;
// serving on final/httpserver needs no Close (close the server). The
// WebSockets ServeHTTP upgraded are closed first: each gets a Close frame
// (1001, going away), its stream is closed without waiting for the
// answer, and its handler's OnClose runs before the loop stops. net/http
// forgets a connection once it is hijacked, so http.Server's Shutdown and
// Close do not end them; Close does. Requests still waiting for their
// handler are answered 503, as are those that arrive after Close. A
// second Close does nothing.
func (a *Application) Close() error {
	n := &a.net
	n.mu.Lock()
	l, ended, already := n.loop, n.ended, n.closed
	n.closed = true
	n.mu.Unlock()
	if l == nil || already {
		return nil
	}
	l.AddCallback(func() {
		a.CloseUpgraded(l)
		// The streams' close callbacks (OnClose) were queued by the
		// closes above, so they run before this one.
		l.AddCallback(l.Stop)
	})
	<-ended
	return nil
}

// ServeHTTP serves r under net/http: the Application is an http.Handler.
// A route to a FallbackHandler calls its http.Handler directly; every
// other request runs on the application's loop while this goroutine
// waits, and a client that goes away before the answer reaches the
// handler's OnConnectionClose.
//
// WebSocketUpgrade works here over HTTP/1.x: the connection is hijacked
// (http.ResponseController) while ServeHTTP waits, moved to an iostream on
// the application's loop (over TLS, relayed to one: relayTLS), and
// ServeHTTP returns without writing anything. Over HTTP/2, or through a
// ResponseWriter that cannot Hijack, it returns ErrNotUpgradable and the
// response is still the handler's to write.
func (a *Application) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	spec, _ := a.find([]byte(r.Host), []byte(path), nil)
	if spec != nil && spec.fallback != nil {
		spec.fallback.Fallback.ServeHTTP(w, r)
		return
	}
	loop, ended, err := a.loopForNetHTTP()
	if err == errAppClosed {
		http.Error(w, "503: Service Unavailable", http.StatusServiceUnavailable)
		return
	}
	if err != nil {
		http.Error(w, "500: Internal Server Error", 500)
		return
	}
	limit := a.Settings.MaxBodySize
	if limit <= 0 {
		limit = httputil.DefaultMaxBodySize
	}
	// A streaming handler reads the body on the loop a piece at a time
	// (streamBody), after Prepare; the others get it whole. A request
	// refused from its head alone (a 404, a 405) is answered without its
	// body, as on final's server (dispatch.HeadersReceived); net/http
	// discards what is left of it, or closes the connection.
	_, streams := a.handlerFor(spec).(StreamingHandler)
	var body []byte
	if !streams && (r.ContentLength == 0 || refusal(a.handlerFor(spec), r.Method) == 0) {
		body, err = io.ReadAll(io.LimitReader(r.Body, limit+1))
		if err != nil {
			http.Error(w, "400: Bad Request", 400)
			return
		}
		if int64(len(body)) > limit {
			http.Error(w, "413: Content Too Large", http.StatusRequestEntityTooLarge)
			return
		}
	}
	headers := &httputil.HTTPHeaders{}
	for k, vs := range r.Header {
		for _, v := range vs {
			headers.Add(k, v)
		}
	}
	target := r.RequestURI
	if target == "" {
		target = r.URL.RequestURI()
	}
	out := &netResponder{w: w, r: r, done: make(chan struct{})}
	remote, _, _ := net.SplitHostPort(r.RemoteAddr)
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	version := httputil.HTTP11
	if r.ProtoMajor == 1 && r.ProtoMinor == 0 {
		version = httputil.HTTP10
	}
	var d *dispatch
	loop.AddCallback(func() {
		ls := a.stateOf(loop)
		d = &dispatch{app: a, ls: ls, loop: loop, out: out}
		args := ls.argsBuf[:0]
		spec, args := a.find([]byte(r.Host), []byte(path), args)
		if spec == nil {
			spec = a.notFound
		}
		ls.argsBuf = args
		h := ls.instance(spec)
		d.spec, d.h = spec, h
		rh := h.base()
		rh.init(d, args)
		req := &rh.req
		req.Method, req.Headers, req.RemoteIP, req.Protocol = r.Method, headers, remote, proto
		req.Version, req.StartTime = version, loop.Time()
		req.target, req.host, req.Body = []byte(target), []byte(r.Host), body
		_, d.streaming = h.(StreamingHandler)
		rh.step = stepPrepare
		if d.streaming {
			rh.runUntil(stepMethod)
			return // streamBody hands it the body
		}
		rh.peer = rh.peer.sent()
		rh.run()
	})
	ctx := r.Context()
	if streams {
		a.streamBody(loop, ended, r, limit, out, func() *dispatch { return d })
	}
	select {
	case <-out.done:
	case <-ctx.Done():
		gone := make(chan struct{})
		loop.AddCallback(func() {
			if !out.finished {
				out.gone = true
				d.OnConnectionClose()
			}
			close(gone)
		})
		select {
		case <-gone:
		case <-ended:
		}
	case <-ended:
		// Close stopped the loop before the handler finished (or ran):
		// the loop is gone, so out is this goroutine's to read.
		if !out.finished && !out.wrote {
			http.Error(w, "503: Service Unavailable", http.StatusServiceUnavailable)
		}
	}
}

// streamBody reads r's body a piece at a time for a streaming handler
// served under net/http, as final's connection does: each piece goes to
// DataReceived on the loop, and the next is read only once that is done,
// including what DataReceived made the body wait for (dispatch.data), so
// that a slow handler pushes back on the client here too. It runs on
// ServeHTTP's goroutine and returns when the body has been handed over
// whole, the response is finished or the client gone, or the loop has
// ended. dispatchOf returns the request's dispatcher; it is read on the
// loop only, after the callback that sets it.
func (a *Application) streamBody(loop *ioloop.IOLoop, ended chan struct{}, r *http.Request, limit int64, out *netResponder, dispatchOf func() *dispatch) {
	// One buffer, reused: DataReceived's piece is valid only during the
	// call, and the next read waits for it (and its wait) to end.
	buf := make([]byte, http1connection.DefaultChunkSize)
	next := make(chan bool, 1)
	var total int64
	for {
		var n int
		var rerr error
		select {
		case <-out.done:
			// Answered already (Prepare refused it, say): the rest of the
			// body is net/http's to discard.
			rerr = io.EOF
		default:
			n, rerr = r.Body.Read(buf)
		}
		if total += int64(n); total > limit {
			n, rerr = 0, &HTTPError{Code: http.StatusRequestEntityTooLarge}
		}
		if n > 0 {
			piece := buf[:n]
			loop.AddCallback(func() {
				if out.gone || out.finished {
					next <- false // answered, or the client left
					return
				}
				if aw := dispatchOf().data(piece); aw != nil {
					aw.OnDone(func() { next <- !out.gone && !out.finished })
					return
				}
				next <- !out.finished
			})
			select {
			case more := <-next:
				if !more {
					rerr = io.EOF
				}
			case <-r.Context().Done():
				return // ServeHTTP tells the handler
			case <-ended:
				return
			}
		}
		if rerr != nil {
			endBody(loop, out, dispatchOf, rerr)
			return
		}
	}
}

// endBody ends a body streamBody read, on the loop: the handler's method
// runs (or, after an error reading the body, the error is answered), and
// the handler is released once done. A client gone has been told, and its
// handler released, already (OnConnectionClose, bodyWaited).
func endBody(loop *ioloop.IOLoop, out *netResponder, dispatchOf func() *dispatch, err error) {
	// A body cut short is a client that went away: net/http watches a
	// connection for its close only once the body has been read, so this
	// is where a client that left during a wait is noticed.
	cut := errors.Is(err, io.ErrUnexpectedEOF)
	if err == io.EOF {
		err = nil
	} else if _, ok := err.(*HTTPError); err != nil && !ok {
		err = &HTTPError{Code: 400, LogMessage: err.Error()}
	}
	loop.AddCallback(func() {
		if out.gone {
			return
		}
		d := dispatchOf()
		if cut && !out.finished {
			// As ServeHTTP does when the request's context ends; done
			// lets ServeHTTP return.
			out.gone = true
			d.OnConnectionClose()
			out.once.Do(func() { close(out.done) })
			return
		}
		rh := d.h.base()
		if err != nil {
			rh.handleError(err)
		}
		rh.peer = rh.peer.sent()
		rh.run()
	})
}

// netResponder writes a handler's response to a ResponseWriter. Its
// methods run on the loop while ServeHTTP waits for done.
type netResponder struct {
	// w is the response to r; done closes when it is finished.
	w    http.ResponseWriter
	r    *http.Request
	done chan struct{}
	// finished and gone are set on the loop: the response ended (or the
	// connection was hijacked), or the client left and ServeHTTP
	// returned.
	finished bool
	gone     bool
	// wrote is set once WriteHeaders has run.
	wrote bool
	// once closes done once.
	once sync.Once
}

func (n *netResponder) WriteHeaders(code int, headers *httputil.HTTPHeaders, chunk []byte) error {
	if n.gone || n.finished {
		return ErrFinished
	}
	n.wrote = true
	h := n.w.Header()
	for k, v := range headers.All() {
		h.Add(k, v)
	}
	n.w.WriteHeader(code)
	if len(chunk) > 0 {
		if _, err := n.w.Write(chunk); err != nil {
			return err
		}
	}
	return nil
}

func (n *netResponder) Write(chunk []byte) error {
	if n.gone || n.finished {
		return ErrFinished
	}
	if len(chunk) > 0 {
		if _, err := n.w.Write(chunk); err != nil {
			return err
		}
	}
	if f, ok := n.w.(http.Flusher); ok {
		f.Flush()
	}
	return nil
}

func (n *netResponder) Finish() error {
	if n.gone {
		return ErrFinished
	}
	n.finished = true
	n.once.Do(func() { close(n.done) })
	return nil
}

// ---- WebSockets under net/http -----------------------------------------

// hijack takes the request's connection from net/http for a WebSocket and
// returns it as an iostream on loop, with the bytes net/http had already
// read after the request head (the first frames, when the client did not
// wait for the 101). It runs on loop while ServeHTTP waits for done, which
// is what makes the Hijack legal: net/http panics on a Hijack after
// ServeHTTP returned.
//
// Before the connection is taken nothing has happened, and the error is
// ErrNotUpgradable (or ErrFinished once the client has left): HTTP/2 has
// no connection of the request's own, and a ResponseWriter may not
// implement Hijack. Once taken (taken is true), ServeHTTP is let go and
// writes nothing more. A TLS connection's session stays in crypto/tls, so
// its plaintext is relayed to the stream (relayTLS); any other connection
// is handed over whole, and one that yields no descriptor (a listener that
// wraps its net.Conns without SyscallConn) is answered 500 and closed.
// relay is the TLS connection for the socket's OnClose, or nil.
func (n *netResponder) hijack(loop *ioloop.IOLoop) (stream *iostream.IOStream, rest []byte, relay net.Conn, taken bool, err error) {
	switch {
	case n.gone || n.finished:
		return nil, nil, nil, false, ErrFinished
	case n.r.ProtoMajor != 1:
		return nil, nil, nil, false, fmt.Errorf("%w: %s has no connection to hand over", ErrNotUpgradable, n.r.Proto)
	}
	conn, brw, err := http.NewResponseController(n.w).Hijack()
	if err != nil {
		return nil, nil, nil, false, fmt.Errorf("%w: %v", ErrNotUpgradable, err)
	}
	n.finished = true
	defer n.once.Do(func() { close(n.done) })
	// What net/http's reader holds is all it took from the socket: Hijack
	// puts the byte its background read may have taken back in front.
	if k := brw.Reader.Buffered(); k > 0 {
		p, _ := brw.Reader.Peek(k)
		rest = bytes.Clone(p)
	}
	if n.r.TLS != nil {
		stream, err = relayTLS(loop, conn)
		if err != nil {
			err = fmt.Errorf("%w: %v", ErrNotUpgradable, err)
			refuseHijacked(conn, err)
			return nil, nil, nil, true, err
		}
		return stream, rest, conn, true, nil
	}
	sc, ok := conn.(syscall.Conn)
	if !ok {
		err = fmt.Errorf("%w: net/http's %T has no descriptor", ErrNotUpgradable, conn)
		refuseHijacked(conn, err)
		return nil, nil, nil, true, err
	}
	stream, err = iostream.FromConn(loop, sc)
	if err != nil {
		err = fmt.Errorf("%w: %v", ErrNotUpgradable, err)
		refuseHijacked(conn, err) // FromConn may have closed it: then this writes nothing
		return nil, nil, nil, true, err
	}
	return stream, rest, nil, true, nil
}

// relayTLS returns a stream on loop that carries conn's plaintext: crypto/tls
// keeps the session, so the stream is one end of a socket pair and two
// goroutines copy between the other end and conn, one per direction. The
// client's end (EOF) reaches the stream as a half-close; the stream's close
// reaches the client as close_notify and FIN, after which the client has
// relayGrace to close its side, as in a lingering close. A client that
// stops reading holds the writing direction only until the deadline the
// socket's OnClose sets (relayGrace too). conn and the pair are closed
// once both directions have ended.
func relayTLS(loop *ioloop.IOLoop, conn net.Conn) (*iostream.IOStream, error) {
	// Close-on-exec under ForkLock, as package syscall does where
	// SOCK_CLOEXEC does not exist (macOS).
	syscall.ForkLock.RLock()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err == nil {
		unix.CloseOnExec(fds[0])
		unix.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, os.NewSyscallError("socketpair", err)
	}
	f := os.NewFile(uintptr(fds[1]), "tls relay")
	fc, err := net.FileConn(f) // a duplicate, in Go's poller
	f.Close()
	if err != nil {
		unix.Close(fds[0])
		return nil, err
	}
	stream, err := iostream.New(loop, fds[0])
	if err != nil {
		unix.Close(fds[0])
		fc.Close()
		return nil, err
	}
	pair := fc.(*net.UnixConn)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // client -> stream
		defer wg.Done()
		buf := make([]byte, 32<<10)
		toStream := true
		for {
			n, err := conn.Read(buf)
			if n > 0 && toStream {
				if _, werr := pair.Write(buf[:n]); werr != nil {
					// The stream is gone: drain what the client still
					// sends (its Close frame), so that closing conn at
					// the end does not reset the connection under data
					// the client has yet to read.
					toStream = false
				}
			}
			if err != nil {
				break // EOF, or the deadline the other direction set
			}
		}
		pair.CloseWrite() // the stream reads EOF
	}()
	go func() { // stream -> client
		defer wg.Done()
		io.Copy(conn, pair)
		// The stream closed: close_notify and FIN, then give the client
		// relayGrace to close its side.
		if tc, ok := conn.(*tls.Conn); ok {
			tc.CloseWrite()
			if cw, ok := tc.NetConn().(interface{ CloseWrite() error }); ok {
				cw.CloseWrite()
			}
		}
		conn.SetReadDeadline(time.Now().Add(relayGrace))
	}()
	go func() {
		wg.Wait()
		conn.Close()
		pair.Close()
	}()
	return stream, nil
}

// relayGrace is how long a relayed TLS connection may take, once its
// socket has closed, to deliver what the stream wrote last (the Close
// frame) to the client.
const relayGrace = 5 * time.Second

// refuseHijacked answers 500 on a hijacked connection that cannot become
// a stream, and closes it. The write is small and the socket's buffer is
// empty, so it does not block the loop; the deadline makes sure.
func refuseHijacked(conn net.Conn, err error) {
	body := err.Error() + "\n"
	conn.SetWriteDeadline(time.Now().Add(time.Second))
	io.WriteString(conn, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: "+
		strconv.Itoa(len(body))+"\r\n\r\n"+body)
	conn.Close()
}
