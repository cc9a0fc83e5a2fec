// WebSockets when their server stops: httpserver forgets a connection once
// it is detached, so the application must end the WebSockets it upgraded.

package web

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/websocket"
)

// The server's Shutdown and Close end the application's WebSockets: each
// client gets a Close frame with 1001, going away (RFC 6455, section
// 7.4.1), and Shutdown returns once their closing handshakes are done and
// the handlers' OnClose has run. Before, Shutdown returned at once and
// left them open, and Close too: the process exiting then cut them
// without a Close frame.
func TestServerStopEndsWebSockets(t *testing.T) {
	for _, stop := range []string{"Shutdown", "Close"} {
		t.Run(stop, func(t *testing.T) {
			closed := make(chan int, 4)
			app := NewApplication([]*URLSpec{echoRoute("/ws", false, websocket.Options{}, closed)}, Settings{Logger: quiet})
			var s *httpserver.HTTPServer
			addr, _ := serveOn(t, app, func(a *Application) *httpserver.HTTPServer {
				s = httpserver.NewWithDelegate(a)
				return s
			})
			loop := clientLoop(t)
			// A minute to close: a client that sees its connection end
			// has seen the server close it, not its own timer.
			opts := websocket.ClientOptions{Options: websocket.Options{CloseTimeout: time.Minute}}
			var conns []*websocket.Conn
			for range 2 {
				conn, err := gen.Run(loop, wait, func(co *gen.Co) (*websocket.Conn, error) {
					conn, err := gen.Await(co, websocket.WebSocketConnect(co.Loop(), "ws://"+addr+"/ws", opts))
					if err != nil {
						return nil, err
					}
					conn.WriteMessage([]byte("hi"), false)
					m, err := gen.Await(co, conn.ReadMessage())
					if err != nil || m == nil || string(m.Data) != "hi" {
						return nil, fmt.Errorf("echo: %v, %v", m, err)
					}
					return conn, nil
				})
				require.NoError(t, err)
				conns = append(conns, conn)
			}

			stopped := make(chan error, 1)
			go func() {
				if stop == "Close" {
					stopped <- s.Close()
					return
				}
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				stopped <- s.Shutdown(ctx)
			}()
			// The clients answer the server's Close frames as they read
			// them.
			for _, conn := range conns {
				_, err := gen.Run(loop, wait, func(co *gen.Co) (struct{}, error) {
					for {
						m, err := gen.Await(co, conn.ReadMessage())
						if err != nil || m == nil {
							return struct{}{}, err
						}
					}
				})
				require.NoError(t, err)
				assert.Equal(t, websocket.CloseGoingAway, conn.CloseCode(), "the server is going away")
			}
			require.NoError(t, testutil.Recv(t, stopped, stop))
			for range conns {
				if stop == "Shutdown" {
					select {
					case <-closed:
					default:
						t.Fatal("Shutdown returned before the handlers' OnClose ran")
					}
					continue
				}
				testutil.Recv(t, closed, "the handler's OnClose")
			}
		})
	}
}
