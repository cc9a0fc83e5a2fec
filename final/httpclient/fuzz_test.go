package httpclient_test

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/httpclient"
	"github.com/gornado/gornado/final/ioloop"
)

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

// FuzzResponseParsing has a raw server answer with arbitrary bytes; the
// client must finish (with a response or an error) in time and never
// panic.
func FuzzResponseParsing(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nuntil close",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc",
		"HTTP/1.1 101 Switching Protocols\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(f, err)
	replies := make(chan []byte, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			var reply []byte
			select {
			case reply = <-replies:
			default:
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				c.SetDeadline(time.Now().Add(5 * time.Second))
				c.Read(buf)
				c.Write(reply)
			}()
		}
	}()
	f.Cleanup(func() {
		ln.Close()
		<-done
	})
	watch := &panicWatch{}
	loop, err := ioloop.New(ioloop.WithLogger(slog.New(watch)))
	require.NoError(f, err)
	f.Cleanup(func() { loop.Close(true) })
	url := "http://" + ln.Addr().String() + "/"
	f.Fuzz(func(t *testing.T, in []byte) {
		replies <- in
		_, err := ioloop.RunSync(loop, func() *concurrent.Future[*httpclient.HTTPResponse] {
			c := httpclient.New(loop)
			c.MaxIdlePerHost = -1
			return c.Fetch(&httpclient.HTTPRequest{URL: url, RequestTimeout: 5 * time.Second, MaxRedirects: 1})
		}, 20*time.Second)
		require.NotErrorIs(t, err, ioloop.ErrTimeout, "the client hung")
		require.Zero(t, watch.n.Load(), "the client panicked")
	})
}
