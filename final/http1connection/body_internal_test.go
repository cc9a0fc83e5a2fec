package http1connection

import (
	"bytes"
	"io"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// heapAllocated returns the bytes f allocates on the Go heap (every
// goroutine's count, so the test keeps to one).
func heapAllocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestChunkedBodyGrowsWithoutGarbage: a chunked body grows by blocks
// outside the heap, leaving no garbage behind (appending to one array left
// twice the body's size of it), and is assembled into one array of its
// exact length.
func TestChunkedBodyGrowsWithoutGarbage(t *testing.T) {
	const size = 16 << 20
	budget := NewBodyBudget(64 << 20)
	var b bodyBuf
	require.NoError(t, b.start(budget, -1))
	piece := make([]byte, 64<<10)
	for i := range piece {
		piece[i] = byte(i)
	}
	gathering := heapAllocated(func() {
		for range size / len(piece) {
			require.NoError(t, b.add(piece))
		}
	})
	assert.Less(t, gathering, uint64(1<<20), "heap allocated while gathering 16 MiB")
	assert.Equal(t, int64(size), budget.InUse())

	var body []byte
	assembly := heapAllocated(func() { body = b.bytes() })
	assert.Less(t, assembly, uint64(size+1<<20), "heap allocated by the assembly")
	require.Len(t, body, size)
	assert.Equal(t, bytes.Repeat(piece, size/len(piece)), body)
	assert.Empty(t, b.blocks, "every block unmapped")
	assert.Equal(t, int64(size), budget.InUse(), "the body is charged until its request ends")

	b.release()
	assert.Zero(t, budget.InUse())
}

// TestContentLengthBodyAllocatedOnce: a body of known length is one
// allocation of that length.
func TestContentLengthBodyAllocatedOnce(t *testing.T) {
	const size = 8<<20 + 3
	budget := NewBodyBudget(size)
	var b bodyBuf
	require.NoError(t, b.start(budget, size))
	assert.Equal(t, int64(size), budget.InUse(), "charged whole at the start")
	piece := make([]byte, 64<<10)
	allocated := heapAllocated(func() {
		for left := size; left > 0; left -= len(piece) {
			require.NoError(t, b.add(piece[:min(left, len(piece))]))
		}
	})
	assert.Less(t, allocated, uint64(size+1<<20))
	assert.Len(t, b.bytes(), size)
	b.release()
	assert.Zero(t, budget.InUse())

	// A second body does not fit beside a first that holds the budget.
	require.NoError(t, b.start(budget, size))
	var c bodyBuf
	assert.ErrorIs(t, c.start(budget, 1), ErrBodyBudget)
	b.release()
}

// TestReleasedBodyReadsAsEnded: a reader of a body released meanwhile (a
// gzip body whose connection closed while it was decompressed) reads the
// end, never the unmapped blocks.
func TestReleasedBodyReadsAsEnded(t *testing.T) {
	var b bodyBuf
	require.NoError(t, b.start(nil, -1))
	require.NoError(t, b.add(make([]byte, 3<<20)))
	r := b.reader()
	buf := make([]byte, 100)
	_, err := io.ReadFull(r, buf)
	require.NoError(t, err)
	b.release()
	n, err := r.Read(buf)
	assert.Zero(t, n)
	assert.Equal(t, io.EOF, err)
}
