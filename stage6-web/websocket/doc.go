// Package websocket is stage 6's WebSockets (RFC 6455): Tornado's
// tornado.websocket, small enough to read in one sitting, on package web.
//
// # Handlers
//
// A WebSocket handler embeds WebSocketHandler (which embeds
// web.RequestHandler) and defines OnMessage; Open, OnClose and CheckOrigin
// have defaults it may replace, and an OnPong(data []byte) method, if it has
// one, receives pongs:
//
//	type EchoHandler struct{ websocket.WebSocketHandler }
//
//	func (h *EchoHandler) OnMessage(message []byte, binary bool) error {
//		h.WriteMessage(message, binary)
//		return nil
//	}
//
// WebSocketHandler.Get does the handshake (101 Switching Protocols), detaches
// the connection's stream from the HTTP server and reads frames until the
// WebSocket closes; it runs in the connection's coroutine, so OnMessage may
// Await.
//
// # The protocol
//
// Masked client frames, fragmented messages (with control frames between the
// fragments), ping and pong, text checked as UTF-8, MaxMessageSize (10 MiB by
// default), and the closing handshake both ways: Close sends a close frame
// and waits up to 5 seconds for the client's; a client's close frame is
// echoed. A frame that breaks the rules closes the WebSocket with 1002, bad
// UTF-8 with 1007, a message too big with 1009, a failing handler with 1011.
// No extensions (permessage-deflate) and no subprotocols.
//
// # Writing
//
// WriteMessage (a map or struct is sent as JSON text) and Ping return Futures;
// writing to a closed WebSocket fails with ErrClosed.
package websocket
