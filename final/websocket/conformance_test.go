// An Autobahn-style conformance table for the protocol core: each case is
// a byte stream a peer sends and the messages and close code expected of
// the receiving side. Every case runs on both sides (a server reading
// masked frames, a client reading unmasked ones) and is fed whole, byte by
// byte, and split at random points. Case numbers follow the Autobahn
// TestSuite's sections: 1 framing, 2 ping/pong, 3 reserved bits, 4 opcodes,
// 5 fragmentation, 6 UTF-8, 7 close, 9 limits, 12/13 compression; M is
// masking, which Autobahn does not test.

package websocket

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// confCase is one row of the table.
type confCase struct {
	// id is the Autobahn-style case number.
	id string
	// desc says what the peer sends.
	desc string
	// wire builds the peer's bytes, masked or not.
	wire func(masked bool) []byte
	// want are the messages delivered, in order, before any failure.
	want []event
	// code is the close code the receiver fails with, 0 for none.
	code int
	// err is the sentinel of the failure.
	err error
	// deflate negotiates permessage-deflate for the case.
	deflate *DeflateParams
	// max is the message size limit, 0 for the default.
	max int
	// sides restricts the case to "server" or "client".
	sides string
}

// frames returns a wire builder for a sequence of frames.
func frames(fs ...func(masked bool) []byte) func(bool) []byte {
	return func(masked bool) []byte {
		var out []byte
		for _, f := range fs {
			out = append(out, f(masked)...)
		}
		return out
	}
}

// f is one frame for frames.
func f(fin bool, rsv uint8, op Opcode, payload []byte) func(bool) []byte {
	return func(masked bool) []byte { return fr(fin, rsv, op, payload, masked) }
}

// text and bin are single-frame messages.
func text(s string) func(bool) []byte   { return f(true, 0, OpText, []byte(s)) }
func bin(b []byte) func(bool) []byte    { return f(true, 0, OpBinary, b) }
func ping(s string) func(bool) []byte   { return f(true, 0, OpPing, []byte(s)) }
func closeF(p []byte) func(bool) []byte { return f(true, 0, OpClose, p) }

// rawHeader is a frame header alone, for lengths too large to send.
func rawHeader(op Opcode, fin bool, n int64) func(bool) []byte {
	return func(masked bool) []byte {
		h := Header{Fin: fin, Opcode: op, Length: n, Masked: masked, Key: testKey}
		return AppendHeader(nil, h)
	}
}

// closeBody is a Close frame body.
func closeBody(code int, reason string) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(code))
	return append(b, reason...)
}

// compressed returns payload as a fresh compressor sends it.
func compressed(payload []byte) []byte {
	return newDeflater(flate.BestSpeed, 15, true).compress(nil, payload)
}

// Events for the expectations.
func evText(s string) event { return event{Op: OpText, Data: s} }
func evBin(b []byte) event  { return event{Op: OpBinary, Data: string(b)} }
func evPing(s string) event { return event{Op: OpPing, Data: s} }
func evPong(s string) event { return event{Op: OpPong, Data: s} }
func evClose(c int, r string) event {
	return event{Op: OpClose, Code: c, Reason: r, Data: string(closeBodyOrEmpty(c, r))}
}

// closeBodyOrEmpty is the Close body evClose expects.
func closeBodyOrEmpty(code int, reason string) []byte {
	if code == CloseNoStatusReceived {
		return nil
	}
	return closeBody(code, reason)
}

// autobahnInvalidUTF8 are Autobahn's section 6 invalid sequences (6.3,
// 6.4, 6.6, 6.8, 6.10-6.21) and a few of our own.
var autobahnInvalidUTF8 = []string{
	"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64",     // 6.3.1
	"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80\x65\x64\x69\x74\x65\x64", // 6.4.1
	"\xce", "\xce\xba\xe1", "\xce\xba\xe1\xbd", "\xce\xba\xe1\xbd\xb9\xcf", // 6.6
	"\xf8\x88\x80\x80\x80", "\xfc\x84\x80\x80\x80\x80", // 6.8
	"\xf4\x90\x80\x80", "\xf7\xbf\xbf\xbf", "\xfb\xbf\xbf\xbf\xbf", "\xfd\xbf\xbf\xbf\xbf\xbf", // 6.10
	"\x80", "\xbf", "\x80\xbf", "\x80\xbf\x80", "\x80\xbf\x80\xbf", // 6.12
	"\xc0 ", "\xe0 ", "\xf0 ", "\xf8 ", "\xfc ", "\xdf ", "\xef ", "\xf7 ", // 6.13
	"\xc0", "\xe0\x80", "\xf0\x80\x80", "\xdf", "\xef\xbf", "\xf7\xbf\xbf", // 6.14
	"\xc0\xe0\x80\xf0\x80\x80\xdf\xef\xbf\xf7\xbf\xbf", // 6.15
	"\xfe", "\xff", "\xfe\xfe\xff\xff", // 6.16
	"\xc0\xaf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf", "\xf8\x80\x80\x80\xaf", // 6.17
	"\xc1\xbf", "\xe0\x9f\xbf", "\xf0\x8f\xbf\xbf", // 6.18
	"\xc0\x80", "\xe0\x80\x80", "\xf0\x80\x80\x80", // 6.19
	"\xed\xa0\x80", "\xed\xad\xbf", "\xed\xae\x80", "\xed\xaf\xbf", "\xed\xb0\x80", "\xed\xbe\x80", "\xed\xbf\xbf", // 6.20
	"\xed\xa0\x80\xed\xb0\x80", "\xed\xaf\xbf\xed\xbf\xbf", // 6.21
	"Hello\xc3", "\xf1\x80\x80\x80\xc3(", "valid then \xe2\x82", // ours
}

// autobahnValidUTF8 are Autobahn's valid strings (6.2, 6.5, 6.7, 6.9, 6.11,
// 6.22, 6.23).
var autobahnValidUTF8 = []string{
	"", "Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!",
	"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5",
	"\x00", "\xc2\x80", "\xe0\xa0\x80", "\xf0\x90\x80\x80", // 6.7
	"\x7f", "\xdf\xbf", "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf", // 6.9
	"\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbd", // 6.11
	"\xef\xbf\xbe", "\xf0\x9f\xbf\xbe", "\xf4\x8f\xbf\xbe", // 6.22 noncharacters
	"\xef\xbf\xbd", // 6.23
}

// conformanceCases builds the table.
func conformanceCases() []confCase {
	var cs []confCase
	add := func(c confCase) { cs = append(cs, c) }
	pattern := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('*' + i%50)
		}
		return b
	}

	// 1: framing, text and binary of every length encoding.
	for i, n := range []int{0, 125, 126, 127, 128, 65535, 65536} {
		p := pattern(n)
		add(confCase{id: fmt.Sprintf("1.1.%d", i+1), desc: fmt.Sprintf("text, %d bytes", n), wire: text(string(p)), want: []event{evText(string(p))}})
		add(confCase{id: fmt.Sprintf("1.2.%d", i+1), desc: fmt.Sprintf("binary, %d bytes", n), wire: bin(p), want: []event{evBin(p)}})
	}
	add(confCase{id: "1.3.1", desc: "16-bit length holding 125", code: 1002, err: ErrNonMinimalLength,
		wire: func(bool) []byte { return []byte{0x82, 126, 0, 125} }, sides: "client"})
	add(confCase{id: "1.3.2", desc: "64-bit length holding 65535", code: 1002, err: ErrNonMinimalLength,
		wire: func(bool) []byte { return []byte{0x82, 127, 0, 0, 0, 0, 0, 0, 0xff, 0xff} }, sides: "client"})
	add(confCase{id: "1.3.3", desc: "64-bit length with the top bit set", code: 1002, err: ErrLengthMSB,
		wire: func(bool) []byte { return []byte{0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0} }, sides: "client"})

	// 2: ping and pong.
	bin125 := make([]byte, 125)
	for i := range bin125 {
		bin125[i] = byte(i * 2)
	}
	add(confCase{id: "2.1", desc: "ping, empty", wire: ping(""), want: []event{evPing("")}})
	add(confCase{id: "2.2", desc: "ping, text payload", wire: ping("Hello, world!"), want: []event{evPing("Hello, world!")}})
	add(confCase{id: "2.3", desc: "ping, binary payload", wire: f(true, 0, OpPing, []byte{0, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0, 0xff}),
		want: []event{evPing("\x00\xff\xfe\xfd\xfc\xfb\x00\xff")}})
	add(confCase{id: "2.4", desc: "ping, 125 bytes", wire: f(true, 0, OpPing, bin125), want: []event{evPing(string(bin125))}})
	add(confCase{id: "2.5", desc: "ping, 126 bytes", wire: f(true, 0, OpPing, make([]byte, 126)), code: 1002, err: ErrControlTooLong})
	add(confCase{id: "2.7", desc: "unsolicited pong", wire: f(true, 0, OpPong, nil), want: []event{evPong("")}})
	add(confCase{id: "2.8", desc: "unsolicited pong with payload", wire: f(true, 0, OpPong, []byte("unsolicited")), want: []event{evPong("unsolicited")}})
	{
		var fs []func(bool) []byte
		var want []event
		for i := 0; i < 10; i++ {
			fs = append(fs, ping(fmt.Sprintf("payload-%d", i)))
			want = append(want, evPing(fmt.Sprintf("payload-%d", i)))
		}
		add(confCase{id: "2.10", desc: "10 pings", wire: frames(fs...), want: want})
	}

	// 3: reserved bits without an extension.
	add(confCase{id: "3.1", desc: "text with RSV1", wire: f(true, Rsv1, OpText, []byte("Hello")), code: 1002, err: ErrReservedBits})
	add(confCase{id: "3.2", desc: "text, then text with RSV2, then ping", wire: frames(text("Hello"), f(true, Rsv2, OpText, []byte("Hello")), ping("")),
		want: []event{evText("Hello")}, code: 1002, err: ErrReservedBits})
	add(confCase{id: "3.3", desc: "text, text with RSV1|RSV2, ping", wire: frames(text("Hello"), f(true, Rsv1|Rsv2, OpText, []byte("Hello")), ping("")),
		want: []event{evText("Hello")}, code: 1002, err: ErrReservedBits})
	add(confCase{id: "3.4", desc: "text with RSV3", wire: f(true, Rsv3, OpText, []byte("Hello")), code: 1002, err: ErrReservedBits})
	add(confCase{id: "3.5", desc: "binary with RSV1|RSV3", wire: f(true, Rsv1|Rsv3, OpBinary, []byte{1, 2}), code: 1002, err: ErrReservedBits})
	add(confCase{id: "3.6", desc: "ping with RSV2|RSV3", wire: f(true, Rsv2|Rsv3, OpPing, []byte("Hello")), code: 1002, err: ErrReservedBits})
	add(confCase{id: "3.7", desc: "close with all reserved bits", wire: f(true, Rsv1|Rsv2|Rsv3, OpClose, nil), code: 1002, err: ErrReservedBits})

	// 4: reserved opcodes, alone and after a valid message.
	for i, op := range []Opcode{3, 4, 5, 6, 7} {
		add(confCase{id: fmt.Sprintf("4.1.%d", i+1), desc: fmt.Sprintf("data opcode %d", op),
			wire: frames(text("Hello"), f(true, 0, op, []byte("x")), ping("")), want: []event{evText("Hello")}, code: 1002, err: ErrUnknownOpcode})
	}
	for i, op := range []Opcode{11, 12, 13, 14, 15} {
		add(confCase{id: fmt.Sprintf("4.2.%d", i+1), desc: fmt.Sprintf("control opcode %d", op),
			wire: frames(text("Hello"), f(true, 0, op, nil), ping("")), want: []event{evText("Hello")}, code: 1002, err: ErrUnknownOpcode})
	}

	// 5: fragmentation.
	add(confCase{id: "5.1", desc: "ping in two fragments", wire: frames(f(false, 0, OpPing, []byte("frag1")), f(true, 0, OpContinuation, []byte("frag2"))),
		code: 1002, err: ErrFragmentedControl})
	add(confCase{id: "5.2", desc: "pong in two fragments", wire: frames(f(false, 0, OpPong, []byte("frag1")), f(true, 0, OpContinuation, []byte("frag2"))),
		code: 1002, err: ErrFragmentedControl})
	add(confCase{id: "5.3", desc: "text in two fragments", wire: frames(f(false, 0, OpText, []byte("fragment1")), f(true, 0, OpContinuation, []byte("fragment2"))),
		want: []event{evText("fragment1fragment2")}})
	add(confCase{id: "5.6", desc: "text in two fragments, ping between", wire: frames(f(false, 0, OpText, []byte("fragment1")), ping("pongme!"), f(true, 0, OpContinuation, []byte("fragment2"))),
		want: []event{evPing("pongme!"), evText("fragment1fragment2")}})
	add(confCase{id: "5.8", desc: "binary in two fragments, pong between", wire: frames(f(false, 0, OpBinary, []byte{1}), f(true, 0, OpPong, nil), f(true, 0, OpContinuation, []byte{2})),
		want: []event{evPong(""), evBin([]byte{1, 2})}})
	add(confCase{id: "5.9", desc: "continuation with FIN, nothing to continue", wire: frames(f(true, 0, OpContinuation, []byte("non-continuation payload")), text("Hello")),
		code: 1002, err: ErrUnexpectedContinuation})
	add(confCase{id: "5.10", desc: "continuation without FIN, nothing to continue", wire: frames(f(false, 0, OpContinuation, []byte("x")), text("Hello")),
		code: 1002, err: ErrUnexpectedContinuation})
	add(confCase{id: "5.15", desc: "a message, then a continuation of nothing", wire: frames(f(false, 0, OpText, []byte("fragment1")), f(true, 0, OpContinuation, []byte("fragment2")), f(false, 0, OpContinuation, []byte("fragment3"))),
		want: []event{evText("fragment1fragment2")}, code: 1002, err: ErrUnexpectedContinuation})
	add(confCase{id: "5.17", desc: "new text frame inside a fragmented message", wire: frames(f(false, 0, OpText, []byte("fragment1")), f(true, 0, OpText, []byte("fragment2"))),
		code: 1002, err: ErrExpectedContinuation})
	add(confCase{id: "5.18", desc: "new binary frame inside a fragmented text message", wire: frames(f(false, 0, OpText, []byte("a")), f(false, 0, OpBinary, []byte("b"))),
		code: 1002, err: ErrExpectedContinuation})
	{
		fs := []func(bool) []byte{f(false, 0, OpText, []byte("fragment1")), f(false, 0, OpContinuation, []byte("fragment2")), ping("pongme 1!"),
			f(false, 0, OpContinuation, []byte("fragment3")), f(false, 0, OpContinuation, []byte("fragment4")), ping("pongme 2!"), f(true, 0, OpContinuation, []byte("fragment5"))}
		add(confCase{id: "5.19", desc: "text in five fragments, two pings between", wire: frames(fs...),
			want: []event{evPing("pongme 1!"), evPing("pongme 2!"), evText("fragment1fragment2fragment3fragment4fragment5")}})
	}
	add(confCase{id: "5.21", desc: "empty fragments", wire: frames(f(false, 0, OpText, nil), f(false, 0, OpContinuation, nil), f(true, 0, OpContinuation, nil)),
		want: []event{evText("")}})
	add(confCase{id: "5.22", desc: "close between fragments", wire: frames(f(false, 0, OpText, []byte("a")), closeF(closeBody(1000, "bye"))),
		want: []event{evClose(1000, "bye")}})

	// 6: UTF-8, each string in one frame, and one frame per byte.
	for i, s := range autobahnValidUTF8 {
		add(confCase{id: fmt.Sprintf("6.v.%d", i+1), desc: fmt.Sprintf("valid %q", s), wire: text(s), want: []event{evText(s)}})
		if len(s) > 1 {
			var fs []func(bool) []byte
			for j := 0; j < len(s); j++ {
				op := OpContinuation
				if j == 0 {
					op = OpText
				}
				fs = append(fs, f(j == len(s)-1, 0, op, []byte{s[j]}))
			}
			add(confCase{id: fmt.Sprintf("6.v.%d.frag", i+1), desc: fmt.Sprintf("valid %q, a frame per byte", s), wire: frames(fs...), want: []event{evText(s)}})
		}
	}
	for i, s := range autobahnInvalidUTF8 {
		add(confCase{id: fmt.Sprintf("6.x.%d", i+1), desc: fmt.Sprintf("invalid %q", s), wire: text(s), code: 1007, err: ErrInvalidUTF8})
		var fs []func(bool) []byte
		for j := 0; j < len(s); j++ {
			op := OpContinuation
			if j == 0 {
				op = OpText
			}
			fs = append(fs, f(j == len(s)-1, 0, op, []byte{s[j]}))
		}
		add(confCase{id: fmt.Sprintf("6.x.%d.frag", i+1), desc: fmt.Sprintf("invalid %q, a frame per byte", s), wire: frames(fs...), code: 1007, err: ErrInvalidUTF8})
		add(confCase{id: fmt.Sprintf("6.x.%d.bin", i+1), desc: fmt.Sprintf("%q as binary is fine", s), wire: bin([]byte(s)), want: []event{evBin([]byte(s))}})
	}
	add(confCase{id: "6.4.2", desc: "invalid sequence fails fast, before the message ends",
		wire: frames(f(false, 0, OpText, []byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90")), rawHeader(OpContinuation, true, 1000)),
		code: 1007, err: ErrInvalidUTF8})

	// 7: close frames.
	add(confCase{id: "7.3.1", desc: "close, empty body", wire: closeF(nil), want: []event{evClose(1005, "")}})
	add(confCase{id: "7.3.2", desc: "close, one-byte body", wire: closeF([]byte{0x03}), code: 1002, err: ErrClosePayload})
	add(confCase{id: "7.3.3", desc: "close, code only", wire: closeF(closeBody(1000, "")), want: []event{evClose(1000, "")}})
	add(confCase{id: "7.3.4", desc: "close, code and reason", wire: closeF(closeBody(1000, "Hello World!")), want: []event{evClose(1000, "Hello World!")}})
	add(confCase{id: "7.3.5", desc: "close, 123-byte reason", wire: closeF(closeBody(1000, strings.Repeat("*", 123))), want: []event{evClose(1000, strings.Repeat("*", 123))}})
	add(confCase{id: "7.3.6", desc: "close, 124-byte reason", wire: closeF(closeBody(1000, strings.Repeat("*", 124))), code: 1002, err: ErrControlTooLong})
	add(confCase{id: "7.5.1", desc: "close, invalid UTF-8 reason", wire: closeF(closeBody(1000, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64")),
		code: 1007, err: ErrInvalidUTF8})
	for i, c := range []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999} {
		add(confCase{id: fmt.Sprintf("7.7.%d", i+1), desc: fmt.Sprintf("close code %d", c), wire: closeF(closeBody(c, "")), want: []event{evClose(c, "")}})
	}
	for i, c := range []int{0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535} {
		add(confCase{id: fmt.Sprintf("7.9.%d", i+1), desc: fmt.Sprintf("invalid close code %d", c), wire: closeF(closeBody(c, "")), code: 1002, err: ErrInvalidCloseCode})
	}

	// 9: limits (the default 10 MiB, and a small one to split finely).
	big := pattern(DefaultMaxMessageSize)
	add(confCase{id: "9.1", desc: "binary of exactly 10 MiB", wire: bin(big), want: []event{evBin(big)}})
	add(confCase{id: "9.2", desc: "header of a 10 MiB + 1 binary frame", wire: rawHeader(OpBinary, true, DefaultMaxMessageSize+1), code: 1009, err: ErrMessageTooBig})
	add(confCase{id: "9.3", desc: "header of a 2^62 text frame", wire: rawHeader(OpText, true, 1<<62), code: 1009, err: ErrMessageTooBig})
	add(confCase{id: "9.4", desc: "fragments summing to 10 MiB + 1", wire: frames(f(false, 0, OpBinary, big[:5<<20]), f(false, 0, OpContinuation, big[:5<<20]), rawHeader(OpContinuation, true, 1)),
		code: 1009, err: ErrMessageTooBig})
	add(confCase{id: "9.5", desc: "limit 100: 100 bytes", max: 100, wire: bin(pattern(100)), want: []event{evBin(pattern(100))}})
	add(confCase{id: "9.6", desc: "limit 100: 101 bytes", max: 100, wire: bin(pattern(101)), code: 1009, err: ErrMessageTooBig})
	add(confCase{id: "9.7", desc: "limit 100: fragments 60 + 41", max: 100, wire: frames(f(false, 0, OpText, pattern(60)), f(true, 0, OpContinuation, pattern(41))),
		code: 1009, err: ErrMessageTooBig})
	add(confCase{id: "9.8", desc: "limit 100: control frames do not count", max: 100, wire: frames(f(false, 0, OpText, pattern(60)), ping(string(pattern(100))), f(true, 0, OpContinuation, pattern(40))),
		want: []event{evPing(string(pattern(100))), evText(string(pattern(60)) + string(pattern(40)))}})

	// M: masking (section 5.1).
	add(confCase{id: "M.1", desc: "unmasked frame to a server", sides: "server", wire: func(bool) []byte { return fr(true, 0, OpText, []byte("hi"), false) },
		code: 1002, err: ErrUnmaskedFrame})
	add(confCase{id: "M.2", desc: "masked frame to a client", sides: "client", wire: func(bool) []byte { return fr(true, 0, OpText, []byte("hi"), true) },
		code: 1002, err: ErrMaskedFrame})

	// 12/13: permessage-deflate (RFC 7692 examples are in deflate_test.go).
	pmd := &DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
	pmdNo := &DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, ServerNoContextTakeover: true, ClientNoContextTakeover: true}
	hello := []byte("Hello, compressed world! Hello, compressed world!")
	add(confCase{id: "12.1", desc: "compressed text", deflate: pmd, wire: f(true, Rsv1, OpText, compressed(hello)), want: []event{evText(string(hello))}})
	add(confCase{id: "12.2", desc: "compressed binary, 64 KiB", deflate: pmd, wire: f(true, Rsv1, OpBinary, compressed(pattern(65536))), want: []event{evBin(pattern(65536))}})
	add(confCase{id: "12.3", desc: "compressed empty message", deflate: pmd, wire: f(true, Rsv1, OpText, []byte{0x00}), want: []event{evText("")}})
	add(confCase{id: "12.4", desc: "uncompressed message with deflate negotiated", deflate: pmd, wire: text("plain"), want: []event{evText("plain")}})
	{
		c := compressed(pattern(3000))
		add(confCase{id: "12.5", desc: "compressed message in three fragments, ping between", deflate: pmdNo,
			wire: frames(f(false, Rsv1, OpBinary, c[:10]), ping("p"), f(false, 0, OpContinuation, c[10:20]), f(true, 0, OpContinuation, c[20:])),
			want: []event{evPing("p"), evBin(pattern(3000))}})
		add(confCase{id: "12.6", desc: "RSV1 on a continuation frame", deflate: pmd,
			wire: frames(f(false, Rsv1, OpBinary, c[:10]), f(true, Rsv1, OpContinuation, c[10:])), code: 1002, err: ErrReservedBits})
	}
	add(confCase{id: "12.7", desc: "RSV1 on a ping", deflate: pmd, wire: f(true, Rsv1, OpPing, nil), code: 1002, err: ErrReservedBits})
	add(confCase{id: "12.8", desc: "compressed invalid UTF-8", deflate: pmd, wire: f(true, Rsv1, OpText, compressed([]byte("ok \xed\xa0\x80"))), code: 1007, err: ErrInvalidUTF8})
	add(confCase{id: "12.9", desc: "garbage instead of deflate data", deflate: pmd, wire: f(true, Rsv1, OpBinary, []byte{0xff, 0xff, 0xff, 0xff, 0xff}), code: 1007, err: ErrBadCompressedData})
	add(confCase{id: "12.10", desc: "zip bomb: 1 MiB of zeros against a 1000-byte limit", deflate: pmd, max: 1000,
		wire: f(true, Rsv1, OpBinary, compressed(make([]byte, 1<<20))), code: 1009, err: ErrMessageTooBig})
	add(confCase{id: "12.11", desc: "zip bomb: 10 MiB + 1 of zeros, default limit", deflate: pmd,
		wire: f(true, Rsv1, OpBinary, compressed(make([]byte, DefaultMaxMessageSize+1))), code: 1009, err: ErrMessageTooBig})
	add(confCase{id: "12.12", desc: "limit 1000: compresses to 50, inflates to exactly 1000", deflate: pmd, max: 1000,
		wire: f(true, Rsv1, OpBinary, compressed(make([]byte, 1000))), want: []event{evBin(make([]byte, 1000))}})
	{
		// Context takeover: the second message refers to the first.
		// (Go's BestSpeed codes blocks under 128 bytes without
		// matches, so the message is longer than that.)
		long := []byte(strings.Repeat("Hello, compressed world! ", 8) + "The end.")
		d := newDeflater(flate.BestSpeed, 15, false)
		a := d.compress(nil, long)
		b := d.compress(nil, long)
		if len(b) >= len(a) {
			panic("the second copy must be shorter, using the window")
		}
		add(confCase{id: "13.1", desc: "two messages sharing the window", deflate: pmd,
			wire: frames(f(true, Rsv1, OpText, a), f(true, Rsv1, OpText, b)), want: []event{evText(string(long)), evText(string(long))}})
		add(confCase{id: "13.2", desc: "a message referring to a window the sender promised not to keep", deflate: pmdNo,
			wire: frames(f(true, Rsv1, OpText, a), f(true, Rsv1, OpText, b)), want: []event{evText(string(long))}, code: 1007, err: ErrBadCompressedData})
	}
	{
		// Under a window limit we compress with Huffman coding only.
		d := newDeflater(flate.BestSpeed, 9, false)
		a := d.compress(nil, pattern(5000))
		b := d.compress(nil, pattern(5000))
		add(confCase{id: "13.3", desc: "Huffman-only messages (window bits 9)", deflate: pmd,
			wire: frames(f(true, Rsv1, OpBinary, a), f(true, Rsv1, OpBinary, b)), want: []event{evBin(pattern(5000)), evBin(pattern(5000))}})
	}
	return cs
}

func TestConformance(t *testing.T) {
	counts := map[string][2]int{}
	for _, tc := range conformanceCases() {
		for _, side := range []string{"server", "client"} {
			if tc.sides != "" && tc.sides != side {
				continue
			}
			t.Run(tc.id+"/"+side, func(t *testing.T) {
				opts := ReaderOptions{Server: side == "server", MaxMessageSize: tc.max, Deflate: tc.deflate}
				wire := tc.wire(side == "server")
				for _, m := range feedModes {
					if len(wire) > 1<<20 && m.name != "whole" && m.name != "random" {
						continue // the 10 MiB cases: whole and one random split
					}
					evs, err := feedCuts(opts, wire, m.cuts(len(wire), newRand(t)))
					if tc.code == 0 {
						require.NoError(t, err, "%s: %s", tc.desc, m.name)
					} else {
						require.Error(t, err, "%s: %s", tc.desc, m.name)
						assert.ErrorIs(t, err, tc.err, "%s: %s", tc.desc, m.name)
						assert.Equal(t, tc.code, CodeOf(err), "%s: %s", tc.desc, m.name)
					}
					if !assert.Equal(t, len(tc.want), len(evs), "%s: %s: %v", tc.desc, m.name, evs) {
						continue
					}
					for i := range evs {
						assert.True(t, evs[i] == tc.want[i], "%s: %s: event %d: got %v, want %v", tc.desc, m.name, i, evs[i], tc.want[i])
					}
				}
			})
			c := counts[strings.SplitN(tc.id, ".", 2)[0]]
			c[0]++
			if tc.code != 0 {
				c[1]++
			}
			counts[strings.SplitN(tc.id, ".", 2)[0]] = c
		}
	}
	var cats []string
	for k := range counts {
		cats = append(cats, k)
	}
	sort.Strings(cats)
	for _, k := range cats {
		t.Logf("section %s: %d runs (%d expect a close code)", k, counts[k][0], counts[k][1])
	}
}

// After an error the Reader keeps returning it.
func TestReaderStickyError(t *testing.T) {
	r := NewReader(ReaderOptions{})
	_, err := feedReader(r, fr(true, 0, Opcode(3), nil, false), nil)
	require.ErrorIs(t, err, ErrUnknownOpcode)
	_, _, _, err2 := r.Next(fr(true, 0, OpText, []byte("x"), false))
	assert.Equal(t, err, err2)
}

// A single-frame message arriving in one piece is delivered in place, not
// copied; one arriving in pieces is assembled.
func TestReaderZeroCopy(t *testing.T) {
	r := NewReader(ReaderOptions{Server: true})
	wire := fr(true, 0, OpBinary, []byte("abcdef"), true)
	n, m, ok, err := r.Next(wire)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, len(wire), n)
	assert.Equal(t, "abcdef", string(m.Data))
	assert.True(t, &m.Data[0] == &wire[len(wire)-6], "the payload must be unmasked in place")
}

// A large message buffer is released once its message has been delivered.
func TestReaderReleasesBigBuffer(t *testing.T) {
	r := NewReader(ReaderOptions{})
	big := bytes.Repeat([]byte("x"), 200<<10)
	_, err := feedReader(r, frames(f(false, 0, OpBinary, big[:100<<10]), f(true, 0, OpContinuation, big[100<<10:]))(false), nil)
	require.NoError(t, err)
	assert.Greater(t, cap(r.buf), bufKeep)
	_, err = feedReader(r, fr(true, 0, OpText, []byte("small"), false), nil)
	require.NoError(t, err)
	assert.Zero(t, cap(r.buf))
}
