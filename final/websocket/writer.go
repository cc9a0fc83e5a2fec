// Outgoing frames: a Writer prepares each message's header and body,
// compressing (RFC 7692) and masking (RFC 6455, section 5.3) as the side
// and the negotiated extensions require.

package websocket

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
)

// WriterOptions configures a Writer.
type WriterOptions struct {
	// Client masks every frame with a fresh key, as a client must
	// (section 5.3); a server's frames are unmasked.
	Client bool
	// Deflate, when not nil, holds the negotiated permessage-deflate
	// parameters; messages of at least Compression.MinSize bytes are then
	// compressed.
	Deflate *DeflateParams
	// Compression sets the level and threshold; nil means defaults.
	Compression *CompressionOptions
}

// Writer prepares outgoing frames. Prepared bytes live in the Writer's
// buffers until the next call, so a Writer allocates nothing per message
// once its buffers have grown.
type Writer struct {
	// client is WriterOptions.Client.
	client bool
	// rng draws masking keys: ChaCha8, a cryptographically strong
	// generator seeded once from crypto/rand, so that keys are
	// unpredictable ("derived from a strong source of entropy", section
	// 10.3) at the price of a few nanoseconds each, not a system call.
	rng *rand.ChaCha8
	// keys caches the second half of the generator's last 64-bit output.
	keys uint64
	// haveKey reports whether keys holds an unused key.
	haveKey bool
	// deflate compresses data messages, nil without permessage-deflate.
	deflate *deflater
	// minSize is the smallest message that is compressed.
	minSize int
	// hdr holds the prepared header.
	hdr [MaxHeaderLen]byte
	// body holds a prepared body that is not the caller's payload.
	body []byte
}

// NewWriter returns a Writer configured by opts.
func NewWriter(opts WriterOptions) *Writer {
	w := &Writer{client: opts.Client}
	if w.client {
		var seed [32]byte
		newSeed(seed[:])
		w.rng = rand.NewChaCha8(seed)
	}
	if opts.Deflate != nil {
		co := opts.Compression
		if co == nil {
			co = &CompressionOptions{}
		}
		// We compress with our own side's parameters.
		bits, noTakeover := opts.Deflate.ServerMaxWindowBits, opts.Deflate.ServerNoContextTakeover
		if w.client {
			bits, noTakeover = opts.Deflate.ClientMaxWindowBits, opts.Deflate.ClientNoContextTakeover
		}
		if bits == 0 {
			bits = 15
		}
		w.deflate = newDeflater(co.level(), bits, noTakeover)
		w.minSize = co.minSize()
	}
	return w
}

// maskKey returns a fresh masking key.
func (w *Writer) maskKey() (k [4]byte) {
	if !w.haveKey {
		w.keys = w.rng.Uint64()
	}
	binary.LittleEndian.PutUint32(k[:], uint32(w.keys))
	w.keys >>= 32
	w.haveKey = !w.haveKey
	return k
}

// Prepare returns the frame for a whole message or control frame of op
// carrying payload, as a header and a body to send after it. body is
// payload itself when it goes as is (a server's uncompressed message), or
// bytes in the Writer's buffer, valid until the next call; payload is
// never modified. Data messages are compressed when negotiated and large
// enough. A control payload over 125 bytes is cut to 125.
func (w *Writer) Prepare(op Opcode, payload []byte) (header, body []byte) {
	if cap(w.body) > bufKeep {
		w.body = nil // the last message was big; the bytes were sent
	}
	h := Header{Fin: true, Opcode: op}
	body = payload
	inBuf := false
	if op.IsControl() {
		if len(body) > MaxControlPayload {
			body = body[:MaxControlPayload]
		}
	} else if w.deflate != nil && len(payload) >= w.minSize {
		w.body = w.deflate.compress(w.body[:0], payload)
		body = w.body
		inBuf = true
		h.Rsv = Rsv1
	}
	h.Length = int64(len(body))
	if w.client {
		h.Masked = true
		h.Key = w.maskKey()
		if !inBuf {
			w.body = append(w.body[:0], body...)
			body = w.body
		}
		MaskBytes(h.Key, 0, body)
	}
	n := PutHeader(w.hdr[:], h)
	return w.hdr[:n], body
}

// AppendMessage appends to dst the frame Prepare makes.
func (w *Writer) AppendMessage(dst []byte, op Opcode, payload []byte) []byte {
	header, body := w.Prepare(op, payload)
	return append(append(dst, header...), body...)
}

// PrepareClose is Prepare for a Close frame with code and reason (no body
// for code 0 or 1005).
func (w *Writer) PrepareClose(code int, reason string) (header, body []byte) {
	w.body = AppendClosePayload(w.body[:0], code, reason)
	return w.Prepare(OpClose, w.body)
}

// newSeed fills b from crypto/rand, which does not fail on the platforms Go
// supports (it crashes the program instead).
func newSeed(b []byte) { crand.Read(b) }
