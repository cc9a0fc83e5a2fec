// HTTPServerRequest: the plain data of one request as a server hands it to
// an application, like Tornado's httputil.HTTPServerRequest.

package httputil

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// HTTPServerRequest is one HTTP request as an application sees it. It is
// plain data: the server fills it (FromHead does the head's part) and the
// application reads it. Field names follow Tornado's attributes.
type HTTPServerRequest struct {
	// Method is the request method ("GET").
	Method string
	// URI is the request-target as sent ("/a/b?c=d").
	URI string
	// Path is URI up to "?", without the scheme and authority of an
	// absolute-form target.
	Path string
	// Query is URI after the first "?", without it.
	Query string
	// Version is "HTTP/1.0" or "HTTP/1.1".
	Version string
	// Headers holds the request's fields.
	Headers *HTTPHeaders
	// Host is the requested host and port: the target's authority or the
	// Host field, or "127.0.0.1" without either, like Tornado.
	Host string
	// HostName is Host lower-cased without its port.
	HostName string
	// RemoteIP is the peer's address (or the X-Real-Ip / X-Forwarded-For
	// value when the server trusts xheaders).
	RemoteIP string
	// Protocol is "http" or "https".
	Protocol string
	// Body is the request body, decoded from chunked and decompressed.
	Body []byte
	// QueryArguments holds the arguments of Query.
	QueryArguments url.Values
	// BodyArguments holds the arguments of a form body (ParseBody).
	BodyArguments url.Values
	// Arguments holds QueryArguments and BodyArguments together, query
	// values first.
	Arguments url.Values
	// Files holds the uploaded files of a multipart body, by field name.
	Files map[string][]HTTPFile
	// StartTime is when the server began reading the request.
	StartTime time.Time
	// FinishTime is when the response was finished; zero until then.
	FinishTime time.Time
	// cookies caches Cookies.
	cookies map[string]string
}

// FromHead fills the head's part of r from h: method, URI, path, query,
// version, headers (copied), host and the query arguments. It returns
// ErrTooManyArguments for a query of more than 1000 fields.
func (r *HTTPServerRequest) FromHead(h *RequestHead) error {
	r.Method = h.Method
	r.URI = string(h.Target)
	r.Version = h.Version.String()
	r.Headers = h.Headers.Copy()
	if r.Protocol == "" {
		r.Protocol = "http"
	}
	path := r.URI
	if h.AbsoluteForm {
		if i := strings.Index(path, "://"); i >= 0 {
			rest := path[i+3:]
			if j := strings.IndexAny(rest, "/?"); j >= 0 {
				path = rest[j:]
			} else {
				path = "/"
			}
			if strings.HasPrefix(path, "?") {
				path = "/" + path
			}
		}
	}
	r.Path, r.Query, _ = strings.Cut(path, "?")
	r.Host = string(h.Host)
	if r.Host == "" {
		r.Host = "127.0.0.1"
	}
	r.HostName, _ = SplitHostAndPort(strings.ToLower(r.Host))
	r.QueryArguments = url.Values{}
	r.BodyArguments = url.Values{}
	r.Arguments = url.Values{}
	r.Files = map[string][]HTTPFile{}
	r.cookies = nil
	if err := ParseQueryArguments(r.Query, r.QueryArguments); err != nil {
		return err
	}
	for k, v := range r.QueryArguments {
		r.Arguments[k] = append([]string(nil), v...)
	}
	return nil
}

// ParseBody parses Body by the Content-Type header into BodyArguments,
// Files and Arguments, with the default limits.
func (r *HTTPServerRequest) ParseBody() error {
	if r.BodyArguments == nil {
		r.BodyArguments = url.Values{}
	}
	if r.Arguments == nil {
		r.Arguments = url.Values{}
	}
	if r.Files == nil {
		r.Files = map[string][]HTTPFile{}
	}
	ctype := ""
	if r.Headers != nil {
		ctype = r.Headers.Get("Content-Type")
		// Like Tornado's parse_body_arguments: a body still encoded cannot
		// be parsed. (A server that decompresses renames the field to
		// X-Consumed-Content-Encoding, as Tornado's does.)
		if enc := r.Headers.Get("Content-Encoding"); enc != "" && isFormType(ctype) {
			return wrapInput(ErrBadForm, "unsupported Content-Encoding: "+enc)
		}
	}
	if err := ParseBodyArguments(ctype, r.Body, r.BodyArguments, r.Files); err != nil {
		return err
	}
	for k, v := range r.BodyArguments {
		r.Arguments[k] = append(r.Arguments[k], v...)
	}
	return nil
}

// isFormType reports a Content-Type ParseBodyArguments parses.
func isFormType(ctype string) bool {
	return strings.HasPrefix(ctype, "application/x-www-form-urlencoded") ||
		strings.HasPrefix(ctype, "multipart/form-data")
}

// Cookies returns the request's cookies, parsed once from every Cookie
// field (ParseCookie).
func (r *HTTPServerRequest) Cookies() map[string]string {
	if r.cookies == nil {
		r.cookies = map[string]string{}
		if r.Headers != nil {
			for v := range r.Headers.Values("Cookie") {
				ParseCookieInto(string(v), r.cookies)
			}
		}
	}
	return r.cookies
}

// FullURL returns the reconstructed URL, protocol://host/uri, like
// Tornado's full_url.
func (r *HTTPServerRequest) FullURL() string {
	if strings.Contains(r.URI, "://") {
		return r.URI
	}
	return r.Protocol + "://" + r.Host + r.URI
}

// RequestTime returns how long the request took, up to now if it has not
// finished.
func (r *HTTPServerRequest) RequestTime() time.Duration {
	if r.FinishTime.IsZero() {
		return time.Since(r.StartTime)
	}
	return r.FinishTime.Sub(r.StartTime)
}

// SplitHostAndPort splits "host:port" like Tornado's split_host_and_port:
// when netloc ends in ":" and digits, those are the port; otherwise the port
// is -1 and host is netloc.
func SplitHostAndPort(netloc string) (host string, port int) {
	i := strings.LastIndexByte(netloc, ':')
	if i <= 0 || i == len(netloc)-1 {
		return netloc, -1
	}
	p, err := strconv.Atoi(netloc[i+1:])
	if err != nil || p < 0 || strings.ContainsAny(netloc[i+1:], "+-") {
		return netloc, -1
	}
	return netloc[:i], p
}
