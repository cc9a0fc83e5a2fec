package callbacks

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// An HTTP response arrives in pieces, as many or as few bytes per read as the
// network likes. The loop cannot wait for "the rest", so after every read the
// fetch asks one question of everything received so far: is the response
// complete yet? parseResponse answers it. It keeps no state between calls,
// which makes it easy to test byte by byte; the price is that it looks at the
// head again on every read, which a toy can afford.
//
// Where the body ends is the framing (RFC 9112, section 6.3), and a client has
// to handle all three kinds:
//
//   - Transfer-Encoding: chunked: the body comes in chunks, each preceded by
//     its length in hex; a chunk of length 0 ends it;
//   - Content-Length: n: the body is the next n bytes;
//   - neither: the body is everything until the server closes the connection.

// maxHeadSize bounds the status line and headers, as Tornado's
// max_header_size does (64 KiB), so a server that never ends its head cannot
// make the client buffer for ever.
const maxHeadSize = 64 << 10

// errMalformed wraps every complaint about the bytes the server sent.
var (
	errMalformed = errors.New("callbacks: malformed response")
	errTruncated = fmt.Errorf("%w: connection closed before the end of the body", errMalformed)
)

// response is a parsed HTTP response.
type response struct {
	code   int               // the status code, such as 200
	reason string            // the reason phrase, such as "OK"
	header map[string]string // lower-case names; repeated headers joined with ", "
	body   []byte            // the body, with any chunked framing removed
}

// parseResponse reports whether data, everything read from the connection so
// far, holds a complete response. eof says the server has closed the
// connection, so no more bytes will come. It returns (nil, false, nil) when it
// needs more bytes, and an error when the bytes can never become a response.
func parseResponse(data []byte, eof bool) (*response, bool, error) {
	end := bytes.Index(data, []byte("\r\n\r\n"))
	if end < 0 {
		switch {
		case len(data) > maxHeadSize:
			return nil, false, fmt.Errorf("%w: head longer than %d bytes", errMalformed, maxHeadSize)
		case eof:
			return nil, false, fmt.Errorf("%w: connection closed after %d bytes, before the end of the head", errMalformed, len(data))
		}
		return nil, false, nil
	}
	resp, err := parseHead(string(data[:end]))
	if err != nil {
		return nil, false, err
	}
	rest := data[end+4:]

	// RFC 9112, section 6.3: these answers never have a body, and chunked
	// framing wins over Content-Length when a server sends both.
	switch te, cl := resp.header["transfer-encoding"], resp.header["content-length"]; {
	case resp.code == 204 || resp.code == 304:
		return resp, true, nil
	case te != "":
		if !strings.EqualFold(te, "chunked") {
			return nil, false, fmt.Errorf("%w: unsupported Transfer-Encoding %q", errMalformed, te)
		}
		body, ok, err := decodeChunked(rest)
		switch {
		case err != nil:
			return nil, false, err
		case !ok && eof:
			return nil, false, errTruncated
		case !ok:
			return nil, false, nil
		}
		resp.body = body
		return resp, true, nil
	case cl != "":
		n, err := strconv.ParseUint(cl, 10, 63)
		if err != nil {
			return nil, false, fmt.Errorf("%w: bad Content-Length %q", errMalformed, cl)
		}
		if uint64(len(rest)) < n {
			if eof {
				return nil, false, errTruncated
			}
			return nil, false, nil
		}
		resp.body = rest[:n]
		return resp, true, nil
	default:
		// Read until close: only the server's close says the body is whole.
		if !eof {
			return nil, false, nil
		}
		resp.body = rest
		return resp, true, nil
	}
}

// parseHead parses "HTTP/1.1 200 OK" and the header lines below it.
func parseHead(head string) (*response, error) {
	lines := strings.Split(head, "\r\n")
	version, status, _ := strings.Cut(lines[0], " ")
	codeText, reason, _ := strings.Cut(status, " ")
	code, err := strconv.Atoi(codeText)
	if !strings.HasPrefix(version, "HTTP/1.") || len(codeText) != 3 || err != nil || code < 100 {
		return nil, fmt.Errorf("%w: bad status line %q", errMalformed, lines[0])
	}
	resp := &response{code: code, reason: reason, header: map[string]string{}}
	for _, line := range lines[1:] {
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.TrimSpace(name) != name {
			return nil, fmt.Errorf("%w: bad header line %q", errMalformed, line)
		}
		name, value = strings.ToLower(name), strings.TrimSpace(value)
		if old, seen := resp.header[name]; seen {
			if name == "content-length" && old != value {
				return nil, fmt.Errorf("%w: two different Content-Lengths", errMalformed)
			}
			if name != "content-length" {
				value = old + ", " + value
			}
		}
		resp.header[name] = value
	}
	return resp, nil
}

// decodeChunked removes chunked framing (RFC 9112, section 7.1):
//
//	5\r\nhello\r\n 6\r\n world\r\n 0\r\n \r\n
//
// It reports ok=false, without an error, while the last chunk or the trailer
// section has not arrived yet.
func decodeChunked(data []byte) (body []byte, ok bool, err error) {
	body = []byte{}
	for {
		line, rest, found := bytes.Cut(data, []byte("\r\n"))
		if !found {
			return nil, false, nil
		}
		sizeText, _, _ := bytes.Cut(line, []byte(";")) // chunk extensions are ignored
		size, err := strconv.ParseUint(string(bytes.TrimSpace(sizeText)), 16, 62)
		if err != nil {
			return nil, false, fmt.Errorf("%w: bad chunk size %q", errMalformed, line)
		}
		if size == 0 {
			// The last chunk; trailer lines, if any, end with an empty line.
			for {
				line, after, found := bytes.Cut(rest, []byte("\r\n"))
				if !found {
					return nil, false, nil
				}
				if len(line) == 0 {
					return body, true, nil
				}
				rest = after
			}
		}
		if uint64(len(rest)) < size+2 {
			return nil, false, nil
		}
		if !bytes.Equal(rest[size:size+2], []byte("\r\n")) {
			return nil, false, fmt.Errorf("%w: chunk of %d bytes not followed by CRLF", errMalformed, size)
		}
		body = append(body, rest[:size]...)
		data = rest[size+2:]
	}
}
