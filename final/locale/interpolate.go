// Interpolate: Python's "%(name)s" % mapping, for the placeholders of
// Tornado translation files.

package locale

import (
	"fmt"
	"strconv"
	"strings"
)

// Interpolate fills the %(name)s and %(name)d placeholders of format from
// args, as Python's format % mapping does for a Tornado translation:
//
//	Interpolate(l.Translate("%(name)s liked this", "", 0), map[string]any{"name": "Ana"})
//
// %% is a percent sign. A placeholder whose name is not in args, and any
// other use of %, stays as written: a translator's typo shows on the page
// rather than failing the request (Python raises KeyError or ValueError).
// Values are written with fmt.Sprint.
func Interpolate(format string, args map[string]any) string {
	if !strings.Contains(format, "%") {
		return format
	}
	var b strings.Builder
	b.Grow(len(format) + 16)
	for {
		i := strings.IndexByte(format, '%')
		if i < 0 || i == len(format)-1 {
			b.WriteString(format)
			return b.String()
		}
		b.WriteString(format[:i])
		rest := format[i+1:]
		if rest[0] == '%' {
			b.WriteByte('%')
			format = rest[1:]
			continue
		}
		if v, n, ok := placeholder(rest, args); ok {
			b.WriteString(v)
			format = rest[n:]
			continue
		}
		b.WriteByte('%')
		format = rest
	}
}

// placeholder reads "(name)s" or "(name)d" (or "(name)i") at the start of
// s and returns the value of name in args and the length read; ok is
// false when s does not start so or args has no name.
func placeholder(s string, args map[string]any) (v string, n int, ok bool) {
	if s[0] != '(' {
		return "", 0, false
	}
	end := strings.IndexByte(s, ')')
	if end < 0 || end+1 >= len(s) || !strings.ContainsRune("sdi", rune(s[end+1])) {
		return "", 0, false
	}
	val, ok := args[s[1:end]]
	if !ok {
		return "", 0, false
	}
	switch x := val.(type) {
	case string:
		v = x
	case int:
		v = strconv.Itoa(x)
	default:
		v = fmt.Sprint(x)
	}
	return v, end + 2, true
}
