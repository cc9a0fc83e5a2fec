package iostream

import (
	"crypto/tls"
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/internal/testutil"
)

func TestCloseWriteHalfCloses(t *testing.T) {
	// The peer reads what was written, then end of file; this side still
	// reads what the peer sends afterwards.
	testutil.CheckLeaks(t)
	l := quietLoop(t)
	a, b := tcpPair(t, l)
	run(t, l, func(c *gen.Co) error {
		a.WriteBuffered([]byte("request"))
		require.NoError(t, a.CloseWrite())
		require.NoError(t, a.CloseWrite(), "twice is harmless")
		got, err := gen.Await(c, b.ReadUntilClose())
		require.NoError(t, err)
		assert.Equal(t, "request", string(got), "queued bytes go out first")
		assert.False(t, a.Closed())
		_, err = gen.Await(c, a.Write([]byte("more")))
		assert.ErrorIs(t, err, ErrWriteClosed)
		return nil
	})
}

func TestCloseWriteReadsOn(t *testing.T) {
	testutil.CheckLeaks(t)
	l := quietLoop(t)
	a, b := tcpPair(t, l)
	run(t, l, func(c *gen.Co) error {
		require.NoError(t, a.CloseWrite())
		_, err := gen.Await(c, b.Write([]byte("answer")))
		require.NoError(t, err)
		got, err := gen.Await(c, a.ReadBytes(6, false))
		require.NoError(t, err)
		assert.Equal(t, "answer", string(got), "the receiving side stays open")
		return nil
	})
}

func TestCloseWriteTLS(t *testing.T) {
	// A crypto/tls peer reads the bytes and a clean end of stream, and
	// can still send.
	scfg, ccfg := testutil.TLSConfigs(t)
	l := quietLoop(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	type result struct {
		got []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		conn, err := tls.Dial("tcp", ln.Addr().String(), ccfg)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer conn.Close()
		got, err := io.ReadAll(conn)
		if err == nil {
			_, err = conn.Write([]byte("after"))
		}
		done <- result{got, err}
	}()
	conn, err := ln.Accept()
	require.NoError(t, err)
	raw, err := FromConn(l, conn.(*net.TCPConn))
	require.NoError(t, err)
	fd := raw.Fileno()
	raw.closeAs(nil, endHandedOver)
	server, err := NewSSL(l, fd, scfg, true)
	require.NoError(t, err)
	defer server.Close()
	run(t, l, func(c *gen.Co) error {
		_, err := gen.Await(c, server.WaitForHandshake())
		require.NoError(t, err)
		_, err = gen.Await(c, server.Write([]byte("bye")))
		require.NoError(t, err)
		require.NoError(t, server.CloseWrite())
		got, err := gen.Await(c, server.ReadBytes(5, false))
		require.NoError(t, err)
		assert.Equal(t, "after", string(got))
		return nil
	})
	r := <-done
	require.NoError(t, r.err)
	assert.Equal(t, "bye", string(r.got))
}

func TestCloseWriteWaitsForBlockedWrites(t *testing.T) {
	// Bytes the socket has not taken yet go out before the shutdown.
	testutil.CheckLeaks(t)
	l := quietLoop(t)
	a, b := tcpPair(t, l)
	big := make([]byte, 4<<20)
	for i := range big {
		big[i] = byte(i)
	}
	run(t, l, func(c *gen.Co) error {
		f := a.Write(big) // more than the socket takes: the rest waits for WRITE
		require.NoError(t, a.CloseWrite())
		got, err := gen.Await(c, b.ReadUntilClose())
		require.NoError(t, err)
		assert.Equal(t, len(big), len(got))
		assert.Equal(t, big, got)
		_, err = gen.Await(c, f)
		require.NoError(t, err)
		return nil
	})
}
