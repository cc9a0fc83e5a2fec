// Package web is Tornado's tornado.web on gornado's final packages: an
// Application that routes requests by host and path to RequestHandlers,
// served by final/httpserver on its loops or by net/http.
//
// # Handlers
//
// A handler is a struct that embeds RequestHandler and defines the methods
// it answers, each taking the groups of its route:
//
//	type MainHandler struct{ web.RequestHandler }
//
//	func (h *MainHandler) Get(args ...string) error {
//		return h.WriteString("Hello, world")
//	}
//
//	app := web.NewApplication([]*web.URLSpec{
//		web.URL("/", &MainHandler{}),
//		web.URL(`/story/(\d+)`, &StoryHandler{DB: db}).Named("story"),
//	}, web.Settings{CookieSecret: secret, XSRFCookies: true})
//	server, err := app.Listen("127.0.0.1:8888")
//
// The value given to URL is a prototype. Each request is served by a new
// copy of it, so its fields are what Tornado passes to initialize(**kwargs).
// A handler serves one request only, so a reference to it kept past its
// request can reach no one else's; its working storage (header set, body
// buffer, argument maps) is pooled per loop and lent to it for the
// request. The copies come from blocks of 16, so that with the request
// state pooled by http1connection, hello world through an Application
// costs a sixteenth of an allocation per request (TestHelloAllocations).
//
// Methods are found with interface checks (Get, Head, Post, Put, Delete,
// Patch, Options, each func(args ...string) error); a method the type lacks
// answers 405. Returning an error answers it: an *HTTPError with its code,
// a *MissingArgumentError with 400, anything else with 500. A panic is
// recovered, logged with its stack and answered 500, and the loop goes on.
// Prepare is an optional method with Tornado's meaning, and a handler with
// DataReceived (StreamingHandler) gets the request body as it arrives.
//
// # Hooks
//
// The methods Tornado users override (SetDefaultHeaders, CheckXSRFCookie,
// GetCurrentUser, GetLoginURL, GetUserLocale, GetBrowserLocale, WriteError,
// ComputeETag, OnConnectionClose, OnFinish: see Hooks) have Tornado's
// defaults on RequestHandler and are called on the handler value, so a
// method of the same name on the handler's type, or on a BaseHandler it
// embeds, is the one that runs. Locale returns what the two locale hooks
// choose among Settings.Translations (final/locale), Tornado's self.locale.
//
// # Coroutines
//
// A method that must wait returns h.Go(body): body runs as a coroutine on
// the request's loop (final/gen), and the response is finished when it
// returns, as Tornado finishes after an async get. Long polling, fetches
// and Flush for flow control are awaited inside it.
//
// # Responses
//
// Write takes strings, bytes, and maps or structs as JSON; SetStatus,
// SetHeader, SetCookie, SetSignedCookie, Redirect, Render (html/template,
// autoescaped, one template set per page so that a page's blocks override
// its layout's for it alone, with Tornado's namespace as functions and UI
// modules), Flush (a Future) and
// Finish are Tornado's. A 200 answer to GET gets an ETag of its body and
// If-None-Match gives 304; CompressResponse gzips.
//
// # Security defaults
//
// Signed cookies use Tornado's version 2 format with HMAC-SHA256 and
// expire after 31 days; XSRFCookies checks masked tokens on unsafe
// methods; error pages show stack traces only with Debug; headers with CR
// or LF are refused; StaticFileHandler keeps requests inside its root,
// symbolic links included; RedirectHandler refuses targets that would
// leave the site. docs/web.md has the details and the differences from
// Tornado.
package web
