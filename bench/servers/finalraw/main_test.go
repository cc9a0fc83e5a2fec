package main

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/bench/internal/payload"
)

// The peer answers what every peer answers, with the headers final's
// framework sends (less its Etag): what the runner's checks and wrk see.
func TestAnswers(t *testing.T) {
	s, addr, err := start("127.0.0.1:0", 1)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })

	for _, c := range []struct {
		path, ctype, body string
		status            int
	}{
		{payload.PathHello, textPlain, payload.Hello, 200},
		{payload.PathJSON, appJSON, payload.JSON, 200},
		{payload.Path64K, octets, string(payload.Body64K()), 200},
		{payload.PathHello + "?q=1", textPlain, payload.Hello, 200},
		{"/nothing", textPlain, string(notFound), 404},
	} {
		resp, err := http.Get("http://" + addr + c.path)
		require.NoError(t, err, c.path)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err, c.path)
		assert.Equal(t, c.status, resp.StatusCode, c.path)
		assert.Equal(t, c.body, string(body), c.path)
		assert.Equal(t, c.ctype, resp.Header.Get("Content-Type"), c.path)
		assert.Equal(t, []string{"gornado"}, resp.Header.Values("Server"), c.path)
		assert.Equal(t, int64(len(c.body)), resp.ContentLength, c.path)
		_, err = http.ParseTime(resp.Header.Get("Date"))
		assert.NoError(t, err, c.path)
		assert.Empty(t, resp.TransferEncoding, c.path)
	}
}

// Requests on one keep-alive connection each get one Server field: the
// connection's reused header set starts empty for every response.
func TestKeepAlive(t *testing.T) {
	s, addr, err := start("127.0.0.1:0", 1)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	c := &http.Client{Timeout: 5 * time.Second}
	for range 3 {
		resp, err := c.Get("http://" + addr + payload.PathJSON)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		assert.Equal(t, []string{"gornado"}, resp.Header.Values("Server"))
	}
}

func TestBadFlags(t *testing.T) {
	_, _, err := start("127.0.0.1:0", -1)
	assert.Error(t, err)
	_, _, err = start("nocolon", 0)
	assert.Error(t, err)
}
