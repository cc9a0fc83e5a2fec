package httpserver

import (
	"strings"
	"testing"
)

// FuzzParseHead feeds the head parser arbitrary bytes: it must never panic,
// and what it accepts must be a request a server can act on.
func FuzzParseHead(f *testing.F) {
	for _, seed := range []string{
		"GET / HTTP/1.1\r\nHost: x",
		"POST /a?b=c HTTP/1.0\r\nContent-Length: 5",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked",
		"GET /%zz HTTP/1.1\r\nHost: x",
		"OPTIONS * HTTP/1.1\r\nHost: x\r\nX: \t y \t",
		"GET / HTTP/1.1\r\nHost: x\r\n folded",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, head string) {
		req, err := parseHead([]byte(head))
		if err != nil {
			return
		}
		if !isToken(req.Method) || (req.Version != "HTTP/1.1" && req.Version != "HTTP/1.0") {
			t.Fatalf("accepted %q as method %q version %q", head, req.Method, req.Version)
		}
		for name, values := range req.Headers {
			for _, v := range values {
				if strings.ContainsAny(name+v, "\r\n") {
					t.Fatalf("header %q: %q holds a line break", name, v)
				}
			}
		}
		chunked, length, err := bodyFraming(req)
		if err == nil && (length < 0 || (chunked && length != 0)) {
			t.Fatalf("framing of %q: chunked %v length %d", head, chunked, length)
		}
	})
}

// FuzzParseChunkSize: sizes are non-negative and bounded.
func FuzzParseChunkSize(f *testing.F) {
	for _, seed := range []string{"5\r\n", "a;ext=1\r\n", "ffffffff\r\n", "-1\r\n", "\r\n"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if n, err := parseChunkSize([]byte(line)); err == nil && (n < 0 || n > 1<<32) {
			t.Fatalf("%q: size %d", line, n)
		}
	})
}
