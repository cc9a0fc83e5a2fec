package httpserver_test

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/httpserver"
)

// longPoll holds every request unanswered and reports the requests whose
// client went away.
type longPoll struct {
	// started receives each request's target when the handler gets it;
	// closed when the client has gone.
	started, closed chan string
}

func (h *longPoll) HandleRequest(req *httpserver.Request) {
	h.started <- string(req.Head.Target)
}

func (h *longPoll) OnConnectionClose(req *httpserver.Request) {
	h.closed <- string(req.Head.Target)
}

// A plain Handler that implements CloseHandler hears that the client of a
// request it holds closed the connection (Tornado's on_connection_close);
// the collector used to drop the news.
func TestCloseHandlerHearsClientGone(t *testing.T) {
	h := &longPoll{started: make(chan string, 1), closed: make(chan string, 2)}
	s := httpserver.New(h)
	s.Loops = 1
	require.NoError(t, s.Bind(0, "127.0.0.1"))
	require.NoError(t, s.Start())
	t.Cleanup(func() { s.Close() })

	// A client that leaves in the middle of its body: the handler never
	// had that request, so it must not hear of it.
	partial, err := net.Dial("tcp", s.Addr("127.0.0.1"))
	require.NoError(t, err)
	fmt.Fprintf(partial, "POST /partial HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
	partial.Close()

	conn, err := net.Dial("tcp", s.Addr("127.0.0.1"))
	require.NoError(t, err)
	defer conn.Close()
	fmt.Fprintf(conn, "GET /poll HTTP/1.1\r\nHost: x\r\n\r\n")
	select {
	case target := <-h.started:
		assert.Equal(t, "/poll", target)
	case <-time.After(10 * time.Second):
		t.Fatal("the handler did not get the request")
	}
	conn.Close()
	select {
	case target := <-h.closed:
		assert.Equal(t, "/poll", target, "only the request the handler holds is reported")
	case <-time.After(10 * time.Second):
		t.Fatal("OnConnectionClose did not run after the client closed")
	}
}
