package web

import (
	"log"
	"regexp"
	"sort"
	"strings"
	"time"

	coroutines "github.com/gornado/gornado/stage4-coroutines"
	"github.com/gornado/gornado/stage5-iostream/ioloop"
	"github.com/gornado/gornado/stage6-web/httpserver"
)

// # Routing: from a path to a handler
//
// A Tornado application is a list of (regular expression, RequestHandler
// subclass) pairs:
//
//	app = tornado.web.Application([
//	    (r"/", MainHandler),
//	    (r"/page/(\d+)", PageHandler),
//	])
//
// For each request Tornado finds the first pattern that matches the whole
// path, makes a new instance of its class, and calls the method named like
// the HTTP method with the pattern's groups as arguments: PageHandler().get("7").
//
// Go has no classes to instantiate, so a Route pairs the pattern with a
// function that makes a fresh handler, usually a one-line closure:
//
//	web.NewApplication(
//	    web.Route{`/`, func() web.Handler { return &MainHandler{} }},
//	    web.Route{`/page/(\d+)`, func() web.Handler { return &PageHandler{Delay: d} }},
//	)
//
// A fresh value per request is what makes a handler's fields safe to use as
// per-request state, exactly as self.x is in Tornado; the closure is also
// where a handler gets what it shares with others (Tornado's initialize
// arguments), such as the chat's message buffer.

// A Route maps a path pattern to the handlers that serve it.
type Route struct {
	// Pattern is a regular expression matched against the whole request
	// path; its groups become the arguments of the handler's method.
	Pattern string
	// New makes the handler for one request.
	New func() Handler
}

type route struct {
	re  *regexp.Regexp
	new func() Handler
}

// An Application is a set of routes: Tornado's tornado.web.Application. It is
// the httpserver.Delegate of the server it listens with.
type Application struct {
	// AccessLog, if set, gets one line per finished request, as Tornado's
	// log_request: "200 GET /page/1 (127.0.0.1) 50.72ms".
	AccessLog *log.Logger
	// ErrorLog gets handler failures (a panic, an error that is not an
	// HTTPError); nil means the log package's standard logger.
	ErrorLog *log.Logger

	routes []route
}

// NewApplication compiles the routes. Like regexp.MustCompile it panics on a
// pattern that does not compile: that is a mistake in the program, found the
// first time it runs.
func NewApplication(routes ...Route) *Application {
	a := &Application{}
	for _, r := range routes {
		// Tornado anchors every pattern at both ends: "/page/1/edit" must
		// not match `/page/(\d+)`.
		a.routes = append(a.routes, route{regexp.MustCompile(`^(?:` + r.Pattern + `)$`), r.New})
	}
	return a
}

// Listen starts an HTTPServer for the application on address, Tornado's
// Application.listen. The server runs once the loop does.
func (a *Application) Listen(loop *ioloop.IOLoop, address string, opts *httpserver.Options) (*httpserver.HTTPServer, error) {
	s := httpserver.NewHTTPServer(loop, a, opts)
	if err := s.Listen(address); err != nil {
		return nil, err
	}
	return s, nil
}

// HandleRequest serves one request: find the route, make the handler, run
// it. It runs inside the connection's coroutine, so the handler's methods
// may Await, and the connection reads no further request until the handler
// has finished.
func (a *Application) HandleRequest(await coroutines.Await, req *httpserver.Request) {
	var h Handler = &errorHandler{status: 404}
	var args []string
	for _, r := range a.routes {
		if m := r.re.FindStringSubmatch(req.Path); m != nil {
			h, args = r.new(), m[1:]
			break
		}
	}
	start := time.Now()
	rh := h.base()
	rh.init(a, h, req, await)
	rh.execute(args)
	if a.AccessLog != nil {
		a.AccessLog.Printf("%d %s %s (%s) %.2fms", rh.status, req.Method, req.URI, req.RemoteIP,
			float64(time.Since(start).Microseconds())/1000)
	}
}

// Logf writes to ErrorLog, for handlers (and websocket) that report failures.
func (a *Application) Logf(format string, args ...any) {
	if a.ErrorLog != nil {
		a.ErrorLog.Printf(format, args...)
		return
	}
	log.Printf(format, args...)
}

// # Finding a handler's methods
//
// Tornado looks a method up by name: getattr(handler, "get"). RequestHandler
// itself defines get, post and the others to raise 405, and a subclass
// overrides the ones it serves.
//
// Go has no overriding. A method of an embedded struct is promoted to the
// outer type, but when the embedded struct's own code calls it, it calls its
// own version, never the outer type's. So RequestHandler defines no Get at
// all, and the Application asks the user's value, through a one-method
// interface, whether it has one. A type that embeds RequestHandler and
// defines Get serves GET; one that does not gets 405.

// methods maps each HTTP method Tornado supports to the handler method that
// serves it, if the handler has one.
var methods = map[string]func(h Handler) func(args ...string) error{
	"GET": func(h Handler) func(...string) error {
		if m, ok := h.(interface{ Get(args ...string) error }); ok {
			return m.Get
		}
		return nil
	},
	"HEAD": func(h Handler) func(...string) error {
		if m, ok := h.(interface{ Head(args ...string) error }); ok {
			return m.Head
		}
		return nil
	},
	"POST": func(h Handler) func(...string) error {
		if m, ok := h.(interface{ Post(args ...string) error }); ok {
			return m.Post
		}
		return nil
	},
	"PUT": func(h Handler) func(...string) error {
		if m, ok := h.(interface{ Put(args ...string) error }); ok {
			return m.Put
		}
		return nil
	},
	"DELETE": func(h Handler) func(...string) error {
		if m, ok := h.(interface{ Delete(args ...string) error }); ok {
			return m.Delete
		}
		return nil
	},
	"PATCH": func(h Handler) func(...string) error {
		if m, ok := h.(interface{ Patch(args ...string) error }); ok {
			return m.Patch
		}
		return nil
	},
	"OPTIONS": func(h Handler) func(...string) error {
		if m, ok := h.(interface{ Options(args ...string) error }); ok {
			return m.Options
		}
		return nil
	},
}

// allowed lists the methods h serves, for the Allow header of a 405 (RFC
// 9110, section 15.5.6).
func allowed(h Handler) string {
	var names []string
	for name, find := range methods {
		if find(h) != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// errorHandler answers every request with one status: the 404 of a path no
// route matches (Tornado's ErrorHandler).
type errorHandler struct {
	RequestHandler
	status int
}

func (h *errorHandler) Prepare() error { return &HTTPError{Code: h.status} }
