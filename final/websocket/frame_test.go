package websocket

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The examples of RFC 6455, section 5.7, byte for byte.
func TestRFC6455Examples(t *testing.T) {
	hello := []byte("Hello")
	tests := []struct {
		name   string
		wire   []byte
		server bool
		want   []event
	}{
		{"single-frame unmasked text", []byte{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}, false,
			[]event{{Op: OpText, Data: "Hello"}}},
		{"single-frame masked text", []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}, true,
			[]event{{Op: OpText, Data: "Hello"}}},
		{"fragmented unmasked text", []byte{0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f}, false,
			[]event{{Op: OpText, Data: "Hello"}}},
		{"unmasked ping", []byte{0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}, false,
			[]event{{Op: OpPing, Data: "Hello"}}},
		{"masked pong", []byte{0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}, true,
			[]event{{Op: OpPong, Data: "Hello"}}},
		{"256 bytes binary", cat([]byte{0x82, 0x7E, 0x01, 0x00}, make([]byte, 256)), false,
			[]event{{Op: OpBinary, Data: string(make([]byte, 256))}}},
		{"64KiB binary", cat([]byte{0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0}, make([]byte, 65536)), false,
			[]event{{Op: OpBinary, Data: string(make([]byte, 65536))}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, m := range feedModes {
				evs, err := feedCuts(ReaderOptions{Server: tc.server}, tc.wire, m.cuts(len(tc.wire), newRand(t)))
				require.NoError(t, err, m.name)
				assert.Equal(t, tc.want, evs, m.name)
			}
		})
	}
	// And the writers produce the same bytes.
	assert.Equal(t, []byte{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}, AppendFrame(nil, true, 0, OpText, hello, nil))
	assert.Equal(t, []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}, AppendFrame(nil, true, 0, OpText, hello, &testKey))
	assert.Equal(t, []byte{0x82, 0x7E, 0x01, 0x00}, AppendHeader(nil, Header{Fin: true, Opcode: OpBinary, Length: 256}))
	assert.Equal(t, []byte{0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0}, AppendHeader(nil, Header{Fin: true, Opcode: OpBinary, Length: 65536}))
	assert.Equal(t, "Hello", string(hello), "AppendFrame must not mask the caller's payload")
}

func TestParseHeaderRoundTrip(t *testing.T) {
	for _, length := range []int64{0, 1, 125, 126, 127, 65535, 65536, 1<<32 + 5, 1<<63 - 1} {
		for _, masked := range []bool{false, true} {
			for _, rsv := range []uint8{0, Rsv1, Rsv1 | Rsv2 | Rsv3} {
				h := Header{Fin: length%2 == 0, Rsv: rsv, Opcode: OpBinary, Masked: masked, Length: length}
				if masked {
					h.Key = [4]byte{1, 2, 3, 4}
				}
				wire := AppendHeader(nil, h)
				for cut := 0; cut < len(wire); cut++ {
					_, n, err := ParseHeader(wire[:cut])
					require.NoError(t, err)
					require.Zero(t, n, "a header cut at %d of %d must ask for more", cut, len(wire))
				}
				got, n, err := ParseHeader(append(wire, 0xAA, 0xBB))
				require.NoError(t, err)
				assert.Equal(t, len(wire), n)
				assert.Equal(t, h, got)
			}
		}
	}
}

func TestParseHeaderLengthEncoding(t *testing.T) {
	tests := []struct {
		name string
		wire []byte
		err  error
	}{
		{"16-bit holding 125", []byte{0x82, 126, 0, 125}, ErrNonMinimalLength},
		{"16-bit holding 0", []byte{0x82, 126, 0, 0}, ErrNonMinimalLength},
		{"16-bit holding 126", []byte{0x82, 126, 0, 126}, nil},
		{"64-bit holding 65535", []byte{0x82, 127, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, ErrNonMinimalLength},
		{"64-bit holding 65536", []byte{0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0}, nil},
		{"64-bit with the top bit", []byte{0x82, 127, 0x80, 0, 0, 0, 0, 1, 0, 0}, ErrLengthMSB},
	}
	for _, tc := range tests {
		_, n, err := ParseHeader(tc.wire)
		if tc.err == nil {
			assert.NoError(t, err, tc.name)
			assert.Equal(t, len(tc.wire), n, tc.name)
			continue
		}
		assert.ErrorIs(t, err, tc.err, tc.name)
		assert.Equal(t, CloseProtocolError, CodeOf(err), tc.name)
	}
}

// MaskBytes must match the definition of section 5.3 for every length and
// starting position, and a run masked in pieces must equal one masked whole.
func TestMaskBytes(t *testing.T) {
	rng := newRand(t)
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	for n := 0; n < 200; n++ {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(rng.Uint32())
		}
		for pos := 0; pos < 4; pos++ {
			want := make([]byte, n)
			for i := range src {
				want[i] = src[i] ^ key[(pos+i)%4]
			}
			got := append([]byte{}, src...)
			next := MaskBytes(key, pos, got)
			require.Equal(t, want, got, "n=%d pos=%d", n, pos)
			require.Equal(t, (pos+n)%4, next)
		}
		// In pieces.
		whole := append([]byte(nil), src...)
		MaskBytes(key, 0, whole)
		pieces := append([]byte(nil), src...)
		pos := 0
		cuts := append(randomCuts(n, rng), n)
		prev := 0
		for _, c := range cuts {
			pos = MaskBytes(key, pos, pieces[prev:c])
			prev = c
		}
		require.Equal(t, whole, pieces)
		// Unaligned sub-slices.
		if n > 3 {
			a := append([]byte(nil), src...)
			MaskBytes(key, 1, a[3:])
			b := append([]byte(nil), src...)
			for i := 3; i < n; i++ {
				b[i] ^= key[(1+i-3)%4]
			}
			require.True(t, bytes.Equal(a, b))
		}
	}
}

func TestOpcodeString(t *testing.T) {
	assert.Equal(t, "text", OpText.String())
	assert.Equal(t, "pong", OpPong.String())
	assert.Equal(t, "opcode(3)", Opcode(3).String())
	assert.True(t, OpPing.IsControl())
	assert.False(t, OpBinary.IsControl())
}

func TestCodeOf(t *testing.T) {
	assert.Equal(t, 1000, CodeOf(nil))
	assert.Equal(t, 1011, CodeOf(errors.New("x")))
	assert.Equal(t, 1009, CodeOf(protocolError(CloseMessageTooBig, ErrMessageTooBig)))
}
