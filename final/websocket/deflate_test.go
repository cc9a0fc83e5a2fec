package websocket

import (
	"bytes"
	"compress/flate"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The examples of RFC 7692, section 7.2.3, byte for byte, as a client
// receives them (server frames are unmasked).
func TestRFC7692Examples(t *testing.T) {
	pmd := &DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
	tests := []struct {
		name string
		wire []byte
		want []event
	}{
		{"7.2.3.1 a message compressed", []byte{0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}, []event{evText("Hello")}},
		{"7.2.3.1 the same, fragmented", []byte{0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00}, []event{evText("Hello")}},
		{"7.2.3.2 sharing the window", []byte{0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00},
			[]event{evText("Hello"), evText("Hello")}},
		{"7.2.3.3 a stored block", []byte{0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00}, []event{evText("Hello")}},
		{"7.2.3.4 BFINAL set", []byte{0xc1, 0x08, 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}, []event{evText("Hello")}},
		{"7.2.3.5 two blocks", []byte{0xc1, 0x0d, 0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00}, []event{evText("Hello")}},
	}
	for _, tc := range tests {
		for _, m := range feedModes {
			evs, err := feedCuts(ReaderOptions{Deflate: pmd}, tc.wire, m.cuts(len(tc.wire), newRand(t)))
			require.NoError(t, err, "%s: %s", tc.name, m.name)
			assert.Equal(t, tc.want, evs, "%s: %s", tc.name, m.name)
		}
	}
	// Our compressor produces the first example's bytes.
	w := NewWriter(WriterOptions{Deflate: pmd, Compression: &CompressionOptions{MinSize: 1, Level: flate.DefaultCompression}})
	got := w.AppendMessage(nil, OpText, []byte("Hello"))
	assert.Equal(t, []byte{0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}, got)
}

func TestNegotiateDeflate(t *testing.T) {
	tests := []struct {
		offer    string
		opts     *CompressionOptions
		ok       bool
		response string
		params   DeflateParams
	}{
		{"permessage-deflate", &CompressionOptions{}, true, "permessage-deflate", DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"permessage-deflate", nil, false, "", DeflateParams{}},
		{"", &CompressionOptions{}, false, "", DeflateParams{}},
		{"x-webkit-deflate-frame", &CompressionOptions{}, false, "", DeflateParams{}},
		{"permessage-deflate; client_max_window_bits", &CompressionOptions{}, true, "permessage-deflate", DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"permessage-deflate; server_no_context_takeover", &CompressionOptions{}, true, "permessage-deflate; server_no_context_takeover",
			DeflateParams{ServerNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"permessage-deflate", &CompressionOptions{ClientNoContextTakeover: true}, true, "permessage-deflate; client_no_context_takeover",
			DeflateParams{ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"permessage-deflate; server_max_window_bits=10", &CompressionOptions{}, true, "permessage-deflate; server_max_window_bits=10",
			DeflateParams{ServerMaxWindowBits: 10, ClientMaxWindowBits: 15}},
		{`permessage-deflate; server_max_window_bits="12"`, &CompressionOptions{}, true, "permessage-deflate; server_max_window_bits=12",
			DeflateParams{ServerMaxWindowBits: 12, ClientMaxWindowBits: 15}},
		// Declined offers fall through to the next one.
		{"permessage-deflate; server_max_window_bits=16, permessage-deflate", &CompressionOptions{}, true, "permessage-deflate", DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"permessage-deflate; server_max_window_bits=7", &CompressionOptions{}, false, "", DeflateParams{}},
		{"permessage-deflate; server_max_window_bits=010", &CompressionOptions{}, false, "", DeflateParams{}},
		{"permessage-deflate; server_max_window_bits", &CompressionOptions{}, false, "", DeflateParams{}},
		{"permessage-deflate; client_max_window_bits=99", &CompressionOptions{}, false, "", DeflateParams{}},
		{"permessage-deflate; unknown_param", &CompressionOptions{}, false, "", DeflateParams{}},
		{"permessage-deflate; server_no_context_takeover; server_no_context_takeover", &CompressionOptions{}, false, "", DeflateParams{}},
		{"permessage-deflate; server_no_context_takeover=1", &CompressionOptions{}, false, "", DeflateParams{}},
		{"foo, PerMessage-Deflate ;  Client_Max_Window_Bits=9 ", &CompressionOptions{}, true, "permessage-deflate", DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
	}
	for _, tc := range tests {
		params, resp, ok := NegotiateDeflate(tc.offer, tc.opts)
		assert.Equal(t, tc.ok, ok, tc.offer)
		assert.Equal(t, tc.response, resp, tc.offer)
		assert.Equal(t, tc.params, params, tc.offer)
	}
}

func TestAcceptDeflate(t *testing.T) {
	opts := &CompressionOptions{}
	tests := []struct {
		response string
		opts     *CompressionOptions
		found    bool
		bad      bool
		params   DeflateParams
	}{
		{"", opts, false, false, DeflateParams{}},
		{"permessage-deflate", opts, true, false, DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"permessage-deflate; client_max_window_bits=9; server_no_context_takeover", opts, true, false,
			DeflateParams{ServerNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 9}},
		{"permessage-deflate", nil, false, true, DeflateParams{}},
		{"permessage-deflate, permessage-deflate", opts, false, true, DeflateParams{}},
		{"x-other", opts, false, true, DeflateParams{}},
		{"permessage-deflate; bogus", opts, false, true, DeflateParams{}},
		{"permessage-deflate; server_max_window_bits=20", opts, false, true, DeflateParams{}},
		{"permessage-deflate; client_no_context_takeover=x", opts, false, true, DeflateParams{}},
		{"permessage-deflate", &CompressionOptions{ServerNoContextTakeover: true}, false, true, DeflateParams{}},
		{"permessage-deflate; server_no_context_takeover", &CompressionOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true}, true, false,
			DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{";;", opts, false, true, DeflateParams{}},
	}
	for _, tc := range tests {
		params, found, err := AcceptDeflate(tc.response, tc.opts)
		if tc.bad {
			assert.ErrorIs(t, err, ErrBadExtension, tc.response)
			continue
		}
		require.NoError(t, err, tc.response)
		assert.Equal(t, tc.found, found, tc.response)
		assert.Equal(t, tc.params, params, tc.response)
	}
	assert.Equal(t, "permessage-deflate; client_max_window_bits; server_no_context_takeover; client_no_context_takeover",
		DeflateOffer(&CompressionOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true}))
}

// Writers and Readers agree for every combination of side, context
// takeover and window limit, over many messages.
func TestDeflateRoundTrip(t *testing.T) {
	rng := newRand(t)
	words := strings.Fields("the quick brown fox jumps over the lazy dog while gornado serves websockets on one loop")
	for _, client := range []bool{false, true} {
		for _, noTakeover := range []bool{false, true} {
			for _, bits := range []int{15, 9} {
				params := &DeflateParams{ServerMaxWindowBits: bits, ClientMaxWindowBits: bits,
					ServerNoContextTakeover: noTakeover, ClientNoContextTakeover: noTakeover}
				w := NewWriter(WriterOptions{Client: client, Deflate: params})
				r := NewReader(ReaderOptions{Server: client, Deflate: params})
				var wire []byte
				var want []event
				for i := 0; i < 200; i++ {
					var b strings.Builder
					for j := rng.IntN(300); j >= 0; j-- {
						b.WriteString(words[rng.IntN(len(words))] + " ")
					}
					if i%7 == 0 {
						b.Reset() // empty and tiny messages too
					}
					op := OpText
					if i%3 == 0 {
						op = OpBinary
					}
					wire = w.AppendMessage(wire, op, []byte(b.String()))
					want = append(want, event{Op: op, Data: b.String()})
				}
				wire = w.AppendMessage(wire, OpPing, []byte("p"))
				want = append(want, evPing("p"))
				evs, err := feedReader(r, wire, randomCuts(len(wire), rng))
				require.NoError(t, err)
				require.Equal(t, want, evs, "client=%v noTakeover=%v bits=%d", client, noTakeover, bits)
			}
		}
	}
}

// The window kept for context takeover is the last 32 KiB of output,
// whatever the message sizes.
func TestInflaterWindow(t *testing.T) {
	f := newInflater(false)
	var all []byte
	rng := newRand(t)
	for i := 0; i < 500; i++ {
		n := rng.IntN(5000)
		if i%50 == 0 {
			n = 40000
		}
		out := bytes.Repeat([]byte{byte(i)}, n)
		f.keepWindow(out)
		all = append(all, out...)
		want := all
		if len(want) > windowSize {
			want = want[len(want)-windowSize:]
		}
		got := f.window
		if len(got) > windowSize {
			got = got[len(got)-windowSize:]
		}
		require.Equal(t, want, got, "after message %d", i)
		require.LessOrEqual(t, cap(f.window), 2*windowSize)
	}
}

// Without context takeover nothing is remembered between messages, so the
// compressor and decompressor go back to their pools after each one and an
// idle connection holds neither; with takeover they stay.
func TestDeflateStateReleased(t *testing.T) {
	for _, noTakeover := range []bool{true, false} {
		params := &DeflateParams{ServerNoContextTakeover: noTakeover, ClientNoContextTakeover: noTakeover, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
		w := NewWriter(WriterOptions{Deflate: params})
		r := NewReader(ReaderOptions{Deflate: params})
		msg := strings.Repeat("abc", 100)
		for i := 0; i < 3; i++ {
			evs, err := feedReader(r, w.AppendMessage(nil, OpText, []byte(msg)), nil)
			require.NoError(t, err)
			require.Equal(t, []event{evText(msg)}, evs)
			assert.Equal(t, noTakeover, w.deflate.fw == nil, "compressor released: noTakeover=%v", noTakeover)
			assert.Equal(t, noTakeover, r.inflate.fr == nil, "decompressor released: noTakeover=%v", noTakeover)
		}
	}
}
