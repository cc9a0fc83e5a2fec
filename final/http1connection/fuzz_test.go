package http1connection_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/ioloop"
)

// panicWatch is a log handler that counts the loop's "panic" records, so
// that a fuzz input which makes the server panic fails even though the
// loop recovers and carries on.
type panicWatch struct{ n atomic.Int64 }

func (p *panicWatch) Enabled(context.Context, slog.Level) bool { return true }
func (p *panicWatch) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "panic") {
		p.n.Add(1)
	}
	return nil
}
func (p *panicWatch) WithAttrs([]slog.Attr) slog.Handler { return p }
func (p *panicWatch) WithGroup(string) slog.Handler      { return p }

// FuzzRequestThroughConnection sends arbitrary bytes to a real server and
// requires that it answers or closes in time, never panics, and keeps
// serving others.
func FuzzRequestThroughConnection(f *testing.F) {
	for _, s := range []string{getReq, postReq, chunkedReq, getReq + postReq + chunkedReq,
		"GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\n\x1f\x8b\x08\x00",
		"GET /chunked HTTP/1.0\r\n\r\n", "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"} {
		f.Add([]byte(s))
	}
	for _, h := range hostile {
		f.Add([]byte(h.req))
	}
	watch := &panicWatch{}
	g, err := ioloop.StartGroup(1, ioloop.WithLogger(slog.New(watch)))
	require.NoError(f, err)
	s := httpserver.New(httpserver.HandlerFunc(testHandler))
	s.DecompressRequest = true
	s.IdleConnectionTimeout = 2 * time.Second
	s.HeaderTimeout = 2 * time.Second
	require.NoError(f, s.Bind(0, "127.0.0.1"))
	require.NoError(f, s.Start(g.Loops()...))
	f.Cleanup(func() {
		s.Close()
		g.Stop()
	})
	addr := s.Addr("127.0.0.1")
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer c.Close()
		require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
		if _, err := c.Write(in); err == nil {
			c.(*net.TCPConn).CloseWrite()
		}
		out, err := io.ReadAll(c)
		if err != nil && !strings.Contains(err.Error(), "reset") {
			require.NoError(t, err, "the server must answer or close in time")
		}
		if len(out) > 0 {
			require.True(t, bytes.HasPrefix(out, []byte("HTTP/1.1 ")), "%q", out)
		}
		require.Zero(t, watch.n.Load(), "the server panicked")
	})
}
