// The sentinel errors of package websocket and ProtocolError, which carries
// the close code (RFC 6455, section 7.4.1) an endpoint sends when it fails
// the connection because of the peer's bytes.

package websocket

import "errors"

// ProtocolError reports bytes from the peer that break RFC 6455 or RFC 7692.
// Code is the status code the endpoint sends in its Close frame before it
// closes the connection ("_Fail the WebSocket Connection_", RFC 6455,
// section 7.1.7): 1002 for framing errors, 1007 for bad UTF-8 or bad
// compressed data, 1009 for a message over the size limit.
//
// Every error Reader.Next returns is a *ProtocolError wrapping one of the
// sentinels below; compare with errors.Is, or take the code with CodeOf.
type ProtocolError struct {
	// Code is the close code to send: 1002, 1007 or 1009.
	Code int
	// Err is the sentinel describing the violation.
	Err error
}

// Error returns the sentinel's message.
func (e *ProtocolError) Error() string { return e.Err.Error() }

// Unwrap returns the sentinel.
func (e *ProtocolError) Unwrap() error { return e.Err }

// Sentinel errors of package websocket. The ones a Reader reports arrive
// wrapped in a *ProtocolError whose Code is given in the comment.
var (
	// ErrReservedBits: RSV1, RSV2 or RSV3 set without an extension that
	// defines them (RFC 6455, section 5.2). Code 1002.
	ErrReservedBits = errors.New("websocket: reserved bits set without a negotiated extension")
	// ErrUnknownOpcode: an opcode RFC 6455 section 5.2 reserves. Code 1002.
	ErrUnknownOpcode = errors.New("websocket: reserved opcode")
	// ErrFragmentedControl: a control frame without FIN (section 5.5). Code 1002.
	ErrFragmentedControl = errors.New("websocket: fragmented control frame")
	// ErrControlTooLong: a control frame payload over 125 bytes (section
	// 5.5). Code 1002.
	ErrControlTooLong = errors.New("websocket: control frame payload over 125 bytes")
	// ErrUnmaskedFrame: a client sent an unmasked frame (section 5.1). Code 1002.
	ErrUnmaskedFrame = errors.New("websocket: unmasked frame from a client")
	// ErrMaskedFrame: a server sent a masked frame (section 5.1). Code 1002.
	ErrMaskedFrame = errors.New("websocket: masked frame from a server")
	// ErrUnexpectedContinuation: a continuation frame with no fragmented
	// message to continue (section 5.4). Code 1002.
	ErrUnexpectedContinuation = errors.New("websocket: continuation frame without a message to continue")
	// ErrExpectedContinuation: a new text or binary frame inside a
	// fragmented message (section 5.4). Code 1002.
	ErrExpectedContinuation = errors.New("websocket: new data frame inside a fragmented message")
	// ErrNonMinimalLength: a payload length not in its minimal encoding
	// (section 5.2: "the minimal number of bytes MUST be used"). Code 1002.
	ErrNonMinimalLength = errors.New("websocket: payload length not minimally encoded")
	// ErrLengthMSB: a 64-bit payload length with its most significant bit
	// set (section 5.2). Code 1002.
	ErrLengthMSB = errors.New("websocket: 64-bit payload length with the top bit set")
	// ErrClosePayload: a Close frame with a one-byte body (section 5.5.1).
	// Code 1002.
	ErrClosePayload = errors.New("websocket: close frame body of one byte")
	// ErrInvalidCloseCode: a close code that may not be sent (section
	// 7.4). Code 1002.
	ErrInvalidCloseCode = errors.New("websocket: invalid close code")
	// ErrInvalidUTF8: a text message or close reason that is not UTF-8
	// (section 8.1). Code 1007.
	ErrInvalidUTF8 = errors.New("websocket: invalid UTF-8")
	// ErrBadCompressedData: a compressed message that does not inflate
	// (RFC 7692, section 7.2.2). Code 1007.
	ErrBadCompressedData = errors.New("websocket: invalid compressed data")
	// ErrMessageTooBig: a message over the size limit, compressed or not
	// (section 7.4.1). Code 1009.
	ErrMessageTooBig = errors.New("websocket: message too big")

	// ErrBadHandshake: a handshake request or response that is not a
	// WebSocket handshake; see *HandshakeError for the status.
	ErrBadHandshake = errors.New("websocket: bad handshake")
	// ErrBadExtension: a Sec-WebSocket-Extensions response a client did
	// not offer, or malformed parameters.
	ErrBadExtension = errors.New("websocket: bad permessage-deflate negotiation")
	// ErrClosed: the connection is closed (or closing), so a message
	// cannot be written.
	ErrClosed = errors.New("websocket: connection is closed")
	// ErrWriteBufferFull: a message was written while
	// Options.MaxWriteBufferSize bytes waited unsent, so the peer is not
	// reading; the connection has been failed with close code 1008
	// (Policy Violation), and later writes fail with it too.
	ErrWriteBufferFull = errors.New("websocket: peer is not reading: write buffer full")
)

// protocolError returns err wrapped with its close code.
func protocolError(code int, err error) error { return &ProtocolError{Code: code, Err: err} }

// CodeOf returns the close code a *ProtocolError in err's chain carries, or
// 1011 (internal error) for any other non-nil error, and 1000 for nil.
func CodeOf(err error) int {
	if err == nil {
		return CloseNormalClosure
	}
	var pe *ProtocolError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return CloseInternalError
}
