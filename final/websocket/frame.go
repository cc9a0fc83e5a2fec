// RFC 6455 base framing (section 5.2): frame headers parsed from and written
// into byte slices, without allocating.
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
//	|                               |Masking-key, if MASK set to 1  |
//	+-------------------------------+-------------------------------+

package websocket

import (
	"encoding/binary"
	"strconv"
)

// Opcode is a frame's opcode (RFC 6455, section 5.2).
type Opcode uint8

// The opcodes RFC 6455 defines; the others are reserved.
const (
	OpContinuation Opcode = 0x0
	OpText         Opcode = 0x1
	OpBinary       Opcode = 0x2
	OpClose        Opcode = 0x8
	OpPing         Opcode = 0x9
	OpPong         Opcode = 0xA
)

// IsControl reports whether o is a control opcode: "Control frames are
// identified by opcodes where the most significant bit of the opcode is 1"
// (section 5.5).
func (o Opcode) IsControl() bool { return o&0x8 != 0 }

// known reports whether o is one of the six opcodes RFC 6455 defines.
func (o Opcode) known() bool {
	switch o {
	case OpContinuation, OpText, OpBinary, OpClose, OpPing, OpPong:
		return true
	}
	return false
}

// String returns the opcode's name, or its number when reserved.
func (o Opcode) String() string {
	switch o {
	case OpContinuation:
		return "continuation"
	case OpText:
		return "text"
	case OpBinary:
		return "binary"
	case OpClose:
		return "close"
	case OpPing:
		return "ping"
	case OpPong:
		return "pong"
	}
	return "opcode(" + strconv.Itoa(int(o)) + ")"
}

// The reserved bits in the first header byte. RSV1 is permessage-deflate's
// "Per-Message Compressed" bit (RFC 7692, section 6).
const (
	Rsv1 = 0x40
	Rsv2 = 0x20
	Rsv3 = 0x10
)

// MaxHeaderLen is the longest frame header: 2 bytes, 8 of extended length
// and 4 of masking key.
const MaxHeaderLen = 14

// MaxControlPayload is the longest control frame payload: "All control
// frames MUST have a payload length of 125 bytes or less" (section 5.5).
const MaxControlPayload = 125

// Header is a parsed frame header.
type Header struct {
	// Fin is set on the final fragment of a message.
	Fin bool
	// Rsv holds the reserved bits as they sit in the first byte (Rsv1,
	// Rsv2, Rsv3).
	Rsv uint8
	// Opcode is the frame's opcode, reserved ones included.
	Opcode Opcode
	// Masked reports the MASK bit; Key is then the masking key.
	Masked bool
	// Length is the payload length, at most 1<<63 - 1.
	Length int64
	// Key is the masking key when Masked.
	Key [4]byte
}

// ParseHeader parses the frame header at the front of b. It returns the
// header and its length in bytes, or n == 0 and no error when b holds only
// the start of a header. A length that is not minimally encoded or a 64-bit
// length with its top bit set is an error: "the minimal number of bytes
// MUST be used to encode the length" and "the most significant bit MUST be
// 0" (section 5.2). Opcodes and reserved bits are left to the caller,
// which knows the negotiated extensions.
func ParseHeader(b []byte) (h Header, n int, err error) {
	if len(b) < 2 {
		return h, 0, nil
	}
	b0, b1 := b[0], b[1]
	h.Fin = b0&0x80 != 0
	h.Rsv = b0 & (Rsv1 | Rsv2 | Rsv3)
	h.Opcode = Opcode(b0 & 0x0f)
	h.Masked = b1&0x80 != 0
	n = 2
	switch l := b1 & 0x7f; l {
	case 126:
		if len(b) < 4 {
			return h, 0, nil
		}
		h.Length = int64(binary.BigEndian.Uint16(b[2:]))
		if h.Length < 126 {
			return h, 0, protocolError(CloseProtocolError, ErrNonMinimalLength)
		}
		n = 4
	case 127:
		if len(b) < 10 {
			return h, 0, nil
		}
		u := binary.BigEndian.Uint64(b[2:])
		if u>>63 != 0 {
			return h, 0, protocolError(CloseProtocolError, ErrLengthMSB)
		}
		if u <= 0xffff {
			return h, 0, protocolError(CloseProtocolError, ErrNonMinimalLength)
		}
		h.Length = int64(u)
		n = 10
	default:
		h.Length = int64(l)
	}
	if h.Masked {
		if len(b) < n+4 {
			return h, 0, nil
		}
		copy(h.Key[:], b[n:n+4])
		n += 4
	}
	return h, n, nil
}

// PutHeader writes h into dst, which must hold MaxHeaderLen bytes, and
// returns the header's length. Lengths use their minimal encoding.
func PutHeader(dst []byte, h Header) int {
	_ = dst[MaxHeaderLen-1]
	b0 := byte(h.Opcode&0x0f) | h.Rsv&(Rsv1|Rsv2|Rsv3)
	if h.Fin {
		b0 |= 0x80
	}
	dst[0] = b0
	var b1 byte
	if h.Masked {
		b1 = 0x80
	}
	n := 2
	switch {
	case h.Length < 126:
		dst[1] = b1 | byte(h.Length)
	case h.Length <= 0xffff:
		dst[1] = b1 | 126
		binary.BigEndian.PutUint16(dst[2:], uint16(h.Length))
		n = 4
	default:
		dst[1] = b1 | 127
		binary.BigEndian.PutUint64(dst[2:], uint64(h.Length))
		n = 10
	}
	if h.Masked {
		copy(dst[n:], h.Key[:])
		n += 4
	}
	return n
}

// AppendHeader appends h to dst, as PutHeader.
func AppendHeader(dst []byte, h Header) []byte {
	var b [MaxHeaderLen]byte
	n := PutHeader(b[:], h)
	return append(dst, b[:n]...)
}

// AppendFrame appends a whole frame to dst: the header for a payload of
// len(payload) bytes, then the payload, masked with *key when key is not nil
// (client frames, section 5.3) or as is (server frames). payload itself is
// not modified.
func AppendFrame(dst []byte, fin bool, rsv uint8, op Opcode, payload []byte, key *[4]byte) []byte {
	h := Header{Fin: fin, Rsv: rsv, Opcode: op, Length: int64(len(payload))}
	if key != nil {
		h.Masked, h.Key = true, *key
	}
	dst = AppendHeader(dst, h)
	start := len(dst)
	dst = append(dst, payload...)
	if key != nil {
		MaskBytes(*key, 0, dst[start:])
	}
	return dst
}
