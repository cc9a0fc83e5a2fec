package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	futures "github.com/gornado/gornado/stage3-futures"
	coroutines "github.com/gornado/gornado/stage4-coroutines"
	"github.com/gornado/gornado/stage5-iostream/ioloop"
	"github.com/gornado/gornado/stage6-web/httpserver"
)

// # RequestHandler: what a handler embeds
//
// A Tornado handler is a subclass of RequestHandler:
//
//	class MainHandler(tornado.web.RequestHandler):
//	    def get(self):
//	        self.write("Hello, world")
//
// A gornado handler is a struct that embeds RequestHandler and has a method
// per HTTP method it serves:
//
//	type MainHandler struct{ web.RequestHandler }
//
//	func (h *MainHandler) Get(args ...string) error {
//		h.Write("Hello, world")
//		return nil
//	}
//
// The embedded RequestHandler brings the output methods (SetStatus,
// SetHeader, Write, Flush, Finish, Redirect, SendError), the request and its
// arguments, and default versions of the hooks a handler may replace: Prepare,
// OnFinish, OnConnectionClose and WriteError. Because Go does not override,
// RequestHandler's own code never calls those hooks on itself: it calls them
// on self, the user's value, through the Handler interface, where the user's
// versions win over the promoted defaults.
//
// # Asynchronous handlers
//
// A handler method runs inside the connection's coroutine (stage 4), so any
// method may pause on a Future with h.Await and finish later, while the loop
// serves every other connection: Tornado's `async def get(self)` with
// `await`. A method that never awaits is an ordinary synchronous handler.
// When the method returns, the response is finished for it if it has not
// been, as Tornado 6 does.
//
//	func (h *PageHandler) Get(args ...string) error {
//		if _, err := h.Await(coroutines.Sleep(h.Loop(), h.Delay)); err != nil {
//			return err
//		}
//		h.Write("page " + args[0] + "\n")
//		return nil
//	}

// A Handler is a value of a type that embeds RequestHandler. The four hooks
// have defaults in RequestHandler; the unexported method means only such
// types are Handlers.
type Handler interface {
	// Prepare runs before the method. Returning an error (an *HTTPError,
	// say) or finishing the response stops the request there.
	Prepare() error
	// OnFinish runs after the response is finished: clean-up, logging.
	OnFinish()
	// OnConnectionClose runs if the client goes away before the response
	// is finished. A long-polling handler cancels its wait here.
	OnConnectionClose()
	// WriteError writes the body of an error page for SendError.
	WriteError(status int, err error)

	base() *RequestHandler
}

// HTTPError is the error a handler returns to answer with an HTTP status,
// Tornado's tornado.web.HTTPError: return &web.HTTPError{Code: 403}.
type HTTPError struct {
	Code int
	// Message is logged, not sent: it may hold details for the operator.
	Message string
}

func (e *HTTPError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("HTTP %d: %s", e.Code, http.StatusText(e.Code))
	}
	return fmt.Sprintf("HTTP %d: %s (%s)", e.Code, http.StatusText(e.Code), e.Message)
}

// ErrFinished is the error of an output method called after Finish, Tornado's
// "Cannot write() after finish()".
var ErrFinished = errors.New("web: the response is already finished")

// RequestHandler is embedded by every handler; see the file comment.
type RequestHandler struct {
	// Request is the request being served; Application is the one that
	// routed it here.
	Request     *httpserver.Request
	Application *Application

	self      Handler
	await     coroutines.Await
	arguments url.Values

	status         int
	headers        http.Header
	buffer         bytes.Buffer // written, not yet flushed
	headersWritten bool
	finished       bool
}

func (h *RequestHandler) base() *RequestHandler { return h }

func (h *RequestHandler) init(app *Application, self Handler, req *httpserver.Request, await coroutines.Await) {
	h.Application, h.self, h.Request, h.await = app, self, req, await
	h.Clear()
	// Tornado's arguments: the query string, plus a form-encoded body.
	h.arguments, _ = url.ParseQuery(req.Query)
	if strings.HasPrefix(req.Headers.Get("Content-Type"), "application/x-www-form-urlencoded") {
		form, _ := url.ParseQuery(string(req.Body))
		for k, vs := range form {
			h.arguments[k] = append(h.arguments[k], vs...)
		}
	}
}

// execute is Tornado's RequestHandler._execute: Prepare, the method, and
// Finish, with every error and panic turned into an error page.
func (h *RequestHandler) execute(args []string) {
	defer func() {
		if p := recover(); p != nil {
			h.Application.Logf("web: panic serving %s %s: %v\n%s", h.Request.Method, h.Request.URI, p, debug.Stack())
			h.handleError(fmt.Errorf("panic: %v", p))
		}
	}()
	h.Request.Connection.SetCloseCallback(h.self.OnConnectionClose)
	find, known := methods[h.Request.Method]
	if !known {
		h.handleError(&HTTPError{Code: 405})
		return
	}
	if err := h.self.Prepare(); err != nil || h.finished {
		h.handleError(err)
		return
	}
	method := find(h.self)
	if method == nil {
		h.SetHeader("Allow", allowed(h.self))
		h.handleError(&HTTPError{Code: 405})
		return
	}
	if err := method(args...); err != nil {
		h.handleError(err)
		return
	}
	if !h.finished {
		h.Finish()
	}
}

// handleError answers err with an error page: an *HTTPError's status, 500
// for anything else (logged, as Tornado logs "Uncaught exception"). If the
// headers are already out, an error page cannot follow them; the response is
// cut short instead.
func (h *RequestHandler) handleError(err error) {
	if h.finished {
		return
	}
	if err == nil || errors.Is(err, coroutines.ErrStopped) {
		h.Finish() // nothing went wrong, or the server is shutting down
		return
	}
	status := http.StatusInternalServerError
	var he *HTTPError
	if errors.As(err, &he) {
		status = he.Code
	} else {
		h.Application.Logf("web: error serving %s %s: %v", h.Request.Method, h.Request.URI, err)
	}
	if h.headersWritten {
		h.Finish()
		return
	}
	h.SendError(status, err)
}

// # The request

// Await pauses the handler until f is done and returns its result, the
// `await` of an `async def get`. While it waits, the loop serves other
// connections.
func (h *RequestHandler) Await(f *futures.Future) (any, error) { return h.await(f) }

// Loop is the loop the handler runs on, for Sleep and timeouts.
func (h *RequestHandler) Loop() *ioloop.IOLoop { return h.Request.Connection.Server().Loop }

// Runner runs the server's coroutines, for handlers that start their own.
func (h *RequestHandler) Runner() *coroutines.Runner {
	return h.Request.Connection.Server().Runner
}

// Self is the handler the Application made, the user's type around this
// RequestHandler. Types that embed RequestHandler to extend it (as
// websocket.WebSocketHandler does) use it to reach the user's methods.
func (h *RequestHandler) Self() Handler { return h.self }

// GetArgument returns the last value of the argument name, from the query
// string or a form-encoded body, or def if there is none.
func (h *RequestHandler) GetArgument(name, def string) string {
	if vs := h.arguments[name]; len(vs) > 0 {
		return vs[len(vs)-1]
	}
	return def
}

// GetArguments returns every value of the argument name.
func (h *RequestHandler) GetArguments(name string) []string { return h.arguments[name] }

// RequireArgument returns the argument name, or a 400 HTTPError if it is
// missing: Tornado's get_argument without a default, which raises
// MissingArgumentError.
func (h *RequestHandler) RequireArgument(name string) (string, error) {
	if vs := h.arguments[name]; len(vs) > 0 {
		return vs[len(vs)-1], nil
	}
	return "", &HTTPError{Code: 400, Message: "missing argument " + name}
}

// # The hooks, with their defaults

// Prepare does nothing by default.
func (h *RequestHandler) Prepare() error { return nil }

// OnFinish does nothing by default.
func (h *RequestHandler) OnFinish() {}

// OnConnectionClose does nothing by default.
func (h *RequestHandler) OnConnectionClose() {}

// WriteError writes Tornado's plain error page, "404: Not Found".
func (h *RequestHandler) WriteError(status int, err error) {
	text := html.EscapeString(fmt.Sprintf("%d: %s", status, http.StatusText(status)))
	h.Write("<html><title>" + text + "</title><body>" + text + "</body></html>")
}

// # The response

// Clear resets the status and headers to their defaults and drops any body
// written but not yet flushed.
func (h *RequestHandler) Clear() {
	h.status = http.StatusOK
	h.headers = http.Header{
		"Server":       {"gornado-stage6"},
		"Content-Type": {"text/html; charset=UTF-8"},
		"Date":         {time.Now().UTC().Format(http.TimeFormat)},
	}
	h.buffer.Reset()
}

// SetStatus sets the response's status code.
func (h *RequestHandler) SetStatus(code int) { h.status = code }

// Status returns the response's status code.
func (h *RequestHandler) Status() int { return h.status }

// SetHeader sets a response header, replacing any value it had.
func (h *RequestHandler) SetHeader(name, value string) { h.headers.Set(name, value) }

// AddHeader adds a value to a response header.
func (h *RequestHandler) AddHeader(name, value string) { h.headers.Add(name, value) }

// ClearHeader removes a response header.
func (h *RequestHandler) ClearHeader(name string) { h.headers.Del(name) }

// Write adds chunk to the response body. A string or a []byte is written as
// it is. A map or a struct is written as JSON, and the Content-Type becomes
// application/json, as Tornado does for a dict. Other values panic, as
// Tornado raises TypeError for them (it refuses lists, once a way to steal
// JSON from another site).
func (h *RequestHandler) Write(chunk any) {
	if h.finished {
		panic(ErrFinished)
	}
	switch c := chunk.(type) {
	case string:
		h.buffer.WriteString(c)
	case []byte:
		h.buffer.Write(c)
	default:
		v := reflect.Indirect(reflect.ValueOf(chunk))
		if v.Kind() != reflect.Map && v.Kind() != reflect.Struct {
			panic(fmt.Sprintf("web: Write takes a string, []byte, map or struct, not %T", chunk))
		}
		data, err := json.Marshal(chunk)
		if err != nil {
			panic(fmt.Sprintf("web: Write: %v", err))
		}
		h.SetHeader("Content-Type", "application/json; charset=UTF-8")
		h.buffer.Write(data)
	}
}

// Flush sends the headers (the first time) and what was written so far.
// Since the final length is not known yet, an HTTP/1.1 body goes out chunked.
// The Future resolves once the bytes are handed to the kernel; awaiting it
// is how a handler that streams a large body keeps its memory small.
func (h *RequestHandler) Flush() *futures.Future {
	chunk := bytes.Clone(h.buffer.Bytes())
	h.buffer.Reset()
	conn := h.Request.Connection
	if !h.headersWritten {
		h.headersWritten = true
		return conn.WriteHeaders(h.status, h.headers, chunk)
	}
	return conn.Write(chunk)
}

// Finish sends whatever is left and ends the response. When nothing was
// flushed before, the whole body is known, so it gets a Content-Length and
// the connection can be kept alive without chunking. Then OnFinish runs.
func (h *RequestHandler) Finish() *futures.Future {
	if h.finished {
		return futures.Failed(ErrFinished)
	}
	if !h.headersWritten {
		switch {
		case h.status == 204 || h.status == 304 || h.status < 200:
			h.buffer.Reset()
		case h.headers.Get("Content-Length") == "":
			h.SetHeader("Content-Length", strconv.Itoa(h.buffer.Len()))
		}
	}
	h.Flush()
	h.finished = true
	f := h.Request.Connection.Finish()
	h.self.OnFinish()
	return f
}

// Finished reports whether Finish has run.
func (h *RequestHandler) Finished() bool { return h.finished }

// Redirect answers with a redirect to url: 302 Found, or 301 Moved
// Permanently if permanent. The response is finished.
func (h *RequestHandler) Redirect(url string, permanent bool) {
	if h.headersWritten {
		panic("web: cannot redirect after headers have been written")
	}
	h.SetStatus(http.StatusFound)
	if permanent {
		h.SetStatus(http.StatusMovedPermanently)
	}
	h.SetHeader("Location", url)
	h.Finish()
}

// SendError answers with an error page for status: the headers and body
// so far are dropped, the handler's WriteError writes the page, and the
// response is finished. err is what went wrong, for a WriteError that wants
// to show it; it may be nil.
func (h *RequestHandler) SendError(status int, err error) {
	if h.headersWritten {
		// Too late for an error page: end what was sent.
		h.Finish()
		return
	}
	allow := h.headers.Get("Allow")
	h.Clear()
	if allow != "" {
		h.SetHeader("Allow", allow)
	}
	h.SetStatus(status)
	h.self.WriteError(status, err)
	if !h.finished {
		h.Finish()
	}
}
