package websocket

import (
	"testing"

	"github.com/gornado/gornado/final/httputil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The key and answer of RFC 6455, section 1.3.
func TestComputeAcceptKey(t *testing.T) {
	assert.Equal(t, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", ComputeAcceptKey("dGhlIHNhbXBsZSBub25jZQ=="))
}

func TestValidKey(t *testing.T) {
	assert.True(t, ValidKey("dGhlIHNhbXBsZSBub25jZQ=="))
	assert.True(t, ValidKey(NewKey()))
	assert.NotEqual(t, NewKey(), NewKey())
	for _, k := range []string{"", "abc", "dGhlIHNhbXBsZSBub25jZQ=", "dGhlIHNhbXBsZSBub25jZQ==x",
		"dGhlIHNhbXBsZSBub25jZSE=", // 17 bytes, 24 chars? no: 16+1 encodes to 24 with one '='
		"!!!!!!!!!!!!!!!!!!!!!!==", "dGhlIHNhbXBsZSBub25jZQ=a"} {
		assert.False(t, ValidKey(k), k)
	}
}

// goodHeaders is a valid client handshake, with pairs overriding it.
func goodHeaders(pairs ...string) *httputil.HTTPHeaders {
	h := httputil.NewHTTPHeaders("Host", "example.com", "Upgrade", "websocket", "Connection", "Upgrade",
		"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version", "13")
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			h.Del(pairs[i])
		} else {
			h.Set(pairs[i], pairs[i+1])
		}
	}
	return h
}

func TestCheckRequest(t *testing.T) {
	tests := []struct {
		name   string
		method string
		h      *httputil.HTTPHeaders
		status int
	}{
		{"valid", "GET", goodHeaders(), 0},
		{"tokens in lists, any case", "GET", goodHeaders("Connection", "keep-alive, UPGRADE", "Upgrade", "h2c, WebSocket"), 0},
		{"POST", "POST", goodHeaders(), 405},
		{"no Upgrade", "GET", goodHeaders("Upgrade", ""), 400},
		{"Upgrade to something else", "GET", goodHeaders("Upgrade", "h2c"), 400},
		{"no Connection", "GET", goodHeaders("Connection", ""), 400},
		{"Connection without upgrade", "GET", goodHeaders("Connection", "keep-alive"), 400},
		{"version 8", "GET", goodHeaders("Sec-WebSocket-Version", "8"), 426},
		{"no version", "GET", goodHeaders("Sec-WebSocket-Version", ""), 426},
		{"no key", "GET", goodHeaders("Sec-WebSocket-Key", ""), 400},
		{"short key", "GET", goodHeaders("Sec-WebSocket-Key", "dGhlIHNhbXBsZQ=="), 400},
	}
	for _, tc := range tests {
		key, err := CheckRequest(tc.method, tc.h)
		if tc.status == 0 {
			require.NoError(t, err, tc.name)
			assert.Equal(t, "dGhlIHNhbXBsZSBub25jZQ==", key)
			continue
		}
		var he *HandshakeError
		require.ErrorAs(t, err, &he, tc.name)
		assert.ErrorIs(t, err, ErrBadHandshake)
		assert.Equal(t, tc.status, he.Status, tc.name)
		if tc.status == 426 {
			assert.Equal(t, []string{"Sec-WebSocket-Version", "13"}, he.Header)
			resp := string(AppendErrorResponse(nil, he))
			assert.Contains(t, resp, "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n")
		}
	}
}

func TestSubprotocolsAndOrigin(t *testing.T) {
	h := httputil.NewHTTPHeaders("Sec-WebSocket-Protocol", "chat, superchat", "Sec-WebSocket-Protocol", " v2 ,")
	assert.Equal(t, []string{"chat", "superchat", "v2"}, Subprotocols(h))
	assert.Nil(t, Subprotocols(httputil.NewHTTPHeaders()))

	assert.True(t, CheckOrigin("http://example.com", "example.com"))
	assert.True(t, CheckOrigin("https://Example.COM:8888", "example.com:8888"))
	assert.False(t, CheckOrigin("http://example.com:8888", "example.com"))
	assert.False(t, CheckOrigin("http://evil.com", "example.com"))
	assert.False(t, CheckOrigin("null", "example.com"))
	assert.False(t, CheckOrigin("::", "example.com"))
}

func TestHandshakeMessages(t *testing.T) {
	resp := string(AppendResponse(nil, "dGhlIHNhbXBsZSBub25jZQ==", "chat", "permessage-deflate"))
	assert.Equal(t, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n"+
		"Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n", resp)

	req := string(AppendRequest(nil, &ClientRequest{Host: "h:1", Path: "/ws?x=1", Key: "k", Origin: "http://h:1",
		Subprotocols: []string{"a", "b"}, Extensions: "permessage-deflate", Header: []string{"X-A", "1"}}))
	assert.Equal(t, "GET /ws?x=1 HTTP/1.1\r\nHost: h:1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: k\r\nSec-WebSocket-Version: 13\r\nOrigin: http://h:1\r\nSec-WebSocket-Protocol: a, b\r\n"+
		"Sec-WebSocket-Extensions: permessage-deflate\r\nX-A: 1\r\n\r\n", req)
}

func TestCheckResponse(t *testing.T) {
	key := "dGhlIHNhbXBsZSBub25jZQ=="
	good := func(pairs ...string) *httputil.HTTPHeaders {
		h := httputil.NewHTTPHeaders("Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
		for i := 0; i+1 < len(pairs); i += 2 {
			h.Set(pairs[i], pairs[i+1])
		}
		return h
	}
	sub, err := CheckResponse(101, good(), key, nil)
	require.NoError(t, err)
	assert.Empty(t, sub)
	sub, err = CheckResponse(101, good("Sec-WebSocket-Protocol", "b"), key, []string{"a", "b"})
	require.NoError(t, err)
	assert.Equal(t, "b", sub)

	for name, tc := range map[string]struct {
		status int
		h      *httputil.HTTPHeaders
	}{
		"200":                  {200, good()},
		"wrong accept":         {101, good("Sec-WebSocket-Accept", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")},
		"no upgrade":           {101, good("Upgrade", "h2c")},
		"no connection":        {101, good("Connection", "close")},
		"unoffered protocol":   {101, good("Sec-WebSocket-Protocol", "c")},
		"protocol, none asked": {101, good("Sec-WebSocket-Protocol", "a")},
	} {
		_, err := CheckResponse(tc.status, tc.h, key, nil)
		var he *HandshakeError
		require.ErrorAs(t, err, &he, name)
		assert.Equal(t, tc.status, he.Status, name)
	}
}

func TestClosePayload(t *testing.T) {
	assert.Empty(t, AppendClosePayload(nil, 0, "ignored"))
	assert.Empty(t, AppendClosePayload(nil, 1005, ""))
	assert.Equal(t, []byte{0x03, 0xe8, 'b', 'y', 'e'}, AppendClosePayload(nil, 1000, "bye"))
	// A reason too long is cut at a code point boundary.
	long := ""
	for len(long) < 200 {
		long += "é"
	}
	p := AppendClosePayload(nil, 1001, long)
	assert.LessOrEqual(t, len(p), MaxControlPayload)
	code, reason, err := ParseClosePayload(p)
	require.NoError(t, err)
	assert.Equal(t, 1001, code)
	assert.Equal(t, 122, len(reason))
}
