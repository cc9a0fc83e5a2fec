// Serving a net/http Handler from the loop, as Tornado's WSGIContainer
// serves a WSGI application: a Go program can keep the net/http handlers it
// has and serve them beside its web handlers. web.FallbackHandler builds on
// the same types.

package httpserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/gornado/gornado/final/http1connection"
	"github.com/gornado/gornado/final/httputil"
)

// HTTPHandler serves h, a net/http Handler, from the server's loops. Each
// request runs h on a goroutine of its own, since a net/http handler may
// block; its writes travel back to the loop with AddCallback, buffered
// until the handler returns or calls Flush (then the response goes out
// chunked). A response that is never flushed gets a Content-Length, and
// Content-Type is sniffed as net/http does.
//
// As under net/http, Request.Context is cancelled (context.Canceled) when
// the client goes away, that is when the request's connection closes
// before its response is finished, and when the handler returns; writes
// after the client went away return an error and go nowhere. The Handler
// returned is a CloseHandler: that is how it hears of the close. A Handler
// of one's own that passes requests to it passes OnConnectionClose on too
// (web.FallbackHandler does), or its handlers' contexts end only when they
// return.
func HTTPHandler(h http.Handler) Handler {
	return &netHandler{h: h, live: make(map[*Request]*loopWriter)}
}

// netHandler is the Handler HTTPHandler returns. One serves every loop of
// a server (and every loop of a web.Application), hence the lock.
type netHandler struct {
	h http.Handler

	mu sync.Mutex
	// live holds the writer of each request in progress, from
	// HandleRequest until its response is finished or its connection
	// closes, for OnConnectionClose to find.
	live map[*Request]*loopWriter
}

// HandleRequest converts req on the loop and starts h on a goroutine.
func (a *netHandler) HandleRequest(req *Request) {
	r, err := toHTTPRequest(req)
	if err != nil {
		req.Conn.Respond(400, nil, "text/plain; charset=utf-8", []byte("400: Bad Request"))
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &loopWriter{owner: a, req: req, conn: req.Conn, header: http.Header{}, cancel: cancel}
	a.mu.Lock()
	a.live[req] = w
	a.mu.Unlock()
	go w.serve(a.h, r.WithContext(ctx))
}

// OnConnectionClose runs on the loop when the connection of a request in
// progress closes: the handler's context is cancelled, and what it still
// writes is dropped.
func (a *netHandler) OnConnectionClose(req *Request) {
	a.mu.Lock()
	w := a.live[req]
	delete(a.live, req)
	a.mu.Unlock()
	if w == nil {
		return // its response was finished, or it never started
	}
	w.mu.Lock()
	w.gone = true
	w.mu.Unlock()
	w.cancel()
}

// forget drops req's entry if it is still w's: the connection reuses its
// Request for the next request once the response is finished, and a
// closed connection's goes back to the loop's pool.
func (a *netHandler) forget(req *Request, w *loopWriter) {
	a.mu.Lock()
	if a.live[req] == w {
		delete(a.live, req)
	}
	a.mu.Unlock()
}

// toHTTPRequest builds the net/http view of req. It runs on the loop,
// before the handler's goroutine starts.
func toHTTPRequest(req *Request) (*http.Request, error) {
	head := req.Head
	target := string(head.Target)
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil, err
	}
	proto, major, minor := "HTTP/1.1", 1, 1
	if head.Version == httputil.HTTP10 {
		proto, minor = "HTTP/1.0", 0
	}
	hdr := make(http.Header, head.Headers.Len())
	for i := range head.Headers.Len() {
		k, v := head.Headers.At(i)
		key := http.CanonicalHeaderKey(string(k))
		hdr[key] = append(hdr[key], string(v))
	}
	host := string(head.Host)
	delete(hdr, "Host")
	r := &http.Request{
		Method:        head.Method,
		URL:           u,
		Proto:         proto,
		ProtoMajor:    major,
		ProtoMinor:    minor,
		Header:        hdr,
		Host:          host,
		RequestURI:    target,
		RemoteAddr:    net.JoinHostPort(req.RemoteIP, "0"),
		ContentLength: int64(len(req.Body)),
		Body:          http.NoBody,
	}
	if len(req.Body) > 0 {
		r.Body = readCloser{bytes.NewReader(req.Body)}
	}
	if req.Protocol == "https" {
		u.Scheme = "https"
	}
	return r, nil
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// loopWriter is the http.ResponseWriter of one request: it runs on the
// handler's goroutine and hands its output to the loop.
type loopWriter struct {
	// owner and req find the writer's entry in owner.live; conn answers.
	owner  *netHandler
	req    *Request
	conn   *http1connection.Conn
	header http.Header
	// cancel ends the handler's context.
	cancel context.CancelFunc

	mu      sync.Mutex
	status  int
	buf     []byte
	started bool // the head has been sent (Flush)
	gone    bool // the connection closed first: nothing more is sent
}

// errClientGone is what Write returns once the client has gone.
var errClientGone = errors.New("httpserver: the client went away")

func (w *loopWriter) Header() http.Header { return w.header }

func (w *loopWriter) WriteHeader(code int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.status == 0 && code >= 100 && code <= 999 {
		w.status = code
	}
}

func (w *loopWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.gone {
		return 0, errClientGone
	}
	if w.status == 0 {
		w.status = 200
	}
	if w.header.Get("Content-Type") == "" && !w.started && len(w.buf) == 0 && len(p) > 0 {
		w.header.Set("Content-Type", http.DetectContentType(p))
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// Flush sends what is buffered now; the response continues chunked.
func (w *loopWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sendLocked(false)
}

// sendLocked hands the buffered bytes (and the head, the first time) to the
// loop; last finishes the response. Nothing goes once the client has gone.
func (w *loopWriter) sendLocked(last bool) {
	if w.gone {
		w.buf = nil
		return
	}
	if w.status == 0 {
		w.status = 200
	}
	data := w.buf
	w.buf = nil
	var headers *httputil.HTTPHeaders
	if !w.started {
		headers = &httputil.HTTPHeaders{}
		for k, vs := range w.header {
			for _, v := range vs {
				headers.Add(k, v)
			}
		}
		if last && w.header.Get("Content-Length") == "" && w.header.Get("Transfer-Encoding") == "" {
			headers.Set("Content-Length", strconv.Itoa(len(data)))
		}
		w.started = true
	}
	status, c := w.status, w.conn
	c.Loop().AddCallback(func() {
		if last {
			// Before Finish, after which the connection may give req
			// to its next request.
			w.owner.forget(w.req, w)
		}
		if headers != nil {
			if err := c.WriteHeaders(status, headers, data); err != nil {
				c.Close()
				return
			}
		} else if err := c.Write(data); err != nil {
			c.Close()
			return
		}
		if last {
			c.Finish()
		}
	})
}

// serve runs the handler and finishes the response, answering 500 for a
// panic that happens before anything was sent. r carries the context that
// cancel ends.
func (w *loopWriter) serve(h http.Handler, r *http.Request) {
	defer w.cancel()
	defer func() {
		p := recover()
		w.mu.Lock()
		defer w.mu.Unlock()
		if p != nil {
			if p == http.ErrAbortHandler {
				w.abortLocked()
				return
			}
			w.conn.Loop().Logger().Error("httpserver: panic in net/http handler", "panic", fmt.Sprint(p))
			if w.started {
				w.abortLocked()
				return
			}
			w.status, w.buf, w.header = 500, []byte("500: Internal Server Error"), http.Header{"Content-Type": {"text/plain; charset=utf-8"}}
		}
		w.sendLocked(true)
	}()
	h.ServeHTTP(w, r)
}

// abortLocked closes the connection instead of finishing the response.
func (w *loopWriter) abortLocked() {
	if w.gone {
		return
	}
	c := w.conn
	c.Loop().AddCallback(func() {
		w.owner.forget(w.req, w)
		c.Close()
	})
}
