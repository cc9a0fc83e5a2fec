// Message assembly: the I/O-free state machine that turns received bytes
// into messages and control frames, enforcing RFC 6455's rules on
// fragmentation (section 5.4), control frames (5.5), masking (5.1), UTF-8
// (8.1), the size limit, and RFC 7692's compressed bit.

package websocket

// DefaultMaxMessageSize is Tornado's websocket_max_message_size: 10 MiB.
const DefaultMaxMessageSize = 10 << 20

// bufKeep is the largest buffer a Reader, Writer or Conn keeps between
// messages; a bigger one, needed once for a big message, is released so
// that an idle connection does not hold it.
const bufKeep = 16 << 10

// Message is a complete message or control frame that Reader.Next returns.
type Message struct {
	// Opcode is OpText, OpBinary, OpClose, OpPing or OpPong.
	Opcode Opcode
	// Data is the payload, unmasked and inflated. It is valid only
	// until the next call to Next, and may point into the bytes passed to
	// Next.
	Data []byte
	// CloseCode is a Close frame's status code, 1005 when it had none.
	CloseCode int
	// CloseReason is a Close frame's reason.
	CloseReason string
}

// ReaderOptions configures a Reader.
type ReaderOptions struct {
	// Server makes the Reader expect masked frames, as a server reads;
	// otherwise frames must be unmasked (RFC 6455, section 5.1).
	Server bool
	// MaxMessageSize bounds a message's payload, before and after
	// inflating (close 1009); 0 means DefaultMaxMessageSize.
	MaxMessageSize int
	// Deflate, when not nil, holds the negotiated permessage-deflate
	// parameters and allows RSV1 on the first frame of a message.
	Deflate *DeflateParams
}

// Reader assembles messages from frames. It does no I/O: the caller feeds
// it bytes as they arrive, in pieces of any size, and receives each message
// or control frame when its last byte has been fed. A Reader allocates only
// to grow its message buffer, which it reuses.
type Reader struct {
	// server is ReaderOptions.Server.
	server bool
	// maxSize is the message size limit.
	maxSize int64
	// inflate is the decompressor, nil without permessage-deflate.
	inflate *inflater

	// hdr holds the start of a header split across calls; hdrLen bytes.
	hdr [MaxHeaderLen]byte
	// hdrLen counts the bytes in hdr.
	hdrLen int
	// h is the header of the frame whose payload is being read.
	h Header
	// inFrame is set between a header and the end of its payload.
	inFrame bool
	// remaining counts payload bytes of h still to come.
	remaining int64
	// maskPos is the masking key position of the next payload byte.
	maskPos int
	// direct is the whole payload of the current frame, unmasked in the
	// caller's bytes, when it arrived in one piece and needs no copy.
	direct []byte
	// directSet reports whether direct is in use (it may be empty).
	directSet bool

	// fragmented is set inside a message whose first frame had no FIN.
	fragmented bool
	// op is the data message's opcode, text or binary.
	op Opcode
	// compressed is set when the message's first frame had RSV1.
	compressed bool
	// size counts the message's payload bytes so far, as sent.
	size int64
	// utf8 validates an uncompressed text message as it arrives.
	utf8 utf8State
	// buf assembles a message that arrives in pieces.
	buf []byte

	// ctrl assembles a control frame payload that arrives in pieces.
	ctrl [MaxControlPayload]byte
	// ctrlLen counts the bytes in ctrl.
	ctrlLen int
	// err is the first error, returned by every later call.
	err error
}

// NewReader returns a Reader configured by opts.
func NewReader(opts ReaderOptions) *Reader {
	r := &Reader{server: opts.Server, maxSize: int64(opts.MaxMessageSize)}
	if r.maxSize <= 0 {
		r.maxSize = DefaultMaxMessageSize
	}
	if opts.Deflate != nil {
		// We inflate what the peer compressed: the client's frames on
		// a server, and the other way round.
		noTakeover := opts.Deflate.ClientNoContextTakeover
		if !opts.Server {
			noTakeover = opts.Deflate.ServerNoContextTakeover
		}
		r.inflate = newInflater(noTakeover)
	}
	return r
}

// Next consumes bytes from p until it completes a message or a control
// frame, or p runs out. It returns how many bytes it consumed and, when ok,
// the message. Payloads are unmasked in place in p. Call it again with
// p[n:] until p is consumed; every byte of an incomplete frame is taken and
// kept, so the caller never holds bytes back.
//
// An error is a *ProtocolError carrying the close code to fail the
// connection with; the Reader then returns it from every call.
func (r *Reader) Next(p []byte) (n int, m Message, ok bool, err error) {
	if r.err != nil {
		return 0, m, false, r.err
	}
	if len(r.buf) == 0 && cap(r.buf) > bufKeep {
		r.buf = nil
	}
	if r.inflate != nil && cap(r.inflate.out) > bufKeep {
		r.inflate.out = nil
	}
	for {
		if !r.inFrame {
			if n == len(p) {
				return n, m, false, nil
			}
			k, err := r.readHeader(p[n:])
			n += k
			if err != nil {
				r.err = err
				return n, m, false, err
			}
			if !r.inFrame {
				return n, m, false, nil
			}
		}
		take := len(p) - n
		if int64(take) > r.remaining {
			take = int(r.remaining)
		}
		if take == 0 && r.remaining > 0 {
			return n, m, false, nil
		}
		chunk := p[n : n+take : n+take]
		n += take
		whole := int64(take) == r.h.Length
		r.remaining -= int64(take)
		if r.h.Masked {
			r.maskPos = MaskBytes(r.h.Key, r.maskPos, chunk)
		}
		if err := r.payload(chunk, whole); err != nil {
			r.err = err
			return n, m, false, err
		}
		if r.remaining == 0 {
			m, ok, err = r.endFrame()
			if err != nil {
				r.err = err
				return n, m, false, err
			}
			if ok {
				return n, m, true, nil
			}
		}
	}
}

// readHeader parses a frame header from b, or the start of one kept from
// earlier calls followed by b, and returns how many bytes of b it took.
func (r *Reader) readHeader(b []byte) (int, error) {
	if r.hdrLen == 0 {
		h, hn, err := ParseHeader(b)
		if err != nil {
			return 0, err
		}
		if hn == 0 {
			r.hdrLen = copy(r.hdr[:], b)
			return len(b), nil
		}
		return hn, r.startFrame(h)
	}
	old := r.hdrLen
	c := copy(r.hdr[old:], b)
	h, hn, err := ParseHeader(r.hdr[:old+c])
	if err != nil {
		return c, err
	}
	if hn == 0 {
		r.hdrLen = old + c
		return c, nil
	}
	r.hdrLen = 0
	return hn - old, r.startFrame(h)
}

// startFrame checks a new frame's header against the connection's state.
func (r *Reader) startFrame(h Header) error {
	// "MUST be 0 unless an extension is negotiated that defines meanings
	// for non-zero values" (section 5.2); permessage-deflate gives RSV1 a
	// meaning on the first frame of a data message only (RFC 7692,
	// section 6).
	if h.Rsv&(Rsv2|Rsv3) != 0 {
		return protocolError(CloseProtocolError, ErrReservedBits)
	}
	if h.Rsv&Rsv1 != 0 && (r.inflate == nil || h.Opcode.IsControl() || h.Opcode == OpContinuation) {
		return protocolError(CloseProtocolError, ErrReservedBits)
	}
	// "If an unknown opcode is received, the receiving endpoint MUST
	// _Fail the WebSocket Connection_" (section 5.2).
	if !h.Opcode.known() {
		return protocolError(CloseProtocolError, ErrUnknownOpcode)
	}
	// "The server MUST close the connection upon receiving a frame that
	// is not masked" and "A client MUST close a connection if it detects
	// a masked frame" (section 5.1).
	if r.server && !h.Masked {
		return protocolError(CloseProtocolError, ErrUnmaskedFrame)
	}
	if !r.server && h.Masked {
		return protocolError(CloseProtocolError, ErrMaskedFrame)
	}
	if h.Opcode.IsControl() {
		// "All control frames MUST have a payload length of 125 bytes
		// or less and MUST NOT be fragmented" (section 5.5).
		if !h.Fin {
			return protocolError(CloseProtocolError, ErrFragmentedControl)
		}
		if h.Length > MaxControlPayload {
			return protocolError(CloseProtocolError, ErrControlTooLong)
		}
	} else {
		// Section 5.4: a fragmented message is one frame without FIN,
		// then continuation frames up to one with FIN; control
		// frames may come in between, other data frames may not.
		switch {
		case h.Opcode == OpContinuation && !r.fragmented:
			return protocolError(CloseProtocolError, ErrUnexpectedContinuation)
		case h.Opcode != OpContinuation && r.fragmented:
			return protocolError(CloseProtocolError, ErrExpectedContinuation)
		}
		if h.Length > r.maxSize-r.size {
			return protocolError(CloseMessageTooBig, ErrMessageTooBig)
		}
		if h.Opcode != OpContinuation {
			r.op = h.Opcode
			r.compressed = h.Rsv&Rsv1 != 0
		}
		r.size += h.Length
	}
	r.h = h
	r.inFrame = true
	r.remaining = h.Length
	r.maskPos = 0
	return nil
}

// payload takes a piece of the current frame's payload, already unmasked;
// whole reports that it is the entire payload.
func (r *Reader) payload(chunk []byte, whole bool) error {
	if r.h.Opcode.IsControl() {
		if whole {
			r.direct, r.directSet = chunk, true
		} else {
			r.ctrlLen += copy(r.ctrl[r.ctrlLen:], chunk)
		}
		return nil
	}
	if r.op == OpText && !r.compressed {
		// Fail fast: a sequence that cannot become valid fails now,
		// not at the end of the message.
		r.utf8 = r.utf8.validate(chunk)
		if r.utf8 == utf8Reject {
			return protocolError(CloseInvalidPayload, ErrInvalidUTF8)
		}
	}
	if whole && r.h.Fin && !r.fragmented {
		r.direct, r.directSet = chunk, true
		return nil
	}
	r.buf = append(r.buf, chunk...)
	return nil
}

// endFrame finishes the current frame and returns the message it
// completes, if any.
func (r *Reader) endFrame() (m Message, ok bool, err error) {
	h := r.h
	r.inFrame = false
	data := r.direct
	directSet := r.directSet
	r.direct, r.directSet = nil, false
	if h.Opcode.IsControl() {
		if !directSet {
			data = r.ctrl[:r.ctrlLen]
		}
		r.ctrlLen = 0
		m = Message{Opcode: h.Opcode, Data: data}
		if h.Opcode == OpClose {
			m.CloseCode, m.CloseReason, err = ParseClosePayload(data)
			if err != nil {
				return Message{}, false, err
			}
		}
		return m, true, nil
	}
	if !h.Fin {
		r.fragmented = true
		return m, false, nil
	}
	if !directSet {
		data = r.buf
	}
	op, compressed, state := r.op, r.compressed, r.utf8
	r.fragmented, r.compressed, r.size, r.utf8 = false, false, 0, utf8Accept
	r.buf = r.buf[:0]
	if compressed {
		data, err = r.inflate.inflate(data, int(r.maxSize))
		if err != nil {
			return Message{}, false, err
		}
		if op == OpText {
			state = utf8Accept.validate(data)
		}
	}
	if op == OpText && state != utf8Accept {
		return Message{}, false, protocolError(CloseInvalidPayload, ErrInvalidUTF8)
	}
	return Message{Opcode: op, Data: data}, true, nil
}
