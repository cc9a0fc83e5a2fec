package tcpclient

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/iostream"
	"github.com/gornado/gornado/final/netutil"
)

func quietLoop(t *testing.T) *ioloop.IOLoop {
	l, err := ioloop.New(ioloop.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, err)
	t.Cleanup(func() { l.Close(false) })
	return l
}

// lineServer answers one line with "ok\n" on a goroutine, via net.
func lineServer(t *testing.T) (port int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 64)
				if n, _ := c.Read(buf); n > 0 {
					c.Write([]byte("ok\n"))
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestConnect(t *testing.T) {
	testutil.CheckLeaks(t)
	port := lineServer(t)
	l := quietLoop(t)
	client := &TCPClient{}
	_, err := gen.Run(l, 5*time.Second, func(c *gen.Co) (struct{}, error) {
		s, err := gen.Await(c, client.Connect(l, "127.0.0.1", port, Options{Timeout: 5 * time.Second}))
		require.NoError(t, err)
		defer s.Close()
		s.Write([]byte("hi\n"))
		line, err := gen.Await(c, s.ReadUntil([]byte("\n"), 0))
		require.NoError(t, err)
		assert.Equal(t, "ok\n", string(line))
		return struct{}{}, nil
	})
	require.NoError(t, err)
}

func TestConnectRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	l := quietLoop(t)
	_, err = gen.Run(l, 5*time.Second, func(c *gen.Co) (*iostream.IOStream, error) {
		return gen.Await(c, (&TCPClient{}).Connect(l, "127.0.0.1", port, Options{}))
	})
	assert.ErrorIs(t, err, unix.ECONNREFUSED)
}

func TestConnectOverrideResolverAndSourcePort(t *testing.T) {
	port := lineServer(t)
	l := quietLoop(t)
	client := &TCPClient{Resolver: &netutil.OverrideResolver{
		Resolver: &netutil.DefaultResolver{},
		Mapping:  map[string]string{"service.test": "127.0.0.1"},
	}}
	_, err := gen.Run(l, 5*time.Second, func(c *gen.Co) (struct{}, error) {
		s, err := gen.Await(c, client.Connect(l, "service.test", port, Options{SourceIP: "127.0.0.1"}))
		require.NoError(t, err)
		defer s.Close()
		assert.Equal(t, "127.0.0.1", s.LocalAddr().(*net.TCPAddr).IP.String())
		return struct{}{}, nil
	})
	require.NoError(t, err)
}

func TestConnectTLSAndTimeout(t *testing.T) {
	testutil.CheckLeaks(t)
	scfg, ccfg := testutil.TLSConfigs(t)
	// A TLS echo server on crypto/tls.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				tc := tlsServer(c, scfg)
				io.Copy(tc, tc)
			}()
		}
	}()
	// A plain server that never speaks TLS: the handshake hangs.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := silent.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	defer func() {
		silent.Close()
		select {
		case c := <-accepted:
			c.Close()
		default:
		}
	}()
	l := quietLoop(t)
	client := &TCPClient{}
	_, err = gen.Run(l, 10*time.Second, func(c *gen.Co) (struct{}, error) {
		s, err := gen.Await(c, client.Connect(l, "localhost", ln.Addr().(*net.TCPAddr).Port, Options{TLS: ccfg, Family: netutil.IPv4}))
		require.NoError(t, err)
		s.Write([]byte("secure\n"))
		line, err := gen.Await(c, s.ReadUntil([]byte("\n"), 0))
		require.NoError(t, err)
		assert.Equal(t, "secure\n", string(line))
		s.Close()

		_, err = gen.Await(c, client.Connect(l, "127.0.0.1", silent.Addr().(*net.TCPAddr).Port, Options{TLS: ccfg, Timeout: 50 * time.Millisecond}))
		assert.True(t, errors.Is(err, ErrConnectTimeout), "got %v", err)
		return struct{}{}, nil
	})
	require.NoError(t, err)
}
