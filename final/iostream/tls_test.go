package iostream

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/internal/testutil"
)

// tlsPair returns a client and a server SSLIOStream over a socketpair.
func tlsPair(t *testing.T, scfg, ccfg *tls.Config) (*IOStream, *IOStream) {
	t.Helper()
	loop := quietLoop(t)
	a, b := testutil.SocketPair(t)
	client, err := NewSSL(loop, a, ccfg, false)
	require.NoError(t, err)
	server, err := NewSSL(loop, b, scfg, true)
	require.NoError(t, err)
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

func TestSSLEchoWithALPNAndSNI(t *testing.T) {
	testutil.CheckLeaks(t)
	scfg, ccfg := testutil.TLSConfigs(t)
	scfg.NextProtos = []string{"h2", "http/1.1"}
	ccfg.NextProtos = []string{"http/1.1"}
	client, server := tlsPair(t, scfg, ccfg)
	l := client.Loop()
	payload := bytes.Repeat([]byte("tls!"), 100000) // many records
	run(t, l, func(c *gen.Co) error {
		// Writes and reads may be queued before the handshake is done.
		wf := client.Write([]byte("hello\n"))
		line, err := gen.Await(c, server.ReadUntil([]byte("\n"), 0))
		require.NoError(t, err)
		assert.Equal(t, "hello\n", string(line))
		_, err = gen.Await(c, wf)
		require.NoError(t, err)

		st, ok := server.TLSConnectionState()
		require.True(t, ok)
		assert.Equal(t, "http/1.1", st.NegotiatedProtocol)
		assert.Equal(t, "localhost", st.ServerName, "SNI seen by the server")
		cst, ok := client.TLSConnectionState()
		require.True(t, ok)
		assert.Equal(t, "http/1.1", cst.NegotiatedProtocol)

		server.Write(payload)
		got, err := gen.Await(c, client.ReadBytes(len(payload), false))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(payload, got))

		server.Close()
		rest, err := gen.Await(c, client.ReadUntilClose())
		require.NoError(t, err)
		assert.Empty(t, rest)
		return nil
	})
}

func TestSSLHandshakeFailureIsAnError(t *testing.T) {
	testutil.CheckLeaks(t)
	scfg, _ := testutil.TLSConfigs(t)
	untrusting := &tls.Config{ServerName: "localhost", RootCAs: x509.NewCertPool()}
	client, server := tlsPair(t, scfg, untrusting)
	run(t, client.Loop(), func(c *gen.Co) error {
		_, err := gen.Await(c, client.WaitForHandshake())
		require.Error(t, err)
		var uerr x509.UnknownAuthorityError
		assert.ErrorAs(t, err, &uerr, "the handshake error is surfaced: %v", err)
		assert.ErrorIs(t, err, ErrStreamClosed)
		_, err = gen.Await(c, server.WaitForHandshake())
		assert.Error(t, err, "the server sees the failure too")
		_, err = gen.Await(c, server.ReadBytes(1, false))
		assert.ErrorIs(t, err, ErrStreamClosed)
		return nil
	})
}

func TestSSLCloseDuringHandshake(t *testing.T) {
	testutil.CheckLeaks(t)
	l := quietLoop(t)
	_, ccfg := testutil.TLSConfigs(t)
	a, b := testutil.SocketPair(t)
	defer testutil.CloseFD(b)
	client, err := NewSSL(l, a, ccfg, false)
	require.NoError(t, err)
	run(t, l, func(c *gen.Co) error {
		f := client.WaitForHandshake()
		gen.Moment(c)
		client.Close()
		_, err := gen.Await(c, f)
		assert.ErrorIs(t, err, ErrStreamClosed)
		return nil
	})
	// CheckLeaks verifies the handshake goroutine has exited.
}

func TestStartTLS(t *testing.T) {
	scfg, ccfg := testutil.TLSConfigs(t)
	l := quietLoop(t)
	a, b := pair(t, l)
	run(t, l, func(c *gen.Co) error {
		// A plain exchange first, as in SMTP's STARTTLS.
		a.Write([]byte("STARTTLS\n"))
		cmd, err := gen.Await(c, b.ReadUntil([]byte("\n"), 0))
		require.NoError(t, err)
		require.Equal(t, "STARTTLS\n", string(cmd))
		sf := b.StartTLS(true, scfg)
		cf := a.StartTLS(false, ccfg)
		streams, err := gen.Await(c, gen.Multi([]*concurrent.Future[*IOStream]{cf, sf}))
		require.NoError(t, err)
		cs, ss := streams[0], streams[1]
		defer cs.Close()
		defer ss.Close()
		cs.Write([]byte("secret\n"))
		got, err := gen.Await(c, ss.ReadUntil([]byte("\n"), 0))
		require.NoError(t, err)
		assert.Equal(t, "secret\n", string(got))
		_, ok := ss.TLSConnectionState()
		assert.True(t, ok)
		assert.True(t, a.Closed(), "the plain stream is detached")
		return nil
	})
}

func TestStartTLSNeedsIdleStream(t *testing.T) {
	_, ccfg := testutil.TLSConfigs(t)
	l := quietLoop(t)
	a, _ := pair(t, l)
	a.ReadBytes(1, false)
	_, err := a.StartTLS(false, ccfg).Result()
	assert.Error(t, err)
}

func TestSSLServerAgainstCryptoTLSClient(t *testing.T) {
	// Interoperability both ways with crypto/tls on a real TCP socket.
	scfg, ccfg := testutil.TLSConfigs(t)
	l := quietLoop(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	payload := bytes.Repeat([]byte{0xab}, 1<<20)
	clientErr := make(chan error, 1)
	go func() {
		conn, err := tls.Dial("tcp", ln.Addr().String(), ccfg)
		if err != nil {
			clientErr <- err
			return
		}
		defer conn.Close()
		if _, err := conn.Write(payload); err != nil {
			clientErr <- err
			return
		}
		echo := make([]byte, len(payload))
		_, err = io.ReadFull(conn, echo)
		if err == nil && !bytes.Equal(echo, payload) {
			err = io.ErrShortBuffer
		}
		clientErr <- err
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
		got, err := gen.Await(c, server.ReadBytes(len(payload), false))
		require.NoError(t, err)
		_, err = gen.Await(c, server.Write(got))
		require.NoError(t, err)
		return nil
	})
	require.NoError(t, <-clientErr)
}
