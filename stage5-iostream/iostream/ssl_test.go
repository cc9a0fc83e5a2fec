package iostream

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	futures "github.com/gornado/gornado/stage3-futures"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// selfSigned makes a certificate for "localhost" and 127.0.0.1, and the
// client configuration that trusts it.
func selfSigned(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "gornado test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	client = &tls.Config{RootCAs: pool}
	return server, client
}

// echoUpper serves one TLS (or, with plainFirst, STARTTLS-style) connection:
// each line comes back upper-cased, until the client hangs up.
func echoUpper(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if _, err := io.WriteString(c, strings.ToUpper(line)); err != nil {
			return
		}
	}
}

func TestSSLClientAgainstAGoTLSServer(t *testing.T) {
	l := newLoop(t)
	serverCfg, clientCfg := selfSigned(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", serverCfg)
	require.NoError(t, err)
	defer ln.Close()
	served := make(chan struct{})
	go func() {
		defer close(served)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		echoUpper(c)
	}()

	fd, err := Socket(unix.AF_INET)
	require.NoError(t, err)
	s := NewSSLIOStream(fd, clientCfg, false, "", &Options{Loop: l})
	v, err := run(t, l, func() *futures.Future { return s.Connect(ln.Addr().String(), "localhost") })
	require.NoError(t, err)
	require.Same(t, s, v)
	assert.Equal(t, "localhost", s.ConnectionState().ServerName)
	assert.True(t, s.ConnectionState().HandshakeComplete)

	assert.Equal(t, "HELLO, TLS\n", runBytes(t, l, func() *futures.Future {
		s.Write([]byte("hello, "))
		s.Write([]byte("tls\n"))
		return s.ReadUntil([]byte("\n"), 100)
	}))

	// A megabyte each way: many records, partial records at the ends of
	// reads, and ciphertext that waits in the shim for a writable socket.
	big := bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz012345"), 32<<10)
	big = append(big, '\n')
	got := runBytes(t, l, func() *futures.Future {
		s.Write(big)
		return s.ReadBytes(len(big), false, nil)
	})
	assert.Equal(t, strings.ToUpper(string(big)), got)

	s.Close(nil)
	<-served
}

func TestSSLServerAgainstAGoTLSClient(t *testing.T) {
	l := newLoop(t)
	serverCfg, clientCfg := selfSigned(t)
	lfd, err := BindSocket("127.0.0.1:0", 16)
	require.NoError(t, err)
	defer unix.Close(lfd)

	var server *SSLIOStream
	handshook := futures.New()
	remove, err := AddAcceptHandler(l, lfd, func(conn int, _ net.Addr) {
		server = NewSSLIOStream(conn, serverCfg, true, "", &Options{Loop: l})
		// A read issued before the handshake is done waits for it.
		server.ReadUntil([]byte("\n"), 1024).AddDoneCallback(func(f *futures.Future) {
			line, err := f.Result()
			if err != nil {
				server.Close(err)
				return
			}
			server.Write(bytes.ToUpper(line.([]byte)))
		})
		server.WaitForHandshake().AddDoneCallback(func(f *futures.Future) {
			v, err := f.Result()
			if err != nil {
				handshook.SetException(err)
				return
			}
			handshook.SetResult(v)
		})
	})
	require.NoError(t, err)
	defer remove()

	answer := make(chan string, 1)
	go func() {
		cfg := clientCfg.Clone()
		cfg.ServerName = "localhost"
		c, err := tls.Dial("tcp", BoundAddr(lfd), cfg)
		if err != nil {
			answer <- err.Error()
			return
		}
		io.WriteString(c, "served on the loop\n")
		line, _ := bufio.NewReader(c).ReadString('\n')
		c.Close()
		answer <- line
	}()
	_, err = run(t, l, func() *futures.Future { return handshook })
	require.NoError(t, err)

	var line string
	_, err = run(t, l, func() *futures.Future {
		done := futures.New()
		go func() {
			a := <-answer
			l.AddCallback(func() { line = a; done.SetResult(nil) })
		}()
		return done
	})
	require.NoError(t, err)
	assert.Equal(t, "SERVED ON THE LOOP\n", line)
	// The client hung up: the server stream sees EOF.
	v, err := run(t, l, func() *futures.Future { return server.ReadUntilClose(nil) })
	require.NoError(t, err)
	assert.Empty(t, v)
}

func TestStartTLS(t *testing.T) {
	l := newLoop(t)
	serverCfg, clientCfg := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	served := make(chan struct{})
	go func() {
		defer close(served)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		// Plain text first, like SMTP's STARTTLS, then TLS on the same socket.
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || line != "STARTTLS\n" {
			c.Close()
			return
		}
		io.WriteString(c, "GO AHEAD\n")
		echoUpper(tls.Server(c, serverCfg))
	}()

	fd, err := Socket(unix.AF_INET)
	require.NoError(t, err)
	plain := NewIOStream(fd, &Options{Loop: l})
	closedCalled := false
	plain.SetCloseCallback(func() { closedCalled = true })
	assert.Equal(t, "GO AHEAD\n", runBytes(t, l, func() *futures.Future {
		plain.Connect(ln.Addr().String(), "")
		plain.Write([]byte("STARTTLS\n"))
		return plain.ReadUntil([]byte("\n"), 100)
	}))
	v, err := run(t, l, func() *futures.Future { return plain.StartTLS(false, clientCfg, "localhost") })
	require.NoError(t, err)
	secure := v.(*SSLIOStream)
	assert.True(t, plain.Closed(), "the plain stream gave its socket away")
	assert.Equal(t, fd, secure.Fileno())

	assert.Equal(t, "SECRET\n", runBytes(t, l, func() *futures.Future {
		secure.Write([]byte("secret\n"))
		return secure.ReadUntil([]byte("\n"), 100)
	}))
	secure.Close(nil)
	_, _ = run(t, l, func() *futures.Future { return nil })
	assert.True(t, closedCalled, "the close callback moved to the TLS stream")
	<-served
}

func TestSSLHandshakeFailure(t *testing.T) {
	l := newLoop(t)
	serverCfg, _ := selfSigned(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", serverCfg)
	require.NoError(t, err)
	defer ln.Close()
	served := make(chan struct{})
	go func() {
		defer close(served)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		echoUpper(c) // the handshake fails on the client side
	}()
	fd, err := Socket(unix.AF_INET)
	require.NoError(t, err)
	// No RootCAs: the system pool does not know our self-signed certificate.
	s := NewSSLIOStream(fd, &tls.Config{}, false, "", &Options{Loop: l})
	pending := s.ReadBytes(1, false, nil)
	_, err = run(t, l, func() *futures.Future { return s.Connect(ln.Addr().String(), "localhost") })
	var closed *StreamClosedError
	require.ErrorAs(t, err, &closed)
	var unknown x509.UnknownAuthorityError
	assert.ErrorAs(t, err, &unknown)
	assert.True(t, s.Closed())
	_, err = pending.Result()
	if !pending.Done() { // resolved on the loop's next turn
		_, err = run(t, l, func() *futures.Future { return pending })
	}
	assert.ErrorAs(t, err, &closed, "the read waiting for the handshake fails too")
	<-served
}

func TestSSLCloseDuringHandshake(t *testing.T) {
	l := newLoop(t)
	_, clientCfg := selfSigned(t)
	// A server that accepts and then says nothing: the handshake goroutine
	// blocks reading, until Close closes its socket under it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	fd, err := Socket(unix.AF_INET)
	require.NoError(t, err)
	s := NewSSLIOStream(fd, clientCfg, false, "", &Options{Loop: l})
	connected := s.Connect(ln.Addr().String(), "localhost")
	peer := <-accepted
	defer peer.Close()
	_, err = run(t, l, func() *futures.Future {
		// Once the ClientHello reaches the peer, the handshake goroutine is
		// running and waiting for an answer: close the stream under it.
		go func() {
			buf := make([]byte, 1)
			if _, err := peer.Read(buf); err == nil {
				l.AddCallback(func() { s.Close(nil) })
			}
		}()
		return connected
	})
	assert.ErrorAs(t, err, new(*StreamClosedError))
	// newLoop's cleanup checks the handshake goroutine is gone.
}
