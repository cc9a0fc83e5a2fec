// Closed connections and the handlers they reach: a client that gives up
// on a long poll must reach its handler's OnConnectionClose however the
// application is served, and a connection the server closes itself must
// reach no other request's handler.

package web

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/ioloop"
)

// serveOn starts app on one loop of the test's own with the server that
// newServer makes, and returns the server's address and the loop.
func serveOn(t *testing.T, app *Application, newServer func(*Application) *httpserver.HTTPServer) (string, *ioloop.IOLoop) {
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
			t.Fatal("the server's loop did not stop within 10s")
		}
		loop.Close(false)
	})
	return s.Addr("127.0.0.1"), loop
}

func TestOnConnectionCloseWithEveryServerConstructor(t *testing.T) {
	for name, newServer := range map[string]func(*Application) *httpserver.HTTPServer{
		"NewWithDelegate": func(app *Application) *httpserver.HTTPServer { return httpserver.NewWithDelegate(app) },
		// Tornado's HTTPServer(app): the application is a Handler and a
		// ServerDelegate both.
		"New": func(app *Application) *httpserver.HTTPServer { return httpserver.New(app) },
	} {
		t.Run(name, func(t *testing.T) {
			closed, started := make(chan struct{}, 1), make(chan struct{}, 1)
			app := NewApplication([]*URLSpec{URL("/wait", &waiter{Closed: closed, Started: started})}, Settings{Logger: quiet})
			addr, _ := serveOn(t, app, newServer)
			conn, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			defer conn.Close()
			fmt.Fprintf(conn, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
			select {
			case <-started:
			case <-time.After(10 * time.Second):
				t.Fatal("the long poll's Get did not run")
			}
			conn.Close()
			select {
			case <-closed:
			case <-time.After(10 * time.Second):
				t.Fatal("OnConnectionClose did not run after the client closed")
			}
		})
	}
}

// failsLate sends its head and some body, then waits for a Future that the
// test fails: an error after the head went out, which the server can only
// answer by closing the connection.
type failsLate struct {
	RequestHandler
	// Waiting receives the Future the handler waits for.
	Waiting chan *concurrent.Future[struct{}]
}

func (h *failsLate) Get(...string) error {
	h.WriteString("partial")
	h.Flush()
	f := concurrent.NewFuture[struct{}]()
	h.Wait(f)
	h.Waiting <- f
	return nil
}

// heldPoll answers "ok" once the test resolves the Future it waits for.
type heldPoll struct {
	RequestHandler
	// Waiting receives the Future; Gone is told of OnConnectionClose.
	Waiting chan *concurrent.Future[struct{}]
	Gone    chan struct{}
}

func (h *heldPoll) Get(...string) error {
	f := concurrent.NewFuture[struct{}]()
	h.Waiting <- f
	return h.Go(func(c *gen.Co) error {
		if _, err := gen.Await(c, f); err != nil {
			return err
		}
		return h.WriteString("ok")
	})
}

func (h *heldPoll) OnConnectionClose() { h.Gone <- struct{}{} }

// When a handler fails after its head was sent, the server closes the
// connection and the handler's dispatcher goes back to the loop's pool at
// once. The connection used to tell that dispatcher of the close one loop
// iteration later, when it might already serve another request: that
// request's handler then believed its client gone, finished without a
// response, and its client waited for ever (the TestMisuseAndEdges hang).
// Here the other request takes the dispatcher in the very iteration the
// first connection closes.
func TestServerCloseReachesNoOtherRequest(t *testing.T) {
	late := make(chan *concurrent.Future[struct{}], 1)
	polls := make(chan *concurrent.Future[struct{}], 1)
	gone := make(chan struct{}, 1)
	app := NewApplication([]*URLSpec{
		URL("/late", &failsLate{Waiting: late}),
		URL("/poll", &heldPoll{Waiting: polls, Gone: gone}),
	}, Settings{Logger: quiet})
	addr, loop := serveOn(t, app, func(app *Application) *httpserver.HTTPServer { return httpserver.NewWithDelegate(app) })
	deadline := time.Now().Add(10 * time.Second)

	a, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer a.Close()
	require.NoError(t, a.SetDeadline(deadline))
	b, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer b.Close()
	require.NoError(t, b.SetDeadline(deadline))

	fmt.Fprintf(a, "GET /late HTTP/1.1\r\nHost: x\r\n\r\n")
	var failLate *concurrent.Future[struct{}]
	select {
	case failLate = <-late:
	case <-time.After(10 * time.Second):
		t.Fatal("/late did not start")
	}
	// In one loop callback: b's request goes out, so that the loop reads it
	// in this iteration, and /late fails, so that its connection closes
	// and its dispatcher is free for b's request.
	loop.AddCallback(func() {
		fmt.Fprintf(b, "GET /poll HTTP/1.1\r\nHost: x\r\n\r\n")
		failLate.SetException(errors.New("fails after the head was sent"))
	})
	var answer *concurrent.Future[struct{}]
	select {
	case answer = <-polls:
	case <-time.After(10 * time.Second):
		t.Fatal("/poll did not start")
	}
	// Added after the close's own callbacks, so it runs after them.
	loop.AddCallback(func() { answer.SetResult(struct{}{}) })

	resp, err := http.ReadResponse(bufio.NewReader(b), nil)
	require.NoError(t, err, "/poll got no response: its handler was told that a connection it never had had closed")
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "ok", string(body))
	select {
	case <-gone:
		t.Fatal("/poll's OnConnectionClose ran while its client was connected")
	default:
	}

	// /late's client got the head and the partial body, then the close.
	resp, err = http.ReadResponse(bufio.NewReader(a), nil)
	require.NoError(t, err)
	body, err = io.ReadAll(resp.Body)
	assert.Equal(t, "partial", string(body))
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "the chunked body never ends properly")
}
