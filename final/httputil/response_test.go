package httputil

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// responseOutcome summarises a parsed response head.
type responseOutcome struct {
	// summary is "code framing[ length] keep|close", or the error.
	summary string
	// n is the head length.
	n int
}

// parseResponseIn feeds input to a fresh ResponseParser in pieces.
func parseResponseIn(t *testing.T, input, method string, cuts []int) (responseOutcome, *ResponseHead) {
	t.Helper()
	var p ResponseParser
	resp := &ResponseHead{}
	prev := 0
	buf := []byte(nil)
	for _, c := range append(cuts, len(input)) {
		buf = append(buf, input[prev:c]...)
		prev = c
		n, err := p.Parse(buf, method, resp)
		if errors.Is(err, ErrNeedMore) {
			continue
		}
		if err != nil {
			return responseOutcome{summary: "error: " + err.Error()}, resp
		}
		conn := "close"
		if resp.KeepAlive {
			conn = "keep"
		}
		s := fmt.Sprintf("%d %s", resp.StatusCode, resp.Framing)
		if resp.Framing == FramingLength {
			s += fmt.Sprintf(" %d", resp.ContentLength)
		}
		return responseOutcome{summary: s + " " + conn, n: n}, resp
	}
	return responseOutcome{summary: "incomplete"}, resp
}

var responseCases = []struct {
	// what describes the case.
	what string
	// input is the response head.
	input string
	// method is the request method.
	method string
	// want is the expected summary.
	want string
}{
	{"length", "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", "GET", "200 length 12 keep"},
	{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "GET", "200 chunked keep"},
	{"until close", "HTTP/1.1 200 OK\r\n\r\n", "GET", "200 until-close close"},
	{"HTTP/1.0 keep-alive with length", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n", "GET", "200 length 1 keep"},
	{"HTTP/1.0 default close", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", "GET", "200 length 1 close"},
	{"HTTP/1.0 keep-alive until close", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", "GET", "200 until-close close"},
	{"Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n", "GET", "200 length 1 close"},
	{"HEAD has no body", "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", "HEAD", "200 none keep"},
	{"204 has no body", "HTTP/1.1 204 No Content\r\nContent-Length: 12\r\n\r\n", "GET", "204 none keep"},
	{"304 has no body", "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", "GET", "304 none keep"},
	{"100 continue", "HTTP/1.1 100 Continue\r\n\r\n", "POST", "100 none keep"},
	{"101 switches", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", "GET", "101 tunnel close"},
	{"CONNECT 200 tunnels", "HTTP/1.1 200 Connection established\r\n\r\n", "CONNECT", "200 tunnel close"},
	{"CONNECT 407 has a body", "HTTP/1.1 407 Proxy Auth\r\nContent-Length: 2\r\n\r\n", "CONNECT", "407 length 2 keep"},
	{"TE and CL: refused", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "GET", "error: httputil: both Transfer-Encoding and Content-Length"},
	{"TE not chunked: until close", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "GET", "200 until-close close"},
	{"Content-Length: 0", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "GET", "200 none keep"},
	{"no reason phrase, no space", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", "GET", "200 none keep"},
	{"empty reason phrase", "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", "GET", "200 none keep"},
	{"bare LF (lenient)", "HTTP/1.1 200 OK\nContent-Length: 2\n\n", "GET", "200 length 2 keep"},
	{"obs-fold unfolded", "HTTP/1.1 200 OK\r\nX: a\r\n  b\r\nContent-Length: 1\r\n\r\n", "GET", "200 length 1 keep"},
	{"space before colon (lenient)", "HTTP/1.1 200 OK\r\nContent-Length : 4\r\n\r\n", "GET", "200 length 4 keep"},
	{"status 999", "HTTP/1.1 999 Whatever\r\nContent-Length: 0\r\n\r\n", "GET", "999 none keep"},

	{"bad Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "GET", "error: httputil: invalid Content-Length"},
	{"disagreeing Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "GET", "error: httputil: invalid Content-Length"},
	{"chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", "GET", "error: httputil: invalid Transfer-Encoding"},
	{"TE on HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "GET", "error: httputil: Transfer-Encoding in HTTP/1.0 message"},
	{"HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n", "GET", "error: httputil: unsupported version HTTP/2.0: httputil: malformed status line"},
	{"two-digit status", "HTTP/1.1 20 OK\r\n\r\n", "GET", "error: httputil: malformed status line"},
	{"status 099", "HTTP/1.1 099 OK\r\n\r\n", "GET", "error: httputil: malformed status line"},
	{"four-digit status", "HTTP/1.1 2000 OK\r\n\r\n", "GET", "error: httputil: malformed status line"},
	{"lower-case version", "http/1.1 200 OK\r\n\r\n", "GET", "error: httputil: malformed status line"},
	{"NUL in value", "HTTP/1.1 200 OK\r\nX: a\x00\r\n\r\n", "GET", "error: httputil: invalid character in header field value"},
	{"bare CR in value", "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", "GET", "error: httputil: invalid character in header field value"},
	{"fold before first field", "HTTP/1.1 200 OK\r\n X: a\r\n\r\n", "GET", "error: httputil: whitespace before the first response field: httputil: obsolete line folding in request"},
	{"head too large", "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 70000), "GET", "error: httputil: request header fields too large"},
}

func TestResponseParser(t *testing.T) {
	for _, c := range responseCases {
		t.Run(c.what, func(t *testing.T) {
			got, _ := parseResponseIn(t, c.input, c.method, nil)
			assert.Equal(t, c.want, got.summary, "whole")
			if !strings.HasPrefix(c.want, "error") {
				assert.Equal(t, len(c.input), got.n)
			}
			if len(c.input) < 2000 {
				var cuts []int
				for i := 1; i < len(c.input); i++ {
					cuts = append(cuts, i)
				}
				bb, _ := parseResponseIn(t, c.input, c.method, cuts)
				assert.Equal(t, got, bb, "byte by byte")
			}
			rng := rand.New(rand.NewPCG(uint64(len(c.input)), 5))
			for round := 0; round < 10; round++ {
				var cuts []int
				for i := 1; i < len(c.input); i++ {
					if rng.IntN(5) == 0 {
						cuts = append(cuts, i)
					}
				}
				rs, _ := parseResponseIn(t, c.input, c.method, cuts)
				assert.Equal(t, got, rs, "random splits %v", cuts)
			}
		})
	}
}

func TestResponseParserFields(t *testing.T) {
	_, resp := parseResponseIn(t, "HTTP/1.1 404 Not Found\r\nX: a\r\n \t b\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n", "GET", nil)
	assert.Equal(t, HTTP11, resp.Version)
	assert.Equal(t, 404, resp.StatusCode)
	assert.Equal(t, "Not Found", string(resp.Reason))
	assert.Equal(t, "a b", resp.Headers.Get("X"), "obs-fold becomes one space")
	assert.Equal(t, []string{"a=1", "b=2"}, resp.Headers.GetList("set-cookie"))
}

func TestResponseParserInterimThenFinal(t *testing.T) {
	buf := []byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")
	var p ResponseParser
	var resp ResponseHead
	n, err := p.Parse(buf, "POST", &resp)
	require.NoError(t, err)
	assert.Equal(t, 100, resp.StatusCode)
	n2, err := p.Parse(buf[n:], "POST", &resp)
	require.NoError(t, err)
	assert.Equal(t, 201, resp.StatusCode)
	assert.Equal(t, "ok", string(buf[n+n2:]))
}

func TestResponseParserZeroAllocs(t *testing.T) {
	buf := []byte("HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Type: text/html\r\nContent-Length: 12\r\n\r\n")
	var p ResponseParser
	var resp ResponseHead
	_, err := p.Parse(buf, "GET", &resp)
	require.NoError(t, err)
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		if _, err := p.Parse(buf, "GET", &resp); err != nil {
			t.Fatal(err)
		}
	}))
}
