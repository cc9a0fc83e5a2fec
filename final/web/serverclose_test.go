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
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/http1connection"
	"github.com/gornado/gornado/final/httpserver"
)

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

// notifyingApp is an Application whose server tells the test each time it
// forgets a connection.
type notifyingApp struct {
	*Application
	closed chan struct{}
}

func (a *notifyingApp) OnClose(c *http1connection.Conn) {
	a.Application.OnClose(c)
	a.closed <- struct{}{}
}

// A FallbackHandler hands its request to a net/http handler and its
// dispatcher goes back to the loop's pool at once; the connection used to
// keep it as its delegate, so a client leaving while the net/http handler
// ran reached that dispatcher in the pool (a panic on the loop, and the
// server never forgot the connection) or, once another request had taken
// it, that request's handler, told that a client it never had was gone.
func TestClientLeavingAFallbackReachesNoDispatcher(t *testing.T) {
	for _, another := range []bool{false, true} {
		t.Run(fmt.Sprintf("another request waiting: %v", another), func(t *testing.T) {
			entered, release := make(chan struct{}, 1), make(chan struct{})
			defer close(release)
			fallback := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				entered <- struct{}{}
				<-release
				io.WriteString(w, "too late")
			})
			polls := make(chan *concurrent.Future[struct{}], 1)
			gone := make(chan struct{}, 1)
			app := NewApplication([]*URLSpec{
				URL("/fallback", &FallbackHandler{Fallback: fallback}),
				URL("/poll", &heldPoll{Waiting: polls, Gone: gone}),
			}, Settings{Logger: quiet})
			na := &notifyingApp{Application: app, closed: make(chan struct{}, 4)}
			addr, loop := serveOn(t, app, func(*Application) *httpserver.HTTPServer { return httpserver.NewWithDelegate(na) })
			deadline := time.Now().Add(10 * time.Second)
			wait := func(ch <-chan struct{}, what string) {
				t.Helper()
				select {
				case <-ch:
				case <-time.After(10 * time.Second):
					t.Fatal(what)
				}
			}

			a, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			defer a.Close()
			fmt.Fprintf(a, "GET /fallback HTTP/1.1\r\nHost: x\r\n\r\n")
			wait(entered, "the fallback did not run")

			var b net.Conn
			var answer *concurrent.Future[struct{}]
			if another {
				// /poll takes the dispatcher /fallback gave back.
				b, err = net.Dial("tcp", addr)
				require.NoError(t, err)
				defer b.Close()
				require.NoError(t, b.SetDeadline(deadline))
				fmt.Fprintf(b, "GET /poll HTTP/1.1\r\nHost: x\r\n\r\n")
				select {
				case answer = <-polls:
				case <-time.After(10 * time.Second):
					t.Fatal("/poll did not start")
				}
			}

			a.Close()
			wait(na.closed, "the server did not forget the connection whose client left the fallback")
			if !another {
				return
			}
			select {
			case <-gone:
				t.Fatal("/poll's OnConnectionClose ran for the fallback's client")
			default:
			}
			loop.AddCallback(func() { answer.SetResult(struct{}{}) })
			resp, err := http.ReadResponse(bufio.NewReader(b), nil)
			require.NoError(t, err, "/poll got no response")
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, "ok", string(body))
		})
	}
}

// flushesThenFails sends its head, then fails: SendError can only close
// the connection. It counts the OnConnectionClose calls it gets.
type flushesThenFails struct {
	RequestHandler
	// Closes hears of each OnConnectionClose.
	Closes chan struct{}
}

func (h *flushesThenFails) Get(...string) error {
	h.WriteString("partial")
	h.Flush()
	return errors.New("fails after the head was sent")
}

func (h *flushesThenFails) OnConnectionClose() { h.Closes <- struct{}{} }

// Tornado's finish clears the connection's close callback: a handler whose
// response SendError ended (closing the connection, as the head had gone
// out) is not told of that close, which it did not see coming from its
// client.
func TestNoOnConnectionCloseAfterTheResponseFinished(t *testing.T) {
	closes := make(chan struct{}, 4)
	app := NewApplication([]*URLSpec{URL("/", &flushesThenFails{Closes: closes})}, Settings{Logger: quiet})
	addr, loop := serveOn(t, app, func(app *Application) *httpserver.HTTPServer { return httpserver.NewWithDelegate(app) })
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	assert.Equal(t, "partial", string(body))
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "the server closed the connection mid-response")
	// The close and whatever it calls ran in one loop callback; this one
	// comes after it.
	round := make(chan struct{})
	loop.AddCallback(func() { close(round) })
	<-round
	assert.Zero(t, len(closes), "OnConnectionClose calls")
}

// answersLater answers from a later loop callback, so that the connection
// goes on to the next pipelined request inside its Finish.
type answersLater struct{ RequestHandler }

func (h *answersLater) Get(...string) error {
	f := concurrent.NewFuture[struct{}]()
	h.Loop().AddCallback(func() { f.SetResult(struct{}{}) })
	h.Wait(f)
	return h.WriteString("later")
}

// A dispatcher going back to the pool makes its connection forget it, and
// only it: when the connection has already started the next pipelined
// request, with another dispatcher, that one still hears that its client
// left.
func TestReleaseForgetsOnlyItsOwnRequest(t *testing.T) {
	polls := make(chan *concurrent.Future[struct{}], 1)
	gone := make(chan struct{}, 1)
	app := NewApplication([]*URLSpec{
		URL("/later", &answersLater{}),
		URL("/poll", &heldPoll{Waiting: polls, Gone: gone}),
	}, Settings{Logger: quiet})
	addr, _ := serveOn(t, app, func(app *Application) *httpserver.HTTPServer { return httpserver.NewWithDelegate(app) })
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	fmt.Fprintf(c, "GET /later HTTP/1.1\r\nHost: x\r\n\r\nGET /poll HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "later", string(body))
	select {
	case <-polls:
	case <-time.After(10 * time.Second):
		t.Fatal("/poll did not start")
	}
	c.Close()
	select {
	case <-gone:
	case <-time.After(10 * time.Second):
		t.Fatal("/poll's OnConnectionClose did not run after its client left")
	}
}
