package httpclient_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/httpclient"
)

// A body over its limit costs about the limit in allocations, not the two
// or more times that growing it with append did (plus the garbage the
// collector's pacer lets stand, which made the peak 3-4x): counted with
// TotalAlloc, which no collection can hide, from the fetch's start to its
// failure.
func TestBodyOverTheLimitCostsAboutTheLimit(t *testing.T) {
	for _, c := range []struct {
		// name names the subtest.
		name string
		// script is the server's.
		script script
		// limit is MaxBodySize.
		limit uint64
	}{
		{"endless body", endless("HTTP/1.1 200 OK\r\n\r\n", "x"), 16 << 20},
		{"endless chunks", endless("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "1000\r\n"+string(make([]byte, 0x1000))+"\r\n"), 16 << 20},
		// 16 MiB of zeros in gzip, four times the limit.
		{"gzip bomb", answer(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s", len(bomb), bomb)), 4 << 20},
	} {
		t.Run(c.name, func(t *testing.T) {
			fetch := syncFetcher(t)
			srv := newScriptServer(t, c.script)
			req := &httpclient.HTTPRequest{URL: srv.url, MaxBodySize: int(c.limit)}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := fetch(t, req)
			runtime.ReadMemStats(&after)
			require.ErrorIs(t, err, httpclient.ErrBodyTooLarge)
			allocated := after.TotalAlloc - before.TotalAlloc
			t.Logf("allocated %.2f times the limit", float64(allocated)/float64(c.limit))
			assert.Less(t, allocated, c.limit*13/10, "bytes allocated while reading a body over a %d-byte limit", c.limit)
		})
	}
}

// A StreamingCallback gets only pieces with bytes in them, also when a
// head arrives without any of its body.
func TestStreamingCallbackGetsNoEmptyPiece(t *testing.T) {
	fetch := syncFetcher(t)
	srv := newScriptServer(t, script{run: func(c *scriptConn) {
		if !c.head() || !c.write("HTTP/1.0 200 OK\r\n\r\n") {
			return
		}
		waitDelivered(c.Conn)
		c.write("body")
	}})
	var pieces []string
	_, err := fetch(t, &httpclient.HTTPRequest{URL: srv.url, StreamingCallback: func(b []byte) { pieces = append(pieces, string(b)) }})
	require.NoError(t, err)
	assert.Equal(t, []string{"body"}, pieces)
}
