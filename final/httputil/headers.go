// HTTPHeaders: a case-insensitive, multi-valued header map that keeps the
// order fields were added, stored in one reusable byte arena.

package httputil

import (
	"bytes"
	"fmt"
	"iter"
	"slices"
	"strings"
)

// HTTPHeaders holds header fields like Tornado's httputil.HTTPHeaders: names
// compare case-insensitively, a name may have several values, and iteration
// follows the order the fields were added. Names come out in Tornado's
// normal form ("Content-Type"); the parsers store them as received and
// normalise each in place the first time it is read (At, All, String, Copy),
// so a request whose handler looks fields up only by name never pays for it.
//
// Every name and value lives in one byte arena, so a server that keeps one
// HTTPHeaders per connection and calls Reset between requests adds fields
// without allocating once the arena has grown to fit its requests. The []byte
// results of Peek and At point into that arena: they stay valid until the
// next Reset and must not be modified.
//
// The zero value is an empty set ready to use. HTTPHeaders is not safe for
// concurrent use.
type HTTPHeaders struct {
	// buf holds the bytes of every name and value, back to back. Set and
	// Del leave unreferenced bytes behind; Reset reclaims them.
	buf []byte
	// fields indexes buf, one entry per field line, in insertion order.
	fields []headerField
	// lens has bit len(name)%64 set for every name added since the last
	// Reset (removals leave it set). A clear bit proves that no field has
	// a name of that length, so a lookup of an absent name, which is most
	// of a response's (Content-Length before it is added,
	// Transfer-Encoding, Date), ends without a scan.
	lens uint64
}

// headerField locates one field's name and value in the arena.
type headerField struct {
	// nameStart and nameEnd bound the name in buf.
	nameStart, nameEnd uint32
	// valueEnd ends the value, which starts at nameEnd.
	valueEnd uint32
	// raw is set while the name is as received, not yet normalised.
	raw bool
	// unsafe is set when the name is not a token or the value holds a
	// control byte other than HTAB (CR, LF, NUL...; RFC 9110, section
	// 5.5), which could inject fields or a second message: such a field
	// must never be written (Check, AppendResponseHead). It is decided
	// once, as Add, AddBytes or Set stores the field (canonicalToken,
	// validValue), so that writing a head does not scan it again.
	unsafe bool
}

// NewHTTPHeaders returns headers holding the given name, value pairs in
// order; it panics on an odd number of arguments, as a programming error.
func NewHTTPHeaders(pairs ...string) *HTTPHeaders {
	if len(pairs)%2 != 0 {
		panic("httputil: NewHTTPHeaders needs name, value pairs")
	}
	h := &HTTPHeaders{}
	for i := 0; i < len(pairs); i += 2 {
		h.Add(pairs[i], pairs[i+1])
	}
	return h
}

// Reset empties h, keeping its storage for reuse.
func (h *HTTPHeaders) Reset() {
	h.buf = h.buf[:0]
	h.fields = h.fields[:0]
	h.lens = 0
}

// Len returns the number of field lines.
func (h *HTTPHeaders) Len() int { return len(h.fields) }

// At returns the name and value of the i-th field line, in insertion order,
// without allocating; 0 <= i < Len().
func (h *HTTPHeaders) At(i int) (name, value []byte) {
	f := &h.fields[i]
	if f.raw {
		canonicalInPlace(h.buf[f.nameStart:f.nameEnd])
		f.raw = false
	}
	return h.buf[f.nameStart:f.nameEnd:f.nameEnd], h.buf[f.nameEnd:f.valueEnd:f.valueEnd]
}

// rawAt is At without normalising the name.
func (h *HTTPHeaders) rawAt(i int) (name, value []byte) {
	f := h.fields[i]
	return h.buf[f.nameStart:f.nameEnd:f.nameEnd], h.buf[f.nameEnd:f.valueEnd:f.valueEnd]
}

// valueAt returns the value of the i-th field.
func (h *HTTPHeaders) valueAt(i int) []byte {
	f := h.fields[i]
	return h.buf[f.nameEnd:f.valueEnd:f.valueEnd]
}

// addRaw appends a field whose name is normalised later, on first read.
// Its callers, the parsers, have checked the field already, so it is never
// unsafe.
func (h *HTTPHeaders) addRaw(name, value []byte) {
	start := len(h.buf)
	h.buf = append(h.buf, name...)
	nameEnd := len(h.buf)
	h.buf = append(h.buf, value...)
	h.fields = append(h.fields, headerField{nameStart: uint32(start), nameEnd: uint32(nameEnd), valueEnd: uint32(len(h.buf)), raw: true})
	h.lens |= lenBit(len(name))
}

// Add appends a field line; an existing value of the same name is kept, as in
// Tornado's HTTPHeaders.add.
func (h *HTTPHeaders) Add(name, value string) {
	h.fields = append(h.fields, h.store(name, value))
}

// store copies name (normalised) and value into the arena and returns
// their field, marked unsafe if it may not be written.
func (h *HTTPHeaders) store(name, value string) headerField {
	h.lens |= lenBit(len(name))
	start := len(h.buf)
	h.buf = append(h.buf, name...)
	token := canonicalToken(h.buf[start:])
	nameEnd := len(h.buf)
	h.buf = append(h.buf, value...)
	end := len(h.buf)
	return headerField{
		nameStart: uint32(start), nameEnd: uint32(nameEnd), valueEnd: uint32(end),
		unsafe: !token || !validValue(h.buf[nameEnd:end]),
	}
}

// AddBytes is Add for byte slices; it copies both, without allocating once
// the arena is large enough. Its body is store's for []byte: one generic
// function over string | []byte allocates per call, which the per-request
// path cannot afford (TestHelloAllocatesNothing).
func (h *HTTPHeaders) AddBytes(name, value []byte) {
	h.lens |= lenBit(len(name))
	start := len(h.buf)
	h.buf = append(h.buf, name...)
	token := canonicalToken(h.buf[start:])
	nameEnd := len(h.buf)
	h.buf = append(h.buf, value...)
	end := len(h.buf)
	h.fields = append(h.fields, headerField{
		nameStart: uint32(start), nameEnd: uint32(nameEnd), valueEnd: uint32(end),
		unsafe: !token || !validValue(h.buf[nameEnd:end]),
	})
}

// appendToLast appends sep and more to the value of the last field line;
// the response parser uses it to unfold obs-fold continuation lines.
func (h *HTTPHeaders) appendToLast(sep byte, more []byte) {
	last := &h.fields[len(h.fields)-1]
	if int(last.valueEnd) != len(h.buf) {
		panic("httputil: appendToLast after a non-append")
	}
	if last.valueEnd > last.nameEnd {
		h.buf = append(h.buf, sep)
	}
	h.buf = append(h.buf, more...)
	last.valueEnd = uint32(len(h.buf))
}

// index returns the position of the first field named name at or after
// from, or -1.
func (h *HTTPHeaders) index(name string, from int) int {
	if h.lens&lenBit(len(name)) == 0 {
		return -1
	}
	for i := from; i < len(h.fields); i++ {
		f := h.fields[i]
		if equalFold(h.buf[f.nameStart:f.nameEnd], name) {
			return i
		}
	}
	return -1
}

// Has reports whether a field named name is present.
func (h *HTTPHeaders) Has(name string) bool { return h.index(name, 0) >= 0 }

// Peek returns the first value of name, or nil, without allocating.
func (h *HTTPHeaders) Peek(name string) []byte {
	i := h.index(name, 0)
	if i < 0 {
		return nil
	}
	return h.valueAt(i)
}

// Get returns the values of name joined by commas, as Tornado's
// HTTPHeaders[name] does for a multi-valued field, or "" when absent. Use
// Has to tell an absent field from an empty one.
func (h *HTTPHeaders) Get(name string) string {
	i := h.index(name, 0)
	if i < 0 {
		return ""
	}
	v := h.valueAt(i)
	j := h.index(name, i+1)
	if j < 0 {
		return string(v)
	}
	var b strings.Builder
	b.Write(v)
	for ; j >= 0; j = h.index(name, j+1) {
		v = h.valueAt(j)
		b.WriteByte(',')
		b.Write(v)
	}
	return b.String()
}

// GetList returns every value of name in order, like Tornado's get_list;
// nil when absent.
func (h *HTTPHeaders) GetList(name string) []string {
	var out []string
	for i := h.index(name, 0); i >= 0; i = h.index(name, i+1) {
		out = append(out, string(h.valueAt(i)))
	}
	return out
}

// Values iterates over the values of name in order, without allocating.
func (h *HTTPHeaders) Values(name string) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for i := h.index(name, 0); i >= 0; i = h.index(name, i+1) {
			if !yield(h.valueAt(i)) {
				return
			}
		}
	}
}

// Set replaces every value of name with value, like Tornado's
// HTTPHeaders[name] = value. The new field goes where the first old one was,
// or at the end.
func (h *HTTPHeaders) Set(name, value string) {
	i := h.index(name, 0)
	if i < 0 {
		h.Add(name, value)
		return
	}
	h.delFrom(name, i+1)
	h.fields[i] = h.store(name, value)
}

// Del removes every field named name.
func (h *HTTPHeaders) Del(name string) { h.delFrom(name, 0) }

// delFrom removes the fields named name at or after from, keeping order.
func (h *HTTPHeaders) delFrom(name string, from int) {
	if h.lens&lenBit(len(name)) == 0 {
		return
	}
	out := h.fields[:from]
	for _, f := range h.fields[from:] {
		if !equalFold(h.buf[f.nameStart:f.nameEnd], name) {
			out = append(out, f)
		}
	}
	h.fields = out
}

// All iterates over the field lines in order with names in normal form,
// like Tornado's get_all. It allocates a string per name and value; At is
// the allocation-free form.
func (h *HTTPHeaders) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for i := range h.fields {
			n, v := h.At(i)
			if !yield(string(n), string(v)) {
				return
			}
		}
	}
}

// CopyFrom makes h a copy of src, reusing h's storage: with a prepared set
// of defaults, one CopyFrom replaces a Reset and several Sets.
func (h *HTTPHeaders) CopyFrom(src *HTTPHeaders) {
	h.buf = append(h.buf[:0], src.buf...)
	h.fields = append(h.fields[:0], src.fields...)
	h.lens = src.lens
}

// SameAs reports whether h holds exactly what o holds: the same field
// lines, stored the same way, as a copy CopyFrom made and nobody changed
// since, or a set built by the same calls in the same order. Sets that
// are SameAs write the same head (AppendResponseHead is a function of
// what is stored), so a writer may keep the head it wrote for one and
// send it again for the other (http1connection does, per loop). Sets that
// were built differently may hold the same fields and still not be
// SameAs: it compares storage, which costs a memory comparison of a few
// hundred bytes at most, not fields.
func (h *HTTPHeaders) SameAs(o *HTTPHeaders) bool {
	return h.lens == o.lens && slices.Equal(h.fields, o.fields) && bytes.Equal(h.buf, o.buf)
}

// lenBit is the bit of HTTPHeaders.lens for a name of n bytes.
func lenBit(n int) uint64 { return 1 << (uint(n) & 63) }

// Check returns an error wrapping ErrUnsafeHeader, naming the field, if a
// field may not be written: a name that is not a token, or a value holding
// CR, LF, NUL or another control byte but HTAB (RFC 9110, section 5.5;
// Tornado's _convert_header_value refuses the same). Fields are judged as
// they are added, so Check costs one test per field.
func (h *HTTPHeaders) Check() error {
	for i := range h.fields {
		if h.fields[i].unsafe {
			n, v := h.rawAt(i)
			return fmt.Errorf("%w: %q: %q", ErrUnsafeHeader, n, v)
		}
	}
	return nil
}

// Copy returns an independent copy of h, compacted.
func (h *HTTPHeaders) Copy() *HTTPHeaders {
	c := &HTTPHeaders{fields: make([]headerField, 0, len(h.fields))}
	for i := range h.fields {
		n, v := h.At(i)
		c.AddBytes(n, v)
	}
	return c
}

// AppendTo appends the fields in wire form, "Name: value\r\n" each.
func (h *HTTPHeaders) AppendTo(dst []byte) []byte {
	for i := range h.fields {
		n, v := h.At(i)
		dst = append(dst, n...)
		dst = append(dst, ": "...)
		dst = append(dst, v...)
		dst = append(dst, "\r\n"...)
	}
	return dst
}

// String returns the fields in wire form, like Tornado's str(headers).
func (h *HTTPHeaders) String() string { return string(h.AppendTo(nil)) }

// ParseHeaders parses a header block in wire form, lines separated by CRLF
// (or LF: this entry point serves stored text, such as Tornado's
// HTTPHeaders.parse, not the network), with the strict field rules of the
// request parser. A trailing empty line is allowed.
func ParseHeaders(text string) (*HTTPHeaders, error) {
	h := &HTTPHeaders{}
	for text != "" {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			if text != "" {
				return nil, wrapInput(ErrBadHeaderName, "empty line inside header block")
			}
			break
		}
		if err := parseFieldLine([]byte(line), h, false); err != nil {
			return nil, err
		}
	}
	return h, nil
}
