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
	// Permanent answers 301 rather than 302 (Tornado's default is
	// permanent; set Status for another code).
	Permanent bool
	// Status, if set, is the redirect status (301, 302, 303, 307, 308).
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
		code = 302
		if h.Permanent {
			code = 301
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
// httpserver.HTTPHandler does; under ServeHTTP it runs on the caller's
// goroutine.
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
// client that leaves while the fallback runs must not reach it there.
func (h *FallbackHandler) Prepare() error {
	d := h.d
	if d.conn == nil || d.raw == nil {
		return &HTTPError{Code: 500, LogMessage: "FallbackHandler outside a connection"}
	}
	h.detached, h.finished = true, true
	d.conn.ReleaseDelegate(d)
	d.raw.Body = h.req.Body
	d.spec.fallback.adapter.HandleRequest(d.raw)
	return nil
}

// Get and the other methods are never reached: Prepare hands every
// request over.
func (h *FallbackHandler) Get(...string) error { return nil }
