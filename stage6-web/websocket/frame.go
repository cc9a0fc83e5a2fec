package websocket

import (
	"encoding/binary"
	"fmt"
)

// # The wire format (RFC 6455, section 5.2)
//
// After the handshake, both sides send frames:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-------+-+-------------+-------------------------------+
//	|F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//	|I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//	|N|V|V|V|       |S|             |   (if payload len==126/127)   |
//	| |1|2|3|       |K|             |                               |
//	+-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//	|     Extended payload length continued, if payload len == 127  |
//	+ - - - - - - - - - - - - - - - +-------------------------------+
//	|                               | Masking-key, if MASK set to 1 |
//	+-------------------------------+-------------------------------+
//	| Masking-key (continued)       |          Payload Data         |
//	+-------------------------------- - - - - - - - - - - - - - - - +
//
// FIN marks the last frame of a message: a long message may be split into a
// first frame (text or binary) and continuation frames. Control frames (close,
// ping, pong) are never split, carry at most 125 bytes, and may come between
// the fragments of a message.
//
// Every frame from a client is masked: its payload is XORed with a 4-byte
// key chosen at random per frame. It is not encryption (the key travels in
// the frame); it keeps a script in a browser from choosing the bytes that
// reach the wire, which could otherwise fool a caching proxy that does not
// speak WebSocket into taking them for HTTP (section 10.3). Frames from the
// server are not masked.

// The opcodes (section 5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// Close codes the handler sends (section 7.4.1).
const (
	CloseNormal         = 1000 // the purpose is fulfilled
	CloseGoingAway      = 1001 // the server is going down
	CloseProtocolError  = 1002 // a frame broke the rules
	CloseInvalidPayload = 1007 // a text message was not UTF-8
	CloseMessageTooBig  = 1009 // a message over MaxMessageSize
	CloseInternalError  = 1011 // the handler failed
	closeNoStatus       = 1005 // a close frame without a code; never sent
)

// A frame is one frame as read, already unmasked.
type frame struct {
	fin     bool
	opcode  byte
	payload []byte
}

// A closeError says why the connection must close: a code and a reason for
// the close frame the server sends.
type closeError struct {
	code   int
	reason string
}

func (e *closeError) Error() string { return fmt.Sprintf("websocket: close %d: %s", e.code, e.reason) }

func protocolError(format string, args ...any) error {
	return &closeError{CloseProtocolError, fmt.Sprintf(format, args...)}
}

// appendFrame appends a whole unmasked frame: the server's side of the wire.
func appendFrame(b []byte, opcode byte, payload []byte) []byte {
	b = append(b, 0x80|opcode) // FIN: the server never splits a message
	switch n := len(payload); {
	case n < 126:
		b = append(b, byte(n))
	case n < 1<<16:
		b = append(b, 126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	return append(b, payload...)
}

// mask XORs payload with key, in place; masking twice unmasks.
func mask(key [4]byte, payload []byte) {
	for i := range payload {
		payload[i] ^= key[i%4]
	}
}

// validCloseCode reports whether a peer may send code (section 7.4): the
// defined codes that may appear on the wire, and the ranges for libraries
// (3000-3999) and applications (4000-4999).
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1011:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}
