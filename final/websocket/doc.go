// Package websocket implements the WebSocket protocol (RFC 6455) with
// permessage-deflate (RFC 7692), Tornado's tornado.websocket: a protocol
// core that does no I/O, and connections, a handler and a client that run
// it on an IOLoop.
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
// ChaCha8 generator seeded from crypto/rand.
//
// ParseHeader, PutHeader, AppendFrame and MaskBytes are the framing
// primitives beneath them.
//
// # The handshake
//
// CheckRequest validates a client's request (Upgrade, Connection,
// Sec-WebSocket-Version 13 with 426 otherwise, Sec-WebSocket-Key) and
// AppendResponse writes the 101 answer with Sec-WebSocket-Accept
// (ComputeAcceptKey). Subprotocols and CheckOrigin are the helpers behind
// Tornado's select_subprotocol and check_origin (same host by default).
// AppendRequest and CheckResponse are the client's side.
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
