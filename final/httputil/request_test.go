package httputil

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// browserRequest is a typical request from a desktop browser.
const browserRequest = "GET /static/app.js?v=3 HTTP/1.1\r\n" +
	"Host: www.example.com\r\n" +
	"Connection: keep-alive\r\n" +
	"sec-ch-ua: \"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", \"Not-A.Brand\";v=\"99\"\r\n" +
	"sec-ch-ua-mobile: ?0\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n" +
	"sec-ch-ua-platform: \"Linux\"\r\n" +
	"Accept: */*\r\n" +
	"Sec-Fetch-Site: same-origin\r\n" +
	"Sec-Fetch-Mode: no-cors\r\n" +
	"Sec-Fetch-Dest: script\r\n" +
	"Referer: https://www.example.com/\r\n" +
	"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
	"Accept-Language: en-GB,en;q=0.9\r\n" +
	"Cookie: session=0123456789abcdef; theme=dark\r\n" +
	"\r\n"

func TestParseBrowserRequest(t *testing.T) {
	var p RequestParser
	var req RequestHead
	n, err := p.Parse([]byte(browserRequest), &req)
	require.NoError(t, err)
	assert.Equal(t, len(browserRequest), n)
	assert.Equal(t, "GET", req.Method)
	assert.Equal(t, "/static/app.js?v=3", string(req.Target))
	assert.Equal(t, HTTP11, req.Version)
	assert.Equal(t, "www.example.com", string(req.Host))
	assert.Equal(t, 14, req.Headers.Len())
	assert.Equal(t, "?0", req.Headers.Get("Sec-Ch-Ua-Mobile"))
	assert.Equal(t, "gzip, deflate, br, zstd", req.Headers.Get("accept-encoding"))
	name, value := req.Headers.At(2)
	assert.Equal(t, "Sec-Ch-Ua", string(name), "names come out in normal form")
	assert.Equal(t, `"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"`, string(value))
	assert.Contains(t, req.Headers.String(), "\r\nSec-Ch-Ua-Platform: \"Linux\"\r\n")
	assert.Equal(t, FramingNone, req.Framing)
	assert.True(t, req.KeepAlive)
	assert.False(t, req.Expect100)
	assert.False(t, req.AbsoluteForm)
}

func TestParseRequestDecisions(t *testing.T) {
	parse := func(t *testing.T, s string) *RequestHead {
		t.Helper()
		var p RequestParser
		req := &RequestHead{}
		n, err := p.Parse([]byte(s), req)
		require.NoError(t, err)
		require.Equal(t, len(s), n)
		return req
	}
	t.Run("expect ignored on HTTP/1.0", func(t *testing.T) {
		assert.False(t, parse(t, "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n").Expect100)
		assert.True(t, parse(t, "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n").Expect100)
		r := parse(t, "POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\n")
		assert.False(t, r.Expect100)
		assert.True(t, r.ExpectUnsupported, "the server may answer 417")
		assert.False(t, parse(t, "POST / HTTP/1.0\r\nExpect: 200-ok\r\n\r\n").ExpectUnsupported)
	})
	t.Run("connection tokens", func(t *testing.T) {
		r := parse(t, "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, keep-alive\r\nUpgrade: websocket\r\n\r\n")
		assert.True(t, r.Upgrade)
		assert.True(t, r.KeepAlive)
		assert.False(t, parse(t, "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nConnection: CLOSE\r\n\r\n").KeepAlive)
		assert.False(t, parse(t, "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n").KeepAlive)
	})
	t.Run("absolute form", func(t *testing.T) {
		r := parse(t, "GET https://b.example:8443?q=1 HTTP/1.1\r\nHost: a\r\n\r\n")
		assert.True(t, r.AbsoluteForm)
		assert.Equal(t, "b.example:8443", string(r.Host))
		assert.Equal(t, "a", r.Headers.Get("Host"))
	})
	t.Run("unknown method allocates once but is kept", func(t *testing.T) {
		assert.Equal(t, "PROPFIND", parse(t, "PROPFIND / HTTP/1.1\r\nHost: a\r\n\r\n").Method)
	})
	t.Run("values are trimmed, inner whitespace kept", func(t *testing.T) {
		r := parse(t, "GET / HTTP/1.1\r\nHost: a\r\nX: \t a  b \t\r\nY:\r\n\r\n")
		assert.Equal(t, "a  b", r.Headers.Get("x"))
		assert.True(t, r.Headers.Has("y"))
		assert.Equal(t, "", r.Headers.Get("y"))
	})
}

func TestParseRequestLimits(t *testing.T) {
	p := RequestParser{MaxRequestLine: 16, MaxHeaderBytes: 64, MaxHeaders: 2}
	var req RequestHead
	_, err := p.Parse([]byte("GET /0123456789ab HTTP/1.1\r\n"), &req)
	assert.ErrorIs(t, err, ErrRequestLineTooLong)
	_, err = p.Parse([]byte("GET / HTTP/1.1\r\n"), &req)
	assert.ErrorIs(t, err, ErrRequestLineTooLong, "errors are sticky")
	p.Reset()

	// A request line of exactly the limit passes.
	line := "GET /0123 HTTP/1.1" // 18 bytes
	p = RequestParser{MaxRequestLine: len(line)}
	n, err := p.Parse([]byte(line+"\r\nHost: a\r\n\r\n"), &req)
	require.NoError(t, err)
	assert.Equal(t, len(line)+13, n)

	head := "GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n\r\n"
	p = RequestParser{MaxHeaderBytes: len(head)}
	_, err = p.Parse([]byte(head), &req)
	require.NoError(t, err, "a head of exactly MaxHeaderBytes passes")
	p = RequestParser{MaxHeaderBytes: len(head) - 1}
	_, err = p.Parse([]byte(head), &req)
	assert.ErrorIs(t, err, ErrHeaderTooLarge)
	p = RequestParser{MaxHeaders: 2}
	_, err = p.Parse([]byte(head), &req)
	require.NoError(t, err)
	p = RequestParser{MaxHeaders: 1}
	_, err = p.Parse([]byte(head), &req)
	assert.ErrorIs(t, err, ErrTooManyHeaders)
}

func TestParseRequestPipelined(t *testing.T) {
	reqs := []string{
		browserRequest,
		"POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n",
		"PUT /b HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET /c HTTP/1.0\r\n\r\n",
	}
	buf := []byte(strings.Join(reqs, ""))
	var p RequestParser
	var req RequestHead
	var got []string
	for len(buf) > 0 {
		n, err := p.Parse(buf, &req)
		require.NoError(t, err)
		got = append(got, req.Method+" "+string(req.Target)+" "+req.Framing.String())
		buf = buf[n:]
	}
	assert.Equal(t, []string{"GET /static/app.js?v=3 none", "POST /a length", "PUT /b chunked", "GET /c none"}, got)
}

func TestParseRequestIncompleteThenMoreBytes(t *testing.T) {
	// The caller may move its buffer between calls: only the bytes count.
	var p RequestParser
	var req RequestHead
	first := []byte("GET / HTTP/1.1\r\nHo")
	_, err := p.Parse(first, &req)
	require.True(t, errors.Is(err, ErrNeedMore))
	second := append([]byte(nil), first...)
	second = append(second, "st: a\r\n\r\n"...)
	first[0] = 'X' // the old buffer is no longer looked at
	n, err := p.Parse(second, &req)
	require.NoError(t, err)
	assert.Equal(t, len(second), n)
	assert.Equal(t, "a", string(req.Host))
}

func TestParseRequestZeroAllocs(t *testing.T) {
	var p RequestParser
	var req RequestHead
	buf := []byte(browserRequest)
	_, err := p.Parse(buf, &req)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := p.Parse(buf, &req); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

func TestParseRequestLinearWhenFedByteByByte(t *testing.T) {
	// A 60 KiB value arriving one byte per call must not be rescanned from
	// its start each time; count the bytes IndexByte would look at through
	// the parser's scan position.
	var p RequestParser
	var req RequestHead
	input := []byte("GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("v", 60000) + "\r\n\r\n")
	scanned := 0
	for i := 1; i <= len(input); i++ {
		before := p.st.scan
		n, err := p.Parse(input[:i], &req)
		if i < len(input) {
			require.ErrorIs(t, err, ErrNeedMore)
			scanned += i - before
			continue
		}
		require.NoError(t, err)
		require.Equal(t, len(input), n)
	}
	assert.LessOrEqual(t, scanned, len(input), "each byte is searched once")
}

func BenchmarkParseBrowserRequest(b *testing.B) {
	var p RequestParser
	var req RequestHead
	buf := []byte(browserRequest)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := p.Parse(buf, &req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseMinimalRequest(b *testing.B) {
	var p RequestParser
	var req RequestHead
	buf := []byte("GET / HTTP/1.1\r\nHost: localhost:8080\r\n\r\n")
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := p.Parse(buf, &req); err != nil {
			b.Fatal(err)
		}
	}
}
