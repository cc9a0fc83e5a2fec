// Request arguments: query strings, application/x-www-form-urlencoded and
// multipart/form-data bodies, parsed with limits, like Tornado's
// parse_body_arguments and parse_multipart_form_data.

package httputil

import (
	"bytes"
	"mime"
	"net/url"
	"strings"
)

// HTTPFile is an uploaded file of a multipart/form-data body, like
// Tornado's httputil.HTTPFile.
type HTTPFile struct {
	// Filename is the filename parameter of the part's
	// Content-Disposition, as sent (never use it as a path unchecked).
	Filename string
	// Body is the file's content, a sub-slice of the request body.
	Body []byte
	// ContentType is the part's Content-Type, "application/unknown" when
	// absent.
	ContentType string
}

// Default limits of BodyLimits: Tornado 6.5's multipart defaults and
// Python's max_num_fields scale.
const (
	// DefaultMaxArguments bounds the arguments of one query string or
	// urlencoded body.
	DefaultMaxArguments = 1000
	// DefaultMaxParts bounds the parts of a multipart body.
	DefaultMaxParts = 100
	// DefaultMaxPartHeaderBytes bounds the header section of one part.
	DefaultMaxPartHeaderBytes = 10 * 1024
)

// BodyLimits bounds argument parsing; a zero field means its default. The
// zero value is the defaults.
type BodyLimits struct {
	// MaxArguments bounds the "&"-separated fields of a query string or
	// urlencoded body; 0 means DefaultMaxArguments.
	MaxArguments int
	// MaxParts bounds the parts of a multipart body; 0 means
	// DefaultMaxParts.
	MaxParts int
	// MaxPartHeaderBytes bounds each part's header section; 0 means
	// DefaultMaxPartHeaderBytes.
	MaxPartHeaderBytes int
}

// ParseQueryArguments adds the arguments of a query string to args, like
// Tornado's parse_qs_bytes(query, keep_blank_values=True): fields split on
// "&", names and values "+"- and percent-decoded, a malformed percent
// escape kept literally, and blank values kept. More than 1000 fields is
// ErrTooManyArguments.
func ParseQueryArguments(query string, args url.Values) error {
	return BodyLimits{}.ParseQueryArguments(query, args)
}

// ParseQueryArguments is the package function with l's limits.
func (l BodyLimits) ParseQueryArguments(query string, args url.Values) error {
	if query == "" {
		return nil
	}
	if strings.Count(query, "&")+1 > orDefault(l.MaxArguments, DefaultMaxArguments) {
		return ErrTooManyArguments
	}
	for query != "" {
		field := query
		if i := strings.IndexByte(query, '&'); i >= 0 {
			field, query = query[:i], query[i+1:]
		} else {
			query = ""
		}
		if field == "" {
			continue
		}
		name, value := field, ""
		if i := strings.IndexByte(field, '='); i >= 0 {
			name, value = field[:i], field[i+1:]
		}
		name, value = unquotePlus(name), unquotePlus(value)
		args[name] = append(args[name], value)
	}
	return nil
}

// unquotePlus decodes "+" as space and %XX escapes, keeping a "%" that does
// not start a valid escape, like Python's urllib.parse.unquote_plus with the
// latin-1 round trip Tornado uses (bytes in, the same bytes out).
func unquotePlus(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHexByte(s[i+1]) && isHexByte(s[i+2]):
			hi, _ := unhex(s[i+1])
			lo, _ := unhex(s[i+2])
			b = append(b, hi<<4|lo)
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// isHexByte reports a HEXDIG.
func isHexByte(c byte) bool { return classes[c]&classHex != 0 }

// ParseBodyArguments parses a request body into args and files according
// to its Content-Type, like Tornado's parse_body_arguments, with the
// default limits: application/x-www-form-urlencoded bodies as query
// strings, multipart/form-data bodies by their boundary, anything else
// ignored. Errors are *HTTPInputError values (status 400); the function
// never panics on any input. The caller undoes any Content-Encoding first
// and bounds the body size.
func ParseBodyArguments(contentType string, body []byte, args url.Values, files map[string][]HTTPFile) error {
	return BodyLimits{}.ParseBodyArguments(contentType, body, args, files)
}

// ParseBodyArguments is the package function with l's limits.
func (l BodyLimits) ParseBodyArguments(contentType string, body []byte, args url.Values, files map[string][]HTTPFile) error {
	switch {
	case strings.HasPrefix(contentType, "application/x-www-form-urlencoded"):
		return l.ParseQueryArguments(string(body), args)
	case strings.HasPrefix(contentType, "multipart/form-data"):
		for _, field := range strings.Split(contentType, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(field), "=")
			if k == "boundary" && v != "" {
				return l.ParseMultipartFormData(v, body, args, files)
			}
		}
		return wrapInput(ErrBadForm, "multipart boundary not found")
	}
	return nil
}

// ParseMultipartFormData parses a multipart/form-data body (RFC 7578) the
// way Tornado's parse_multipart_form_data does: the body up to the last
// "--boundary--" is split on "--boundary\r\n"; each part has headers, an
// empty line, and a value ending in CRLF; Content-Disposition must be
// form-data with a name; a part with a filename becomes an HTTPFile. Values
// and file bodies are sub-slices of body.
func (l BodyLimits) ParseMultipartFormData(boundary string, body []byte, args url.Values, files map[string][]HTTPFile) error {
	if len(boundary) >= 2 && boundary[0] == '"' && boundary[len(boundary)-1] == '"' {
		boundary = boundary[1 : len(boundary)-1]
	}
	if boundary == "" {
		return wrapInput(ErrBadForm, "empty multipart boundary")
	}
	final := bytes.LastIndex(body, []byte("--"+boundary+"--"))
	if final < 0 {
		return wrapInput(ErrBadForm, "no final multipart boundary")
	}
	data := body[:final]
	delim := []byte("--" + boundary + "\r\n")
	maxParts := orDefault(l.MaxParts, DefaultMaxParts)
	maxHeader := orDefault(l.MaxPartHeaderBytes, DefaultMaxPartHeaderBytes)
	parts := 0
	for data != nil {
		part := data
		if i := bytes.Index(data, delim); i >= 0 {
			part, data = data[:i], data[i+len(delim):]
		} else {
			data = nil
		}
		if len(part) == 0 {
			continue
		}
		parts++
		if parts > maxParts {
			return ErrTooManyParts
		}
		if err := parsePart(part, maxHeader, args, files); err != nil {
			return err
		}
	}
	return nil
}

// parsePart parses one multipart part: headers, CRLF CRLF, value, CRLF.
func parsePart(part []byte, maxHeader int, args url.Values, files map[string][]HTTPFile) error {
	window := part
	if len(window) > maxHeader+4 {
		window = window[:maxHeader+4]
	}
	eoh := bytes.Index(window, []byte("\r\n\r\n"))
	if eoh < 0 {
		if len(part) > maxHeader+4 {
			return ErrPartHeaderTooLarge
		}
		return wrapInput(ErrBadForm, "multipart part without headers")
	}
	if eoh > maxHeader {
		return ErrPartHeaderTooLarge
	}
	h, err := ParseHeaders(string(part[:eoh]))
	if err != nil {
		return wrapInput(ErrBadForm, "multipart part headers: "+err.Error())
	}
	disposition, params, err := mime.ParseMediaType(h.Get("Content-Disposition"))
	if err != nil || disposition != "form-data" || !bytes.HasSuffix(part, []byte("\r\n")) || len(part) < eoh+6 {
		return wrapInput(ErrBadForm, "invalid multipart/form-data part")
	}
	value := part[eoh+4 : len(part)-2]
	name := params["name"]
	if name == "" {
		return wrapInput(ErrBadForm, "multipart/form-data value missing name")
	}
	if filename := params["filename"]; filename != "" {
		ctype := h.Get("Content-Type")
		if !h.Has("Content-Type") {
			ctype = "application/unknown"
		}
		files[name] = append(files[name], HTTPFile{Filename: filename, Body: value, ContentType: ctype})
		return nil
	}
	args[name] = append(args[name], string(value))
	return nil
}

// URLConcat appends query arguments, given as name, value pairs, to a URL
// that may already have a query, like Tornado's url_concat: the existing
// query is decoded and everything re-encoded with form encoding ("+" for
// space). With no pairs the URL is returned unchanged. It panics on an odd
// number of pair arguments, a programming error.
func URLConcat(rawURL string, pairs ...string) string {
	if len(pairs)%2 != 0 {
		panic("httputil: URLConcat needs name, value pairs")
	}
	if len(pairs) == 0 {
		return rawURL
	}
	base, fragment, hasFragment := strings.Cut(rawURL, "#")
	base, query, _ := strings.Cut(base, "?")
	var b strings.Builder
	b.WriteString(base)
	sep := byte('?')
	add := func(name, value string) {
		b.WriteByte(sep)
		sep = '&'
		b.WriteString(url.QueryEscape(name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(value))
	}
	for query != "" {
		field := query
		if i := strings.IndexByte(query, '&'); i >= 0 {
			field, query = query[:i], query[i+1:]
		} else {
			query = ""
		}
		if field == "" {
			continue
		}
		name, value, _ := strings.Cut(field, "=")
		add(unquotePlus(name), unquotePlus(value))
	}
	for i := 0; i < len(pairs); i += 2 {
		add(pairs[i], pairs[i+1])
	}
	if hasFragment {
		b.WriteByte('#')
		b.WriteString(fragment)
	}
	return b.String()
}
