package http1connection_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/http1connection"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/ioloop"
)

// selfCloser is a pooled-style delegate that starts a response and then
// closes its own connection, as web does for an error after the head was
// sent, and goes back to its pool at once.
type selfCloser struct {
	// conn is the connection of the request; released is set once the
	// delegate counts as back in its pool.
	conn     *http1connection.Conn
	released bool
	// events records what happened, in order.
	events chan string
}

func (d *selfCloser) StartRequest(c *http1connection.Conn) http1connection.MessageDelegate {
	d.conn, d.released = c, false
	return d
}
func (d *selfCloser) OnClose(*http1connection.Conn)                  { d.events <- "OnClose" }
func (d *selfCloser) HeadersReceived(*http1connection.Request) error { return nil }
func (d *selfCloser) DataReceived([]byte) error                      { return nil }

func (d *selfCloser) Finish() {
	d.conn.WriteHeaders(200, nil, []byte("partial"))
	d.conn.Close()
	d.released = true
	d.events <- "released"
}

func (d *selfCloser) OnConnectionClose() {
	if d.released {
		d.events <- "OnConnectionClose after release"
		return
	}
	d.events <- "OnConnectionClose"
}

// A delegate that closes its connection with its response unfinished hears
// of it before Close returns, never later, when it may already serve
// another request; and the server still forgets the connection.
func TestCloseTellsTheDelegateBeforeReturning(t *testing.T) {
	d := &selfCloser{events: make(chan string, 8)}
	s := httpserver.NewWithDelegate(d)
	addr := runServer(t, s, nil)
	c := dial(t, addr)
	c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	var got []string
	for len(got) < 3 {
		select {
		case ev := <-d.events:
			got = append(got, ev)
		case <-time.After(10 * time.Second):
			t.Fatalf("only %q happened", got)
		}
	}
	assert.Equal(t, []string{"OnConnectionClose", "released", "OnClose"}, got)
	assert.Contains(t, c.raw(), "partial", "the response head and body went out before the close")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.Shutdown(ctx), "the server forgot the closed connection")
}

// handsOver lets go of its request with ReleaseDelegate, as a delegate
// that hands the request to something else and goes back to a pool does,
// and records every call it still gets.
type handsOver struct {
	// in is where it lets go: "head" (HeadersReceived, which also answers
	// the request from a later callback), "finish", or "other" (Finish,
	// releasing another delegate, which must change nothing).
	in     string
	conn   *http1connection.Conn
	events chan string
}

func (d *handsOver) StartRequest(c *http1connection.Conn) http1connection.MessageDelegate {
	d.conn = c
	return d
}
func (d *handsOver) OnClose(*http1connection.Conn) { d.events <- "OnClose" }
func (d *handsOver) DataReceived([]byte) error     { d.events <- "data"; return nil }
func (d *handsOver) OnConnectionClose()            { d.events <- "OnConnectionClose" }

func (d *handsOver) HeadersReceived(*http1connection.Request) error {
	d.events <- "head"
	if d.in == "head" {
		c := d.conn
		c.ReleaseDelegate(d)
		c.Loop().AddCallback(func() { c.Respond(200, nil, "text/plain", []byte("ok")) })
	}
	return nil
}

func (d *handsOver) Finish() {
	d.events <- "finish"
	switch d.in {
	case "finish":
		d.conn.ReleaseDelegate(d)
	case "other":
		d.conn.ReleaseDelegate(&handsOver{})
	}
}

// A delegate the connection has forgotten gets no call: no body, no
// Finish, no OnConnectionClose when the client then leaves; the server
// still forgets the connection, and the response can still be written.
// Forgetting another delegate changes nothing.
func TestReleaseDelegate(t *testing.T) {
	for _, tc := range []struct {
		in, request string
		// before is how many events come before the client leaves.
		before int
		want   []string
	}{
		{"finish", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 2, []string{"head", "finish", "OnClose"}},
		{"other", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 2, []string{"head", "finish", "OnConnectionClose", "OnClose"}},
		{"head", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 1, []string{"head", "OnClose"}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			d := &handsOver{in: tc.in, events: make(chan string, 8)}
			s := httpserver.NewWithDelegate(d)
			panics := &panicLog{}
			addr := runServerWith(t, s, ioloop.WithLogger(slog.New(panics)))
			c := dial(t, addr)
			c.send(tc.request)
			var got []string
			next := func() {
				select {
				case ev := <-d.events:
					got = append(got, ev)
				case <-time.After(10 * time.Second):
					t.Fatalf("only %q happened", got)
				}
			}
			for len(got) < tc.before {
				next()
			}
			if tc.in == "head" {
				_, body := c.response("POST")
				assert.Equal(t, "ok", body, "the response is written after the delegate let go")
			}
			c.c.Close()
			for len(got) < len(tc.want) {
				next()
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			require.NoError(t, s.Shutdown(ctx), "the server forgot the closed connection")
			assert.Equal(t, tc.want, got)
			var late []string
			for len(d.events) > 0 {
				late = append(late, <-d.events)
			}
			assert.Empty(t, late, "calls after the connection closed")
			assert.Empty(t, panics.messages(), "panics on the loop")
		})
	}
}

// panicLog is a loop's log that keeps the panics that reach the loop.
type panicLog struct {
	mu     sync.Mutex
	panics []string
}

func (p *panicLog) Enabled(context.Context, slog.Level) bool { return true }

func (p *panicLog) Handle(_ context.Context, r slog.Record) error {
	if strings.HasPrefix(r.Message, "ioloop: panic") {
		msg := r.Message
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "panic" {
				msg += ": " + a.Value.String()
			}
			return true
		})
		p.mu.Lock()
		p.panics = append(p.panics, msg)
		p.mu.Unlock()
	}
	return nil
}

func (p *panicLog) WithAttrs([]slog.Attr) slog.Handler { return p }
func (p *panicLog) WithGroup(string) slog.Handler      { return p }

func (p *panicLog) messages() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.panics...)
}
