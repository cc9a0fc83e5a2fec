package httputil

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fields are judged unsafe once, as they are added: Check and
// AppendResponseHead read the verdict, so every way of adding, replacing,
// removing and copying a field must keep it right.
func TestCheckFollowsEveryChange(t *testing.T) {
	bad := []struct{ name, value string }{
		{"X-Split", "a\r\nSet-Cookie: evil=1"},
		{"X-Lf", "a\nb"},
		{"X-Nul", "a\x00b"},
		{"X-Bell", "\a"},
		{"X-Del", "a\x7fb"},
		{"Bad Name", "v"},
		{"Bad:Name", "v"},
		{"", "v"},
	}
	for _, b := range bad {
		var h HTTPHeaders
		h.Add("Server", "ok")
		require.NoError(t, h.Check())

		h.Add(b.name, b.value)
		err := h.Check()
		require.Error(t, err, "Add %q: %q", b.name, b.value)
		assert.True(t, errors.Is(err, ErrUnsafeHeader))
		_, err = AppendResponseHead(nil, HTTP11, 200, &h)
		assert.ErrorIs(t, err, ErrUnsafeHeader)

		h.Del(b.name)
		assert.NoError(t, h.Check(), "Del %q should remove the unsafe field", b.name)

		h.AddBytes([]byte(b.name), []byte(b.value))
		assert.Error(t, h.Check(), "AddBytes %q: %q", b.name, b.value)

		var c HTTPHeaders
		c.CopyFrom(&h)
		assert.Error(t, c.Check(), "CopyFrom keeps the verdict")
		assert.Error(t, h.Copy().Check(), "Copy keeps the verdict")
	}

	var h HTTPHeaders
	h.Set("X-A", "bad\r\nvalue")
	assert.Error(t, h.Check())
	h.Set("X-A", "good value\twith tab and obs-text \xe9")
	assert.NoError(t, h.Check(), "Set replaces the unsafe value")
	out, err := AppendResponseHead(nil, HTTP11, 200, &h)
	require.NoError(t, err)
	assert.Equal(t, "HTTP/1.1 200 OK\r\nX-A: good value\twith tab and obs-text \xe9\r\n\r\n", string(out))
}

func TestCopyFromReusesStorage(t *testing.T) {
	defaults := NewHTTPHeaders("Server", "gornado", "Content-Type", "text/html; charset=UTF-8")
	var h HTTPHeaders
	h.Add("X-Old", "gone")
	h.CopyFrom(defaults)
	assert.Equal(t, "Server: gornado\r\nContent-Type: text/html; charset=UTF-8\r\n", h.String())
	h.Set("Content-Type", "text/plain")
	assert.Equal(t, "text/html; charset=UTF-8", defaults.Get("Content-Type"), "the source is not changed")
	allocs := testing.AllocsPerRun(100, func() { h.CopyFrom(defaults) })
	assert.Zero(t, allocs)
}

// The common names skip normalisation: each must already be in normal form
// and a token, or skipping would store it wrong.
func TestCommonNamesAreNormalTokens(t *testing.T) {
	for _, n := range []string{"Content-Type", "Content-Length", "Server", "Date", "Etag",
		"Location", "Set-Cookie", "Cache-Control", "Connection",
		"Content-Encoding", "Vary", "Last-Modified", "Expires",
		"Transfer-Encoding", "Accept-Ranges", "Content-Range", "Allow"} {
		require.True(t, commonName([]byte(n)), n)
		b := []byte(n)
		canonicalInPlace(b)
		assert.Equal(t, n, string(b), "normal form")
		assert.True(t, isToken(b), n)
	}
	assert.False(t, commonName([]byte("content-type")), "only the normal spelling")
	long := []byte("X-A-Very-Long-Field-Name-Beyond-Thirty-Two-Bytes")
	assert.Zero(t, testing.AllocsPerRun(100, func() { commonName(long) }))
	var h HTTPHeaders
	h.Add("content-type", "a")
	h.Add("Content-Type", "b")
	assert.Equal(t, "Content-Type: a\r\nContent-Type: b\r\n", h.String())
}
