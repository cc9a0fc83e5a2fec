// Errors a handler returns or meets: HTTPError (Tornado's
// tornado.web.HTTPError), MissingArgumentError, and the sentinel errors of
// the package.

package web

import (
	"errors"
	"fmt"

	"github.com/gornado/gornado/final/httputil"
)

// Sentinel errors of package web.
var (
	// ErrFinished is returned by Write, Flush and Finish after the response
	// has been finished (Tornado raises RuntimeError "Cannot write() after
	// finish()").
	ErrFinished = errors.New("web: response already finished")
	// ErrHeadersSent is returned when a header or status is changed after
	// the head of the response has been flushed.
	ErrHeadersSent = errors.New("web: headers already sent")
	// ErrNoCookieSecret is returned by SetSignedCookie and friends when the
	// application has no CookieSecret.
	ErrNoCookieSecret = errors.New("web: cookie_secret is not set")
	// ErrBadSignedValue is returned by DecodeSignedValue for a value that
	// is malformed, forged, expired or signed for another name.
	ErrBadSignedValue = errors.New("web: invalid signed value")
	// ErrNotJSONable is returned by Write for a value Tornado refuses to
	// write as JSON: only maps and structs (and pointers to them) are
	// written, since a top-level JSON array could be read cross-site
	// (Tornado's "write() only accepts bytes, unicode, and dict objects").
	ErrNotJSONable = errors.New("web: Write accepts []byte, string, maps and structs")
	// ErrNoLoop is returned by Go when the request is not served on an
	// IOLoop.
	ErrNoLoop = errors.New("web: no IOLoop for a coroutine")
	// ErrNotUpgradable is returned by WebSocketUpgrade when the request's
	// connection cannot be handed to final/websocket. That happens only
	// under net/http (ServeHTTP): for a request over HTTP/2 (no connection
	// of its own), or through a ResponseWriter that cannot Hijack; nothing
	// has been written then, and the handler may answer otherwise. It is
	// also wrapped when a hijacked connection has no descriptor to move to
	// the loop (a listener that wraps its net.Conns); the client has then
	// been answered 500.
	ErrNotUpgradable = errors.New("web: this connection cannot be upgraded to a WebSocket")
	// ErrUnnamedURL is returned by ReverseURL for a name no URLSpec has.
	ErrUnnamedURL = errors.New("web: no URLSpec with that name")
	// ErrReverseArgs is returned by ReverseURL when the number of
	// arguments differs from the pattern's groups.
	ErrReverseArgs = errors.New("web: wrong number of arguments for the URL pattern")
	// ErrTemplateNotFound is returned by Render and RenderString for a
	// template that is no .html file under the template root, or that
	// calls a template neither a file nor defined in its set; the message
	// names the page and the template missing.
	ErrTemplateNotFound = errors.New("web: template not found")
	// ErrUnknownUIModule is returned when a template calls
	// {{module "Name"}} for a name Settings.UIModules does not have.
	ErrUnknownUIModule = errors.New("web: no UI module with that name")
	// ErrNoPlaceForResources is returned by Render for a page whose UI
	// modules have CSS or JavaScript and that has no </head> or </body>
	// to put them before (Tornado fails the same way).
	ErrNoPlaceForResources = errors.New("web: no </head> or </body> for the UI modules' resources")
)

// HTTPError ends a request with an HTTP error status, Tornado's
// tornado.web.HTTPError: return it from a handler method and the request
// is answered by SendError(Code, err). LogMessage is logged (never shown
// to the client); Reason overrides the status line's reason phrase.
type HTTPError struct {
	// Code is the HTTP status code.
	Code int
	// LogMessage is written to the log, not to the client.
	LogMessage string
	// Reason is the reason phrase; empty means the standard one.
	Reason string
}

// NewHTTPError returns an HTTPError with a formatted log message, like
// HTTPError(code, log_message, *args).
func NewHTTPError(code int, format string, args ...any) *HTTPError {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &HTTPError{Code: code, LogMessage: msg}
}

// Error returns "HTTP 404: Not Found (message)", as Tornado's __str__.
func (e *HTTPError) Error() string {
	reason := e.Reason
	if reason == "" {
		reason = httputil.StatusText(e.Code)
	}
	if e.LogMessage != "" {
		return fmt.Sprintf("HTTP %d: %s (%s)", e.Code, reason, e.LogMessage)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Code, reason)
}

// MissingArgumentError is returned by GetArgument when a required argument
// is absent; it answers 400, like Tornado's MissingArgumentError.
type MissingArgumentError struct {
	// Name is the missing argument.
	Name string
}

// Error returns "HTTP 400: Bad Request (Missing argument name)".
func (e *MissingArgumentError) Error() string {
	return "HTTP 400: Bad Request (Missing argument " + e.Name + ")"
}

// statusOf returns the HTTP status an error answers: its HTTPError or
// MissingArgumentError code, httputil's status for malformed input, else
// 500.
func statusOf(err error) (code int, reason string) {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Code, he.Reason
	}
	var me *MissingArgumentError
	if errors.As(err, &me) {
		return 400, ""
	}
	var ie *httputil.HTTPInputError
	if errors.As(err, &ie) {
		return httputil.StatusOf(err), ""
	}
	return 500, ""
}
