package http1connection_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/http1connection"
	"github.com/gornado/gornado/final/httpserver"
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
