package httpserver

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/ioloop"
)

// waitForClient is a net/http handler that blocks until its request's
// context ends, as a long poll or a slow query does, and reports how it
// ended and what a write then returns.
type waitForClient struct {
	// entered hears of each request the handler starts; ended of how its
	// context ended and the error of a write after that.
	entered chan string
	ended   chan [2]error
}

func newWaitForClient() *waitForClient {
	return &waitForClient{entered: make(chan string, 4), ended: make(chan [2]error, 4)}
}

func (h *waitForClient) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/hello" {
		io.WriteString(w, "hello")
		return
	}
	h.entered <- r.URL.Path
	<-r.Context().Done()
	_, err := io.WriteString(w, "too late")
	w.(http.Flusher).Flush()
	h.ended <- [2]error{r.Context().Err(), err}
}

// As under net/http, a net/http handler's context is cancelled when its
// client goes away, not only when it returns: a handler blocked on
// r.Context().Done() ends with context.Canceled, its late write fails, and
// the server goes on serving. The second request on a keep-alive
// connection is cancelled as the first would be (the connection reuses its
// Request), and the adapter forgets every request it served.
func TestHTTPHandlerContextEndsWhenTheClientLeaves(t *testing.T) {
	h := newWaitForClient()
	adapter := HTTPHandler(h)
	s := New(adapter)
	g, err := ioloop.StartGroup(1, ioloop.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, err)
	require.NoError(t, s.Bind(0, "127.0.0.1"))
	require.NoError(t, s.Start(g.Loops()...))
	t.Cleanup(func() {
		s.Close()
		g.Stop()
	})
	addr := s.Addr("127.0.0.1")
	deadline := time.Now().Add(20 * time.Second)

	leave := func(t *testing.T, first bool) {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer c.Close()
		require.NoError(t, c.SetDeadline(deadline))
		br := bufio.NewReader(c)
		if !first {
			fmt.Fprint(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
			resp, err := http.ReadResponse(br, nil)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			assert.Equal(t, "hello", string(body))
		}
		fmt.Fprint(c, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
		assert.Equal(t, "/wait", testutil.Recv(t, h.entered, "the handler did not get the request"))

		// Another client is served while the handler waits.
		get(t, addr, "/hello")

		select {
		case <-h.ended:
			t.Fatal("the context ended while the client was still there")
		default:
		}
		c.Close()
		got := testutil.Recv(t, h.ended, "the handler's context did not end after its client left")
		assert.ErrorIs(t, got[0], context.Canceled)
		assert.Error(t, got[1], "a write after the client left")
	}
	t.Run("first request", func(t *testing.T) { leave(t, true) })
	t.Run("after another on the connection", func(t *testing.T) { leave(t, false) })

	get(t, addr, "/hello")
	a := adapter.(*netHandler)
	a.mu.Lock()
	defer a.mu.Unlock()
	assert.Empty(t, a.live, "requests the adapter still holds")
}

// get fetches path from addr on a connection of its own.
func get(t *testing.T, addr, path string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "hello", string(body))
}

// A handler that returns has its context cancelled, as under net/http, and
// the adapter forgets its request once the response is finished.
func TestHTTPHandlerContextAfterTheResponse(t *testing.T) {
	ctxs := make(chan context.Context, 1)
	adapter := HTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctxs <- r.Context()
		io.WriteString(w, "hello")
	}))
	s := New(adapter)
	s.Loops = 1
	require.NoError(t, s.Bind(0, "127.0.0.1"))
	require.NoError(t, s.Start())
	t.Cleanup(func() { s.Close() })
	get(t, s.Addr("127.0.0.1"), "/")
	ctx := testutil.Recv(t, ctxs, "the handler did not run")
	testutil.Recv(t, ctx.Done(), "the context was not cancelled when the handler returned")
	assert.ErrorIs(t, ctx.Err(), context.Canceled)
	a := adapter.(*netHandler)
	a.mu.Lock()
	defer a.mu.Unlock()
	assert.Empty(t, a.live, "requests the adapter still holds")
}
