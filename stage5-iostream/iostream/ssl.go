package iostream

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	futures "github.com/gornado/gornado/stage3-futures"
	"golang.org/x/sys/unix"
)

// # SSLIOStream: TLS on crypto/tls
//
// Python's ssl module can be driven by a non-blocking socket: do_handshake()
// raises SSLWantReadError, Tornado waits for READ and calls it again, and the
// handshake resumes where it stopped. crypto/tls cannot do that. Its
// Handshake runs the whole exchange as one ordinary function over a blocking
// net.Conn; if a read fails halfway through, the error is recorded and the
// handshake is over. So "return would-block and retry later" does not work
// for the handshake.
//
// What does work, in two phases:
//
//   - The handshake runs on a goroutine of its own, over a blocking view of
//     the same socket: a duplicate of the fd handed to Go's own network poller
//     with net.FileConn. While it runs, the loop keeps away from the fd (the
//     stream is "paused" and unregistered). When Handshake returns, the
//     goroutine hands the result back to the loop with AddCallback, the one
//     thing any goroutine may do, and exits.
//   - After the handshake, crypto/tls does tolerate a would-block on reads:
//     when its underlying Read returns a net.Error whose Temporary() is true,
//     it keeps the partial record and returns the error without breaking the
//     connection. So the tls.Conn is given a small in-memory net.Conn (the
//     shim): the loop feeds it the ciphertext it reads from the socket and
//     sends what tls.Conn writes into it. From then on everything happens on
//     the loop goroutine, like any other stream.
//
// The cost is one goroutine per handshake in progress, and nothing per
// established connection.

// SSLIOStream is an IOStream whose bytes are encrypted with TLS.
type SSLIOStream struct {
	*IOStream
	config     *tls.Config
	serverSide bool
	conn       *tls.Conn
	shim       *tlsShim
	scratch    []byte

	started bool     // the handshake goroutine was launched
	done    bool     // the handshake succeeded
	hsConn  net.Conn // the blocking duplicate, during the handshake only
	waiters []*futures.Future
}

// NewSSLIOStream wraps a socket for TLS. A server stream (serverSide) needs
// config.Certificates; a client checks the server against serverHostname (or
// config.ServerName) unless config says otherwise. If the socket is already
// connected (an accepted connection) the handshake starts at once; otherwise
// it starts when Connect succeeds. Reads and writes may be issued right away:
// they wait for the handshake.
func NewSSLIOStream(fd int, config *tls.Config, serverSide bool, serverHostname string, opts *Options) *SSLIOStream {
	if config == nil {
		config = &tls.Config{}
	}
	s := &SSLIOStream{IOStream: &IOStream{fd: fd}, config: config.Clone(), serverSide: serverSide, shim: &tlsShim{}}
	if !serverSide && serverHostname != "" {
		s.config.ServerName = serverHostname
	}
	_ = unix.SetNonblock(fd, true)
	s.IOStream.BaseIOStream = NewBaseIOStream(s, s, opts)
	s.onClose = s.failWaiters
	if _, err := unix.Getpeername(fd); err == nil {
		s.startHandshake()
	}
	return s
}

// Connect connects the socket, then does the TLS handshake; the Future
// resolves to the stream when both are done.
func (s *SSLIOStream) Connect(address string, serverHostname string) *futures.Future {
	if !s.serverSide && serverHostname != "" {
		s.config.ServerName = serverHostname
	}
	result := futures.New()
	s.IOStream.Connect(address, serverHostname).AddDoneCallback(func(f *futures.Future) {
		if err := f.Exception(); err != nil {
			_ = result.SetException(err)
			return
		}
		s.startHandshake()
		s.WaitForHandshake().AddDoneCallback(func(h *futures.Future) {
			if err := h.Exception(); err != nil {
				_ = result.SetException(err)
				return
			}
			_ = result.SetResult(s)
		})
	})
	return result
}

// WaitForHandshake resolves to the stream once the TLS handshake is done, or
// fails with the StreamClosedError (RealError: the TLS error) if it failed.
func (s *SSLIOStream) WaitForHandshake() *futures.Future {
	if s.done {
		return futures.Resolved(s)
	}
	if s.closed {
		return futures.Failed(&StreamClosedError{RealError: s.err})
	}
	f := futures.New()
	s.waiters = append(s.waiters, f)
	return f
}

// ConnectionState is the negotiated TLS state (version, peer certificates),
// valid once the handshake is done.
func (s *SSLIOStream) ConnectionState() tls.ConnectionState {
	if !s.done {
		return tls.ConnectionState{}
	}
	return s.conn.ConnectionState()
}

func (s *SSLIOStream) startHandshake() {
	if s.started || s.closed {
		return
	}
	s.started = true
	s.updateState() // paused now: the loop lets go of the fd
	dup, err := unix.Dup(s.fd)
	if err != nil {
		s.Close(fmt.Errorf("iostream: tls handshake: %w", err))
		return
	}
	f := os.NewFile(uintptr(dup), "tls-handshake")
	c, err := net.FileConn(f) // dups again into Go's own poller
	f.Close()
	if err != nil {
		s.Close(fmt.Errorf("iostream: tls handshake: %w", err))
		return
	}
	s.hsConn = c
	s.shim.hs = c
	if s.serverSide {
		s.conn = tls.Server(s.shim, s.config)
	} else {
		s.conn = tls.Client(s.shim, s.config)
	}
	conn, loop := s.conn, s.loop
	go func() {
		err := conn.Handshake()
		loop.AddCallback(func() { s.finishHandshake(err) })
	}()
}

// finishHandshake runs on the loop when the handshake goroutine is done. It
// switches the shim to memory, then resumes whatever the user asked for in
// the meantime: queued writes, a pending read.
func (s *SSLIOStream) finishHandshake(err error) {
	if s.hsConn != nil {
		s.hsConn.Close()
		s.hsConn = nil
	}
	s.shim.hs = nil
	if s.closed {
		return
	}
	if err != nil {
		s.Close(fmt.Errorf("iostream: tls handshake: %w", err))
		return
	}
	s.done = true
	for _, f := range s.waiters {
		f := f
		s.loop.AddCallback(func() { _ = f.SetResult(s) })
	}
	s.waiters = nil
	s.handleWrite()
	if !s.closed && s.Reading() {
		s.handleRead()
	}
	s.updateState()
}

func (s *SSLIOStream) failWaiters() {
	err := &StreamClosedError{RealError: s.err}
	for _, f := range s.waiters {
		f := f
		s.loop.AddCallback(func() { _ = f.SetException(err) })
	}
	s.waiters = nil
}

// paused keeps the loop away from the fd from construction until the
// handshake is done, except while a plain TCP connect is in progress.
func (s *SSLIOStream) paused() bool { return !s.done && !s.connecting }

func (s *SSLIOStream) hasPendingOutput() bool { return s.done && len(s.shim.out) > 0 }

// CloseFD closes the socket, and the handshake's duplicate if the handshake is
// still running, which makes it fail and its goroutine exit.
func (s *SSLIOStream) CloseFD() error {
	if s.hsConn != nil {
		s.hsConn.Close()
		s.hsConn = nil
	}
	return unix.Close(s.fd)
}

// ReadFromFD returns decrypted bytes. When crypto/tls has none, it feeds the
// shim one chunk of ciphertext from the socket and tries again, until the
// socket would block.
func (s *SSLIOStream) ReadFromFD(buf []byte) (int, error) {
	if !s.done {
		return 0, nil
	}
	for {
		n, err := s.conn.Read(buf)
		_ = s.flush() // a read may produce bytes to send (a TLS 1.3 key update)
		if n > 0 {
			return n, nil
		}
		switch {
		case errors.Is(err, errWouldBlock):
		case err == io.EOF:
			return 0, io.EOF
		case err != nil:
			return 0, err
		default:
			return 0, nil
		}
		if s.scratch == nil {
			s.scratch = make([]byte, 32<<10)
		}
		m, err := readFD(s.fd, s.scratch)
		if err == io.EOF {
			s.shim.eof = true
			continue
		}
		if err != nil || m == 0 {
			return 0, err
		}
		s.shim.in = append(s.shim.in, s.scratch[:m]...)
	}
}

// WriteToFD encrypts up to one TLS record of data into the shim and sends what
// the socket takes. It reports the plaintext bytes consumed; ciphertext that
// did not fit stays in the shim (hasPendingOutput) and goes out first next time.
func (s *SSLIOStream) WriteToFD(data []byte) (int, error) {
	if !s.done {
		return 0, nil
	}
	if err := s.flush(); err != nil {
		return 0, err
	}
	if len(s.shim.out) > 0 || len(data) == 0 {
		return 0, nil
	}
	n, err := s.conn.Write(data[:min(len(data), 16<<10)])
	if err != nil {
		return 0, err
	}
	return n, s.flush()
}

// flush sends the shim's ciphertext until the socket would block.
func (s *SSLIOStream) flush() error {
	for len(s.shim.out) > 0 {
		n, err := writeFD(s.fd, s.shim.out)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		s.shim.out = s.shim.out[n:]
	}
	s.shim.out = nil
	return nil
}

// tlsShim is the net.Conn under tls.Conn: during the handshake it passes
// through to the blocking duplicate (hs); afterwards it is two byte slices the
// loop fills and drains.
type tlsShim struct {
	hs  net.Conn
	in  []byte // ciphertext read from the socket, not yet taken by tls.Conn
	eof bool   // the socket reached EOF: no more ciphertext will come
	out []byte // ciphertext tls.Conn wrote, not yet sent
}

// errWouldBlock is the shim's "nothing yet": Temporary, so crypto/tls keeps
// its partial record and lets the read be retried.
var errWouldBlock net.Error = wouldBlockError{}

type wouldBlockError struct{}

func (wouldBlockError) Error() string   { return "iostream: tls read would block" }
func (wouldBlockError) Timeout() bool   { return true }
func (wouldBlockError) Temporary() bool { return true }

func (t *tlsShim) Read(p []byte) (int, error) {
	if t.hs != nil {
		return t.hs.Read(p)
	}
	if len(t.in) == 0 {
		if t.eof {
			return 0, io.EOF
		}
		return 0, errWouldBlock
	}
	n := copy(p, t.in)
	t.in = t.in[n:]
	if len(t.in) == 0 {
		t.in = nil
	}
	return n, nil
}

func (t *tlsShim) Write(p []byte) (int, error) {
	if t.hs != nil {
		return t.hs.Write(p)
	}
	t.out = append(t.out, p...)
	return len(p), nil
}

func (t *tlsShim) Close() error                     { return nil }
func (t *tlsShim) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (t *tlsShim) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (t *tlsShim) SetDeadline(time.Time) error      { return nil }
func (t *tlsShim) SetReadDeadline(time.Time) error  { return nil }
func (t *tlsShim) SetWriteDeadline(time.Time) error { return nil }
