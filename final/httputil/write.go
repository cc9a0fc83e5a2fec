// Writing response heads fast: precomputed status lines, header
// validation against response splitting, IMF-fixdate timestamps and a Date
// value cached per second.

package httputil

import (
	"strconv"
	"sync/atomic"
	"time"
)

// statusText holds the reason phrases of RFC 9110, section 15 (and a few
// registered elsewhere), indexed by code.
var statusText = map[int]string{
	100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
	200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information",
	204: "No Content", 205: "Reset Content", 206: "Partial Content", 207: "Multi-Status",
	208: "Already Reported", 226: "IM Used",
	300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other",
	304: "Not Modified", 305: "Use Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect",
	400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
	404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
	407: "Proxy Authentication Required", 408: "Request Timeout", 409: "Conflict",
	410: "Gone", 411: "Length Required", 412: "Precondition Failed", 413: "Content Too Large",
	414: "URI Too Long", 415: "Unsupported Media Type", 416: "Range Not Satisfiable",
	417: "Expectation Failed", 418: "I'm a teapot", 421: "Misdirected Request",
	422: "Unprocessable Content", 423: "Locked", 424: "Failed Dependency", 425: "Too Early",
	426: "Upgrade Required", 428: "Precondition Required", 429: "Too Many Requests",
	431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons",
	500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
	503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported",
	506: "Variant Also Negotiates", 507: "Insufficient Storage", 508: "Loop Detected",
	510: "Not Extended", 511: "Network Authentication Required",
}

// StatusText returns the reason phrase of code, or "Unknown".
func StatusText(code int) string {
	if t, ok := statusText[code]; ok {
		return t
	}
	return "Unknown"
}

// statusLines11 and statusLines10 hold "HTTP/1.x code reason\r\n" for the
// codes of statusText, indexed by code - 100.
var statusLines11, statusLines10 = func() (a, b [500][]byte) {
	for code, text := range statusText {
		a[code-100] = []byte("HTTP/1.1 " + strconv.Itoa(code) + " " + text + "\r\n")
		b[code-100] = []byte("HTTP/1.0 " + strconv.Itoa(code) + " " + text + "\r\n")
	}
	return a, b
}()

// AppendStatusLine appends the status line for code (RFC 9112, section 4),
// from a precomputed table for the registered codes. Version HTTP10 writes
// "HTTP/1.0"; anything else "HTTP/1.1".
func AppendStatusLine(dst []byte, v Version, code int) []byte {
	if code >= 100 && code < 600 {
		t := &statusLines11
		if v == HTTP10 {
			t = &statusLines10
		}
		if line := t[code-100]; line != nil {
			return append(dst, line...)
		}
	}
	if v == HTTP10 {
		dst = append(dst, "HTTP/1.0 "...)
	} else {
		dst = append(dst, "HTTP/1.1 "...)
	}
	dst = strconv.AppendInt(dst, int64(code), 10)
	dst = append(dst, ' ')
	dst = append(dst, StatusText(code)...)
	return append(dst, '\r', '\n')
}

// AppendResponseHead appends a status line, the fields of h and the empty
// line ending the head. It refuses (with ErrUnsafeHeader, leaving dst as it
// was) a field name that is not a token or a value holding a control byte
// other than HTAB, since CR or LF there would let a value inject fields or
// a second response (RFC 9110, section 5.5; Tornado's
// RequestHandler._convert_header_value refuses the same).
func AppendResponseHead(dst []byte, v Version, code int, h *HTTPHeaders) ([]byte, error) {
	start := len(dst)
	dst = AppendStatusLine(dst, v, code)
	if h != nil {
		for i := 0; i < h.Len(); i++ {
			if h.fields[i].unsafe {
				return dst[:start], ErrUnsafeHeader
			}
			name, value := h.At(i)
			dst = append(dst, name...)
			dst = append(dst, ':', ' ')
			dst = append(dst, value...)
			dst = append(dst, '\r', '\n')
		}
	}
	return append(dst, '\r', '\n'), nil
}

// imfFixdate is the layout of IMF-fixdate (RFC 9110, section 5.6.7).
const imfFixdate = "Mon, 02 Jan 2006 15:04:05 GMT"

// FormatTimestamp formats t as an HTTP date, IMF-fixdate in UTC
// ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110, section 5.6.7), like
// Tornado's httputil.format_timestamp.
func FormatTimestamp(t time.Time) string { return t.UTC().Format(imfFixdate) }

// AppendTimestamp appends FormatTimestamp(t) without allocating.
func AppendTimestamp(dst []byte, t time.Time) []byte {
	return t.UTC().AppendFormat(dst, imfFixdate)
}

// DateCache caches the Date header's value: formatting a date for every
// response costs more than the rest of a small response head. The value is
// recomputed at most once per second of the clock passed in. It is safe for
// concurrent use, so all of a server's loops can share one.
type DateCache struct {
	// cur is the latest value.
	cur atomic.Pointer[cachedDate]
}

// cachedDate is one formatted second.
type cachedDate struct {
	// sec is the Unix second formatted.
	sec int64
	// value is IMF-fixdate of sec.
	value []byte
}

// Append appends the date of now in IMF-fixdate, from the cache when now is
// in the second cached.
func (c *DateCache) Append(dst []byte, now time.Time) []byte {
	sec := now.Unix()
	d := c.cur.Load()
	if d == nil || d.sec != sec {
		d = &cachedDate{sec: sec, value: AppendTimestamp(make([]byte, 0, len(imfFixdate)), now)}
		c.cur.Store(d)
	}
	return append(dst, d.value...)
}

// defaultDate serves AppendDate.
var defaultDate DateCache

// AppendDate appends "Date: " and the date of now, cached per second, and
// CRLF: the Date field a server sends with every response (RFC 9110,
// section 6.6.1).
func AppendDate(dst []byte, now time.Time) []byte {
	dst = append(dst, "Date: "...)
	dst = defaultDate.Append(dst, now)
	return append(dst, '\r', '\n')
}
