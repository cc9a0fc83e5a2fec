package iostream

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/internal/testutil"
)

func TestManyMixedReadsWithSmallChunks(t *testing.T) {
	// Tornado's test_many_mixed_reads, with a read chunk far smaller than
	// the reads so that owned buffers grow, compact and are handed back.
	l := quietLoop(t)
	a, b := pair(t, l)
	b.ReadChunkSize = 7
	rng := rand.New(rand.NewPCG(3, 4))
	var want bytes.Buffer
	for i := 0; i < 300; i++ {
		want.WriteString("record-")
		want.Write(bytes.Repeat([]byte{byte('a' + i%26)}, rng.IntN(50)))
		want.WriteString(";")
	}
	data := want.Bytes()
	run(t, l, func(c *gen.Co) error {
		a.Write(data)
		var got []byte
		for len(got) < len(data) {
			switch rng.IntN(3) {
			case 0:
				chunk, err := gen.Await(c, b.ReadUntil([]byte(";"), 0))
				require.NoError(t, err)
				got = append(got, chunk...)
			case 1:
				chunk, err := gen.Await(c, b.ReadBytes(min(13, len(data)-len(got)), false))
				require.NoError(t, err)
				got = append(got, chunk...)
			default:
				buf := make([]byte, 5)
				n, err := gen.Await(c, b.ReadInto(buf[:min(5, len(data)-len(got))], true))
				require.NoError(t, err)
				got = append(got, buf[:n]...)
			}
		}
		assert.True(t, bytes.Equal(data, got))
		return nil
	})
}

func TestConnectionResetFailsPendingRead(t *testing.T) {
	l := quietLoop(t)
	a, b := tcpPair(t, l)
	run(t, l, func(c *gen.Co) error {
		closed := concurrent.NewFuture[struct{}]()
		b.SetCloseCallback(func() { closed.SetResult(struct{}{}) })
		f := b.ReadUntil([]byte("\n"), 0)
		// SO_LINGER 0 makes close send a reset (RST) instead of FIN.
		require.NoError(t, unix.SetsockoptLinger(a.Fileno(), unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0}))
		a.Close()
		_, err := gen.Await(c, f)
		assert.ErrorIs(t, err, ErrStreamClosed)
		assert.ErrorIs(t, err, unix.ECONNRESET)
		_, err = gen.Await(c, closed)
		assert.NoError(t, err, "the close callback runs after the failed read")
		return nil
	})
}

func TestWriteToClosedPeer(t *testing.T) {
	l := quietLoop(t)
	a, b := tcpPair(t, l)
	run(t, l, func(c *gen.Co) error {
		b.Close()
		// The first writes may still be accepted by the kernel; keep
		// writing until the reset comes back as an error.
		var err error
		for i := 0; i < 100 && err == nil; i++ {
			_, err = gen.Await(c, a.Write(bytes.Repeat([]byte("x"), 64*1024)))
		}
		assert.ErrorIs(t, err, ErrStreamClosed)
		assert.True(t, a.Closed())
		return nil
	})
}

func TestTLSWrongServerName(t *testing.T) {
	scfg, ccfg := testutil.TLSConfigs(t)
	wrong := ccfg.Clone()
	wrong.ServerName = "example.invalid"
	client, server := tlsPair(t, scfg, wrong)
	run(t, client.Loop(), func(c *gen.Co) error {
		_, err := gen.Await(c, client.WaitForHandshake())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "example.invalid", "the hostname is checked")
		server.Close()
		return nil
	})
}

func TestWaitForHandshakeOnPlainStream(t *testing.T) {
	l := quietLoop(t)
	a, _ := pair(t, l)
	assert.ErrorIs(t, a.WaitForHandshake().Exception(), ErrNotTLS)
	_, ok := a.TLSConnectionState()
	assert.False(t, ok)
}

func TestReadBytesStreaming(t *testing.T) {
	l := quietLoop(t)
	a, b := pair(t, l)
	run(t, l, func(c *gen.Co) error {
		var chunks [][]byte
		f := b.ReadBytesStreaming(10, func(p []byte) { chunks = append(chunks, append([]byte(nil), p...)) })
		a.Write([]byte("0123"))
		for i := 0; i < 100 && len(chunks) == 0; i++ {
			gen.Moment(c)
		}
		require.NotEmpty(t, chunks, "the first piece arrives before the rest")
		a.Write([]byte("456789tail"))
		n, err := gen.Await(c, f)
		require.NoError(t, err)
		assert.Equal(t, 10, n)
		assert.Equal(t, "0123456789", string(bytes.Join(chunks, nil)))
		rest, err := gen.Await(c, b.ReadBytes(4, false))
		require.NoError(t, err)
		assert.Equal(t, "tail", string(rest), "nothing past n was consumed")
		g := b.ReadBytesStreaming(5, func([]byte) {})
		a.Close()
		_, err = gen.Await(c, g)
		assert.ErrorIs(t, err, ErrStreamClosed)
		return nil
	})
}

func TestPanicInReadReceiverReturnsSharedBuffer(t *testing.T) {
	l := quietLoop(t)
	a, b := pair(t, l)
	c2, d2 := pair(t, l)
	run(t, l, func(c *gen.Co) error {
		_, err := gen.Await(c, a.Write([]byte("boom\nrest")))
		require.NoError(t, err)
		done := concurrent.NewFuture[struct{}]()
		l.AddCallback(func() {
			defer done.SetResult(struct{}{})
			defer func() { recover() }() // stands in for the loop's recovery
			b.ReadUntilFunc([]byte("\n"), 0, func([]byte, error) { panic("receiver bug") })
		})
		gen.Await(c, done)
		assert.False(t, b.bufs.lent, "the loop's read buffer is free again")
		assert.Equal(t, passNone, b.pass)
		rest, err := gen.Await(c, b.ReadBytes(4, false))
		require.NoError(t, err)
		assert.Equal(t, "rest", string(rest), "the bytes after the panic are intact")
		c2.Write([]byte("other"))
		got, err := gen.Await(c, d2.ReadBytes(5, false))
		require.NoError(t, err)
		assert.Equal(t, "other", string(got))
		return nil
	})
}
