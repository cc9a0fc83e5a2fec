// MaxWriteBufferSize on by default: a writer whose peer does not read is
// refused once the mark is reached, and writes again once the peer reads;
// one write larger than the mark still goes through.

package iostream

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/gen"
)

func TestDefaultWriteLimitRefusesAWriterWhosePeerDoesNotRead(t *testing.T) {
	// Over real TCP, a stream keeps writing 1 MiB pieces to a peer that
	// reads nothing. Without a default limit (Tornado's unlimited) every
	// write is queued; with it, writes are refused once 100 MiB wait,
	// and the queue holds at most the mark plus one piece. The pieces
	// are one buffer kept without a copy, so the test costs 1 MiB
	// however much it queues.
	l := quietLoop(t)
	w, peer := tcpPair(t, l)
	require.Equal(t, DefaultMaxWriteBufferSize, w.MaxWriteBufferSize, "the limit is on by default")
	piece := bytes.Repeat([]byte("gornado!"), 1<<17)
	run(t, l, func(c *gen.Co) error {
		written, refused := 0, error(nil)
		for i := 0; i < 400 && refused == nil; i++ {
			if refused = w.WriteBufferedNoCopy(piece); refused == nil {
				written += len(piece)
			}
		}
		var full *StreamBufferFullError
		require.ErrorAs(t, refused, &full, "a writer whose peer does not read is refused (wrote %d MiB)", written>>20)
		assert.Equal(t, "write", full.Which)
		assert.GreaterOrEqual(t, w.Queued(), DefaultMaxWriteBufferSize)
		assert.Less(t, w.Queued(), DefaultMaxWriteBufferSize+len(piece), "at most the mark plus the last write")
		assert.False(t, w.Closed())

		// The peer reads everything: the queue drains and writes are
		// accepted again.
		drained := w.Write(nil)
		n, err := gen.Await(c, peer.ReadBytesStreaming(written, func([]byte) {}))
		require.NoError(t, err)
		assert.Equal(t, written, n)
		_, err = gen.Await(c, drained)
		require.NoError(t, err)
		assert.NoError(t, w.WriteBufferedNoCopy(piece), "accepted again once the peer has read")
		_, err = gen.Await(c, peer.ReadBytes(len(piece), false))
		return err
	})
}

func TestOneWriteLargerThanTheWriteLimitGoesThrough(t *testing.T) {
	// A response written in one call is accepted whole even when it is
	// larger than the mark (the caller holds its bytes already); only the
	// next write, made while it waits, is refused.
	l := quietLoop(t)
	w, peer := tcpPair(t, l)
	w.MaxWriteBufferSize = 1 << 20
	body := bytes.Repeat([]byte("0123456789abcdef"), 1<<20) // 16 MiB
	run(t, l, func(c *gen.Co) error {
		sent := w.Write(body)
		if sent.Done() {
			require.NoError(t, sent.Exception(), "the large write is accepted")
		}
		// The socket takes a few hundred KiB at once, far from 16 MiB.
		require.GreaterOrEqual(t, w.Queued(), w.MaxWriteBufferSize)
		assert.ErrorAs(t, w.WriteBuffered([]byte("x")), new(*StreamBufferFullError), "a write behind it waits for the queue to drain")
		got, err := gen.Await(c, peer.ReadBytes(len(body), false))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(body, got), "the body arrives intact")
		_, err = gen.Await(c, sent)
		return err
	})
}
