// HTTPServerRequest: the request a RequestHandler serves, read lazily from
// the connection's parsed head so that a handler that looks at little
// allocates nothing.

package web

import (
	"bytes"
	"net/url"
	"strings"
	"time"

	"github.com/gornado/gornado/final/httputil"
)

// HTTPServerRequest is the request of a RequestHandler, Tornado's
// httputil.HTTPServerRequest. Its fields point into storage the connection
// reuses: they are valid until the response is finished. Methods that
// return strings or parsed arguments compute them on first use.
type HTTPServerRequest struct {
	// Method is the request method ("GET").
	Method string
	// Headers are the request's header fields.
	Headers *httputil.HTTPHeaders
	// Body is the request body (empty for a streaming handler, which gets
	// it through DataReceived).
	Body []byte
	// RemoteIP is the peer's address (or what X-Real-Ip says, with
	// httpserver's XHeaders).
	RemoteIP string
	// Protocol is "http" or "https".
	Protocol string
	// Version is httputil.HTTP10 or httputil.HTTP11.
	Version httputil.Version
	// StartTime is when the head was complete.
	StartTime time.Time

	// target is the request-target as sent; host the Host field (or
	// authority); absolute is set for an absolute-form target.
	target   []byte
	host     []byte
	absolute bool

	// uri, path, query and hostName cache the strings of URI, Path, Query
	// and HostName; have marks which are set.
	uri, path, query, hostName string
	have                       uint8
	// queryArgs, bodyArgs and args are the parsed arguments; files the
	// uploads; parsed marks which are parsed; argErr keeps a parse error.
	queryArgs, bodyArgs, args url.Values
	files                     map[string][]httputil.HTTPFile
	parsed                    uint8
	argErr                    error
	// cookies caches Cookies.
	cookies map[string]string
}

const (
	haveURI = 1 << iota
	havePath
	haveQuery
	haveHostName
)

const (
	parsedQuery = 1 << iota
	parsedBody
)

// reset forgets the previous request, keeping the maps' storage. Most
// requests never parse arguments or cookies, so a map is cleared only when
// it holds something.
func (r *HTTPServerRequest) reset() {
	args, qa, ba, files, cookies := r.args, r.queryArgs, r.bodyArgs, r.files, r.cookies
	if len(args) > 0 {
		clear(args)
	}
	if len(qa) > 0 {
		clear(qa)
	}
	if len(ba) > 0 {
		clear(ba)
	}
	if len(files) > 0 {
		clear(files)
	}
	if len(cookies) > 0 {
		clear(cookies)
	}
	*r = HTTPServerRequest{args: args, queryArgs: qa, bodyArgs: ba, files: files, cookies: cookies}
}

// pathBytes returns the path of the target without allocating.
func (r *HTTPServerRequest) pathBytes() []byte {
	t := r.target
	if r.absolute {
		if i := bytes.Index(t, []byte("://")); i >= 0 {
			rest := t[i+3:]
			j := bytes.IndexAny(rest, "/?")
			if j < 0 || rest[j] == '?' {
				return []byte("/")
			}
			t = rest[j:]
		}
	}
	if i := bytes.IndexByte(t, '?'); i >= 0 {
		return t[:i]
	}
	return t
}

// URI returns the request-target as sent ("/a/b?c=d").
func (r *HTTPServerRequest) URI() string {
	if r.have&haveURI == 0 {
		r.uri, r.have = string(r.target), r.have|haveURI
	}
	return r.uri
}

// Path returns the target's path, without the query.
func (r *HTTPServerRequest) Path() string {
	if r.have&havePath == 0 {
		r.path, r.have = string(r.pathBytes()), r.have|havePath
	}
	return r.path
}

// Query returns the target's query, without "?".
func (r *HTTPServerRequest) Query() string {
	if r.have&haveQuery == 0 {
		if i := bytes.IndexByte(r.target, '?'); i >= 0 {
			r.query = string(r.target[i+1:])
		}
		r.have |= haveQuery
	}
	return r.query
}

// Host returns the Host field (or the absolute-form target's authority),
// "127.0.0.1" without either, like Tornado.
func (r *HTTPServerRequest) Host() string {
	if len(r.host) == 0 {
		return "127.0.0.1"
	}
	return string(r.host)
}

// HostName returns Host lower-cased without its port.
func (r *HTTPServerRequest) HostName() string {
	if r.have&haveHostName == 0 {
		r.hostName, _ = httputil.SplitHostAndPort(strings.ToLower(r.Host()))
		r.have |= haveHostName
	}
	return r.hostName
}

// FullURL returns protocol://host/uri, Tornado's full_url.
func (r *HTTPServerRequest) FullURL() string {
	if r.absolute {
		return r.URI()
	}
	return r.Protocol + "://" + r.Host() + r.URI()
}

// RequestTime returns how long the request has taken so far.
func (r *HTTPServerRequest) RequestTime() time.Duration { return time.Since(r.StartTime) }

// QueryArguments returns the arguments of the query string.
func (r *HTTPServerRequest) QueryArguments() url.Values {
	r.parseQuery()
	return r.queryArgs
}

// BodyArguments returns the arguments of a form body (urlencoded or
// multipart).
func (r *HTTPServerRequest) BodyArguments() url.Values {
	r.parseBody()
	return r.bodyArgs
}

// Arguments returns query and body arguments together, query values first.
func (r *HTTPServerRequest) Arguments() url.Values {
	r.parseBody()
	return r.args
}

// Files returns the uploaded files of a multipart body, by field name.
func (r *HTTPServerRequest) Files() map[string][]httputil.HTTPFile {
	r.parseBody()
	return r.files
}

// Cookies returns the request's cookies (httputil.ParseCookie over every
// Cookie field).
func (r *HTTPServerRequest) Cookies() map[string]string {
	if r.cookies == nil {
		r.cookies = map[string]string{}
	}
	if len(r.cookies) == 0 && r.Headers != nil {
		for v := range r.Headers.Values("Cookie") {
			httputil.ParseCookieInto(string(v), r.cookies)
		}
	}
	return r.cookies
}

// parseQuery fills queryArgs and args from the query string once.
func (r *HTTPServerRequest) parseQuery() {
	if r.parsed&parsedQuery != 0 {
		return
	}
	r.parsed |= parsedQuery
	if r.queryArgs == nil {
		r.queryArgs, r.args = url.Values{}, url.Values{}
	}
	if err := httputil.ParseQueryArguments(r.Query(), r.queryArgs); err != nil {
		r.argErr = err
	}
	for k, v := range r.queryArgs {
		r.args[k] = append(r.args[k], v...)
	}
}

// parseBody fills bodyArgs, files and args from a form body once. A
// malformed body leaves them empty, as Tornado logs and carries on.
func (r *HTTPServerRequest) parseBody() {
	r.parseQuery()
	if r.parsed&parsedBody != 0 {
		return
	}
	r.parsed |= parsedBody
	if r.bodyArgs == nil {
		r.bodyArgs, r.files = url.Values{}, map[string][]httputil.HTTPFile{}
	}
	if len(r.Body) == 0 || r.Headers == nil {
		return
	}
	ctype := r.Headers.Get("Content-Type")
	if err := httputil.ParseBodyArguments(ctype, r.Body, r.bodyArgs, r.files); err != nil {
		r.argErr = err
		return
	}
	for k, v := range r.bodyArgs {
		r.args[k] = append(r.args[k], v...)
	}
}
