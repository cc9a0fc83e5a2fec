// Application: settings, URL specs, routing by host and path, and the
// delegate that feeds requests from final/httpserver to RequestHandlers
// (Tornado's tornado.web.Application and _HandlerDelegate).

package web

import (
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/gornado/gornado/final/http1connection"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/locale"
)

// Settings are an Application's settings, the keyword arguments of
// Tornado's Application(handlers, **settings) as fields. The zero value is
// Tornado's defaults.
type Settings struct {
	// Debug shows stack traces in error pages (serve_traceback) and
	// reads templates again on every Render (compiled_template_cache=False).
	// Never on in production: a traceback tells an attacker a lot.
	Debug bool
	// StaticPath is the directory StaticFileHandler serves under
	// StaticURLPrefix; setting it adds the route, as Tornado does.
	StaticPath string
	// StaticFS serves static files from a file system (an embed.FS)
	// instead of StaticPath.
	StaticFS fs.FS
	// StaticURLPrefix is where static files are served ("/static/").
	StaticURLPrefix string
	// TemplatePath is the directory of the html/template files Render
	// executes, by their path relative to it.
	TemplatePath string
	// TemplateFS holds the templates instead of TemplatePath (an embed.FS).
	TemplateFS fs.FS
	// TemplateFuncs are added to every template's functions (Tornado's
	// ui_methods); an entry may replace one of the framework's.
	TemplateFuncs template.FuncMap
	// UIModules are the UI modules templates embed with
	// {{module "Name" arg}}, by name (Tornado's ui_modules).
	UIModules map[string]*UIModule
	// CookieSecret signs cookies (SetSignedCookie); use 32 random bytes or
	// more.
	CookieSecret string
	// XSRFCookies checks an _xsrf token on every POST, PUT, PATCH and
	// DELETE (and any method but GET, HEAD and OPTIONS).
	XSRFCookies bool
	// XSRFCookieName names the cookie holding the XSRF secret; "" means
	// "_xsrf" (xsrf_cookie_name). A "__Host-" name makes browsers keep
	// it to this host and to HTTPS, with XSRFCookieOptions.Secure.
	XSRFCookieName string
	// XSRFCookieOptions are the XSRF cookie's attributes
	// (xsrf_cookie_kwargs): Secure, HTTPOnly, SameSite, Domain, Path. An
	// expiry left unset is 30 days, as in Tornado.
	XSRFCookieOptions CookieOptions
	// LoginURL is where Authenticated redirects a request without a
	// current user.
	LoginURL string
	// CompressResponse gzips responses of compressible types for clients
	// that accept it (compress_response): a response finished at once
	// when it has 1 KiB or more, a flushed one whatever its length, as a
	// stream each Flush of which the client can decode.
	CompressResponse bool
	// DefaultHandler answers requests no route matches
	// (default_handler_class, the prototype's fields its
	// default_handler_args); nil answers 404.
	DefaultHandler Handler
	// Logger receives the access log and errors; nil means the loop's
	// (slog.Default unless the loop was given another). The access log
	// writes a line per request at INFO, as Tornado's does once logging
	// is configured: a server that must not pay for it (a benchmark)
	// gives a Logger above INFO, or a LogFunction that does nothing.
	Logger *slog.Logger
	// LogFunction, if set, replaces the access log: it is called once per
	// finished response, with the handler, Tornado's log_function.
	// Status, Request.Method, Request.URI and Request.RequestTime are
	// what the default line shows.
	LogFunction func(h *RequestHandler)
	// MaxBodySize bounds a request body read under net/http (ServeHTTP);
	// 0 means 100 MiB. Under httpserver, its own limit applies.
	MaxBodySize int64
	// Translations are the locales RequestHandler.Locale chooses among;
	// nil means the locale package's set (locale.Current), which Tornado
	// apps fill with locale.LoadTranslations.
	Translations *locale.Translations
}

// Handler is a request handler: a pointer to a struct that embeds
// RequestHandler and has some of the methods Get, Head, Post, Put, Delete,
// Patch and Options, each `func(args ...string) error`. Embedding
// RequestHandler is what makes a type a Handler; its Hooks are
// RequestHandler's unless the type defines its own.
type Handler interface {
	base() *RequestHandler
	Hooks
}

// URLSpec maps a path pattern to a handler, Tornado's URLSpec (url()).
type URLSpec struct {
	// Pattern is a regular expression matched against the whole path ("$"
	// is implied); its groups are the arguments of the handler's methods.
	Pattern string
	// Handler is the prototype: each request gets a copy of it (with its
	// own RequestHandler), so its fields play the part of Tornado's
	// initialize(**kwargs).
	Handler Handler
	// Name lets ReverseURL find the spec.
	Name string

	// re is the compiled Pattern; literal holds the path itself when the
	// pattern has no special character, so that matching is a comparison.
	re        *regexp.Regexp
	literal   string
	isLiteral bool
	// groups is the number of groups; reverse the pattern with "%s" in
	// their place, "" when it cannot be reversed.
	groups  int
	reverse string
	// blockType and protoElem make instances (pool.go): blocks of the
	// handler type, each set to the prototype; baseOnly is set when the
	// type is struct{ RequestHandler }, whose new values need no copy.
	blockType reflect.Type
	protoElem reflect.Value
	baseOnly  bool
	// index numbers the spec within its application (per-loop pools).
	index int
	// fallback is the handler's http.Handler for FallbackHandler.
	fallback *FallbackHandler
}

// URL returns the spec mapping pattern to handler, a prototype such as
// &MainHandler{} (Tornado's url(pattern, handler, kwargs)).
func URL(pattern string, handler Handler) *URLSpec {
	return &URLSpec{Pattern: pattern, Handler: handler}
}

// Named sets the spec's name, for ReverseURL, and returns it.
func (s *URLSpec) Named(name string) *URLSpec {
	s.Name = name
	return s
}

// compile prepares the spec; it panics on a bad pattern or handler, as a
// route table is program text.
func (s *URLSpec) compile() {
	p := s.Pattern
	if !strings.HasSuffix(p, "$") {
		p += "$"
	}
	if !strings.HasPrefix(p, "^") {
		p = "^" + p
	}
	s.re = regexp.MustCompile(p)
	s.groups = s.re.NumSubexp()
	body := strings.TrimSuffix(strings.TrimPrefix(p, "^"), "$")
	if regexp.QuoteMeta(body) == body {
		s.literal, s.isLiteral = body, true
	}
	s.reverse = reversePattern(body)
	v := reflect.ValueOf(s.Handler)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct || v.IsNil() {
		panic(fmt.Sprintf("web: handler for %q must be a non-nil pointer to a struct embedding RequestHandler", s.Pattern))
	}
	s.blockType, s.protoElem = reflect.ArrayOf(handlerBlock, v.Elem().Type()), v.Elem()
	s.baseOnly = baseOnly(v.Elem().Type())
	if fb, ok := s.Handler.(*FallbackHandler); ok {
		// Made here, once: the prototype is shared by every loop.
		fb.adapter = httpserver.HTTPHandler(fb.Fallback)
		s.fallback = fb
	}
}

// reversePattern turns a pattern into a format with %s for each group,
// like Tornado's URLSpec._find_groups: "" when a group is nested or the
// pattern is not simple enough to reverse.
func reversePattern(p string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			if depth == 0 {
				b.WriteByte(p[i+1])
			}
			i++
		case c == '(':
			if depth == 0 {
				b.WriteString("%s")
			}
			depth++
		case c == ')':
			depth--
		case depth > 0:
		case strings.IndexByte(".*+?[]{}|", c) >= 0:
			return ""
		default:
			if c == '%' {
				b.WriteString("%%")
			} else {
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}

// hostRules are the specs of one host pattern (add_handlers).
type hostRules struct {
	// re matches the host name; nil matches any host.
	re *regexp.Regexp
	// specs in order of precedence.
	specs []*URLSpec
}

// Application is a collection of request handlers and settings, Tornado's
// tornado.web.Application. It serves on final/httpserver as a
// ServerDelegate (Listen, httpserver.NewWithDelegate(app), or
// httpserver.New(app), which sees that it is one) and under
// net/http as an http.Handler (ServeHTTP). Configure it before serving.
type Application struct {
	// Settings are the application's settings.
	Settings Settings

	// hosts holds the rules by host, the wildcard ones last.
	hosts []*hostRules
	// specs holds every spec, by index.
	specs []*URLSpec
	// named maps names to specs.
	named map[string]*URLSpec
	// notFound serves requests no spec matches: DefaultHandler, or a 404.
	notFound *URLSpec
	// tmpl holds the templates' index and each page's set (template.go).
	tmpl templateCache
	// staticHashes caches static_url versions by path.
	staticHashes sync.Map
	// net runs handlers for ServeHTTP (nethttp.go).
	net netState
}

// NewApplication returns an application routing handlers, on any host,
// with settings (Tornado's Application(handlers, **settings)). A
// StaticPath or StaticFS adds StaticFileHandler at StaticURLPrefix.
func NewApplication(handlers []*URLSpec, settings Settings) *Application {
	a := &Application{Settings: settings, named: map[string]*URLSpec{}}
	if a.Settings.StaticURLPrefix == "" {
		a.Settings.StaticURLPrefix = "/static/"
	}
	a.hosts = []*hostRules{{}}
	if a.Settings.StaticPath != "" || a.Settings.StaticFS != nil {
		prefix := regexp.QuoteMeta(a.Settings.StaticURLPrefix)
		static := &StaticFileHandler{Path: a.Settings.StaticPath, FS: a.Settings.StaticFS}
		handlers = append([]*URLSpec{URL(prefix+"(.*)", static)}, handlers...)
	}
	a.add(a.hosts[0], handlers)
	var nf Handler = &ErrorHandler{StatusCode: 404}
	if a.Settings.DefaultHandler != nil {
		nf = a.Settings.DefaultHandler
	}
	a.notFound = URL("", nf)
	a.add(&hostRules{}, []*URLSpec{a.notFound})
	if (a.Settings.TemplatePath != "" || a.Settings.TemplateFS != nil) && !a.Settings.Debug {
		// Every page's set is built once, now; a broken template is
		// reported at startup as well as answered 500 when rendered.
		if err := a.LoadTemplates(); err != nil {
			a.startupLogger().Error("web: templates", "error", err.Error())
		}
	}
	return a
}

// startupLogger is the logger for what NewApplication reports: the
// Logger setting, or slog's default (the loops are not known yet).
func (a *Application) startupLogger() *slog.Logger {
	if a.Settings.Logger != nil {
		return a.Settings.Logger
	}
	return slog.Default()
}

// AddHandlers adds specs that apply to hosts matching hostPattern (a
// regular expression matched against the whole host name, without port),
// checked before the handlers given to NewApplication, like Tornado's
// add_handlers.
func (a *Application) AddHandlers(hostPattern string, specs ...*URLSpec) {
	p := hostPattern
	if !strings.HasSuffix(p, "$") {
		p += "$"
	}
	if !strings.HasPrefix(p, "^") {
		p = "^" + p
	}
	r := &hostRules{re: regexp.MustCompile(p)}
	a.add(r, specs)
	n := len(a.hosts)
	a.hosts = append(a.hosts[:n-1], r, a.hosts[n-1])
}

func (a *Application) add(r *hostRules, specs []*URLSpec) {
	for _, s := range specs {
		s.compile()
		s.index = len(a.specs)
		a.specs = append(a.specs, s)
		r.specs = append(r.specs, s)
		if s.Name != "" {
			a.named[s.Name] = s
		}
	}
}

// ReverseURL returns the path of the spec named name with args in place of
// its groups, each escaped for a path (Tornado's reverse_url).
func (a *Application) ReverseURL(name string, args ...any) (string, error) {
	s, ok := a.named[name]
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrUnnamedURL, name)
	}
	if len(args) != s.groups || (s.reverse == "" && s.groups > 0) {
		return "", fmt.Errorf("%w: %q takes %d", ErrReverseArgs, name, s.groups)
	}
	if s.groups == 0 {
		if s.reverse == "" {
			return s.literal, nil
		}
		return strings.ReplaceAll(s.reverse, "%%", "%"), nil
	}
	esc := make([]any, len(args))
	for i, v := range args {
		esc[i] = url.PathEscape(fmt.Sprint(v))
	}
	return fmt.Sprintf(s.reverse, esc...), nil
}

// find returns the spec matching host and path and fills args with its
// groups (path-unescaped, as Tornado's _unquote_or_none); nil when none
// matches.
func (a *Application) find(host []byte, path []byte, args []string) (*URLSpec, []string) {
	var hostName string
	hostDone := false
	for _, r := range a.hosts {
		if r.re != nil {
			if !hostDone {
				h := string(host)
				if h == "" {
					h = "127.0.0.1"
				}
				hostName, _ = splitHost(strings.ToLower(h))
				hostDone = true
			}
			if !r.re.MatchString(hostName) {
				continue
			}
		}
		for _, s := range r.specs {
			if s.isLiteral {
				if string(path) == s.literal {
					return s, args[:0]
				}
				continue
			}
			m := s.re.FindSubmatchIndex(path)
			if m == nil {
				continue
			}
			args = args[:0]
			for i := 1; i <= s.groups; i++ {
				if m[2*i] < 0 {
					args = append(args, "")
					continue
				}
				g := string(path[m[2*i]:m[2*i+1]])
				if u, err := url.PathUnescape(g); err == nil {
					g = u
				}
				args = append(args, g)
			}
			return s, args
		}
	}
	return nil, args[:0]
}

// splitHost drops a port from host, like httputil.SplitHostAndPort.
func splitHost(h string) (string, int) {
	if host, port, err := net.SplitHostPort(h); err == nil {
		p, _ := strconv.Atoi(port)
		return host, p
	}
	return h, -1
}

// handlerFor returns the prototype handler of spec, or of the 404 route
// when spec is nil (no route matched).
func (a *Application) handlerFor(spec *URLSpec) Handler {
	if spec == nil {
		return a.notFound.Handler
	}
	return spec.Handler
}

// Listen serves the application on addr ("host:port"; port 0 picks one)
// with an HTTPServer on a loop per core, Tornado's Application.listen. The
// server is returned so that the caller can find its port (Addr) and
// Close or Shutdown it.
func (a *Application) Listen(addr string) (*httpserver.HTTPServer, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return nil, fmt.Errorf("web: invalid port %q", portStr)
	}
	s := httpserver.NewWithDelegate(a)
	if err := s.Bind(port, host); err != nil {
		return nil, err
	}
	if err := s.Start(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// ---- serving on final/httpserver --------------------------------------

// loopState is what an application keeps per loop: free dispatchers, the
// blocks new handlers come from, and the handlers' working storage,
// touched only on that loop.
type loopState struct {
	// free holds dispatchers not in use.
	free []*dispatch
	// blocks hands out new handlers, by spec index; states holds the
	// handlers' working storage not lent (pool.go).
	blocks []handlerBlocks
	states []*handlerState
	// argsBuf receives a route's groups.
	argsBuf []string
	// sockets are the WebSockets open on the loop (websocket.go).
	sockets socketSet
}

// stateKey keys an application's loopState in ioloop.Value.
type stateKey struct{ app *Application }

func (a *Application) stateOf(loop *ioloop.IOLoop) *loopState {
	if s, ok := loop.Value(stateKey{a}).(*loopState); ok {
		return s
	}
	s := &loopState{}
	loop.SetValue(stateKey{a}, s)
	return s
}

// StartRequest is the ServerDelegate method: it returns a pooled
// dispatcher for the request whose head has arrived.
func (a *Application) StartRequest(c *http1connection.Conn) http1connection.MessageDelegate {
	ls := a.stateOf(c.Loop())
	var d *dispatch
	if n := len(ls.free); n > 0 {
		d = ls.free[n-1]
		ls.free = ls.free[:n-1]
	} else {
		d = &dispatch{app: a, ls: ls}
	}
	d.conn, d.loop = c, c.Loop()
	return d
}

// OnClose is the ServerDelegate method; the application keeps nothing per
// connection.
func (a *Application) OnClose(*http1connection.Conn) {}

// HandleRequest serves a request whose body has been read: it makes an
// Application an httpserver.Handler too. httpserver.New(app) does not go
// through it: since the application is a ServerDelegate, New uses it as
// one, as NewWithDelegate does (bodies stream, and closed connections
// reach the handlers' OnConnectionClose). It serves the application
// when it is called as a plain Handler (httpserver.HandlerFunc(
// app.HandleRequest), or from a Handler of one's own): then a
// StreamingHandler gets the whole body in one DataReceived, and a client
// that goes away is not reported.
func (a *Application) HandleRequest(req *httpserver.Request) {
	d := a.StartRequest(req.Conn).(*dispatch)
	// The body is read already: no refusal from the head is worth
	// making here (prepareStep still refuses, after it).
	d.route(req)
	if d.streaming {
		rh := d.h.base()
		rh.step = stepPrepare
		rh.runUntil(stepMethod)
		if len(req.Body) > 0 {
			if aw := d.data(req.Body); aw != nil {
				aw.OnDone(d.Finish)
				return
			}
		}
	}
	d.Finish()
}
