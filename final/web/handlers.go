// The handlers Tornado ships: RedirectHandler, ErrorHandler and
// FallbackHandler (StaticFileHandler is in static.go).

package web

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/gornado/gornado/final/httpserver"
)

// ErrorHandler answers every request with StatusCode, Tornado's
// ErrorHandler; it is also what answers 404 when no route matches.
type ErrorHandler struct {
	RequestHandler
	// StatusCode is the status to answer.
	StatusCode int
}

// Prepare answers the error before any method runs, as Tornado's does.
func (h *ErrorHandler) Prepare() error { return &HTTPError{Code: h.StatusCode} }

// RedirectHandler redirects every GET to URL, Tornado's RedirectHandler:
// "{0}", "{1}"... in URL are replaced by the route's groups, and the
// request's query is appended. A target that would leave the site from a
// path ("//host" or "/\host", an open redirect built from a group) is
// refused with 403.
type RedirectHandler struct {
	RequestHandler
	// URL is the target, with {0}, {1}... for the groups.
	URL string
	// Temporary answers 302 rather than 301. The zero value is
	// Tornado's default, permanent=True: a RedirectHandler usually
	// marks a page that moved for good.
	Temporary bool
	// Status, if set, is the redirect status (301, 302, 303, 307, 308),
	// whatever Temporary says.
	Status int
}

var braceArg = regexp.MustCompile(`\{(\d+)\}`)

// Get redirects.
func (h *RedirectHandler) Get(args ...string) error {
	to := braceArg.ReplaceAllStringFunc(h.URL, func(m string) string {
		i, _ := strconv.Atoi(m[1 : len(m)-1])
		if i < len(args) {
			return args[i]
		}
		return m
	})
	if !strings.HasPrefix(h.URL, "//") && (strings.HasPrefix(to, "//") || strings.HasPrefix(to, "/\\")) {
		return &HTTPError{Code: 403, LogMessage: "cannot redirect to a path with two initial slashes"}
	}
	if q := h.Request.Query(); q != "" {
		if strings.Contains(to, "?") {
			to += "&" + q
		} else {
			to += "?" + q
		}
	}
	code := h.Status
	if code == 0 {
		code = 301
		if h.Temporary {
			code = 302
		}
	}
	h.SetStatus(code)
	h.SetHeader("Location", to)
	return h.Finish()
}

// Head redirects like Get.
func (h *RedirectHandler) Head(args ...string) error { return h.Get(args...) }

// FallbackHandler hands requests to a net/http Handler, Tornado's
// FallbackHandler (with WSGIContainer): mount an existing http.Handler
// (a net/http mux, pprof, a file server) inside an Application. On
// final/httpserver the handler runs on a goroutine of its own, as
// httpserver.HTTPHandler does, and its request's context is cancelled
// when the client goes away, as under net/http; under ServeHTTP it runs
// on the caller's goroutine, with net/http's own request.
type FallbackHandler struct {
	RequestHandler
	// Fallback serves the requests.
	Fallback http.Handler

	// adapter is Fallback as an httpserver.Handler, made once.
	adapter httpserver.Handler
}

// Prepare hands the request over and detaches from it. The connection
// forgets the dispatcher first: the request is the fallback's now, the
// dispatcher goes back to the loop's pool when Prepare returns, and a
// client that leaves while the fallback runs must not reach it there. It
// reaches the adapter instead, which cancels the handler's context: a
// fallbackClose takes the dispatcher's place.
func (h *FallbackHandler) Prepare() error {
	d := h.d
	if d.conn == nil || d.raw == nil {
		return &HTTPError{Code: 500, LogMessage: "FallbackHandler outside a connection"}
	}
	h.resp = respDetached
	d.raw.Body = h.req.Body
	adapter := d.spec.fallback.adapter
	if ch, ok := adapter.(httpserver.CloseHandler); ok {
		d.conn.HandOver(d, &fallbackClose{adapter: ch, req: d.raw})
	} else {
		d.conn.ReleaseDelegate(d)
	}
	adapter.HandleRequest(d.raw)
	return nil
}

// fallbackClose is the connection's delegate for a request a
// FallbackHandler handed over, once its body has been read: all it does
// is pass a close on to the adapter. (When the application is served as a
// plain httpserver.Handler, the connection's delegate is the server's, and
// the hand-over changes nothing: no close is reported, as for every
// handler.)
type fallbackClose struct {
	adapter httpserver.CloseHandler
	req     *httpserver.Request
}

func (f *fallbackClose) HeadersReceived(*httpserver.Request) error { return nil }
func (f *fallbackClose) DataReceived([]byte) error                 { return nil }
func (f *fallbackClose) Finish()                                   {}
func (f *fallbackClose) OnConnectionClose()                        { f.adapter.OnConnectionClose(f.req) }

// Get and the other methods are never reached: Prepare hands every
// request over.
func (h *FallbackHandler) Get(...string) error { return nil }
