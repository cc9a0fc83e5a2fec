package websocket

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// FuzzParseHeader: ParseHeader never panics, and since it accepts only
// minimal length encodings, writing back what it parsed reproduces the
// input's header bytes exactly.
func FuzzParseHeader(f *testing.F) {
	f.Add([]byte{0x81, 0x05, 'H', 'e', 'l', 'l', 'o'})
	f.Add([]byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58})
	f.Add([]byte{0x82, 0x7E, 0x01, 0x00})
	f.Add([]byte{0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n, err := ParseHeader(b)
		if err != nil || n == 0 {
			if n != 0 {
				t.Fatalf("n=%d with error %v", n, err)
			}
			return
		}
		if n > MaxHeaderLen || n > len(b) || h.Length < 0 {
			t.Fatalf("bad parse: n=%d h=%+v", n, h)
		}
		again := AppendHeader(nil, h)
		if string(again) != string(b[:n]) {
			t.Fatalf("round trip: %x became %x", b[:n], again)
		}
	})
}

// fuzzEvents feeds input to a Reader in the pieces cuts gives and returns
// its events and error, checking the invariants every message must hold.
func fuzzEvents(t *testing.T, opts ReaderOptions, input []byte, cuts []int) ([]event, error) {
	evs, err := feedCuts(opts, input, cuts)
	for _, e := range evs {
		switch e.Op {
		case OpText:
			if !utf8.ValidString(e.Data) {
				t.Fatalf("invalid UTF-8 delivered: %q", e.Data)
			}
		case OpBinary:
		case OpPing, OpPong, OpClose:
			if len(e.Data) > MaxControlPayload {
				t.Fatalf("control payload of %d bytes", len(e.Data))
			}
			if e.Op == OpClose && e.Code != CloseNoStatusReceived && !ValidCloseCode(e.Code) {
				t.Fatalf("invalid close code %d delivered", e.Code)
			}
		default:
			t.Fatalf("opcode %v delivered", e.Op)
		}
		if len(e.Data) > opts.MaxMessageSize {
			t.Fatalf("message of %d bytes over the limit %d", len(e.Data), opts.MaxMessageSize)
		}
	}
	if err != nil {
		if c := CodeOf(err); c != 1002 && c != 1007 && c != 1009 {
			t.Fatalf("close code %d for %v", c, err)
		}
	}
	return evs, err
}

// FuzzReader: fed whole or split anywhere, a Reader delivers the same
// messages and fails with the same error, and what it delivers is valid.
func FuzzReader(f *testing.F) {
	for _, tc := range conformanceCases() {
		w := tc.wire(false)
		if len(w) < 4096 {
			f.Add(w, uint64(1), false, tc.deflate != nil)
		}
	}
	f.Add(fr(true, 0, OpText, []byte("hello"), true), uint64(7), true, false)
	f.Fuzz(func(t *testing.T, input []byte, seed uint64, server, deflate bool) {
		opts := ReaderOptions{Server: server, MaxMessageSize: 1 << 16}
		if deflate {
			opts.Deflate = &DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
		}
		want, wantErr := fuzzEvents(t, opts, input, nil)
		rng := rand.New(rand.NewPCG(seed, seed))
		got, gotErr := fuzzEvents(t, opts, input, randomCuts(len(input), rng))
		if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
			t.Fatalf("errors differ: whole %v, split %v", wantErr, gotErr)
		}
		if len(want) != len(got) {
			t.Fatalf("whole gave %d events, split %d", len(want), len(got))
		}
		for i := range want {
			if want[i] != got[i] {
				t.Fatalf("event %d: whole %v, split %v", i, want[i], got[i])
			}
		}
	})
}

// FuzzUTF8: the incremental validator split at any point agrees with
// unicode/utf8.Valid.
func FuzzUTF8(f *testing.F) {
	for _, s := range autobahnInvalidUTF8 {
		f.Add([]byte(s), uint8(1))
	}
	for _, s := range autobahnValidUTF8 {
		f.Add([]byte(s), uint8(2))
	}
	f.Fuzz(func(t *testing.T, b []byte, cut uint8) {
		c := int(cut)
		if c > len(b) {
			c = len(b)
		}
		if validateSplit(b, []int{c}) != utf8.Valid(b) {
			t.Fatalf("%q cut at %d: validator says %v", b, c, !utf8.Valid(b))
		}
	})
}

// FuzzNegotiateDeflate: whatever a client offers, an offer the server
// accepts yields a response our own client accepts with the same
// parameters, and malformed offers never panic.
func FuzzNegotiateDeflate(f *testing.F) {
	f.Add("permessage-deflate; client_max_window_bits")
	f.Add(`permessage-deflate; server_max_window_bits="10"; server_no_context_takeover, x-webkit-deflate-frame`)
	f.Add("permessage-deflate;;,;=")
	f.Fuzz(func(t *testing.T, offer string) {
		p, resp, ok := NegotiateDeflate(offer, &CompressionOptions{})
		if !ok {
			return
		}
		got, found, err := AcceptDeflate(resp, &CompressionOptions{})
		if err != nil || !found || got != p {
			t.Fatalf("offer %q: server %+v answered %q, client read %+v, %v, %v", offer, p, resp, got, found, err)
		}
	})
}
