package http1connection_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/http1connection"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/ioloop"
)

// recorder is a MessageDelegate that records its calls, prefixed with its
// name, in a channel shared with the delegate that handed over to it.
type recorder struct {
	name   string
	events chan string
}

func (r *recorder) HeadersReceived(*http1connection.Request) error {
	r.events <- r.name + " head"
	return nil
}
func (r *recorder) DataReceived(b []byte) error {
	r.events <- r.name + " data " + string(b)
	return nil
}
func (r *recorder) Finish()            { r.events <- r.name + " finish" }
func (r *recorder) OnConnectionClose() { r.events <- r.name + " OnConnectionClose" }

// handsOn hands its request over with HandOver, as web's FallbackHandler
// does, and records the calls it and its successor get.
type handsOn struct {
	recorder
	// in is where it hands over: "head", "finish", or "other" (Finish,
	// handing over from a delegate that is not the request's).
	in   string
	conn *http1connection.Conn
	next *recorder
}

func (d *handsOn) StartRequest(c *http1connection.Conn) http1connection.MessageDelegate {
	d.conn = c
	return d
}
func (d *handsOn) OnClose(*http1connection.Conn) { d.events <- "OnClose" }

func (d *handsOn) HeadersReceived(req *http1connection.Request) error {
	d.recorder.HeadersReceived(req)
	if d.in == "head" {
		d.conn.HandOver(d, d.next)
	}
	return nil
}

func (d *handsOn) Finish() {
	d.recorder.Finish()
	switch d.in {
	case "finish":
		d.conn.HandOver(d, d.next)
	case "other":
		d.conn.HandOver(&recorder{}, d.next)
	}
}

// The delegate a request is handed over to gets the calls that come after
// the hand-over: the rest of the body, Finish, and the close when the
// client leaves with the response unfinished; the one that handed over
// gets none. Handing over from another delegate changes nothing.
func TestHandOver(t *testing.T) {
	// One byte of body: it cannot arrive in two pieces.
	const post = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nh"
	for _, tc := range []struct {
		in string
		// before is how many events come before the client leaves.
		before int
		want   []string
	}{
		{"head", 3, []string{"first head", "next data h", "next finish", "next OnConnectionClose", "OnClose"}},
		{"finish", 3, []string{"first head", "first data h", "first finish", "next OnConnectionClose", "OnClose"}},
		{"other", 3, []string{"first head", "first data h", "first finish", "first OnConnectionClose", "OnClose"}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			events := make(chan string, 16)
			d := &handsOn{recorder: recorder{name: "first", events: events}, in: tc.in, next: &recorder{name: "next", events: events}}
			s := httpserver.NewWithDelegate(d)
			panics := &panicLog{}
			addr := runServerWith(t, s, ioloop.WithLogger(slog.New(panics)))
			c := dial(t, addr)
			c.send(post)
			var got []string
			next := func() {
				select {
				case ev := <-events:
					got = append(got, ev)
				case <-time.After(10 * time.Second):
					t.Fatalf("only %q happened", got)
				}
			}
			for len(got) < tc.before {
				next()
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
			for len(events) > 0 {
				late = append(late, <-events)
			}
			assert.Empty(t, late, "calls after the connection closed")
			assert.Empty(t, panics.messages(), "panics on the loop")
		})
	}
}
