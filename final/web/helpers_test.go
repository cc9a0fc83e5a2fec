// Test helpers: an Application served on 127.0.0.1:0 by httpserver, on one
// loop of the test's own, and a client that does not follow redirects.

package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/ioloop"
)

// serve starts app on one loop and returns its base URL; everything stops
// when the test ends.
func serve(t testing.TB, app *Application) string {
	t.Helper()
	if app.Settings.Logger == nil {
		app.Settings.Logger = quiet
	}
	addr, _ := serveOn(t, app, withDelegate)
	return "http://" + addr
}

// withDelegate is httpserver.NewWithDelegate for serveOn.
func withDelegate(app *Application) *httpserver.HTTPServer { return httpserver.NewWithDelegate(app) }

// serveOn starts app on one loop, in the server newServer makes, and
// returns the server's address and the loop; everything stops when the test
// ends, and a panic that reaches the loop fails the test.
func serveOn(t testing.TB, app *Application, newServer func(*Application) *httpserver.HTTPServer) (string, *ioloop.IOLoop) {
	t.Helper()
	loop, err := ioloop.New(ioloop.WithLogger(slog.New(failOnLoopPanic{t})))
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		loop.Start()
	}()
	s := newServer(app)
	require.NoError(t, s.Bind(0, "127.0.0.1"))
	require.NoError(t, s.Start(loop))
	t.Cleanup(func() {
		s.Close()
		loop.AddCallback(loop.Stop)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("the server's loop did not stop within 10s: a callback or handler is stuck")
		}
		loop.Close(false)
	})
	return s.Addr("127.0.0.1"), loop
}

// failOnLoopPanic is the test loops' log: it fails the test when a panic
// escapes to the loop (a handler's own panics are the application's, and
// answered 500), which a discarded log would hide. Everything else it drops.
type failOnLoopPanic struct{ t testing.TB }

func (h failOnLoopPanic) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }

func (h failOnLoopPanic) Handle(_ context.Context, r slog.Record) error {
	if strings.HasPrefix(r.Message, "ioloop: panic") {
		var b strings.Builder
		r.Attrs(func(a slog.Attr) bool {
			fmt.Fprintf(&b, "\n%s: %v", a.Key, a.Value)
			return true
		})
		h.t.Errorf("%s%s", r.Message, b.String())
	}
	return nil
}

func (h failOnLoopPanic) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h failOnLoopPanic) WithGroup(string) slog.Handler      { return h }

// quiet discards the logs of handlers that fail on purpose, and the
// access log, without formatting them: its level is above every record's.
var quiet = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError + 1}))

// client does not follow redirects and keeps no connections between tests.
func client(t testing.TB) *http.Client {
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// do sends a request and returns the response with its body read.
func do(t testing.TB, c *http.Client, method, url, body string, hdr ...string) (*http.Response, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	require.NoError(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		if strings.EqualFold(hdr[i], "Host") {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Add(hdr[i], hdr[i+1])
	}
	if body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	return resp, string(b)
}
