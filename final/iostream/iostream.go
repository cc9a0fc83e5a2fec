// IOStream over a socket, and PipeIOStream over a pipe.

package iostream

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/ioloop"
)

// IOStream is a Stream over a non-blocking socket (Tornado's IOStream).
type IOStream struct {
	// Stream is the buffering engine; its methods are IOStream's.
	Stream
}

// New returns an IOStream over fd, a socket that is connected, or not yet
// (then call Connect). The stream owns fd from now on and makes it
// non-blocking.
func New(loop *ioloop.IOLoop, fd int) (*IOStream, error) {
	if err := unix.SetNonblock(fd, true); err != nil {
		return nil, os.NewSyscallError("setnonblock", err)
	}
	s := &IOStream{}
	s.init(loop, fd, nil)
	return s, nil
}

// FromConn returns an IOStream over a duplicate of c's descriptor and closes
// c: the bridge from a net.Conn (or net.Listener's Accept) to the loop.
// Call it on the loop's goroutine.
func FromConn(loop *ioloop.IOLoop, c syscall.Conn) (*IOStream, error) {
	fd, err := dupConn(c)
	if err != nil {
		return nil, err
	}
	if cl, ok := c.(interface{ Close() error }); ok {
		cl.Close()
	}
	s, err := New(loop, fd)
	if err != nil {
		unix.Close(fd)
	}
	return s, err
}

// dupConn duplicates the descriptor of c, close-on-exec.
func dupConn(c syscall.Conn) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return -1, err
	}
	nfd := -1
	var derr error
	if err := rc.Control(func(fd uintptr) {
		nfd, derr = dupCloexec(int(fd))
	}); err != nil {
		return -1, err
	}
	if derr != nil {
		return -1, os.NewSyscallError("dup", derr)
	}
	return nfd, nil
}

// Connect connects the stream's socket to sa without blocking and resolves
// when the connection is made or has failed (Tornado's IOStream.connect;
// the failure is a StreamClosedError wrapping the connect error). Reads and
// writes may be queued before it resolves.
func (s *IOStream) Connect(sa unix.Sockaddr) *concurrent.Future[struct{}] {
	f := concurrent.NewFuture[struct{}]()
	if s.connecting() {
		f.SetException(ErrAlreadyConnecting)
		return f
	}
	if s.Closed() {
		f.SetException(&StreamClosedError{RealError: s.err})
		return f
	}
	err := unix.Connect(s.fd, sa)
	if err != nil && !errors.Is(err, unix.EINPROGRESS) && !errors.Is(err, unix.EINTR) {
		s.close(os.NewSyscallError("connect", err))
		f.SetException(&StreamClosedError{RealError: s.err})
		return f
	}
	s.connectFut = f
	s.updateState()
	return f
}

// handleConnect finishes a connect once the socket is writable or failed.
func (s *Stream) handleConnect() {
	if err := socketError(s.fd); err != nil {
		// Tornado logs a failed connect at warning and closes.
		s.close(err)
		return
	}
	f := s.connectFut
	s.connectFut = nil
	if f != nil {
		f.SetResult(struct{}{})
	}
	if s.Closed() {
		return
	}
	if s.Writing() {
		s.handleWrite()
	}
	if s.kind != readNone {
		s.tryRead()
	}
	s.updateState()
}

// socketError returns the socket's pending error (SO_ERROR), or nil.
func socketError(fd int) error {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		if errors.Is(err, unix.ENOTSOCK) {
			return nil
		}
		return os.NewSyscallError("getsockopt", err)
	}
	if v != 0 {
		return os.NewSyscallError("connect", unix.Errno(v))
	}
	return nil
}

// SetNodelay turns Nagle's algorithm off (true) or on, where the socket is
// TCP (Tornado's set_nodelay); elsewhere it does nothing.
func (s *IOStream) SetNodelay(on bool) error {
	v := 0
	if on {
		v = 1
	}
	err := unix.SetsockoptInt(s.fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, v)
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOPROTOOPT) || errors.Is(err, unix.EINVAL) {
		return nil
	}
	if err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	return nil
}

// LocalAddr returns the socket's local address.
func (s *IOStream) LocalAddr() net.Addr { return sockaddrOf(unix.Getsockname(s.fd)) }

// RemoteAddr returns the socket's peer address.
func (s *IOStream) RemoteAddr() net.Addr { return sockaddrOf(unix.Getpeername(s.fd)) }

// sockaddrOf converts a unix.Sockaddr to a net.Addr.
func sockaddrOf(sa unix.Sockaddr, err error) net.Addr {
	if err != nil {
		return nil
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]).To16(), Port: a.Port}
	case *unix.SockaddrInet6:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	case *unix.SockaddrUnix:
		return &net.UnixAddr{Name: a.Name, Net: "unix"}
	}
	return nil
}

// PipeIOStream is a Stream over a pipe or other non-socket descriptor
// (Tornado's PipeIOStream), for a subprocess's standard streams.
type PipeIOStream struct {
	// Stream is the buffering engine; its methods are PipeIOStream's.
	Stream
}

// NewPipe returns a PipeIOStream over fd, which it owns and makes
// non-blocking.
func NewPipe(loop *ioloop.IOLoop, fd int) (*PipeIOStream, error) {
	if err := unix.SetNonblock(fd, true); err != nil {
		return nil, os.NewSyscallError("setnonblock", err)
	}
	s := &PipeIOStream{}
	s.init(loop, fd, nil)
	return s, nil
}

// PipeFromFile returns a PipeIOStream over a duplicate of f's descriptor
// and closes f.
func PipeFromFile(loop *ioloop.IOLoop, f *os.File) (*PipeIOStream, error) {
	fd, err := dupConn(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("iostream: %w", err)
	}
	s, err := NewPipe(loop, fd)
	if err != nil {
		unix.Close(fd)
	}
	return s, err
}
