// Byte classes of the HTTP grammar (RFC 9110, section 5.6.2; RFC 5234,
// appendix B.1) as lookup tables, and the ASCII case helpers the header
// code uses without allocating.

package httputil

// Byte classes; a byte may belong to several.
const (
	// classToken: tchar, the bytes of a token (RFC 9110, section 5.6.2):
	// "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" /
	// "_" / "`" / "|" / "~" / DIGIT / ALPHA.
	classToken = 1 << iota
	// classValue: field-vchar / SP / HTAB, the bytes allowed inside a
	// field value (RFC 9110, section 5.5): VCHAR, obs-text (0x80-0xFF),
	// space and horizontal tab. Every other control byte, including CR, LF
	// and NUL, is excluded.
	classValue
	// classTarget: the bytes of a request-target as this package accepts
	// it: visible ASCII (0x21-0x7E). RFC 3986 allows fewer, but a server
	// that rejects "|" or "{" breaks real clients; spaces, controls and
	// non-ASCII are refused (RFC 9112, section 3.2).
	classTarget
	// classHex: HEXDIG (RFC 5234, appendix B.1).
	classHex
	// classRegName: the bytes of a reg-name (RFC 3986, section 3.2.2):
	// unreserved / pct-encoded / sub-delims, loosely ("%" alone, not
	// checked for two hex digits after it). Not ":" nor brackets, which
	// delimit a port or an IP-literal around it, so that a host is
	// checked with one table lookup per byte.
	classRegName
)

// classes maps each byte to its classes.
var classes = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			t[c] |= classToken | classRegName
		}
		if c >= 0x21 && c <= 0x7e {
			t[c] |= classValue | classTarget
		}
		if c >= 0x80 || c == ' ' || c == '\t' {
			t[c] |= classValue
		}
		if (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') {
			t[c] |= classHex
		}
	}
	for _, c := range []byte("!#$%&'*+-.^_`|~") {
		t[c] |= classToken
	}
	for _, c := range []byte("-._~%!$&'()*+,;=") {
		t[c] |= classRegName
	}
	return t
}()

// isToken reports whether b is a non-empty token.
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if classes[c]&classToken == 0 {
			return false
		}
	}
	return true
}

// toLower maps ASCII upper case to lower case and leaves other bytes.
var toLower = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if i >= 'A' && i <= 'Z' {
			t[i] = byte(i) + 'a' - 'A'
		}
	}
	return t
}()

// equalFold reports whether a and b are equal under ASCII case folding.
// Equal bytes are tried first, one memory comparison: a name looked up
// is nearly always spelled as it was stored (a response's fields are
// stored in normal form, and clients send "Host" and "Content-Length"),
// and the table walk below costs a load per byte.
func equalFold(a []byte, b string) bool {
	if len(a) != len(b) {
		return false
	}
	if string(a) == b {
		return true
	}
	for i := 0; i < len(a); i++ {
		if toLower[a[i]] != toLower[b[i]] {
			return false
		}
	}
	return true
}

// toUpper maps ASCII lower case to upper case and leaves other bytes.
var toUpper = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if i >= 'a' && i <= 'z' {
			t[i] = byte(i) - ('a' - 'A')
		}
	}
	return t
}()

// commonName reports whether name is one of the field names responses
// use most, spelled in normal form: a token already, with nothing to
// rewrite. (A switch on a string compares lengths first, then bytes.)
func commonName(name []byte) bool {
	switch string(name) { // compared in place, not converted
	case "Content-Type", "Content-Length", "Server", "Date", "Etag",
		"Location", "Set-Cookie", "Cache-Control", "Connection",
		"Content-Encoding", "Vary", "Last-Modified", "Expires",
		"Transfer-Encoding", "Accept-Ranges", "Content-Range", "Allow":
		return true
	}
	return false
}

// canonicalToken rewrites name into Tornado's normal form (httputil's
// _normalize_header): the first letter and every letter after a hyphen upper
// case, the rest lower case, so "content-TYPE" becomes "Content-Type"; and
// reports, from the same pass, whether name is a token (isToken), for a
// field being added.
func canonicalToken(name []byte) bool {
	if commonName(name) {
		return true
	}
	upper, all := true, uint8(0xff)
	for i, c := range name {
		all &= classes[c]
		if upper {
			c = toUpper[c]
		} else {
			c = toLower[c]
		}
		name[i] = c
		upper = c == '-'
	}
	return len(name) > 0 && all&classToken != 0
}

// canonicalInPlace is canonicalToken for a name already known to be a
// token (a parsed field, normalised when first read).
func canonicalInPlace(name []byte) { canonicalToken(name) }

// trimOWS removes optional whitespace (SP and HTAB, RFC 9110, section 5.6.3)
// from both ends of b.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// nextListElement splits the first element off a comma-separated list
// (RFC 9110, section 5.6.1) and returns it trimmed, with the rest. Empty
// elements come back empty; callers skip them, as section 5.6.1 requires.
func nextListElement(list []byte) (elem, rest []byte) {
	for i, c := range list {
		if c == ',' {
			return trimOWS(list[:i]), list[i+1:]
		}
	}
	return trimOWS(list), nil
}
