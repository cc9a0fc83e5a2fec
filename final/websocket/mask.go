// Client-to-server masking (RFC 6455, section 5.3), a word at a time.

package websocket

import (
	"encoding/binary"
	"math/bits"
)

// MaskBytes XORs b in place with the masking key, starting at key byte pos
// (the count of payload bytes already masked, taken mod 4), and returns
// the position after b. Masking and unmasking are the same operation:
// "octet i of the transformed data is the XOR of octet i of the original
// data with octet at index i modulo 4 of the masking key" (section 5.3).
//
// The bulk runs eight bytes at a time against the key repeated into a
// 64-bit word (little-endian loads, so byte j of the word meets key byte
// (pos+j) mod 4), 32 bytes per iteration; only the tail goes bytewise.
func MaskBytes(key [4]byte, pos int, b []byte) int {
	pos &= 3
	if len(b) < 16 {
		for i := range b {
			b[i] ^= key[(pos+i)&3]
		}
		return (pos + len(b)) & 3
	}
	k32 := binary.LittleEndian.Uint32(key[:])
	// Rotate so that the word's low byte is key[pos].
	k32 = bits.RotateLeft32(k32, -8*pos)
	k64 := uint64(k32) | uint64(k32)<<32
	i := 0
	for ; len(b)-i >= 32; i += 32 {
		w := b[i : i+32 : i+32]
		binary.LittleEndian.PutUint64(w[0:], binary.LittleEndian.Uint64(w[0:])^k64)
		binary.LittleEndian.PutUint64(w[8:], binary.LittleEndian.Uint64(w[8:])^k64)
		binary.LittleEndian.PutUint64(w[16:], binary.LittleEndian.Uint64(w[16:])^k64)
		binary.LittleEndian.PutUint64(w[24:], binary.LittleEndian.Uint64(w[24:])^k64)
	}
	for ; len(b)-i >= 8; i += 8 {
		w := b[i : i+8 : i+8]
		binary.LittleEndian.PutUint64(w, binary.LittleEndian.Uint64(w)^k64)
	}
	// i is a multiple of 8, so the key position is still pos.
	for ; i < len(b); i++ {
		b[i] ^= key[(pos+i)&3]
	}
	return (pos + len(b)) & 3
}
