package httputil

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parsedHead parses a complete request head.
func parsedHead(t *testing.T, s string) *RequestHead {
	t.Helper()
	var p RequestParser
	h := &RequestHead{}
	_, err := p.Parse([]byte(s), h)
	require.NoError(t, err)
	return h
}

func TestHTTPServerRequestFromHead(t *testing.T) {
	head := parsedHead(t, "POST /a/b?x=1&y=2&x=3 HTTP/1.1\r\nHost: Example.COM:8080\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nCookie: a=1; b=\"q\\\"\"\r\nCookie: c=3\r\nContent-Length: 7\r\n\r\n")
	var r HTTPServerRequest
	require.NoError(t, r.FromHead(head))
	assert.Equal(t, "POST", r.Method)
	assert.Equal(t, "/a/b?x=1&y=2&x=3", r.URI)
	assert.Equal(t, "/a/b", r.Path)
	assert.Equal(t, "x=1&y=2&x=3", r.Query)
	assert.Equal(t, "HTTP/1.1", r.Version)
	assert.Equal(t, "Example.COM:8080", r.Host)
	assert.Equal(t, "example.com", r.HostName)
	assert.Equal(t, url.Values{"x": {"1", "3"}, "y": {"2"}}, r.QueryArguments)
	assert.Equal(t, "http://Example.COM:8080/a/b?x=1&y=2&x=3", r.FullURL())
	assert.Equal(t, map[string]string{"a": "1", "b": "q\"", "c": "3"}, r.Cookies())

	head.Headers.Reset() // the request owns a copy
	assert.Equal(t, "7", r.Headers.Get("Content-Length"))

	r.Body = []byte("x=9&z=8")
	require.NoError(t, r.ParseBody())
	assert.Equal(t, url.Values{"x": {"9"}, "z": {"8"}}, r.BodyArguments)
	assert.Equal(t, url.Values{"x": {"1", "3", "9"}, "y": {"2"}, "z": {"8"}}, r.Arguments)
	assert.Equal(t, url.Values{"x": {"1", "3"}, "y": {"2"}}, r.QueryArguments, "query arguments untouched")
}

func TestHTTPServerRequestRefusesEncodedForm(t *testing.T) {
	var r HTTPServerRequest
	require.NoError(t, r.FromHead(parsedHead(t, "POST / HTTP/1.1\r\nHost: a\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\n")))
	r.Body = []byte("a=1")
	err := r.ParseBody()
	assert.ErrorIs(t, err, ErrBadForm)
	assert.Empty(t, r.BodyArguments)

	r.Headers.Set("Content-Type", "application/octet-stream")
	assert.NoError(t, r.ParseBody(), "other bodies are left to the handler")
}

func TestHTTPServerRequestAbsoluteFormAndDefaults(t *testing.T) {
	var r HTTPServerRequest
	require.NoError(t, r.FromHead(parsedHead(t, "GET http://b.example?q=1 HTTP/1.1\r\nHost: a\r\n\r\n")))
	assert.Equal(t, "/", r.Path)
	assert.Equal(t, "q=1", r.Query)
	assert.Equal(t, "b.example", r.Host)
	assert.Equal(t, "http://b.example?q=1", r.FullURL())

	r = HTTPServerRequest{}
	require.NoError(t, r.FromHead(parsedHead(t, "GET / HTTP/1.0\r\n\r\n")))
	assert.Equal(t, "127.0.0.1", r.Host, "Tornado's default host")
	assert.Equal(t, "HTTP/1.0", r.Version)
}

func TestSplitHostAndPort(t *testing.T) {
	for in, want := range map[string]struct {
		// host and port are the expected split.
		host string
		port int
	}{
		"a:80":      {"a", 80},
		"a":         {"a", -1},
		"[::1]:443": {"[::1]", 443},
		"[::1]":     {"[::1]", -1},
		"a:":        {"a:", -1},
		"a:-1":      {"a:-1", -1},
		"a:+1":      {"a:+1", -1},
	} {
		h, p := SplitHostAndPort(in)
		assert.Equal(t, want.host, h, in)
		assert.Equal(t, want.port, p, in)
	}
}
