package iostream

import (
	"bytes"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
)

// queuesArray reports whether one of the stream's queued buffers starts at
// b's first byte.
func queuesArray(s *Stream, b []byte) bool { return countQueued(s, b) > 0 }

// countQueued counts the queued buffers that start at b's first byte.
func countQueued(s *Stream, b []byte) int {
	if s.w == nil {
		return 0
	}
	n := 0
	for _, q := range s.w.bufs {
		if len(q) > 0 && unsafe.SliceData(q) == unsafe.SliceData(b) {
			n++
		}
	}
	return n
}

func TestWriteNoCopyKeepsTheCallersBuffer(t *testing.T) {
	// Queued behind other bytes, WriteNoCopy keeps the buffer itself where
	// Write copies it; both deliver the same bytes in order.
	l := quietLoop(t)
	a, b := pair(t, l)
	big := bytes.Repeat([]byte("0123456789abcdef"), 1000) // not a chunk's size
	run(t, l, func(c *gen.Co) error {
		a.blocked = true // as if the socket were full: everything queues
		a.WriteBuffered([]byte("head"))
		require.NoError(t, a.WriteBufferedNoCopy(big))
		assert.True(t, queuesArray(&a.Stream, big), "kept, not copied")
		f := a.WriteNoCopy(big[:100])
		assert.Equal(t, 2, countQueued(&a.Stream, big))
		a.Write(big)
		assert.Equal(t, 2, countQueued(&a.Stream, big), "Write copies")
		a.blocked = false
		a.handleWrite()
		want := append(append(append([]byte("head"), big...), big[:100]...), big...)
		got, err := gen.Await(c, b.ReadBytes(len(want), false))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(want, got))
		_, err = gen.Await(c, f)
		require.NoError(t, err)
		assert.Nil(t, a.w, "nothing left queued")
		return nil
	})
}

func TestWriteNoCopyOfAChunkSizedBufferIsCopied(t *testing.T) {
	// The free list takes back buffers of exactly chunkSize; a caller's
	// buffer of that size must never enter it.
	l := quietLoop(t)
	a, b := pair(t, l)
	buf := bytes.Repeat([]byte{7}, chunkSize)
	run(t, l, func(c *gen.Co) error {
		a.blocked = true
		var f *concurrent.Future[struct{}] = a.WriteNoCopy(buf)
		assert.False(t, queuesArray(&a.Stream, buf))
		a.blocked = false
		a.handleWrite()
		_, err := gen.Await(c, f)
		require.NoError(t, err)
		for _, free := range a.bufs.free {
			assert.False(t, unsafe.SliceData(buf) == unsafe.SliceData(free[:1]), "the caller's buffer is in the free list")
		}
		got, err := gen.Await(c, b.ReadBytes(chunkSize, false))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(buf, got))
		return nil
	})
}

func TestLargeWriteLeavesWithQueuedBytesInOneCall(t *testing.T) {
	// A large write behind a small one goes out at once, in the same
	// system call, instead of being copied and flushed later.
	l := quietLoop(t)
	a, b := pair(t, l)
	ct := &countingTransport{transport: &fdTransport{fd: a.fd}}
	a.t = ct
	big := bytes.Repeat([]byte("x"), inlineWriteMin)
	run(t, l, func(c *gen.Co) error {
		a.WriteBuffered([]byte("head"))
		f := a.Write(big)
		assert.Equal(t, 1, ct.writes, "written at once")
		assert.Zero(t, a.queued())
		_, err := gen.Await(c, f)
		require.NoError(t, err)
		got, err := gen.Await(c, b.ReadBytes(4+len(big), false))
		require.NoError(t, err)
		assert.Equal(t, "head", string(got[:4]))
		assert.Equal(t, 1, ct.writes)
		return nil
	})
}
