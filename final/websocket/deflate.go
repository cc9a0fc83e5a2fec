// permessage-deflate (RFC 7692): negotiating its parameters, and compressing
// and inflating messages with compress/flate.
//
// Go's compress/flate always compresses with a 32 KiB window (15 bits) and
// has no setting for a smaller one. A window limit asked of our compressor
// (server_max_window_bits from a client, client_max_window_bits from a
// server) is therefore honoured with flate.HuffmanOnly: Huffman coding
// without LZ77 back-references refers to no earlier byte at all, so the
// output is valid for any window size. Compression is weaker but never
// wrong. Our inflater accepts any window (8 to 15 bits) the peer uses, so a
// limit we could ask of the peer is never needed and never requested.
// Tornado (zlib) honours window bits exactly; gorilla/websocket negotiates
// only no_context_takeover.

package websocket

import (
	"compress/flate"
	"io"
	"strconv"
	"strings"
	"sync"
)

// deflateTail is the empty stored block a sync flush ends with, which a
// sender removes and a receiver appends (RFC 7692, section 7.2.1-7.2.2).
var deflateTail = [4]byte{0x00, 0x00, 0xff, 0xff}

// inflateTail is deflateTail followed by a final empty stored block, so
// that flate's reader ends the message with io.EOF instead of
// io.ErrUnexpectedEOF.
var inflateTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

// windowSize is flate's (and the largest permessage-deflate) window.
const windowSize = 1 << 15

// CompressionOptions configures permessage-deflate on one side, like the
// dict Tornado's get_compression_options returns. A nil *CompressionOptions
// means no compression.
type CompressionOptions struct {
	// Level is the flate level for outgoing messages (Tornado's
	// compression_level); 0 means flate.BestSpeed.
	Level int
	// MinSize is the smallest message that is compressed; smaller ones
	// go out as they are (a message's RSV1 bit says which). 0 means 64.
	MinSize int
	// ServerNoContextTakeover asks the server to reset its compressor
	// after each message (a server includes it in its response; a client
	// offers it).
	ServerNoContextTakeover bool
	// ClientNoContextTakeover asks the same of the client.
	ClientNoContextTakeover bool
}

// level returns the flate level to compress with.
func (o *CompressionOptions) level() int {
	if o.Level == 0 {
		return flate.BestSpeed
	}
	return o.Level
}

// minSize returns the smallest message worth compressing.
func (o *CompressionOptions) minSize() int {
	if o.MinSize == 0 {
		return 64
	}
	return o.MinSize
}

// DeflateParams are the permessage-deflate parameters both sides agreed on
// (RFC 7692, section 7.1).
type DeflateParams struct {
	// ServerNoContextTakeover: the server resets its compressor after
	// every message, so the client need not keep a window (7.1.1.1).
	ServerNoContextTakeover bool
	// ClientNoContextTakeover: the same for the client (7.1.1.2).
	ClientNoContextTakeover bool
	// ServerMaxWindowBits is the server's LZ77 window, 8 to 15 (7.1.2.1).
	ServerMaxWindowBits int
	// ClientMaxWindowBits is the client's, 8 to 15 (7.1.2.2).
	ClientMaxWindowBits int
}

// String formats the parameters as a response's extension header value.
func (p DeflateParams) String() string {
	var b strings.Builder
	b.WriteString("permessage-deflate")
	if p.ServerNoContextTakeover {
		b.WriteString("; server_no_context_takeover")
	}
	if p.ClientNoContextTakeover {
		b.WriteString("; client_no_context_takeover")
	}
	if p.ServerMaxWindowBits != 0 && p.ServerMaxWindowBits != 15 {
		b.WriteString("; server_max_window_bits=" + strconv.Itoa(p.ServerMaxWindowBits))
	}
	if p.ClientMaxWindowBits != 0 && p.ClientMaxWindowBits != 15 {
		b.WriteString("; client_max_window_bits=" + strconv.Itoa(p.ClientMaxWindowBits))
	}
	return b.String()
}

// extension is one element of a Sec-WebSocket-Extensions list.
type extension struct {
	// name is the extension token, lower-cased.
	name string
	// params are its parameters in order.
	params []extParam
}

// extParam is one extension parameter.
type extParam struct {
	// name is the parameter token, lower-cased.
	name string
	// value is its value, unquoted; hasValue tells "" from absent.
	value string
	// hasValue reports whether "=value" was present.
	hasValue bool
}

// parseExtensions parses a Sec-WebSocket-Extensions value (RFC 6455,
// section 9.1): extension *( ";" param ), separated by commas. Quoted
// values are unquoted; malformed elements are dropped.
func parseExtensions(v string) []extension {
	var out []extension
	for len(v) > 0 {
		var elem string
		elem, v = splitUnquoted(v, ',')
		parts := []string{}
		for len(elem) > 0 {
			var p string
			p, elem = splitUnquoted(elem, ';')
			parts = append(parts, strings.TrimSpace(p))
		}
		if len(parts) == 0 || !isToken(parts[0]) {
			continue
		}
		e := extension{name: strings.ToLower(parts[0])}
		ok := true
		for _, p := range parts[1:] {
			name, value, has := strings.Cut(p, "=")
			name = strings.TrimSpace(name)
			value = strings.TrimSpace(value)
			if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
				value = value[1 : len(value)-1]
			}
			if !isToken(name) || (has && !isToken(value)) {
				ok = false
				break
			}
			e.params = append(e.params, extParam{name: strings.ToLower(name), value: value, hasValue: has})
		}
		if ok {
			out = append(out, e)
		}
	}
	return out
}

// splitUnquoted splits s at the first sep outside a quoted string.
func splitUnquoted(s string, sep byte) (head, rest string) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			quoted = !quoted
		case c == '\\' && quoted:
			i++
		case c == sep && !quoted:
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// isToken reports whether s is an RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return true
}

// windowBits parses a max_window_bits value: "1*DIGIT" in 8..15 (RFC 7692,
// section 7.1.2).
func windowBits(v string) (int, bool) {
	if len(v) == 0 || len(v) > 2 || v[0] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 8 && n <= 15
}

// NegotiateDeflate picks the first permessage-deflate offer in a client's
// Sec-WebSocket-Extensions value that the server can accept, and returns
// the agreed parameters and the value for the response header. ok is false
// when there is no acceptable offer; the server then answers without the
// extension (RFC 7692, section 5: "A server MUST decline an extension
// negotiation offer ... if [it] has an extension parameter not defined for
// use in an offer" or "a duplicate parameter" or "an invalid value").
//
// The server answers every window limit the client asks of it, compressing
// with Huffman coding only when the limit is under 15 bits (see the file
// comment), and never limits the client's window.
func NegotiateDeflate(offers string, opts *CompressionOptions) (params DeflateParams, response string, ok bool) {
	if opts == nil {
		return params, "", false
	}
next:
	for _, e := range parseExtensions(offers) {
		if e.name != "permessage-deflate" {
			continue
		}
		p := DeflateParams{
			ServerNoContextTakeover: opts.ServerNoContextTakeover,
			ClientNoContextTakeover: opts.ClientNoContextTakeover,
			ServerMaxWindowBits:     15,
			ClientMaxWindowBits:     15,
		}
		seen := map[string]bool{}
		for _, q := range e.params {
			if seen[q.name] {
				continue next
			}
			seen[q.name] = true
			switch q.name {
			case "server_no_context_takeover":
				if q.hasValue {
					continue next
				}
				p.ServerNoContextTakeover = true
			case "client_no_context_takeover":
				if q.hasValue {
					continue next
				}
				// A hint that the client will reset; accepting it
				// changes nothing we do, and saying so is optional.
			case "server_max_window_bits":
				bits, good := windowBits(q.value)
				if !good {
					continue next
				}
				p.ServerMaxWindowBits = bits
			case "client_max_window_bits":
				// Without a value, the client merely supports the
				// parameter; with one, it is an upper bound we need
				// not answer (section 7.1.2.2).
				if q.hasValue {
					if _, good := windowBits(q.value); !good {
						continue next
					}
				}
			default:
				continue next
			}
		}
		return p, p.String(), true
	}
	return DeflateParams{}, "", false
}

// DeflateOffer returns a client's Sec-WebSocket-Extensions value offering
// permessage-deflate with opts: client_max_window_bits says the client
// accepts a server-chosen window limit (honoured with Huffman coding).
func DeflateOffer(opts *CompressionOptions) string {
	s := "permessage-deflate; client_max_window_bits"
	if opts.ServerNoContextTakeover {
		s += "; server_no_context_takeover"
	}
	if opts.ClientNoContextTakeover {
		s += "; client_no_context_takeover"
	}
	return s
}

// AcceptDeflate checks a server's Sec-WebSocket-Extensions response to
// DeflateOffer(opts) and returns the agreed parameters; found is false when
// the server declined. A response naming an extension we did not offer, or
// with a parameter that is unknown, duplicated, or out of range, fails the
// connection (RFC 7692, section 5 and 7.1).
func AcceptDeflate(response string, opts *CompressionOptions) (params DeflateParams, found bool, err error) {
	exts := parseExtensions(response)
	if strings.TrimSpace(response) != "" && len(exts) == 0 {
		return params, false, ErrBadExtension
	}
	for _, e := range exts {
		if e.name != "permessage-deflate" || found || opts == nil {
			return DeflateParams{}, false, ErrBadExtension
		}
		found = true
		params = DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
		seen := map[string]bool{}
		for _, q := range e.params {
			if seen[q.name] {
				return DeflateParams{}, false, ErrBadExtension
			}
			seen[q.name] = true
			switch q.name {
			case "server_no_context_takeover", "client_no_context_takeover":
				if q.hasValue {
					return DeflateParams{}, false, ErrBadExtension
				}
				if q.name[0] == 's' {
					params.ServerNoContextTakeover = true
				} else {
					params.ClientNoContextTakeover = true
				}
			case "server_max_window_bits", "client_max_window_bits":
				bits, good := windowBits(q.value)
				if !good {
					return DeflateParams{}, false, ErrBadExtension
				}
				if q.name[0] == 's' {
					params.ServerMaxWindowBits = bits
				} else {
					params.ClientMaxWindowBits = bits
				}
			default:
				return DeflateParams{}, false, ErrBadExtension
			}
		}
		if opts.ServerNoContextTakeover && !params.ServerNoContextTakeover {
			// We offered it; a server that accepts the offer must
			// include it (section 7.1.1.1).
			return DeflateParams{}, false, ErrBadExtension
		}
		if opts.ClientNoContextTakeover {
			params.ClientNoContextTakeover = true
		}
	}
	return params, found, nil
}

// deflater compresses one side's outgoing messages.
type deflater struct {
	// fw is the compressor, created on first use.
	fw *flate.Writer
	// out is where fw writes: the caller's buffer during compress.
	out appendWriter
	// level is the flate level (flate.HuffmanOnly under a window limit).
	level int
	// takeover keeps fw's window across messages.
	takeover bool
}

// newDeflater returns a compressor for a side whose window is limited to
// bits and which resets after each message when noTakeover.
func newDeflater(level, bits int, noTakeover bool) *deflater {
	if bits < 15 {
		level = flate.HuffmanOnly
	}
	return &deflater{level: level, takeover: !noTakeover}
}

// appendWriter is an io.Writer appending to a slice.
type appendWriter struct {
	// b receives the writes.
	b []byte
}

// Write appends p.
func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// compress appends the compressed form of p to dst: deflate with a sync
// flush, whose trailing 00 00 ff ff is removed (RFC 7692, section 7.2.1).
func (d *deflater) compress(dst, p []byte) []byte {
	start := len(dst)
	d.out.b = dst
	if d.fw == nil {
		if v := writerPools[d.level-flate.HuffmanOnly].Get(); v != nil {
			d.fw = v.(*flate.Writer)
			d.fw.Reset(&d.out)
		} else {
			d.fw, _ = flate.NewWriter(&d.out, d.level) // level is valid
		}
	}
	d.fw.Write(p) // appendWriter never fails
	d.fw.Flush()
	out := d.out.b
	d.out.b = nil
	if len(out)-start >= 4 && [4]byte(out[len(out)-4:]) == deflateTail {
		out = out[:len(out)-4]
	}
	if !d.takeover {
		// Nothing to remember between messages: the compressor (hundreds
		// of KiB) goes back to a pool, so an idle connection holds none.
		d.fw.Reset(io.Discard)
		writerPools[d.level-flate.HuffmanOnly].Put(d.fw)
		d.fw = nil
	}
	return out
}

// inflater inflates one side's incoming messages.
type inflater struct {
	// fr is flate's reader, reset for every message.
	fr io.ReadCloser
	// src feeds fr a message's payload and then inflateTail.
	src twoReader
	// window holds the last 32 KiB of output when takeover is set: the
	// dictionary the next message may refer to (RFC 7692, section 7.2.2).
	window []byte
	// takeover keeps the window across messages.
	takeover bool
	// out is the inflated message, reused between messages.
	out []byte
}

// newInflater returns an inflater that keeps the peer's window across
// messages unless noTakeover.
func newInflater(noTakeover bool) *inflater {
	return &inflater{takeover: !noTakeover}
}

// inflate inflates payload (one whole message, without its tail) into a
// buffer it reuses and returns it. It never holds more than limit+1 bytes of
// output, so a small message that inflates to gigabytes (a zip bomb) costs
// at most the limit before failing with ErrMessageTooBig.
func (f *inflater) inflate(payload []byte, limit int) ([]byte, error) {
	f.src = twoReader{a: payload, b: inflateTail}
	var dict []byte
	if f.takeover {
		dict = f.window
		if len(dict) > windowSize {
			dict = dict[len(dict)-windowSize:]
		}
	}
	if f.fr == nil {
		if v := readerPool.Get(); v != nil {
			f.fr = v.(io.ReadCloser)
			f.fr.(flate.Resetter).Reset(&f.src, dict)
		} else {
			f.fr = flate.NewReaderDict(&f.src, dict)
		}
	} else {
		f.fr.(flate.Resetter).Reset(&f.src, dict)
	}
	defer f.release()
	out := f.out[:0]
	if cap(out) == 0 {
		out = make([]byte, 0, min(max(4*len(payload), 512), limit+1))
	}
	for {
		if len(out) == cap(out) {
			if len(out) > limit {
				f.out = out[:0]
				return nil, protocolError(CloseMessageTooBig, ErrMessageTooBig)
			}
			grown := make([]byte, len(out), min(2*cap(out), limit+1))
			copy(grown, out)
			out = grown
		}
		n, err := f.fr.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if len(out) > limit {
			f.out = out[:0]
			return nil, protocolError(CloseMessageTooBig, ErrMessageTooBig)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			f.out = out[:0]
			return nil, protocolError(CloseInvalidPayload, ErrBadCompressedData)
		}
	}
	if f.takeover {
		f.keepWindow(out)
	}
	f.out = out
	return out, nil
}

// release returns the decompressor to the pool when no window is kept
// between messages, so that an idle connection holds none.
func (f *inflater) release() {
	if f.takeover || f.fr == nil {
		return
	}
	f.fr.(flate.Resetter).Reset(&emptySource, nil)
	readerPool.Put(f.fr)
	f.fr = nil
}

// Pools of compressors (one per flate level, HuffmanOnly to
// BestCompression) and decompressors, for connections without context
// takeover, which need them only while a message is being processed.
var (
	writerPools [flate.BestCompression - flate.HuffmanOnly + 1]sync.Pool
	readerPool  sync.Pool
	// emptySource is what a pooled decompressor reads from, so that it
	// does not keep its last connection alive.
	emptySource twoReader
)

// keepWindow appends out to the window, which keeps at least the last
// 32 KiB of output in a buffer of 64 KiB, sliding only when it fills.
func (f *inflater) keepWindow(out []byte) {
	if len(out) >= windowSize {
		f.window = append(f.window[:0], out[len(out)-windowSize:]...)
		return
	}
	if f.window == nil {
		f.window = make([]byte, 0, 2*windowSize)
	}
	if len(f.window)+len(out) > cap(f.window) {
		keep := windowSize - len(out)
		n := copy(f.window, f.window[len(f.window)-keep:])
		f.window = f.window[:n]
	}
	f.window = append(f.window, out...)
}

// twoReader reads a, then b; it is an io.ByteReader so that flate reads it
// without a bufio.Reader of its own.
type twoReader struct {
	// a and b are the bytes still to read, a first.
	a, b []byte
}

// Read implements io.Reader.
func (r *twoReader) Read(p []byte) (int, error) {
	if len(r.a) == 0 {
		r.a, r.b = r.b, nil
		if len(r.a) == 0 {
			return 0, io.EOF
		}
	}
	n := copy(p, r.a)
	r.a = r.a[n:]
	return n, nil
}

// ReadByte implements io.ByteReader.
func (r *twoReader) ReadByte() (byte, error) {
	if len(r.a) == 0 {
		r.a, r.b = r.b, nil
		if len(r.a) == 0 {
			return 0, io.EOF
		}
	}
	c := r.a[0]
	r.a = r.a[1:]
	return c, nil
}
