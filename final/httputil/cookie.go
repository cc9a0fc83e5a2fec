// Cookie header parsing, like Tornado's httputil.parse_cookie, in linear
// time however hostile the header.

package httputil

import "strings"

// ParseCookie parses a Cookie header value into a name to value map the way
// browsers and Tornado's httputil.parse_cookie do, not the way RFC 6265
// says: pairs split on ";", a pair without "=" is a value with an empty name
// (https://bugzilla.mozilla.org/show_bug.cgi?id=169091), names and values
// are trimmed, empty pairs are dropped, the last pair of a name wins, and a
// value in double quotes is unquoted with Python's cookie escapes.
//
// Tornado's unquoting searched the rest of the value twice per escape
// sequence and was quadratic (fixed in Tornado 6.4.2, CVE-2024-52804); this
// one reads each byte once.
func ParseCookie(header string) map[string]string {
	out := make(map[string]string)
	ParseCookieInto(header, out)
	return out
}

// ParseCookieInto is ParseCookie adding to an existing map.
func ParseCookieInto(header string, dst map[string]string) {
	for header != "" {
		chunk := header
		if i := strings.IndexByte(header, ';'); i >= 0 {
			chunk, header = header[:i], header[i+1:]
		} else {
			header = ""
		}
		key, val := "", chunk
		if i := strings.IndexByte(chunk, '='); i >= 0 {
			key, val = chunk[:i], chunk[i+1:]
		}
		key, val = trimPySpace(key), trimPySpace(val)
		if key != "" || val != "" {
			dst[key] = unquoteCookie(val)
		}
	}
}

// unquoteCookie undoes Python's http.cookies quoting, as Tornado's
// _unquote_cookie: a value not wrapped in double quotes is returned as is;
// inside the quotes, a backslash and three octal digits ([0-3][0-7][0-7])
// stand for that character code, and a backslash before any other character
// stands for that character. A character code from an octal escape becomes
// that Unicode code point in UTF-8, as Python's str would hold it.
func unquoteCookie(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	s = s[1 : len(s)-1]
	i := strings.IndexByte(s, '\\')
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for {
		b.WriteString(s[:i])
		s = s[i:]
		// s starts with a backslash.
		switch {
		case len(s) >= 4 && s[1] >= '0' && s[1] <= '3' && isOctal(s[2]) && isOctal(s[3]):
			b.WriteByte((s[1]-'0')<<6 | (s[2]-'0')<<3 | (s[3] - '0'))
			s = s[4:]
		case len(s) >= 2 && s[1] != '\n':
			b.WriteByte(s[1])
			s = s[2:]
		case len(s) >= 2:
			// Backslash, newline: no escape; both stay.
			b.WriteString(s[:2])
			s = s[2:]
		default:
			b.WriteString(s) // a lone trailing backslash stays
			return b.String()
		}
		i = strings.IndexByte(s, '\\')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
	}
}

// isOctal reports an octal digit.
func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// isPySpace reports the bytes Python's str.strip removes from a latin-1
// decoded string: \t \n \v \f \r, the separators 0x1C-0x1F, space, NEL
// (0x85) and no-break space (0xA0).
func isPySpace(c byte) bool {
	return (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= ' ') || c == 0x85 || c == 0xa0
}

// trimPySpace is Python's str.strip() on a latin-1 decoded string.
func trimPySpace(s string) string {
	for len(s) > 0 && isPySpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isPySpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}
