// Hooks: the methods of Tornado's RequestHandler that applications
// override, each with its default on RequestHandler and called through the
// handler value, so that the user's method is the one that runs.

package web

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gornado/gornado/final/locale"
)

// Hooks are the methods a handler overrides to change how the framework
// treats its requests, Tornado's overridable RequestHandler methods.
// RequestHandler defines each with Tornado's default, and the framework
// calls them on the handler value, not on its embedded RequestHandler: a
// method of the same name on the handler's type (or on a BaseHandler it
// embeds, Tornado's usual base class) is the one that runs, as a Python
// subclass's would. Handler includes Hooks, so a hook defined with the
// wrong signature does not compile where the handler is routed (URL),
// where Python would silently never call it.
//
// Prepare is not a hook with a default: whether a handler has one changes
// what is answered from the head alone (see StreamingHandler and the 405
// refusal), so it stays an optional method, found with an interface check.
type Hooks interface {
	// SetDefaultHeaders sets headers every response of the handler
	// starts with (CORS, security headers): it runs before Prepare, and
	// again whenever the response is cleared, so error pages carry them
	// too (Tornado's set_default_headers). The default sets nothing
	// beyond Server and Content-Type.
	SetDefaultHeaders()
	// CheckXSRFCookie checks the request's XSRF token when XSRFCookies
	// is set, before Prepare, for every method but GET, HEAD and OPTIONS
	// (Tornado's check_xsrf_cookie). An API handler authenticated by
	// other means overrides it to return nil.
	CheckXSRFCookie() error
	// GetCurrentUser returns the user CurrentUser reports, computed once
	// per request (Tornado's get_current_user); the default is nil:
	// nobody is logged in. An error counts as nobody.
	GetCurrentUser() (any, error)
	// GetLoginURL returns where Authenticated sends a visitor without a
	// current user (Tornado's get_login_url); the default is the
	// LoginURL setting.
	GetLoginURL() string
	// GetUserLocale returns the locale the application knows for the
	// user (Tornado's get_user_locale), or nil to let GetBrowserLocale
	// choose; the default is nil. Locale calls it once per request.
	GetUserLocale() *locale.Locale
	// GetBrowserLocale returns the locale the request asks for (Tornado's
	// get_browser_locale); the default reads Accept-Language (locale.go).
	GetBrowserLocale() *locale.Locale
	// WriteError writes the body of an error page, the status set and
	// the response cleared (Tornado's write_error); SendError finishes
	// the response after it. The default is "<code>: <reason>", with the
	// error and its stack under Debug.
	WriteError(code int, err error)
	// ComputeETag returns the ETag of a 200 answer to GET or HEAD, quotes
	// included, or nil for none, which also skips the If-None-Match
	// check (Tornado's compute_etag). The default hashes the body
	// (appendETag).
	ComputeETag() []byte
	// OnConnectionClose is called when the client goes away before the
	// response is finished (Tornado's on_connection_close): a long poll
	// stops waiting here. The default does nothing.
	OnConnectionClose()
	// OnFinish is called once the response has been sent, or the client
	// has gone, to clean up and log (Tornado's on_finish). The default
	// does nothing.
	OnFinish()
	// GetTemplateNamespace returns what templates see as ns (Tornado's
	// get_template_namespace), asked for once per render on the first use
	// of ns; the default (template.go) holds handler, request and
	// current_user.
	GetTemplateNamespace() map[string]any
}

// SetDefaultHeaders is Hooks' default: it adds nothing.
func (rh *RequestHandler) SetDefaultHeaders() {
	rh.live()
}

// GetCurrentUser is Hooks' default: nobody.
func (rh *RequestHandler) GetCurrentUser() (any, error) {
	if !rh.live() {
		return nil, ErrFinished
	}
	return nil, nil
}

// GetLoginURL is Hooks' default: the LoginURL setting.
func (rh *RequestHandler) GetLoginURL() string {
	rh.live()
	return rh.Application.Settings.LoginURL
}

// ComputeETag is Hooks' default: a 64-bit hash of the body written so far
// (appendETag). The bytes are the handler's scratch space, valid until the
// next call.
func (rh *RequestHandler) ComputeETag() []byte {
	rh.live()
	return appendETag(rh.num[:0], rh.buf)
}

// OnConnectionClose is Hooks' default: nothing.
func (rh *RequestHandler) OnConnectionClose() {
	rh.live()
}

// OnFinish is Hooks' default: nothing.
func (rh *RequestHandler) OnFinish() {
	rh.live()
}

// resetHeaders gives the response the headers it starts with: the
// framework's defaultHeaders, then the handler's SetDefaultHeaders (a
// panic in it is logged, and the response goes on with what it set: it
// runs while an error page is prepared, which must not fail in turn).
func (rh *RequestHandler) resetHeaders() {
	rh.setDefaultHeaders()
	if rh.self == nil {
		return
	}
	var err error
	func() {
		defer rh.recoverPanic(&err)
		rh.self.SetDefaultHeaders()
	}()
	if err != nil {
		rh.logger().Error("web: panic in SetDefaultHeaders", "error", err.Error())
	}
}

// ---- settings -----------------------------------------------------------------

// ErrMissingSetting is what RequireSetting's errors wrap: a feature was
// used without the setting it needs. It is answered 500, a mistake in the
// application rather than in the request.
var ErrMissingSetting = errors.New("web: missing setting")

// RequireSetting returns an error wrapping ErrMissingSetting unless the
// setting Tornado calls name is set (Tornado's require_setting): one of
// "cookie_secret", "login_url", "static_path" (StaticPath or StaticFS),
// "template_path" (TemplatePath or TemplateFS) and "xsrf_cookies". feature
// names what needs it, for the message. Other names are refused with an
// error too: settings are fields here, and a misspelt name should not pass.
func (rh *RequestHandler) RequireSetting(name, feature string) error {
	if !rh.live() {
		return ErrFinished
	}
	s := &rh.Application.Settings
	var ok bool
	switch name {
	case "cookie_secret":
		ok = s.CookieSecret != ""
	case "login_url":
		ok = s.LoginURL != ""
	case "static_path":
		ok = s.StaticPath != "" || s.StaticFS != nil
	case "template_path":
		ok = s.TemplatePath != "" || s.TemplateFS != nil
	case "xsrf_cookies":
		ok = s.XSRFCookies
	default:
		return fmt.Errorf("%w: no setting is called %q", ErrMissingSetting, name)
	}
	if ok {
		return nil
	}
	if feature == "" {
		feature = "this feature"
	}
	return fmt.Errorf("%w: define the %q setting in your application to use %s", ErrMissingSetting, name, feature)
}

// ---- trailing slashes -----------------------------------------------------

// RemoveSlash runs fn for a path without a trailing slash, Tornado's
// @removeslash: a GET or HEAD of "/a/" is redirected (301) to "/a", query
// kept; any other method gets 404. Route the pattern with an optional
// slash ("/a/?") for it to see both.
//
//	func (h *Page) Get(args ...string) error {
//		return h.RemoveSlash(func() error { ... })
//	}
func (rh *RequestHandler) RemoveSlash(fn func() error) error {
	if !rh.live() {
		return ErrFinished
	}
	p := rh.req.Path()
	trimmed := strings.TrimRight(p, "/")
	if trimmed == p || trimmed == "" {
		// "/" stays itself, as in Tornado, which will not redirect it
		// to "".
		return fn()
	}
	return rh.slashRedirect(trimmed)
}

// AddSlash runs fn for a path with a trailing slash, Tornado's @addslash:
// a GET or HEAD of "/a" is redirected (301) to "/a/", query kept; any
// other method gets 404.
func (rh *RequestHandler) AddSlash(fn func() error) error {
	if !rh.live() {
		return ErrFinished
	}
	p := rh.req.Path()
	if strings.HasSuffix(p, "/") {
		return fn()
	}
	return rh.slashRedirect(p + "/")
}

// slashRedirect answers AddSlash and RemoveSlash: 301 to path for GET and
// HEAD, 404 for the rest. A target starting with two slashes would name
// another site ("//evil.example/" without its slash): it gets 404 too.
func (rh *RequestHandler) slashRedirect(path string) error {
	m := rh.req.Method
	if (m != "GET" && m != "HEAD") || strings.HasPrefix(path, "//") {
		return &HTTPError{Code: 404}
	}
	if q := rh.req.Query(); q != "" {
		path += "?" + q
	}
	return rh.Redirect(path, true)
}
