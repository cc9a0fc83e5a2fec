// The per-request delegate between a connection and a handler: routing on
// the head, streaming or collecting the body, running the handler's steps
// (Tornado's _HandlerDelegate and RequestHandler._execute).

package web

import (
	"bytes"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/http1connection"
	"github.com/gornado/gornado/final/httputil"
	"github.com/gornado/gornado/final/ioloop"
)

// responder is where a response goes: an http1connection.Conn, or a
// net/http ResponseWriter (netResponder).
type responder interface {
	WriteHeaders(code int, headers *httputil.HTTPHeaders, chunk []byte) error
	Write(chunk []byte) error
	Finish() error
}

// dispatch is one request's MessageDelegate, pooled per loop.
type dispatch struct {
	// app and ls are the application and its state on this loop.
	app *Application
	ls  *loopState
	// conn is the connection (nil under net/http); loop runs the request.
	conn *http1connection.Conn
	loop *ioloop.IOLoop
	// raw is the connection's request.
	raw *http1connection.Request
	// spec and h are the route and the handler serving it.
	spec *URLSpec
	h    Handler
	// streaming is set when h takes the body through DataReceived.
	streaming bool
	// out answers the request.
	out responder
	// bodyWait is what the streaming handler's DataReceived made the
	// body wait for (Wait, Go), until it is done; the handler is not
	// released meanwhile, even if its client goes away (bodyWaited).
	bodyWait concurrent.Awaitable
}

// StreamingHandler is implemented by handlers that take the request body
// in pieces as it arrives (Tornado's @stream_request_body): Prepare runs
// once the head is read, DataReceived with each piece, and the method once
// the body is complete.
//
// A piece is valid only during the call: the connection reuses its
// memory for the bytes that follow. Copy it to keep it, and above all
// before handing it to another goroutine (an executor).
//
// DataReceived may make the body wait, as Tornado's data_received returns
// a Future that the connection awaits: calling Wait(aw), or Go, inside it
// makes the server read no more of the body until aw is done (back-
// pressure: once the socket's buffers are full, the client's sends
// block), then go on with the next piece. An error aw resolves with is
// answered like one DataReceived returns. So a handler that writes each
// piece to disk through an executor never blocks its loop, nor holds more
// than a piece in memory:
//
//	func (h *Upload) DataReceived(chunk []byte) error {
//		p := bytes.Clone(chunk)
//		h.Wait(concurrent.RunOnExecutor(h.Loop(), h.disk, func() (int, error) {
//			return h.file.Write(p)
//		}))
//		return nil
//	}
//
// While the body waits, the server's BodyIdleTimeout does not run: the
// server is the slow one. Served under net/http (ServeHTTP), the body is
// read the same way, a piece at a time.
type StreamingHandler interface {
	Handler
	DataReceived(chunk []byte) error
}

// HeadersReceived routes the request and prepares its handler. A handler
// that streams starts now (Prepare). One that does not runs once its body
// is complete, which the connection collects (CollectBody), within the
// server's body budget; unless the request is refused from its head alone
// (refusal): a 404, or a 405 for a method the handler does not have, is
// answered now, and its body is never read, nor buffered. The connection
// closes after such an answer, as after any answer given before the body
// is read (lingering, so that the client reads the answer rather than a
// reset).
func (d *dispatch) HeadersReceived(req *http1connection.Request) error {
	d.route(req)
	rh := d.h.base()
	switch {
	case d.streaming:
		rh.step = stepPrepare
		rh.runUntil(stepMethod)
	case req.HasBody() && refusal(d.h, d.spec, req.Method()) != 0:
		// prepareStep answers the refusal; nothing more will be read,
		// and release makes the connection forget the dispatcher.
		rh.step = stepPrepare
		rh.peer = rh.peer.sent()
		rh.run()
	default:
		req.CollectBody()
	}
	return nil
}

// route finds the request's handler and initialises it from the head.
func (d *dispatch) route(req *http1connection.Request) {
	d.raw = req
	d.out = d.conn
	head := req.Head
	args := d.ls.argsBuf[:0]
	spec, args := d.app.find(head.Host, req.Path(), args)
	if spec == nil {
		spec = d.app.notFound
	}
	d.ls.argsBuf = args
	h := d.ls.instance(spec)
	d.spec, d.h = spec, h
	rh := h.base()
	rh.init(d, args)
	r := &rh.req
	r.Method, r.Headers, r.RemoteIP, r.Protocol = head.Method, &head.Headers, req.RemoteIP, req.Protocol
	r.Version, r.StartTime = head.Version, req.StartTime
	r.target, r.host, r.absolute = head.Target, head.Host, head.AbsoluteForm
	d.streaming = spec.streams
}

// DataReceivedWait hands a piece of the body to a streaming handler and
// returns what the handler made the body wait for, if anything: the
// connection reads no more of the body until it is done
// (http1connection.BodyWaiter). The connection collects the body of the
// other handlers (CollectBody).
func (d *dispatch) DataReceivedWait(chunk []byte) (concurrent.Awaitable, error) {
	return d.data(chunk), nil
}

// DataReceived is the MessageDelegate method, which the connection does
// not call since dispatch is a BodyWaiter: see DataReceivedWait.
func (d *dispatch) DataReceived(chunk []byte) error {
	d.data(chunk)
	return nil
}

// data hands a piece of the body to a streaming handler, and returns nil
// or an Awaitable the reader of the body must wait for before it reads
// more. Errors, the handler's or the one the handler waited for, are
// answered here (handleError), so that the handler's WriteError answers
// them as any other: the Awaitable returned never fails.
func (d *dispatch) data(chunk []byte) concurrent.Awaitable {
	if !d.streaming {
		return nil
	}
	rh := d.h.base()
	if rh.resp.finished() {
		return nil
	}
	if w := rh.waiting; w != nil && !w.Done() {
		return d.afterPrepare(w, chunk)
	}
	var err error
	func() {
		defer rh.recoverPanic(&err)
		err = d.h.(StreamingHandler).DataReceived(chunk)
	}()
	// Wait or Go inside DataReceived leaves the Awaitable in pending, as
	// inside a method; DataReceived takes it, so that the steps do not.
	aw := rh.pending
	rh.pending = nil
	if err != nil {
		rh.handleError(err)
	}
	switch {
	case aw == nil:
		return nil
	case aw.Done():
		if err := aw.Exception(); err != nil {
			rh.handleError(err)
		}
		return nil
	}
	// Even after an error (answered above), the handler is kept until
	// what it started is done, since that may still use it.
	d.bodyWait = aw
	ready := concurrent.NewFuture[struct{}]()
	aw.OnDone(func() { d.bodyWaited(aw, ready) })
	return ready
}

// afterPrepare holds a piece of the body that arrived while Prepare's
// wait (Wait or Go in Prepare, the only step that runs before the body is
// complete) is pending: Tornado awaits prepare() before it reads the body,
// so DataReceived must not see a piece before Prepare is done, whether it
// looked up the current user or refused the request. The piece is copied
// (the connection reuses its memory), the body waits, and once Prepare's
// wait is done (and the steps it resumed have run: its callback was added
// first) the piece goes to DataReceived, or is dropped if Prepare answered
// the request.
func (d *dispatch) afterPrepare(w concurrent.Awaitable, chunk []byte) concurrent.Awaitable {
	held := bytes.Clone(chunk)
	ready := concurrent.NewFuture[struct{}]()
	d.bodyWait = w
	w.OnDone(func() {
		d.bodyWait = nil
		if d.h.base().peer.gone() {
			d.endIfGone()
			ready.SetResult(struct{}{})
			return
		}
		next := d.data(held)
		if next == nil {
			ready.SetResult(struct{}{})
			return
		}
		next.OnDone(func() { ready.SetResult(struct{}{}) })
	})
	return ready
}

// bodyWaited runs when what DataReceived made the body wait for is done:
// its error is answered, and the reader of the body is told to go on
// (ready). A client that went away meanwhile left the handler to this
// (OnConnectionClose does not release a handler with a wait in
// progress): it ends now, as OnConnectionClose would have ended it.
func (d *dispatch) bodyWaited(aw concurrent.Awaitable, ready *concurrent.Future[struct{}]) {
	d.bodyWait = nil
	rh := d.h.base()
	if err := aw.Exception(); err != nil {
		rh.handleError(err)
	}
	d.endIfGone()
	ready.SetResult(struct{}{})
}

// endIfGone ends a request whose client went away while its body waited
// (OnConnectionClose leaves a handler with a wait in progress to this), as
// OnConnectionClose would have ended it.
func (d *dispatch) endIfGone() {
	rh := d.h.base()
	if rh.peer.gone() && rh.waiting == nil && !rh.running && rh.step == stepMethod {
		rh.resp = respFinished
		rh.step = stepDone
		rh.run()
	}
}

// Finish runs the handler once the request has been read.
func (d *dispatch) Finish() {
	rh := d.h.base()
	rh.req.Body = d.raw.Body
	if !d.streaming {
		rh.step = stepPrepare
	}
	rh.peer = rh.peer.sent()
	rh.run()
}

// OnConnectionClose tells the handler its client has gone, unless its
// response is finished: Tornado's finish clears the connection's close
// callback, so a handler hears nothing of a close that comes after it (the
// one SendError makes when an error follows the head, say). Nor does a
// handler that does not stream and has not run, its body still being
// collected (a client that left half-way, a body refused for the budget):
// Tornado's _HandlerDelegate then only drops the chunks.
func (d *dispatch) OnConnectionClose() {
	rh := d.h.base()
	rh.peer = rh.peer.left()
	if rh.resp.finished() {
		return
	}
	if d.streaming || rh.peer.hasSent() {
		var err error
		func() {
			defer rh.recoverPanic(&err)
			d.h.OnConnectionClose()
		}()
		if err != nil {
			rh.logger().Error("web: panic in OnConnectionClose", "error", err.Error())
		}
	}
	// While a step runs (a write inside the method found the connection
	// closed), the step itself goes on to finish and release.
	if !rh.resp.finished() && rh.waiting == nil && d.bodyWait == nil && !rh.running {
		rh.resp = respFinished
		rh.step = stepDone
		rh.run()
	}
}

// release returns the handler and the dispatcher to the loop's pools,
// first making the connection forget the dispatcher if it has not yet (a
// response handed over, or one whose write failed before the connection
// saw its stream close): a close reported later must not reach the
// request the dispatcher serves next.
func (d *dispatch) release() {
	if d.conn != nil {
		d.conn.ReleaseDelegate(d)
	}
	if d.h != nil {
		// A gzipped stream whose client left while the handler waited
		// ends here without Finish.
		d.h.base().releaseGzip()
	}
	d.ls.release(d.h)
	*d = dispatch{app: d.app, ls: d.ls}
	if len(d.ls.free) < 1024 {
		d.ls.free = append(d.ls.free, d)
	}
}

// Handler steps, in order.
const (
	stepIdle = iota
	stepPrepare
	stepMethod
	stepFinish
	stepDone
)

// The method interfaces a handler implements (Tornado's get, post...).
type (
	getMethod     interface{ Get(args ...string) error }
	headMethod    interface{ Head(args ...string) error }
	postMethod    interface{ Post(args ...string) error }
	putMethod     interface{ Put(args ...string) error }
	deleteMethod  interface{ Delete(args ...string) error }
	patchMethod   interface{ Patch(args ...string) error }
	optionsMethod interface{ Options(args ...string) error }
	preparer      interface{ Prepare() error }
)

// run advances the handler through its steps until it waits for an
// Awaitable or is done.
func (rh *RequestHandler) run() { rh.runUntil(stepDone + 1) }

// runUntil runs steps before stop, marking the handler as running.
func (rh *RequestHandler) runUntil(stop int) {
	rh.running = true
	rh.steps(stop)
	if rh.handlerState != nil { // nil if the steps ended the request
		rh.running = false
	}
}

// steps runs steps before stop.
func (rh *RequestHandler) steps(stop int) {
	for rh.step < stop {
		switch rh.step {
		case stepPrepare:
			rh.step = stepMethod
			if err := rh.prepareStep(); err != nil {
				rh.handleError(err)
			}
		case stepMethod:
			if !rh.peer.hasSent() {
				return
			}
			rh.step = stepFinish
			if rh.resp.finished() {
				continue
			}
			if err := rh.methodStep(); err != nil {
				rh.handleError(err)
			}
		case stepFinish:
			rh.step = stepDone
			if !rh.resp.finished() {
				if err := rh.Finish(); err != nil && !errors.Is(err, ErrFinished) && !rh.resp.finished() {
					// The response could not be ended: close rather
					// than leave the client waiting.
					rh.resp = respFinished
					if rh.d.conn != nil {
						rh.d.conn.Close()
					} else {
						rh.d.out.Finish()
					}
				}
			}
		case stepDone:
			if rh.waiting != nil {
				return
			}
			rh.step = stepIdle
			rh.d.release()
			return
		default:
			return
		}
		if rh.pending != nil {
			aw := rh.pending
			rh.pending = nil
			if !aw.Done() {
				rh.waiting = aw
				aw.OnDone(rh.resumeFn)
				return
			}
			if err := aw.Exception(); err != nil {
				rh.handleError(err)
			}
		}
	}
}

// resume continues after an awaited Awaitable is done.
func (rh *RequestHandler) resume() {
	aw := rh.waiting
	rh.waiting = nil
	if aw == nil {
		return
	}
	if err := aw.Exception(); err != nil {
		rh.handleError(err)
	}
	rh.run()
}

// prepareStep runs SetDefaultHeaders, answers a refusal, checks XSRF and
// runs Prepare, Tornado's order (its constructor sets the default headers;
// _execute checks the method, then the XSRF cookie, then prepares).
func (rh *RequestHandler) prepareStep() (err error) {
	defer rh.recoverPanic(&err)
	rh.self.SetDefaultHeaders()
	m := rh.req.Method
	if code := refusal(rh.self, rh.d.spec, m); code != 0 {
		if code == 405 {
			rh.allow = allowedMethods(rh.self)
		}
		return &HTTPError{Code: code}
	}
	if rh.Application.Settings.XSRFCookies && m != "GET" && m != "HEAD" && m != "OPTIONS" {
		if err := rh.self.CheckXSRFCookie(); err != nil {
			return err
		}
	}
	if rh.d.spec.prepares {
		return rh.self.(preparer).Prepare()
	}
	return nil
}

// refusal returns the status that answers a request for method to h from
// its head alone, before any body is read, or 0 when h is to see the
// request: 405 for a method outside Tornado's SUPPORTED_METHODS (checked
// first, as Tornado's _execute does), an ErrorHandler's status (the 404 of
// a path no route matches), and 405 for a method h does not have, unless
// h has a Prepare. A Prepare may answer anything itself, from the body
// too (FallbackHandler hands the request, body included, to net/http), so
// such a handler sees every request, after its body, as in Tornado; one
// that wants to refuse before the body is read streams
// (StreamingHandler), and its Prepare runs on the head.
//
// Tornado checks the XSRF token (check_xsrf_cookie) before Prepare, and
// so before it finds the method missing: to a request without a valid
// token it answers 403 where this answers 404 or 405 (without a body too,
// so that the answer does not depend on whether one came). The request is
// refused either way, and the token may be in the body, which a refusal
// does not read.
func refusal(h Handler, s *URLSpec, method string) int {
	bit := methodBit(method)
	if bit == 0 {
		return 405
	}
	if e, ok := h.(*ErrorHandler); ok {
		return e.StatusCode
	}
	if s.prepares {
		return 0
	}
	if s.methods&bit == 0 {
		return 405
	}
	return 0
}

// supportedMethods are Tornado's SUPPORTED_METHODS, in its order (the
// order of a 405's Allow field).
var supportedMethods = [...]string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}

// methodBit returns the bit of method in URLSpec.methods, its place in
// supportedMethods, or 0 for a method outside it. A switch compares
// lengths first, where slices.Contains compared the strings in turn (1.4%
// of the server's CPU on pipelined plaintext, every request asking).
func methodBit(method string) uint8 {
	switch method {
	case "GET":
		return 1 << 0
	case "HEAD":
		return 1 << 1
	case "POST":
		return 1 << 2
	case "PUT":
		return 1 << 3
	case "DELETE":
		return 1 << 4
	case "PATCH":
		return 1 << 5
	case "OPTIONS":
		return 1 << 6
	}
	return 0
}

// hasMethod reports whether h has the method for a request of method, one
// of supportedMethods.
func hasMethod(h Handler, method string) bool {
	var ok bool
	switch method {
	case "GET":
		_, ok = h.(getMethod)
	case "HEAD":
		_, ok = h.(headMethod)
	case "POST":
		_, ok = h.(postMethod)
	case "PUT":
		_, ok = h.(putMethod)
	case "DELETE":
		_, ok = h.(deleteMethod)
	case "PATCH":
		_, ok = h.(patchMethod)
	case "OPTIONS":
		_, ok = h.(optionsMethod)
	}
	return ok
}

// methodStep calls the handler's method for the request method.
func (rh *RequestHandler) methodStep() (err error) {
	defer rh.recoverPanic(&err)
	args := rh.pathArgs
	h := rh.self
	switch rh.req.Method {
	case "GET":
		if x, ok := h.(getMethod); ok {
			return x.Get(args...)
		}
	case "HEAD":
		if x, ok := h.(headMethod); ok {
			return x.Head(args...)
		}
	case "POST":
		if x, ok := h.(postMethod); ok {
			return x.Post(args...)
		}
	case "PUT":
		if x, ok := h.(putMethod); ok {
			return x.Put(args...)
		}
	case "DELETE":
		if x, ok := h.(deleteMethod); ok {
			return x.Delete(args...)
		}
	case "PATCH":
		if x, ok := h.(patchMethod); ok {
			return x.Patch(args...)
		}
	case "OPTIONS":
		if x, ok := h.(optionsMethod); ok {
			return x.Options(args...)
		}
	}
	rh.allow = allowedMethods(h)
	return &HTTPError{Code: 405}
}

// allowedMethods lists the methods h has, for the Allow field a 405 must
// carry (RFC 9110, section 15.5.6; Tornado sends none).
func allowedMethods(h Handler) string {
	var b []string
	for _, m := range supportedMethods {
		if hasMethod(h, m) {
			b = append(b, m)
		}
	}
	return strings.Join(b, ", ")
}

// panicError is a handler's panic as an error, with its stack.
type panicError struct {
	// value is what was passed to panic; stack where it happened.
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("web: panic: %v", p.value) }

// recoverPanic turns a panic into an error answered 500 (Tornado logs an
// uncaught exception and answers 500; the loop carries on).
func (rh *RequestHandler) recoverPanic(err *error) {
	if r := recover(); r != nil {
		*err = &panicError{value: r, stack: debug.Stack()}
	}
}

// handleError answers err (Tornado's _handle_request_exception): an
// HTTPError with its code, anything else with 500, logged.
func (rh *RequestHandler) handleError(err error) {
	if rh.resp.finished() {
		if errors.Is(err, http1connection.ErrClosed) {
			// The client left while the handler waited (on a database,
			// say), and the response found the connection closed:
			// nobody is there to answer, and nothing went wrong in the
			// application. Tornado says nothing either.
			rh.logger().Debug("web: the client left before the response", "uri", rh.req.URI())
			return
		}
		rh.logger().Error("web: error after the response was finished", "error", err.Error(), "uri", rh.req.URI())
		return
	}
	code, _ := statusOf(err)
	var pe *panicError
	var cpe *concurrent.PanicError
	switch {
	case errors.As(err, &pe):
		rh.logger().Error("web: uncaught panic", "panic", fmt.Sprint(pe.value), "method", rh.req.Method, "uri", rh.req.URI(), "stack", string(pe.stack))
	case errors.As(err, &cpe):
		rh.logger().Error("web: uncaught panic", "panic", fmt.Sprint(cpe.Value), "method", rh.req.Method, "uri", rh.req.URI(), "stack", string(cpe.Stack))
	case code >= 500:
		rh.logger().Error("web: uncaught error", "error", err.Error(), "method", rh.req.Method, "uri", rh.req.URI())
	default:
		var he *HTTPError
		if errors.As(err, &he) && he.LogMessage != "" {
			rh.logger().Warn("web: "+he.Error(), "method", rh.req.Method, "uri", rh.req.URI())
		}
	}
	rh.SendError(code, err)
}
