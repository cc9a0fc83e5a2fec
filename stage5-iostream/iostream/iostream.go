package iostream

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"

	futures "github.com/gornado/gornado/stage3-futures"
	"golang.org/x/sys/unix"
)

// # IOStream: a stream over a socket

// IOStream is the socket-based stream: BaseIOStream plus Connect, StartTLS and
// SetNodelay. For a server, fd is an accepted connection; for a client, a
// socket made by Socket and then connected with Connect.
type IOStream struct {
	*BaseIOStream
	fd int
}

// NewIOStream wraps a socket, which it switches to non-blocking mode. The
// stream owns fd from now on and closes it in Close.
func NewIOStream(fd int, opts *Options) *IOStream {
	s := &IOStream{fd: fd}
	_ = unix.SetNonblock(fd, true)
	s.BaseIOStream = NewBaseIOStream(s, s, opts)
	return s
}

// Socket makes a non-blocking TCP socket of the given family (unix.AF_INET
// or unix.AF_INET6), Python's socket.socket(AF_INET, SOCK_STREAM).
func Socket(family int) (int, error) {
	fd, err := unix.Socket(family, unix.SOCK_STREAM, 0)
	if err != nil {
		return -1, fmt.Errorf("iostream: socket: %w", err)
	}
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("iostream: socket: %w", err)
	}
	return fd, nil
}

// Connect connects the socket to address ("127.0.0.1:8080", "[::1]:80")
// without blocking and resolves to the stream once connected. A refused
// connection closes the stream; the Future then fails with a
// StreamClosedError whose RealError says why. Writes issued before the
// connection is up are queued and sent once it is.
//
// serverHostname is used by SSLIOStream for the TLS handshake; a plain
// IOStream ignores it, as in Tornado. Only literal IP addresses are accepted:
// name resolution blocks, and Tornado keeps it in a separate Resolver too.
func (s *IOStream) Connect(address string, serverHostname string) *futures.Future {
	if s.closed {
		return futures.Failed(&StreamClosedError{RealError: s.err})
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return futures.Failed(fmt.Errorf("iostream: connect: %w", err))
	}
	var sa unix.Sockaddr
	if ap.Addr().Is4() {
		sa = &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	} else {
		sa = &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
	}
	s.connecting = true
	s.connectFuture = futures.New()
	f := s.connectFuture
	// A non-blocking connect returns EINPROGRESS at once; the socket
	// becomes writable when the handshake is done, and SO_ERROR tells
	// whether it worked (handleConnect).
	if err := unix.Connect(s.fd, sa); err != nil && err != unix.EINPROGRESS && err != unix.EINTR {
		s.Close(fmt.Errorf("iostream: connect to %s: %w", address, err))
		return f
	}
	s.updateState()
	return f
}

// SetNodelay turns Nagle's algorithm off (true) or on, TCP_NODELAY: small
// writes go out at once instead of waiting to be coalesced.
func (s *IOStream) SetNodelay(value bool) error {
	v := 0
	if value {
		v = 1
	}
	return unix.SetsockoptInt(s.fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, v)
}

// StartTLS turns this stream into an SSLIOStream on the same socket and
// starts the handshake; the Future resolves to the *SSLIOStream once it is
// done. The stream must be idle (no pending read or write, nothing buffered)
// and is unusable afterwards; its close callback moves to the new stream.
// config must have certificates for a server; for a client, serverHostname
// (if not empty) becomes config.ServerName.
func (s *IOStream) StartTLS(serverSide bool, config *tls.Config, serverHostname string) *futures.Future {
	if s.closed || s.Reading() || s.Writing() || s.buffered() > 0 || s.connecting {
		return futures.Failed(errors.New("iostream: StartTLS needs an idle, connected stream"))
	}
	// Detach the socket: this stream forgets it without closing it.
	if s.registered {
		s.loop.RemoveHandler(s.fd)
		s.registered = false
	}
	closeCallback := s.closeCallback
	s.closeCallback = nil
	s.closed = true
	opts := &Options{Loop: s.loop, MaxBufferSize: s.MaxBufferSize,
		ReadChunkSize: s.ReadChunkSize, MaxWriteBufferSize: s.MaxWriteBufferSize}
	ssl := NewSSLIOStream(s.fd, config, serverSide, serverHostname, opts)
	ssl.closeCallback = closeCallback
	return ssl.WaitForHandshake()
}

// The subclass methods for a socket.

// Fileno returns the socket.
func (s *IOStream) Fileno() int { return s.fd }

// CloseFD closes the socket.
func (s *IOStream) CloseFD() error { return unix.Close(s.fd) }

// WriteToFD sends what the socket takes now.
func (s *IOStream) WriteToFD(data []byte) (int, error) { return writeFD(s.fd, data) }

// ReadFromFD receives what the socket has now.
func (s *IOStream) ReadFromFD(buf []byte) (int, error) { return readFD(s.fd, buf) }

// GetFDError returns the socket's pending error (SO_ERROR), such as a refused
// connect.
func (s *IOStream) GetFDError() error {
	errno, err := unix.GetsockoptInt(s.fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return err
	}
	if errno != 0 {
		return unix.Errno(errno)
	}
	return nil
}

// LocalAddr and RemoteAddr are the socket's addresses, for logs and tests.
func (s *IOStream) LocalAddr() net.Addr { return sockAddr(unix.Getsockname(s.fd)) }

// RemoteAddr is the peer's address, or nil when not connected.
func (s *IOStream) RemoteAddr() net.Addr { return sockAddr(unix.Getpeername(s.fd)) }

func sockAddr(sa unix.Sockaddr, err error) net.Addr {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	case *unix.SockaddrInet6:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	}
	return nil
}

// readFD and writeFD turn read(2) and write(2) into the Transport contract:
// EAGAIN is "would block" (0, nil), and a read of 0 bytes is io.EOF.
func readFD(fd int, buf []byte) (int, error) {
	for {
		n, err := unix.Read(fd, buf)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return 0, nil
		case err != nil:
			return 0, err
		case n == 0 && len(buf) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

func writeFD(fd int, data []byte) (int, error) {
	if len(data) == 0 {
		return 0, nil
	}
	for {
		// The Go runtime ignores SIGPIPE for descriptors other than
		// stdout and stderr, so a write to a closed peer returns EPIPE.
		n, err := unix.Write(fd, data)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return 0, nil
		case err != nil:
			return 0, err
		}
		return n, nil
	}
}

// # PipeIOStream

// PipeIOStream is a stream over one end of a pipe (or any non-blocking file
// descriptor that is not a socket): the read end to read, the write end to
// write. Tornado uses it for a subprocess's stdin, stdout and stderr.
type PipeIOStream struct {
	*BaseIOStream
	fd int
}

// NewPipeIOStream wraps fd, which it switches to non-blocking mode. The stream
// owns fd and closes it in Close.
func NewPipeIOStream(fd int, opts *Options) *PipeIOStream {
	p := &PipeIOStream{fd: fd}
	_ = unix.SetNonblock(fd, true)
	p.BaseIOStream = NewBaseIOStream(p, p, opts)
	return p
}

// Fileno returns the pipe's fd.
func (p *PipeIOStream) Fileno() int { return p.fd }

// CloseFD closes the pipe's fd.
func (p *PipeIOStream) CloseFD() error { return unix.Close(p.fd) }

// WriteToFD writes what the pipe takes now.
func (p *PipeIOStream) WriteToFD(data []byte) (int, error) { return writeFD(p.fd, data) }

// ReadFromFD reads what the pipe has now.
func (p *PipeIOStream) ReadFromFD(buf []byte) (int, error) { return readFD(p.fd, buf) }

// GetFDError is always nil: a pipe has no pending error to ask about.
func (p *PipeIOStream) GetFDError() error { return nil }
