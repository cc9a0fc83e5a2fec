package httputil

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendStatusLine(t *testing.T) {
	assert.Equal(t, "HTTP/1.1 200 OK\r\n", string(AppendStatusLine(nil, HTTP11, 200)))
	assert.Equal(t, "HTTP/1.0 404 Not Found\r\n", string(AppendStatusLine(nil, HTTP10, 404)))
	assert.Equal(t, "HTTP/1.1 431 Request Header Fields Too Large\r\n", string(AppendStatusLine(nil, HTTP11, 431)))
	assert.Equal(t, "HTTP/1.1 299 Unknown\r\n", string(AppendStatusLine(nil, HTTP11, 299)))
	assert.Equal(t, "HTTP/1.1 999 Unknown\r\n", string(AppendStatusLine(nil, HTTP11, 999)))
	assert.Equal(t, "x", string(AppendStatusLine([]byte("x"), HTTP11, 200))[:1], "appends")
}

func TestAppendResponseHead(t *testing.T) {
	h := NewHTTPHeaders("Content-Type", "text/plain", "Content-Length", "12", "X-Tab", "a\tb")
	out, err := AppendResponseHead(nil, HTTP11, 200, h)
	require.NoError(t, err)
	assert.Equal(t, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\nX-Tab: a\tb\r\n\r\n", string(out))

	for _, bad := range []*HTTPHeaders{
		NewHTTPHeaders("X", "a\r\nSet-Cookie: evil=1"),
		NewHTTPHeaders("X", "a\nb"),
		NewHTTPHeaders("X", "a\x00"),
		NewHTTPHeaders("X: y\r\nZ", "1"),
		NewHTTPHeaders("", "1"),
	} {
		out, err := AppendResponseHead([]byte("keep"), HTTP11, 200, bad)
		assert.ErrorIs(t, err, ErrUnsafeHeader, "%q", bad.String())
		assert.Equal(t, "keep", string(out), "dst is left as it was")
	}

	// Reusing the buffer and headers costs nothing.
	buf := make([]byte, 0, 256)
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		buf, _ = AppendResponseHead(buf[:0], HTTP11, 200, h)
	}))
}

func TestFormatTimestamp(t *testing.T) {
	// Tornado's test: format_timestamp(1359312200.503611).
	ts := time.Unix(1359312200, 503611000)
	assert.Equal(t, "Sun, 27 Jan 2013 18:43:20 GMT", FormatTimestamp(ts))
	assert.Equal(t, "Sun, 27 Jan 2013 18:43:20 GMT", FormatTimestamp(ts.In(time.FixedZone("X", 5*3600))), "always GMT")
	assert.Equal(t, "Sun, 27 Jan 2013 18:43:20 GMT", string(AppendTimestamp(nil, ts)))
}

func TestDateCache(t *testing.T) {
	var c DateCache
	t0 := time.Unix(1359312200, 0)
	assert.Equal(t, "Sun, 27 Jan 2013 18:43:20 GMT", string(c.Append(nil, t0)))
	first := c.cur.Load()
	assert.Equal(t, "Sun, 27 Jan 2013 18:43:20 GMT", string(c.Append(nil, t0.Add(999*time.Millisecond))))
	assert.Same(t, first, c.cur.Load(), "same second: cached value reused")
	assert.Equal(t, "Sun, 27 Jan 2013 18:43:21 GMT", string(c.Append(nil, t0.Add(time.Second))))
	assert.NotSame(t, first, c.cur.Load())

	buf := make([]byte, 0, 64)
	assert.Zero(t, testing.AllocsPerRun(100, func() { buf = c.Append(buf[:0], t0.Add(time.Second)) }))
	assert.Equal(t, "Date: Sun, 27 Jan 2013 18:43:21 GMT\r\n", string(AppendDate(nil, t0.Add(time.Second))))
}

func TestDateCacheConcurrent(t *testing.T) {
	var c DateCache
	done := make(chan string)
	base := time.Unix(1359312200, 0)
	for g := 0; g < 4; g++ {
		go func(g int) {
			var last []byte
			for i := 0; i < 1000; i++ {
				last = c.Append(last[:0], base.Add(time.Duration(i%3)*time.Second))
			}
			done <- string(last)
		}(g)
	}
	for g := 0; g < 4; g++ {
		assert.Equal(t, FormatTimestamp(base.Add(999%3*time.Second)), <-done)
	}
}

func BenchmarkAppendResponseHead(b *testing.B) {
	h := NewHTTPHeaders("Server", "gornado", "Content-Type", "text/plain; charset=UTF-8", "Content-Length", "12")
	buf := make([]byte, 0, 512)
	now := time.Now()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf, _ = AppendResponseHead(buf[:0], HTTP11, 200, h)
		buf = AppendDate(buf[:len(buf)-2], now)
		buf = append(buf, '\r', '\n')
	}
}

func ExampleAppendResponseHead() {
	h := NewHTTPHeaders("Content-Type", "text/plain", "Content-Length", "12")
	head, err := AppendResponseHead(nil, HTTP11, 200, h)
	fmt.Printf("%q %v\n", head, err)
	// Output: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\n" <nil>
}

// BenchmarkResponseHeadersPerRequest: the header work one response costs
// through web.RequestHandler and http1connection.Conn: the defaults copied
// in, the handler's Content-Type, Content-Length added, the lookups the
// connection makes for framing, then the head written.
func BenchmarkResponseHeadersPerRequest(b *testing.B) {
	defaults := NewHTTPHeaders("Server", "gornado", "Content-Type", "text/html; charset=UTF-8")
	var h HTTPHeaders
	buf := make([]byte, 0, 512)
	now := time.Now()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		h.CopyFrom(defaults)
		h.Set("Content-Type", "text/plain")
		if h.Has("Etag") {
			b.Fatal("Etag")
		}
		h.AddBytes([]byte("Content-Length"), []byte("13"))
		if h.Peek("Content-Length") == nil || h.Has("Transfer-Encoding") || h.Has("Date") {
			b.Fatal("lookups")
		}
		buf, _ = AppendResponseHead(buf[:0], HTTP11, 200, &h)
		buf = AppendDate(buf[:len(buf)-2], now)
		buf = append(buf, '\r', '\n')
	}
}
