package iostream

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
)

// countingTransport counts the system calls a stream makes (a plain
// stream has no transport: the tests give it one over its descriptor).
type countingTransport struct {
	transport
	// writes and reads count calls.
	writes, reads int
}

func (c *countingTransport) write(bufs [][]byte) (int, error) {
	c.writes++
	return c.transport.write(bufs)
}

func (c *countingTransport) read(p []byte) (int, error) {
	c.reads++
	return c.transport.read(p)
}

func TestPipelinedResponsesLeaveInOneWrite(t *testing.T) {
	// Sixteen responses written while handling one batch of pipelined
	// requests go out in a single system call: a batch's answers cost one
	// write, not sixteen (docs/design.md, "Memory").
	l := quietLoop(t)
	a, b := pair(t, l)
	ct := &countingTransport{transport: &fdTransport{fd: a.fd}}
	a.t = ct
	run(t, l, func(c *gen.Co) error {
		var last *concurrent.Future[struct{}]
		for i := 0; i < 16; i++ {
			last = a.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nHello, world"))
		}
		assert.Zero(t, ct.writes, "nothing is written before the iteration ends")
		_, err := gen.Await(c, last)
		require.NoError(t, err)
		assert.Equal(t, 1, ct.writes)
		data, err := gen.Await(c, b.ReadBytes(16*51, false))
		require.NoError(t, err)
		assert.Len(t, data, 16*51)
		return nil
	})
}

func TestShortReadSkipsTheEmptyRead(t *testing.T) {
	// After a read that drained the socket, the next read waits for
	// readiness instead of a system call that would find nothing.
	l := quietLoop(t)
	a, b := pair(t, l)
	ct := &countingTransport{transport: &fdTransport{fd: b.fd}}
	b.t = ct
	run(t, l, func(c *gen.Co) error {
		for i := 0; i < 10; i++ {
			a.Write([]byte("ping\n"))
			_, err := gen.Await(c, b.ReadUntil([]byte("\n"), 0))
			require.NoError(t, err)
		}
		assert.LessOrEqual(t, ct.reads, 11, "one read per message, not two")
		return nil
	})
}
