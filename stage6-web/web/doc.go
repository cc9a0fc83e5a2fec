// Package web is stage 6's web framework: Tornado's tornado.web
// (Application and RequestHandler), small enough to read in one sitting, on
// the HTTP server of package httpserver.
//
// # Handlers
//
// A handler is a struct that embeds RequestHandler and defines a method per
// HTTP method it serves, each taking the route's regular-expression groups:
//
//	type MainHandler struct{ web.RequestHandler }
//
//	func (h *MainHandler) Get(args ...string) error {
//		h.Write("Hello, world")
//		return nil
//	}
//
// The Application makes a fresh handler per request (a Route's New) and
// finds its method through a one-method interface such as
// interface{ Get(args ...string) error }; a path no route matches is 404, a
// method the handler lacks is 405. Prepare, OnFinish, OnConnectionClose and
// WriteError have defaults that a handler may replace; RequestHandler calls
// them through Self so that the replacements win (handler.go says why).
//
// # Output
//
// SetStatus, SetHeader, AddHeader, ClearHeader, Write (a map or struct is
// written as JSON), Flush, Finish, Redirect, SendError; a returned *HTTPError
// becomes its status, any other error or a panic a logged 500.
//
// # Asynchronous handlers
//
// Every method runs inside its connection's coroutine (stage 4), so it may
// pause on a Future with Await and finish later, while the loop serves other
// connections: Tornado's async def get with await.
//
// # Example
//
//	app := web.NewApplication(web.Route{Pattern: `/`, New: func() web.Handler { return &MainHandler{} }})
//	loop, _ := ioloop.New()
//	_, _ = app.Listen(loop, "127.0.0.1:8888", nil)
//	_ = loop.Start()
package web
