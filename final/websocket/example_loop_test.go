package websocket_test

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/httputil"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/iostream"
	"github.com/gornado/gornado/final/tcpserver"
	"github.com/gornado/gornado/final/websocket"
)

// EchoHandler is Tornado's EchoWebSocket: it embeds WebSocketHandler for the
// defaults and overrides what it needs.
type EchoHandler struct{ websocket.WebSocketHandler }

// OnMessage echoes the message back.
func (EchoHandler) OnMessage(c *websocket.Conn, data []byte, binary bool) concurrent.Awaitable {
	c.WriteMessage(append([]byte("You said: "), data...), binary)
	return nil
}

// OnClose reports the peer's close code.
func (EchoHandler) OnClose(c *websocket.Conn, code int, reason string) {
	fmt.Println("server: closed with", code, reason)
}

// A handler served on 127.0.0.1:0 and a client made with WebSocketConnect,
// on one loop. The server reads the request head itself here; final/web
// will do that and call Upgrade the same way.
func Example_echo() {
	loop, _ := ioloop.New()
	defer loop.Close(true)
	server := tcpserver.New(func(stream *iostream.IOStream, _ net.Addr) {
		stream.ReadUntilFunc([]byte("\r\n\r\n"), 64<<10, func(head []byte, err error) {
			var p httputil.RequestParser
			var req httputil.RequestHead
			if err != nil {
				stream.Close()
				return
			}
			if _, err := p.Parse(head, &req); err != nil {
				stream.Close()
				return
			}
			websocket.Upgrade(stream, &websocket.Request{Method: req.Method, Host: string(req.Host),
				Target: string(req.Target), Headers: req.Headers.Copy()}, EchoHandler{}, websocket.Options{})
		})
	})
	server.Listen(loop, 0, "127.0.0.1")
	defer server.Stop()
	url := "ws://127.0.0.1:" + strconv.Itoa(server.Ports()[0]) + "/echo"

	_, err := gen.Run(loop, 5*time.Second, func(co *gen.Co) (struct{}, error) {
		conn, err := gen.Await(co, websocket.WebSocketConnect(co.Loop(), url, websocket.ClientOptions{}))
		if err != nil {
			return struct{}{}, err
		}
		conn.WriteMessage([]byte("hello"), false)
		msg, err := gen.Await(co, conn.ReadMessage())
		if err != nil {
			return struct{}{}, err
		}
		fmt.Printf("client: %s\n", msg.Data)
		conn.Close(websocket.CloseNormalClosure, "bye")
		msg, _ = gen.Await(co, conn.ReadMessage())
		fmt.Println("client: closed:", msg == nil, conn.CloseCode())
		return struct{}{}, nil
	})
	fmt.Println(err)
	// Output:
	// client: You said: hello
	// server: closed with 1000 bye
	// client: closed: true 1000
	// <nil>
}
