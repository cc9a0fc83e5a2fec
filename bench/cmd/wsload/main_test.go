package main

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/bench/internal/wsclient"
)

// unmask decodes a client frame as a server would (RFC 6455, section 5.3).
func unmask(t *testing.T, f []byte) []byte {
	require.Equal(t, byte(0x82), f[0], "FIN and binary opcode")
	require.NotZero(t, f[1]&0x80, "client frames are masked")
	n, off := int(f[1]&0x7f), 2
	switch n {
	case 126:
		n, off = int(f[2])<<8|int(f[3]), 4
	case 127:
		n, off = 0, 10
		for _, b := range f[2:10] {
			n = n<<8 | int(b)
		}
	}
	key := f[off : off+4]
	p := f[off+4:]
	require.Len(t, p, n)
	out := make([]byte, n)
	for i := range p {
		out[i] = p[i] ^ key[i%4]
	}
	return out
}

func TestMaskedFrame(t *testing.T) {
	for _, size := range []int{0, 5, 125, 126, 1024, 65535, 65536} {
		msg := bytes.Repeat([]byte("xyz"), size/3+1)[:size]
		assert.Equal(t, msg, unmask(t, wsclient.MaskedFrame(wsclient.OpBinary, msg)), "size %d", size)
	}
}

// serverFrame is an unmasked frame as a server sends it.
func serverFrame(payload []byte) []byte {
	f := []byte{0x82}
	if n := len(payload); n < 126 {
		f = append(f, byte(n))
	} else {
		f = append(f, 126, byte(n>>8), byte(n))
	}
	return append(f, payload...)
}

func TestReadEcho(t *testing.T) {
	msg := bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz"), 40)[:1024]
	// Two echoes back to back in one read, as a server batching writes sends.
	in := append(serverFrame(msg), serverFrame(msg)...)
	br := bufio.NewReader(bytes.NewReader(in))
	buf := make([]byte, len(msg))
	require.NoError(t, readEcho(br, buf, msg))
	require.NoError(t, readEcho(br, buf, msg))
	assert.Error(t, readEcho(br, buf, msg), "EOF after two")

	short := bufio.NewReader(bytes.NewReader(serverFrame(msg[:10])))
	assert.ErrorContains(t, readEcho(short, buf, msg), "echo of 10 bytes")

	closing := bufio.NewReader(bytes.NewReader([]byte{0x88, 0x00}))
	assert.ErrorContains(t, readEcho(closing, buf, msg), "closed")
}
