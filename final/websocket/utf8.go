// Incremental UTF-8 validation for text messages that arrive in fragments:
// "a text message ... whose payload is not valid UTF-8 ... MUST _Fail the
// WebSocket Connection_" (RFC 6455, sections 5.6 and 8.1), where a code
// point may be split across frames, and a sequence that can no longer
// become valid fails at once rather than at the end of the message.

package websocket

import "unicode/utf8"

// utf8State is where a validator stands inside a multi-byte sequence: the
// set of bytes the next one may be in, after RFC 3629's table (section 4),
// which excludes overlong forms, surrogates and code points over U+10FFFF.
type utf8State uint8

const (
	utf8Accept  utf8State = iota // between code points
	utf8Need1                    // one more byte in 80..BF
	utf8Need2                    // two more, the next in 80..BF
	utf8Need3                    // three more, the next in 80..BF
	utf8AfterE0                  // after E0: A0..BF, then one more
	utf8AfterED                  // after ED: 80..9F (no surrogates), then one more
	utf8AfterF0                  // after F0: 90..BF, then two more
	utf8AfterF4                  // after F4: 80..8F (up to U+10FFFF), then two more
	utf8Reject                   // invalid; stays so
)

// step advances the state by one byte.
func (s utf8State) step(c byte) utf8State {
	switch s {
	case utf8Accept:
		switch {
		case c < 0x80:
			return utf8Accept
		case c >= 0xC2 && c <= 0xDF:
			return utf8Need1
		case c == 0xE0:
			return utf8AfterE0
		case c == 0xED:
			return utf8AfterED
		case c >= 0xE1 && c <= 0xEF:
			return utf8Need2
		case c == 0xF0:
			return utf8AfterF0
		case c >= 0xF1 && c <= 0xF3:
			return utf8Need3
		case c == 0xF4:
			return utf8AfterF4
		}
	case utf8Need1, utf8Need2, utf8Need3:
		if c >= 0x80 && c <= 0xBF {
			return s - 1
		}
	case utf8AfterE0:
		if c >= 0xA0 && c <= 0xBF {
			return utf8Need1
		}
	case utf8AfterED:
		if c >= 0x80 && c <= 0x9F {
			return utf8Need1
		}
	case utf8AfterF0:
		if c >= 0x90 && c <= 0xBF {
			return utf8Need2
		}
	case utf8AfterF4:
		if c >= 0x80 && c <= 0x8F {
			return utf8Need2
		}
	}
	return utf8Reject
}

// validate continues validation over p and returns the new state. The
// bulk goes through unicode/utf8.Valid, which is fast on ASCII; the state
// machine handles only a sequence begun in an earlier fragment and one
// left incomplete at the end of p.
func (s utf8State) validate(p []byte) utf8State {
	i := 0
	for ; s != utf8Accept && s != utf8Reject && i < len(p); i++ {
		s = s.step(p[i])
	}
	if s != utf8Accept {
		return s
	}
	p = p[i:]
	tail := len(p)
	// Find a sequence started in the last three bytes that p cuts short.
	for j := len(p) - 1; j >= 0 && j >= len(p)-3; j-- {
		c := p[j]
		if c < 0x80 {
			break
		}
		if c >= 0xC0 {
			if len(p)-j < seqLen(c) {
				tail = j
			}
			break
		}
	}
	if !utf8.Valid(p[:tail]) {
		return utf8Reject
	}
	for _, c := range p[tail:] {
		s = s.step(c)
	}
	return s
}

// seqLen returns the length of the sequence lead byte c starts, or 1 for
// a byte that cannot start one (utf8.Valid rejects those).
func seqLen(c byte) int {
	switch {
	case c >= 0xC0 && c <= 0xDF:
		return 2
	case c >= 0xE0 && c <= 0xEF:
		return 3
	case c >= 0xF0 && c <= 0xF7:
		return 4
	}
	return 1
}
