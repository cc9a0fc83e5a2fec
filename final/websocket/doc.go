// Package websocket implements the WebSocket protocol (RFC 6455) with
// permessage-deflate (RFC 7692), Tornado's tornado.websocket: a protocol
// core that does no I/O, and connections, a handler and a client that run
// it on an IOLoop.
//
// # Handlers
//
// A server-side Handler has the methods of Tornado's WebSocketHandler:
// Open, OnMessage, OnClose (with the peer's code and reason), OnPing,
// OnPong, SelectSubprotocol, CheckOrigin (same host by default) and
// GetCompressionOptions. Embed WebSocketHandler for Tornado's defaults and
// override what you need. Open and OnMessage may be coroutines (return the
// Future of gen.Go): no further message is delivered until it is done.
//
//	type Echo struct{ websocket.WebSocketHandler }
//
//	func (Echo) OnMessage(c *websocket.Conn, data []byte, binary bool) concurrent.Awaitable {
//		c.WriteMessage(data, binary)
//		return nil
//	}
//
// Upgrade is the entry point for the HTTP layer: given the stream and the
// request head it has read, it answers the opening handshake (400, 403, 405
// or 426 when refused) and runs the handler on the connection.
//
// # Connections
//
// A Conn runs on its stream's loop: WriteMessage returns a Future resolved
// once the message is written (Send is the allocation-free form), Ping,
// Close(code, reason) with the closing handshake cut off after 5 s, and
// SetNodelay. Options set a ping interval and timeout and the message size
// limit, Tornado's websocket_ping_interval, websocket_ping_timeout and
// websocket_max_message_size. Frames are read from the stream in place and
// written gathered; an echo costs no allocation per message.
//
// # Slow peers
//
// Tornado lets a connection's output grow without bound; here it has two
// marks. While more than Options.WriteHighWater (1 MiB) waits unsent, the
// connection stops reading its peer, so a peer that sends without reading
// the answers is held by its own TCP window. A WriteMessage, Send or Ping
// made while Options.MaxWriteBufferSize (4 MiB) waits fails with
// ErrWriteBufferFull, and the connection is failed with close code 1008: a
// broadcast goes on to the other peers. A pass over received bytes
// dispatches at most 64 messages before the loop runs its timers and other
// connections.
//
// # Clients
//
// WebSocketConnect opens a ws:// or wss:// connection (Tornado's
// websocket_connect) with subprotocols, compression and a connect timeout,
// and resolves with a Conn; ReadMessage returns each message, or nil once
// the connection is closed, unless ClientOptions.OnMessage takes them.
//
// # The protocol core
//
// Reader assembles messages from received bytes fed in pieces of any size:
// frames, fragmentation with control frames in between, masking, UTF-8
// checked incrementally on text (close 1007), a message size limit of
// 10 MiB by default (close 1009), reserved bits and opcodes (close 1002),
// Close frame codes and reasons, and compressed messages. Payloads are
// unmasked in place, a word at a time, and a message that arrives in one
// piece is handed over without a copy; in steady state a Reader allocates
// nothing. Every error is a *ProtocolError carrying the close code to send.
//
// Writer prepares outgoing frames: a header and a body that is the caller's
// payload itself on a server, or a masked (client) or compressed copy in
// the Writer's buffer, with masking keys drawn from a per-connection
// ChaCha8 generator seeded from crypto/rand. ParseHeader, PutHeader,
// AppendFrame and MaskBytes are the framing primitives beneath them.
//
// # The handshake
//
// CheckRequest validates a client's request (Upgrade, Connection,
// Sec-WebSocket-Version 13 with 426 otherwise, Sec-WebSocket-Key) and
// AppendResponse writes the 101 answer with Sec-WebSocket-Accept
// (ComputeAcceptKey). Subprotocols and CheckOrigin are the helpers behind
// Tornado's select_subprotocol and check_origin. AppendRequest and
// CheckResponse are the client's side.
//
// # Compression
//
// NegotiateDeflate answers a client's permessage-deflate offers, honouring
// server_no_context_takeover, client_no_context_takeover and
// server_max_window_bits; DeflateOffer and AcceptDeflate are the client's
// side. Go's compress/flate cannot compress with a window under 32 KiB, so
// a window limit the peer asks of us is met by compressing with Huffman
// coding only, which refers to no earlier bytes; inflating accepts any
// window. Inflating stops at the message size limit, so a small message
// that would inflate to gigabytes costs at most the limit.
package websocket
