package httputil

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chunkedResult is what decoding a body produced.
type chunkedResult struct {
	// data is the decoded body.
	data string
	// n is the number of input bytes the body took, when complete.
	n int
	// err is nil for a complete body, ErrNeedMore for an incomplete one.
	err error
	// trailers is the trailer section in wire form.
	trailers string
}

// decodeChunked feeds input to a fresh decoder in the pieces given by cuts.
func decodeChunked(t *testing.T, input string, cuts []int) chunkedResult {
	t.Helper()
	var d ChunkedDecoder
	var out bytes.Buffer
	total, prev := 0, 0
	for _, c := range append(cuts, len(input)) {
		src := []byte(input[prev:c])
		prev = c
		for len(src) > 0 {
			n, data, err := d.Decode(src)
			require.True(t, bytes.Equal(data, src[:n][n-len(data):]) || len(data) == 0, "data is a sub-slice of what was consumed")
			out.Write(data)
			total += n
			src = src[n:]
			if err == io.EOF {
				return chunkedResult{data: out.String(), n: total, trailers: d.Trailers().String()}
			}
			if err != nil {
				return chunkedResult{err: err}
			}
			if n == 0 {
				t.Fatalf("no progress with %d bytes left", len(src))
			}
		}
	}
	return chunkedResult{data: out.String(), err: ErrNeedMore}
}

// chunkedCases are chunked bodies and what they decode to.
var chunkedCases = []struct {
	// what describes the case.
	what string
	// input is the body as sent.
	input string
	// data is the decoded body of a valid input.
	data string
	// trailers is the trailer section of a valid input, in wire form.
	trailers string
	// err is the error of an invalid input.
	err error
}{
	{what: "one chunk", input: "5\r\nhello\r\n0\r\n\r\n", data: "hello"},
	{what: "two chunks", input: "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", data: "hello world"},
	{what: "empty body", input: "0\r\n\r\n", data: ""},
	{what: "upper and lower hex", input: "A\r\n0123456789\r\nb\r\nabcdefghijk\r\n0\r\n\r\n", data: "0123456789abcdefghijk"},
	{what: "leading zeros", input: "0005\r\nhello\r\n000\r\n\r\n", data: "hello"},
	{what: "extension", input: "5;name=value\r\nhello\r\n0;last\r\n\r\n", data: "hello"},
	{what: "BWS around extension parts", input: "5 ; a = \"q\\\"\\\\ ;\" ;b\t;c=d\r\nhello\r\n0\t;x\r\n\r\n", data: "hello"},
	{what: "extension without a name", input: "5;\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkExtension},
	{what: "extension with an empty value", input: "5;a=\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkExtension},
	{what: "extension name not a token", input: "5;a@b\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkExtension},
	{what: "extension value not a token", input: "5;a=b/c\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkExtension},
	{what: "extension with whitespace before CRLF", input: "5;a=b \r\nhello\r\n0\r\n\r\n", err: ErrBadChunkExtension},
	{what: "extension quoted value unterminated", input: "5;a=\"b\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkExtension},
	{what: "extension token after a quoted value", input: "5;a=\"b\"c\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkExtension},
	{what: "bare CR in extension", input: "5;a\rb\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkSize},
	{what: "trailers", input: "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Two: 2\r\n\r\n", data: "hello", trailers: "X-Checksum: abc\r\nX-Two: 2\r\n"},

	{what: "size with 0x", input: "0x5\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkSize},
	{what: "size with sign", input: "+5\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkSize},
	{what: "negative size", input: "-1\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkSize},
	{what: "leading space", input: " 5\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkSize},
	{what: "trailing space without extension", input: "5 \r\nhello\r\n0\r\n\r\n", err: ErrBadChunkSize},
	{what: "empty size", input: "\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkSize},
	{what: "non-hex size", input: "5g\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkSize},
	{what: "size overflow", input: "8000000000000000\r\n", err: ErrBadChunkSize},
	{what: "size overflow with many digits", input: "fffffffffffffffffff\r\n", err: ErrBadChunkSize},
	{what: "bare LF after size", input: "5\nhello\r\n0\r\n\r\n", err: ErrBadChunkSize},
	{what: "bare CR after size", input: "5\rhello\r\n0\r\n\r\n", err: ErrBadChunkSize},
	{what: "data longer than size", input: "3\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkTerminator},
	{what: "bare LF after data", input: "5\r\nhello\n0\r\n\r\n", err: ErrBadChunkTerminator},
	{what: "no CRLF after data", input: "5\r\nhello0\r\n\r\n", err: ErrBadChunkTerminator},
	{what: "NUL in extension", input: "5;a\x00\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkExtension},
	{what: "bare LF in extension", input: "5;a\nhello\r\n0\r\n\r\n", err: ErrBadChunkExtension},
	{what: "overlong extension", input: "5;" + strings.Repeat("x", 5000) + "\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkExtension},
	{what: "overlong zero padding", input: strings.Repeat("0", 5000) + "5\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkSize},
	{what: "trailer with bare LF", input: "0\r\nX: y\n\r\n", err: ErrBareLF},
	{what: "last chunk with bare LF end", input: "0\r\n\n", err: ErrBareLF},
	{what: "trailer obs-fold", input: "0\r\nX: y\r\n z\r\n\r\n", err: ErrObsFold},
	{what: "trailer space before colon", input: "0\r\nX : y\r\n\r\n", err: ErrSpaceBeforeColon},
	{what: "trailer NUL", input: "0\r\nX: a\x00\r\n\r\n", err: ErrBadHeaderValue},
	{what: "trailer too large", input: "0\r\nX: " + strings.Repeat("a", 17000) + "\r\n\r\n", err: ErrTrailerTooLarge},
	{what: "too many trailers", input: "0\r\n" + strings.Repeat("X: a\r\n", 101) + "\r\n", err: ErrTrailerTooLarge},
	{what: "one-byte chunks with 200-byte extensions", input: strings.Repeat("1;"+strings.Repeat("e", 200)+"\r\nx\r\n", 100) + "0\r\n\r\n", err: ErrChunkOverhead},
	{what: "4000 one-byte chunks (streaming byte by byte is allowed)", input: strings.Repeat("1\r\nx\r\n", 4000) + "0\r\n\r\n", data: strings.Repeat("x", 4000)},
	{what: "incomplete", input: "5\r\nhel", data: "hel", err: ErrNeedMore},
}

func TestChunkedDecoder(t *testing.T) {
	for _, c := range chunkedCases {
		t.Run(c.what, func(t *testing.T) {
			check := func(how string, got chunkedResult) {
				t.Helper()
				switch {
				case c.err == ErrNeedMore:
					assert.Equal(t, chunkedResult{data: c.data, err: ErrNeedMore}, got, how)
				case c.err != nil:
					assert.ErrorIs(t, got.err, c.err, how)
					assert.Equal(t, c.err.(*HTTPInputError).Status, StatusOf(got.err), how)
				default:
					assert.Equal(t, chunkedResult{data: c.data, n: len(c.input), trailers: c.trailers}, got, how)
				}
			}
			check("whole", decodeChunked(t, c.input, nil))
			if len(c.input) < 2000 {
				var cuts []int
				for i := 1; i < len(c.input); i++ {
					cuts = append(cuts, i)
				}
				check("byte by byte", decodeChunked(t, c.input, cuts))
			}
			rng := rand.New(rand.NewPCG(uint64(len(c.input)), 3))
			for round := 0; round < 20; round++ {
				var cuts []int
				for i := 1; i < len(c.input); i++ {
					if rng.IntN(6) == 0 {
						cuts = append(cuts, i)
					}
				}
				check("random splits", decodeChunked(t, c.input, cuts))
			}
			if c.err == nil {
				// Pipelined: the next request follows the body; Decode stops
				// at the body's end.
				got := decodeChunked(t, c.input+"GET / HTTP/1.1\r\n", nil)
				assert.Equal(t, len(c.input), got.n)
			}
		})
	}
}

func TestChunkedDecoderErrorsAreSticky(t *testing.T) {
	var d ChunkedDecoder
	_, _, err := d.Decode([]byte("x"))
	require.ErrorIs(t, err, ErrBadChunkSize)
	_, _, err = d.Decode([]byte("5\r\n"))
	assert.ErrorIs(t, err, ErrBadChunkSize)
	d.Reset()
	n, data, err := d.Decode([]byte("1\r\na\r\n0\r\n\r\n"))
	require.NoError(t, err)
	assert.Equal(t, "a", string(data))
	assert.Equal(t, 4, n)
}

func TestChunkedRoundTrip(t *testing.T) {
	var w bytes.Buffer
	cw := NewChunkedWriter(&w)
	parts := []string{"a", strings.Repeat("b", 4096), "", "ccc", strings.Repeat("d", 70000)}
	for _, p := range parts {
		n, err := cw.Write([]byte(p))
		require.NoError(t, err)
		assert.Equal(t, len(p), n)
	}
	require.NoError(t, cw.Close())
	got := decodeChunked(t, w.String(), nil)
	require.NoError(t, got.err)
	assert.Equal(t, strings.Join(parts, ""), got.data)
	assert.Equal(t, w.Len(), got.n)

	enc := AppendChunk(nil, []byte("hello"))
	assert.Equal(t, "5\r\nhello\r\n", string(enc))
	assert.Empty(t, AppendChunk(nil, nil), "an empty chunk would end the body")
	assert.Equal(t, "1000\r\n", string(AppendChunkHeader(nil, 4096)))
	assert.Equal(t, "0\r\nX: y\r\n\r\n", string(AppendLastChunk(nil, NewHTTPHeaders("x", "y"))))
	assert.Equal(t, LastChunk, string(AppendLastChunk(nil, nil)))
}

func TestChunkedDecoderZeroAllocs(t *testing.T) {
	body := []byte(strings.Repeat("400\r\n"+strings.Repeat("x", 1024)+"\r\n", 16) + "0\r\n\r\n")
	var d ChunkedDecoder
	run := func() {
		d.Reset()
		src := body
		for {
			n, _, err := d.Decode(src)
			src = src[n:]
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	run()
	assert.Zero(t, testing.AllocsPerRun(100, run))
}

func BenchmarkChunkedDecode(b *testing.B) {
	body := []byte(strings.Repeat("400\r\n"+strings.Repeat("x", 1024)+"\r\n", 16) + "0\r\n\r\n")
	var d ChunkedDecoder
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d.Reset()
		src := body
		for {
			n, _, err := d.Decode(src)
			src = src[n:]
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkChunkedDecodeSmallChunks(b *testing.B) {
	body := []byte(strings.Repeat("10\r\n"+strings.Repeat("x", 16)+"\r\n", 64) + "0\r\n\r\n")
	var d ChunkedDecoder
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d.Reset()
		src := body
		for {
			n, _, err := d.Decode(src)
			src = src[n:]
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}
