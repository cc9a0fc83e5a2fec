// WSClient: a WebSocket client connection driven from the test's
// goroutine, each step a bounded wait on the loop that owns the
// connection.

package webtest

import (
	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/websocket"
)

// WSClient is a WebSocket opened by Server.WebSocket for a test written in
// straight lines, without a coroutine body: each method runs its step on
// the test's loop, which owns the connection, and waits for it within the
// test's timeout. It is closed when the test ends if the test has not
// closed it.
type WSClient struct {
	// s is the server, whose loop runs the connection.
	s *Server
	// conn is the connection; touched on the loop only.
	conn *websocket.Conn
}

// WebSocket opens a WebSocket to path from the test's goroutine (what
// WebSocketConnect does in a coroutine): a refused handshake is the error,
// a *websocket.HandshakeError carrying the server's status.
func (s *Server) WebSocket(path string, opts websocket.ClientOptions) (*WSClient, error) {
	conn, err := await(s.Loop, s.timeout+s.timeout/2, func() *concurrent.Future[*websocket.Conn] {
		return gen.Go(s.loop, func(c *gen.Co) (*websocket.Conn, error) {
			return s.WebSocketConnect(c, path, opts)
		})
	})
	if err != nil {
		return nil, err
	}
	return &WSClient{s: s, conn: conn}, nil
}

// Send sends a message and returns once it is written to the socket (or
// failed: websocket.ErrClosed once the connection is closing).
func (w *WSClient) Send(data []byte, binary bool) error {
	_, err := await(w.s.Loop, w.s.timeout, func() *concurrent.Future[struct{}] {
		return w.conn.WriteMessage(data, binary)
	})
	return err
}

// Read returns the next message, or nil once the connection is closed
// (Tornado's read_message); the error wraps ErrTimeout when nothing came
// within the test's timeout. A Read that timed out stays queued on the
// connection and takes the next message that comes, which is then lost:
// after a timeout, a test closes the connection rather than read on.
func (w *WSClient) Read() (*websocket.ClientMessage, error) {
	return await(w.s.Loop, w.s.timeout, w.conn.ReadMessage)
}

// Close starts the closing handshake with code and reason, waits until the
// connection is closed (messages still arriving are dropped), and returns
// the code of the server's Close frame (websocket.Conn.CloseCode; 0 when
// it sent none).
func (w *WSClient) Close(code int, reason string) (int, error) {
	return await(w.s.Loop, w.s.timeout, func() *concurrent.Future[int] {
		return gen.Go(w.s.loop, func(c *gen.Co) (int, error) {
			w.conn.Close(code, reason)
			for {
				m, err := gen.Await(c, w.conn.ReadMessage())
				if err != nil {
					return 0, err
				}
				if m == nil {
					return w.conn.CloseCode(), nil
				}
			}
		})
	})
}

// Call runs fn with the connection on the loop, for what the methods above
// do not cover (Ping, Subprotocol, Deflate, SetNodelay).
func (w *WSClient) Call(fn func(c *websocket.Conn)) {
	w.s.t.Helper()
	w.s.Call(func() { fn(w.conn) })
}
