// A client that gives up on a long poll must reach the handler's
// OnConnectionClose however the application is served.

package web

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/ioloop"
)

// serveOn starts app on one loop of the test's own with the server that
// newServer makes, and returns the server's address.
func serveOn(t *testing.T, app *Application, newServer func(*Application) *httpserver.HTTPServer) string {
	t.Helper()
	loop, err := ioloop.New(ioloop.WithLogger(quiet))
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
		<-done
		loop.Close(false)
	})
	return s.Addr("127.0.0.1")
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
			addr := serveOn(t, app, newServer)
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
