// The wire protocol for HTTP's chunked transfer coding (RFC 9112, section
// 7.1): an incremental, allocation-free decoder and the encoder helpers.

package httputil

import (
	"io"
	"strconv"
)

// Default limits of ChunkedDecoder.
const (
	// DefaultMaxChunkLine bounds a chunk-size line, extensions included,
	// CRLF excluded.
	DefaultMaxChunkLine = 4 * 1024
	// DefaultMaxTrailerBytes bounds the trailer section, final CRLF
	// included.
	DefaultMaxTrailerBytes = 16 * 1024
)

// chunkState is where the decoder is in the chunked grammar.
type chunkState uint8

// The decoder states, in grammar order.
const (
	// csSize expects the first HEXDIG of a chunk-size.
	csSize chunkState = iota
	// csSizeDigits reads further HEXDIGs.
	csSizeDigits
	// csBWS reads whitespace after the size, which only ";" may follow.
	csBWS
	// csExtName0 follows ";": optional whitespace, then a name.
	csExtName0
	// csExtName reads a chunk-ext-name token.
	csExtName
	// csExtNameEnd reads whitespace after a name: "=" or ";" must follow.
	csExtNameEnd
	// csExtValue0 follows "=": optional whitespace, then a token or a
	// quoted-string.
	csExtValue0
	// csExtValue reads a token value.
	csExtValue
	// csExtQuoted reads a quoted-string value.
	csExtQuoted
	// csExtQuotedPair follows a backslash in a quoted-string.
	csExtQuotedPair
	// csExtQuoteEnd follows a closing quote.
	csExtQuoteEnd
	// csExtValueEnd reads whitespace after a value: only ";" may follow.
	csExtValueEnd
	// csSizeLF expects the LF ending the size line.
	csSizeLF
	// csData delivers chunk-data.
	csData
	// csDataCR expects the CR after chunk-data.
	csDataCR
	// csDataLF expects the LF after chunk-data.
	csDataLF
	// csTrailer reads trailer field lines.
	csTrailer
	// csDone: the last chunk and trailer section have been read.
	csDone
)

// ChunkedDecoder decodes a chunked body incrementally:
//
//	chunked-body = *chunk last-chunk trailer-section CRLF
//	chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//
// Chunk sizes are HEXDIG only: no sign, no "0x", no whitespace before
// them, and at most 2^63-1. Whitespace after the size is accepted only
// before a ";" extension (BWS, RFC 9112, section 7.1.1); extensions must
// follow their grammar exactly (see stepExtension), are bounded by
// MaxChunkLine, and are discarded.
// Every line must end in CRLF, and chunk data must be followed by CRLF.
// Trailer fields follow the strict request field rules and are kept apart
// from the head (RFC 9110, section 6.5.1: a recipient must not merge
// trailers it does not understand into the header section).
//
// The zero value is ready to use with the default limits.
type ChunkedDecoder struct {
	// MaxChunkLine bounds each chunk-size line; 0 means
	// DefaultMaxChunkLine.
	MaxChunkLine int
	// MaxTrailerBytes bounds the trailer section; 0 means
	// DefaultMaxTrailerBytes.
	MaxTrailerBytes int
	// MaxTrailers bounds the number of trailer fields; 0 means
	// DefaultMaxHeaders.
	MaxTrailers int

	// state is the position in the grammar.
	state chunkState
	// size is the chunk-size being read, then the data left in the chunk.
	size int64
	// lineLen counts the bytes of the current size line or the trailer
	// section.
	lineLen int
	// excess is the framing overhead beyond what the data so far allows
	// (see ErrChunkOverhead).
	excess int64
	// line buffers one trailer line.
	line []byte
	// trailers holds the trailer fields.
	trailers HTTPHeaders
	// err is the sticky error.
	err error
}

// Reset prepares d for a new body, keeping its storage.
func (d *ChunkedDecoder) Reset() {
	d.state, d.size, d.lineLen, d.excess, d.err = csSize, 0, 0, 0, nil
	d.line = d.line[:0]
	d.trailers.Reset()
}

// Trailers returns the trailer fields read so far; they are complete once
// Decode has returned io.EOF, and valid until Reset.
func (d *ChunkedDecoder) Trailers() *HTTPHeaders { return &d.trailers }

// Decode consumes bytes of the chunked body from src. It returns the number
// of bytes consumed and data, the decoded body bytes found, which is a
// sub-slice of src (no copy). Call it again with src[n:] until it has
// consumed everything; then read more. It returns io.EOF when the body is
// complete: n then ends at the final CRLF, and src[n:] belongs to the next
// message. Other errors are *HTTPInputError values and sticky.
func (d *ChunkedDecoder) Decode(src []byte) (n int, data []byte, err error) {
	if d.err != nil {
		return 0, nil, d.err
	}
	for n < len(src) {
		switch d.state {
		case csData:
			k := int64(len(src) - n)
			if k > d.size {
				k = d.size
			}
			data = src[n : n+int(k)]
			n += int(k)
			d.size -= k
			if d.size == 0 {
				d.state = csDataCR
			}
			return n, data, nil
		case csDone:
			return n, nil, io.EOF
		case csTrailer:
			k, err := d.trailerBytes(src[n:])
			n += k
			if err != nil {
				d.err = err
				return n, nil, err
			}
		default:
			if err := d.step(src[n]); err != nil {
				d.err = err
				return n, nil, err
			}
			n++
		}
	}
	if d.state == csDone {
		return n, nil, io.EOF
	}
	return n, nil, nil
}

// maxChunkSize is the largest chunk size accepted.
const maxChunkSize = 1<<63 - 1

// step consumes one byte of framing.
func (d *ChunkedDecoder) step(c byte) error {
	switch d.state {
	case csSize, csSizeDigits:
		if v, ok := unhex(c); ok {
			if d.size > maxChunkSize>>4 {
				return ErrBadChunkSize
			}
			d.size = d.size<<4 | int64(v)
			d.state = csSizeDigits
			return d.countLine()
		}
		if d.state == csSize {
			return ErrBadChunkSize
		}
		switch c {
		case '\r':
			d.state = csSizeLF
		case ';':
			d.state = csExtName0
		case ' ', '\t':
			d.state = csBWS
		default:
			return ErrBadChunkSize
		}
		return d.countLine()
	case csBWS:
		switch c {
		case ' ', '\t':
		case ';':
			d.state = csExtName0
		default:
			return ErrBadChunkSize
		}
		return d.countLine()
	case csExtName0, csExtName, csExtNameEnd, csExtValue0, csExtValue,
		csExtQuoted, csExtQuotedPair, csExtQuoteEnd, csExtValueEnd:
		if err := d.stepExtension(c); err != nil {
			return err
		}
		return d.countLine()
	case csSizeLF:
		if c != '\n' {
			return ErrBadChunkSize
		}
		// net/http's rule against chunks that are mostly framing: each
		// size line and the CRLF after its data count as overhead, less
		// 16 bytes per chunk and twice the chunk's data.
		d.excess += int64(d.lineLen) + 2 - 16 - 2*min(d.size, 1<<40)
		d.excess = max(d.excess, 0)
		if d.excess > 16*1024 {
			return ErrChunkOverhead
		}
		d.lineLen = 0
		if d.size == 0 {
			d.state = csTrailer
		} else {
			d.state = csData
		}
		return nil
	case csDataCR:
		if c != '\r' {
			return ErrBadChunkTerminator
		}
		d.state = csDataLF
		return nil
	case csDataLF:
		if c != '\n' {
			return ErrBadChunkTerminator
		}
		d.state = csSize
		return nil
	}
	panic("httputil: chunked decoder in impossible state")
}

// stepExtension consumes one byte of chunk extensions (RFC 9112, section
// 7.1.1), which this decoder checks but discards:
//
//	chunk-ext      = *( BWS ";" BWS chunk-ext-name
//	                    [ BWS "=" BWS chunk-ext-val ] )
//	chunk-ext-name = token
//	chunk-ext-val  = token / quoted-string
//
// Whitespace is allowed only where BWS is, so "5;\r\n", "5;a=\r\n" and
// whitespace before the CRLF are all refused.
func (d *ChunkedDecoder) stepExtension(c byte) error {
	ws := c == ' ' || c == '\t'
	tchar := classes[c]&classToken != 0
	switch d.state {
	case csExtName0:
		switch {
		case ws:
		case tchar:
			d.state = csExtName
		default:
			return ErrBadChunkExtension
		}
	case csExtName, csExtValue:
		switch {
		case tchar:
		case ws && d.state == csExtName:
			d.state = csExtNameEnd
		case ws:
			d.state = csExtValueEnd
		case c == '=' && d.state == csExtName:
			d.state = csExtValue0
		case c == ';':
			d.state = csExtName0
		case c == '\r':
			d.state = csSizeLF
		default:
			return ErrBadChunkExtension
		}
	case csExtNameEnd:
		switch {
		case ws:
		case c == '=':
			d.state = csExtValue0
		case c == ';':
			d.state = csExtName0
		default:
			return ErrBadChunkExtension
		}
	case csExtValue0:
		switch {
		case ws:
		case c == '"':
			d.state = csExtQuoted
		case tchar:
			d.state = csExtValue
		default:
			return ErrBadChunkExtension
		}
	case csExtQuoted:
		// qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
		switch {
		case c == '"':
			d.state = csExtQuoteEnd
		case c == '\\':
			d.state = csExtQuotedPair
		case classes[c]&classValue == 0:
			return ErrBadChunkExtension
		}
	case csExtQuotedPair:
		// quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
		if classes[c]&classValue == 0 {
			return ErrBadChunkExtension
		}
		d.state = csExtQuoted
	case csExtQuoteEnd:
		switch {
		case ws:
			d.state = csExtValueEnd
		case c == ';':
			d.state = csExtName0
		case c == '\r':
			d.state = csSizeLF
		default:
			return ErrBadChunkExtension
		}
	case csExtValueEnd:
		switch {
		case ws:
		case c == ';':
			d.state = csExtName0
		default:
			return ErrBadChunkExtension
		}
	}
	return nil
}

// countLine charges one byte to the size line and checks the bound.
func (d *ChunkedDecoder) countLine() error {
	d.lineLen++
	if d.lineLen > orDefault(d.MaxChunkLine, DefaultMaxChunkLine) {
		if d.state >= csExtName0 && d.state <= csExtValueEnd {
			return ErrBadChunkExtension
		}
		return ErrBadChunkSize
	}
	return nil
}

// unhex returns the value of a HEXDIG.
func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// trailerBytes consumes trailer-section bytes from src, a line at a time,
// and returns how many it took.
func (d *ChunkedDecoder) trailerBytes(src []byte) (int, error) {
	maxBytes := orDefault(d.MaxTrailerBytes, DefaultMaxTrailerBytes)
	n := 0
	for n < len(src) {
		c := src[n]
		n++
		d.lineLen++
		if d.lineLen > maxBytes {
			return n, ErrTrailerTooLarge
		}
		if c != '\n' {
			d.line = append(d.line, c)
			continue
		}
		line := d.line
		if len(line) == 0 || line[len(line)-1] != '\r' {
			return n, ErrBareLF
		}
		line = line[:len(line)-1]
		d.line = d.line[:0]
		if len(line) == 0 {
			d.state = csDone
			return n, nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			return n, ErrObsFold
		}
		if d.trailers.Len() >= orDefault(d.MaxTrailers, DefaultMaxHeaders) {
			return n, ErrTrailerTooLarge
		}
		if err := parseFieldLine(line, &d.trailers, false); err != nil {
			return n, err
		}
	}
	return n, nil
}

// LastChunk is the end of a chunked body without trailers.
const LastChunk = "0\r\n\r\n"

// AppendChunk appends data as one chunk: its size in hex, CRLF, the data,
// CRLF. Empty data appends nothing, since an empty chunk would end the body.
func AppendChunk(dst, data []byte) []byte {
	if len(data) == 0 {
		return dst
	}
	dst = AppendChunkHeader(dst, len(data))
	dst = append(dst, data...)
	return append(dst, '\r', '\n')
}

// AppendChunkHeader appends the size line of an n-byte chunk, for callers
// that write the data separately (with writev); the data must be followed
// by CRLF.
func AppendChunkHeader(dst []byte, n int) []byte {
	dst = strconv.AppendInt(dst, int64(n), 16)
	return append(dst, '\r', '\n')
}

// AppendLastChunk appends the last chunk, the trailer fields (if any) and
// the final CRLF.
func AppendLastChunk(dst []byte, trailers *HTTPHeaders) []byte {
	dst = append(dst, '0', '\r', '\n')
	if trailers != nil {
		dst = trailers.AppendTo(dst)
	}
	return append(dst, '\r', '\n')
}

// ChunkedWriter writes a chunked body to an underlying writer, one chunk per
// Write; Close writes the last chunk (and does not close W).
type ChunkedWriter struct {
	// W receives the encoded body.
	W io.Writer
	// buf assembles each chunk so it goes out in one write.
	buf []byte
}

// NewChunkedWriter returns a ChunkedWriter writing to w.
func NewChunkedWriter(w io.Writer) *ChunkedWriter { return &ChunkedWriter{W: w} }

// Write writes p as one chunk; empty writes write nothing.
func (w *ChunkedWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	w.buf = AppendChunk(w.buf[:0], p)
	if _, err := w.W.Write(w.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close writes the last chunk and an empty trailer section.
func (w *ChunkedWriter) Close() error {
	_, err := io.WriteString(w.W, LastChunk)
	return err
}
