package callbacks

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Whole responses, each in every framing a client must handle. needEOF marks
// the ones whose end only the server's close can tell.
var responseCases = []struct {
	name    string
	raw     string
	needEOF bool
	code    int
	body    string
}{
	{"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, 200, "hello"},
	{"content-length zero", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, 200, ""},
	{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", false, 200, "hello world"},
	{"chunked, extension and trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n3;name=v\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n", false, 200, "abc"},
	{"chunked wins over length", "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n", false, 200, "x"},
	{"until close", "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nto the end", true, 200, "to the end"},
	{"204 has no body", "HTTP/1.1 204 No Content\r\n\r\n", false, 204, ""},
	{"404 with a body", "HTTP/1.1 404 Not Found\r\ncontent-length: 3\r\n\r\nnope", false, 404, "nop"},
}

func TestParseResponseWhole(t *testing.T) {
	for _, tc := range responseCases {
		t.Run(tc.name, func(t *testing.T) {
			resp, ok, err := parseResponse([]byte(tc.raw), tc.needEOF)
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, tc.code, resp.code)
			assert.Equal(t, tc.body, string(resp.body))
		})
	}
}

// The bytes may arrive one at a time. Because the parser keeps no state,
// "split anywhere" is the same question as "every prefix": no proper prefix
// may look complete or be an error, and the whole must parse.
func TestParseResponseByteByByte(t *testing.T) {
	for _, tc := range responseCases {
		t.Run(tc.name, func(t *testing.T) {
			raw := []byte(tc.raw)
			if tc.code == 404 {
				raw = raw[:len(raw)-1] // the extra byte beyond Content-Length
			}
			for i := 0; i < len(raw); i++ {
				resp, ok, err := parseResponse(raw[:i], false)
				require.NoError(t, err, "prefix of %d bytes", i)
				require.False(t, ok, "prefix of %d bytes looks complete", i)
				require.Nil(t, resp)
			}
			resp, ok, err := parseResponse(raw, tc.needEOF)
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, tc.body, string(resp.body))
			if tc.needEOF {
				_, ok, _ = parseResponse(raw, false)
				assert.False(t, ok, "a body without length ended before the close")
			}
		})
	}
}

func TestParseResponseHeaders(t *testing.T) {
	resp, ok, err := parseResponse([]byte("HTTP/1.1 200 Fine Thanks\r\nX-A: 1\r\nx-a:  2 \r\nContent-Length: 0\r\n\r\n"), false)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "Fine Thanks", resp.reason)
	assert.Equal(t, "1, 2", resp.header["x-a"])
}

func TestParseResponseMalformed(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  string
		eof  bool
	}{
		{"not HTTP", "SMTP 220 hello\r\n\r\n", false},
		{"two-digit status", "HTTP/1.1 20 OK\r\n\r\n", false},
		{"header without colon", "HTTP/1.1 200 OK\r\nno colon\r\n\r\n", false},
		{"space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx", false},
		{"two Content-Lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy", false},
		{"negative Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false},
		{"gzip framing", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false},
		{"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", false},
		{"chunk without CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxyz", false},
		{"closed in the head", "HTTP/1.1 200 OK\r\n", true},
		{"closed in the body", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab", true},
		{"closed in a chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nab", true},
		{"endless head", "HTTP/1.1 200 OK\r\nX: " + string(make([]byte, maxHeadSize)), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ok, err := parseResponse([]byte(tc.raw), tc.eof)
			assert.ErrorIs(t, err, errMalformed)
			assert.False(t, ok)
		})
	}
}

// FuzzParseResponse feeds the parser anything. It must not panic; at the
// end of the connection it must decide (a response or an error, never "need
// more", or the fetch would wait on a closed socket for ever); and a response
// it calls complete must stay the same when more bytes follow: a server's
// next bytes cannot change what was already framed.
func FuzzParseResponse(f *testing.F) {
	for _, tc := range responseCases {
		f.Add([]byte(tc.raw), tc.needEOF)
		f.Add([]byte(tc.raw[:len(tc.raw)/2]), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, eof bool) {
		resp, ok, err := parseResponse(data, eof)
		if eof && !ok && err == nil {
			t.Fatalf("undecided at the end of the connection: %q", data)
		}
		if err != nil || !ok || eof {
			return
		}
		more, ok2, err2 := parseResponse(append(data[:len(data):len(data)], "garbage"...), false)
		if err2 != nil || !ok2 || string(more.body) != string(resp.body) || more.code != resp.code {
			t.Fatalf("complete response changed by trailing bytes: %q", data)
		}
	})
}
