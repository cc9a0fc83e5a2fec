// Serving an Application under net/http: ServeHTTP runs each request's
// handler on a loop of the application's own, so that handlers keep
// Tornado's one-thread semantics (and may be coroutines) wherever they
// are hosted.

package web

import (
	"io"
	"net"
	"net/http"
	"sync"

	"github.com/gornado/gornado/final/httputil"
	"github.com/gornado/gornado/final/ioloop"
)

// loopForNetHTTP returns the loop ServeHTTP runs handlers on, started on
// first use and running for the life of the process.
func (a *Application) loopForNetHTTP() (*ioloop.IOLoop, error) {
	a.netOnce.Do(func() {
		l, err := ioloop.New()
		if err != nil {
			a.netErr = err
			return
		}
		a.netLoop = l
		go func() {
			l.Start()
			l.Close(false)
		}()
	})
	return a.netLoop, a.netErr
}

// Close stops the loop ServeHTTP runs handlers on, if it was started;
// serving on final/httpserver needs no Close (close the server).
func (a *Application) Close() error {
	a.netOnce.Do(func() {}) // no loop is started after Close
	if l := a.netLoop; l != nil {
		stopped := make(chan struct{})
		l.AddCallback(func() {
			l.Stop()
			close(stopped)
		})
		<-stopped
	}
	return nil
}

// ServeHTTP serves r under net/http: the Application is an http.Handler.
// A route to a FallbackHandler calls its http.Handler directly; every
// other request runs on the application's loop while this goroutine
// waits, and a client that goes away before the answer reaches the
// handler's OnConnectionClose. WebSocketUpgrade needs final/httpserver.
func (a *Application) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	spec, _ := a.find([]byte(r.Host), []byte(path), nil)
	if spec != nil && spec.fallback != nil {
		spec.fallback.Fallback.ServeHTTP(w, r)
		return
	}
	loop, err := a.loopForNetHTTP()
	if err == nil && loop == nil {
		err = ErrNoLoop
	}
	if err != nil {
		http.Error(w, "500: Internal Server Error", 500)
		return
	}
	limit := a.Settings.MaxBodySize
	if limit <= 0 {
		limit = httputil.DefaultMaxBodySize
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		http.Error(w, "400: Bad Request", 400)
		return
	}
	if int64(len(body)) > limit {
		http.Error(w, "413: Content Too Large", 413)
		return
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
	out := &netResponder{w: w, done: make(chan struct{})}
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
		rh.init(d, spec)
		req := &rh.req
		req.Method, req.Headers, req.RemoteIP, req.Protocol = r.Method, headers, remote, proto
		req.Version, req.StartTime = version, loop.Time()
		req.target, req.host, req.Body = []byte(target), []byte(r.Host), body
		rh.PathArgs = append(rh.PathArgs[:0], args...)
		_, d.streaming = h.(StreamingHandler)
		rh.step = stepPrepare
		if d.streaming {
			rh.runUntil(stepMethod)
			if len(body) > 0 {
				d.DataReceived(body)
			}
		}
		rh.bodyDone = true
		rh.run()
	})
	ctx := r.Context()
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
		<-gone
	}
}

// netResponder writes a handler's response to a ResponseWriter. Its
// methods run on the loop while ServeHTTP waits for done.
type netResponder struct {
	// w is the response; done closes when it is finished.
	w    http.ResponseWriter
	done chan struct{}
	// finished and gone are set on the loop: the response ended, or the
	// client left and ServeHTTP returned.
	finished bool
	gone     bool
	// once closes done once.
	once sync.Once
}

func (n *netResponder) WriteHeaders(code int, headers *httputil.HTTPHeaders, chunk []byte) error {
	if n.gone || n.finished {
		return ErrFinished
	}
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
