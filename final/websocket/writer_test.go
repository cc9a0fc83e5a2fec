package websocket

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriterServerFrames(t *testing.T) {
	w := NewWriter(WriterOptions{})
	payload := []byte("hello")
	h, body := w.Prepare(OpText, payload)
	assert.Equal(t, []byte{0x81, 0x05}, h)
	assert.True(t, &body[0] == &payload[0], "a server's uncompressed body is the payload itself")
	h, body = w.PrepareClose(1000, "bye")
	assert.Equal(t, []byte{0x88, 0x05}, h)
	assert.Equal(t, []byte{0x03, 0xe8, 'b', 'y', 'e'}, body)
	h, body = w.Prepare(OpPing, bytes.Repeat([]byte("x"), 200))
	assert.Equal(t, []byte{0x89, 125}, h, "control payloads are cut to 125 bytes")
	assert.Len(t, body, 125)
	h, _ = w.Prepare(OpBinary, nil)
	assert.Equal(t, []byte{0x82, 0x00}, h)
}

// Client frames are masked with fresh keys and read back by a server; the
// caller's payload is untouched.
func TestWriterClientFrames(t *testing.T) {
	w := NewWriter(WriterOptions{Client: true})
	keys := map[[4]byte]bool{}
	payload := []byte("a client message that is long enough to mask word by word")
	var wire []byte
	for i := 0; i < 100; i++ {
		start := len(wire)
		wire = w.AppendMessage(wire, OpBinary, payload)
		h, _, err := ParseHeader(wire[start:])
		require.NoError(t, err)
		require.True(t, h.Masked)
		keys[h.Key] = true
	}
	assert.Equal(t, "a client message that is long enough to mask word by word", string(payload))
	assert.Greater(t, len(keys), 95, "masking keys must vary")
	wire = append(wire, AppendFrame(nil, true, 0, OpClose, nil, &testKey)...)
	evs, err := feedCuts(ReaderOptions{Server: true}, wire, nil)
	require.NoError(t, err)
	require.Len(t, evs, 101)
	assert.Equal(t, string(payload), evs[99].Data)
	// An empty message after a long one.
	wire = w.AppendMessage(nil, OpText, nil)
	assert.Equal(t, []byte{0x81, 0x80}, wire[:2])
	assert.Len(t, wire, 6)
}

// Steady state costs no allocation: parsing and unmasking a frame, and
// preparing one on either side.
func TestZeroAllocs(t *testing.T) {
	payload := bytes.Repeat([]byte("x"), 1024)
	wire := AppendFrame(nil, true, 0, OpBinary, payload, &testKey)
	buf := make([]byte, len(wire)+64)
	r := NewReader(ReaderOptions{Server: true})
	allocs := testing.AllocsPerRun(100, func() {
		copy(buf, wire)
		_, _, ok, err := r.Next(buf[:len(wire)])
		if !ok || err != nil {
			panic("no message")
		}
	})
	assert.Zero(t, allocs, "Reader.Next")

	// A message in pieces, once the buffer has grown.
	fragmented := cat(fr(false, 0, OpText, payload[:300], true), fr(true, 0, OpContinuation, payload[300:], true))
	allocs = testing.AllocsPerRun(100, func() {
		copy(buf, fragmented)
		p := buf[:len(fragmented)]
		for len(p) > 0 {
			n, _, _, err := r.Next(p[:min(len(p), 100)])
			if err != nil {
				panic(err)
			}
			p = p[n:]
		}
	})
	assert.Zero(t, allocs, "Reader.Next, fragmented")

	for _, client := range []bool{false, true} {
		w := NewWriter(WriterOptions{Client: client})
		allocs = testing.AllocsPerRun(100, func() { w.Prepare(OpBinary, payload) })
		assert.Zero(t, allocs, "Writer.Prepare client=%v", client)
	}
}
