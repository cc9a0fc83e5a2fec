package netutil

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/ioloop"
)

func newLoop(t *testing.T) *ioloop.IOLoop {
	l, err := ioloop.New(ioloop.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, err)
	t.Cleanup(func() { l.Close(false) })
	return l
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

func TestBindSocketsLoopback(t *testing.T) {
	testutil.CheckLeaks(t)
	fds, err := BindSockets(0, "127.0.0.1", BindOptions{})
	require.NoError(t, err)
	defer closeAll(fds)
	require.Len(t, fds, 1)
	port := SocketPort(fds[0])
	require.NotZero(t, port)
	c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", itoa(port)))
	require.NoError(t, err, "the socket listens")
	c.Close()

	_, err = BindSockets(port, "127.0.0.1", BindOptions{})
	assert.Error(t, err, "the port is taken without SO_REUSEPORT")
	_, err = BindSockets(0, "127.0.0.1", BindOptions{Family: IPv6})
	assert.ErrorIs(t, err, ErrNoAddress)
}

func itoa(n int) string {
	return netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(n)).String()[len("0.0.0.0:"):]
}

func TestBindSocketsReusePort(t *testing.T) {
	a, err := BindSockets(0, "127.0.0.1", BindOptions{ReusePort: true})
	require.NoError(t, err)
	defer closeAll(a)
	b, err := BindSockets(SocketPort(a[0]), "127.0.0.1", BindOptions{ReusePort: true, Backlog: 16})
	require.NoError(t, err, "a second socket on the same port, as each loop gets")
	defer closeAll(b)
	assert.Equal(t, SocketPort(a[0]), SocketPort(b[0]))
}

func TestBindUnixSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	fd, err := BindUnixSocket(path, 0o600, 0)
	require.NoError(t, err)
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	c, err := net.Dial("unix", path)
	require.NoError(t, err)
	c.Close()
	unix.Close(fd)
	fd, err = BindUnixSocket(path, 0o600, 0)
	require.NoError(t, err, "a stale socket file is replaced")
	unix.Close(fd)
	plain := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(plain, nil, 0o600))
	_, err = BindUnixSocket(plain, 0o600, 0)
	assert.Error(t, err, "a regular file is never removed")
}

func TestAddAcceptHandler(t *testing.T) {
	testutil.CheckLeaks(t)
	l := newLoop(t)
	fds, err := BindSockets(0, "127.0.0.1", BindOptions{})
	require.NoError(t, err)
	defer closeAll(fds)
	addr := net.JoinHostPort("127.0.0.1", itoa(SocketPort(fds[0])))
	var got []net.Addr
	done := concurrent.NewFuture[struct{}]()
	remove, err := AddAcceptHandler(l, fds[0], func(fd int, a net.Addr) {
		got = append(got, a)
		unix.Close(fd)
		if len(got) == 3 {
			done.SetResult(struct{}{})
		}
	})
	require.NoError(t, err)
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer c.Close()
	}
	_, err = ioloop.RunSync(l, func() *concurrent.Future[struct{}] { return done }, 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", got[0].(*net.TCPAddr).IP.String())
	remove()
	remove()
}

func TestAcceptBacksOffWhenOutOfDescriptors(t *testing.T) {
	l := newLoop(t)
	fds, err := BindSockets(0, "127.0.0.1", BindOptions{})
	require.NoError(t, err)
	defer closeAll(fds)
	addr := net.JoinHostPort("127.0.0.1", itoa(SocketPort(fds[0])))
	// The first accepts fail with EMFILE, as when the process is out of
	// descriptors; then the real accept succeeds.
	failures := 3
	var calls []time.Time
	acceptFunc = func(fd int) (int, unix.Sockaddr, error) {
		calls = append(calls, time.Now())
		if failures > 0 {
			failures--
			return -1, nil, unix.EMFILE
		}
		return unix.Accept(fd)
	}
	t.Cleanup(func() { acceptFunc = defaultAccept })
	done := concurrent.NewFuture[struct{}]()
	remove, err := AddAcceptHandler(l, fds[0], func(fd int, _ net.Addr) {
		unix.Close(fd)
		done.SetResult(struct{}{})
	})
	require.NoError(t, err)
	defer remove()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	_, err = ioloop.RunSync(l, func() *concurrent.Future[struct{}] { return done }, 5*time.Second)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(calls), 4)
	// The pauses grow: 5, 10, 20 ms. Without backoff the loop would spin
	// through thousands of calls in that time.
	assert.GreaterOrEqual(t, calls[3].Sub(calls[0]), 35*time.Millisecond)
	assert.Less(t, len(calls), 10)
}

func TestResolvers(t *testing.T) {
	l := newLoop(t)
	r := &DefaultResolver{Lookup: func(ctx context.Context, network, host string) ([]netip.Addr, error) {
		if host == "dual.test" {
			return []netip.Addr{netip.MustParseAddr("::1"), netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}, nil
		}
		return nil, errors.New("no such host")
	}}
	got, err := r.Resolve(l, "127.0.0.1", 80, Unspec).Result()
	require.NoError(t, err, "literals resolve at once")
	assert.Equal(t, []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:80")}, got)
	_, err = r.Resolve(l, "127.0.0.1", 80, IPv6).Result()
	assert.ErrorIs(t, err, ErrNoAddress)

	got, err = ioloop.RunSync(l, func() *concurrent.Future[[]netip.AddrPort] { return r.Resolve(l, "dual.test", 8, Unspec) }, 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, []netip.AddrPort{netip.MustParseAddrPort("[::1]:8"), netip.MustParseAddrPort("127.0.0.1:8")}, got)
	got, err = ioloop.RunSync(l, func() *concurrent.Future[[]netip.AddrPort] { return r.Resolve(l, "dual.test", 8, IPv4) }, 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:8")}, got)

	o := &OverrideResolver{Resolver: r, Mapping: map[string]string{"example.com": "127.0.0.1", "api.test:443": "127.0.0.1:8443"}}
	got, err = o.Resolve(l, "example.com", 80, Unspec).Result()
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:80", got[0].String())
	got, err = o.Resolve(l, "api.test", 443, Unspec).Result()
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:8443", got[0].String())
}

func TestIsValidIP(t *testing.T) {
	for s, want := range map[string]bool{"127.0.0.1": true, "::1": true, "4.4.4.4 ": false, "": false, "localhost": false, "1.2.3": false} {
		assert.Equal(t, want, IsValidIP(s), s)
	}
}
