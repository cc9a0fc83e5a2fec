// SSLIOStream: TLS over a stream, on crypto/tls.
//
// crypto/tls is written for blocking connections. Two facts shape this file:
//
//   - A handshake cannot be resumed after its connection returns an error:
//     the error is remembered and every later call fails. So the handshake
//     runs on a goroutine of its own, over an adapter whose Read blocks until
//     the loop has fed it ciphertext. The loop reads and writes the socket,
//     never blocking; the goroutine only turns bytes into bytes.
//   - After the handshake, a Read whose connection returns a temporary
//     net.Error is not remembered (crypto/tls keeps the partial record and
//     returns the error), and a Write whose connection never fails never
//     fails. So records are then handled on the loop itself, with no
//     goroutine: the adapter's Read returns "would block" when it has no
//     ciphertext, and its Write appends to a buffer the loop sends.
//
// The cost is one goroutine for the length of each handshake. After it,
// ciphertext is read into the loop's scratch buffer and handed to crypto/tls
// in place; crypto/tls itself allocates a small reader per record it fetches
// (atLeastReader), about two allocations per record each way, against one
// for crypto/tls on a blocking net.Conn. BenchmarkTLSEcho and
// BenchmarkCryptoTLSEcho compare the two.

package iostream

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/ioloop"
)

// SSLIOStream is an IOStream whose bytes travel over TLS (Tornado's
// SSLIOStream). It is the same Go type: reads, writes and close work alike;
// TLSConnectionState and WaitForHandshake add what TLS has.
type SSLIOStream = IOStream

// ErrNotTLS is returned by WaitForHandshake on a plain stream.
var ErrNotTLS = errors.New("iostream: stream is not TLS")

// errTLSWouldBlock is the adapter's "no ciphertext yet": a temporary
// net.Error, which crypto/tls does not remember after the handshake.
var errTLSWouldBlock net.Error = wouldBlockError{}

// wouldBlockError implements net.Error as temporary and a timeout.
type wouldBlockError struct{}

func (wouldBlockError) Error() string   { return "iostream: tls input would block" }
func (wouldBlockError) Timeout() bool   { return true }
func (wouldBlockError) Temporary() bool { return true }

// tlsAdapter is the net.Conn that crypto/tls reads ciphertext from and
// writes ciphertext to; the loop moves the bytes between it and the socket.
type tlsAdapter struct {
	// mu guards everything below; cond signals new input or close to a
	// blocked handshake Read.
	mu   sync.Mutex
	cond sync.Cond // on mu
	// in is ciphertext received and not yet read by crypto/tls.
	in []byte
	// out is ciphertext written by crypto/tls and not yet sent.
	out []byte
	// blocking is true during the handshake: Read waits for input.
	blocking bool
	// inBorrowed is true while in is the loop's scratch buffer (see
	// fillInPlace).
	inBorrowed bool
	// eof is set when the socket reached end of file.
	eof bool
	// closed is set when the stream closes; Read and Write then fail.
	closed bool
	// notify tells the loop that out has bytes (handshake only).
	notify func()
	// local and remote are the socket's addresses.
	local, remote net.Addr
}

func (a *tlsAdapter) Read(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for a.blocking && len(a.in) == 0 && !a.eof && !a.closed {
		a.cond.Wait()
	}
	switch {
	case a.closed:
		return 0, net.ErrClosed
	case len(a.in) > 0:
		n := copy(p, a.in)
		a.in = a.in[n:]
		if len(a.in) == 0 {
			a.in = nil
		}
		return n, nil
	case a.eof:
		return 0, io.EOF
	}
	return 0, errTLSWouldBlock
}

func (a *tlsAdapter) Write(p []byte) (int, error) {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return 0, net.ErrClosed
	}
	wasEmpty := len(a.out) == 0
	a.out = append(a.out, p...)
	notify := a.blocking && wasEmpty
	a.mu.Unlock()
	if notify && a.notify != nil {
		a.notify()
	}
	return len(p), nil
}

func (a *tlsAdapter) Close() error {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	a.cond.Broadcast()
	return nil
}

func (a *tlsAdapter) LocalAddr() net.Addr                { return a.local }
func (a *tlsAdapter) RemoteAddr() net.Addr               { return a.remote }
func (a *tlsAdapter) SetDeadline(t time.Time) error      { return nil }
func (a *tlsAdapter) SetReadDeadline(t time.Time) error  { return nil }
func (a *tlsAdapter) SetWriteDeadline(t time.Time) error { return nil }

// feed appends ciphertext read from the socket and wakes the handshake.
func (a *tlsAdapter) feed(p []byte) {
	a.mu.Lock()
	a.in = append(a.in, p...)
	a.mu.Unlock()
	a.cond.Broadcast()
}

// setEOF records the socket's end of file.
func (a *tlsAdapter) setEOF() {
	a.mu.Lock()
	a.eof = true
	a.mu.Unlock()
	a.cond.Broadcast()
}

// takeOut returns the pending ciphertext, leaving out empty.
func (a *tlsAdapter) takeOut() []byte {
	a.mu.Lock()
	out := a.out
	a.out = nil
	a.mu.Unlock()
	return out
}

// putBack returns unsent ciphertext to the front of out.
func (a *tlsAdapter) putBack(rest []byte) {
	if len(rest) == 0 {
		return
	}
	a.mu.Lock()
	a.out = append(rest[:len(rest):len(rest)], a.out...)
	a.mu.Unlock()
}

// inLen returns how much ciphertext waits to be read.
func (a *tlsAdapter) inLen() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.in)
}

// outLen returns how much ciphertext waits to be sent.
func (a *tlsAdapter) outLen() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.out)
}

// tlsTransport is the transport of an SSLIOStream after its handshake.
type tlsTransport struct {
	// raw reads and writes the socket.
	raw fdTransport
	// a is the adapter crypto/tls sits on.
	a *tlsAdapter
	// conn is the TLS connection.
	conn *tls.Conn
	// bufs are the loop's shared buffers (the TLS scratch buffer).
	bufs *loopBuffers
}

// flushOut sends pending ciphertext; errWouldBlock if some remains. A
// buffer sent in full is kept for the next records (up to 64 KiB), so that
// steady traffic does not allocate.
func (t *tlsTransport) flushOut() error {
	out := t.a.takeOut()
	sent := out
	for len(out) > 0 {
		n, err := t.raw.writeOne(out)
		out = out[n:]
		if err != nil {
			t.a.putBack(out)
			return err
		}
	}
	if cap(sent) > 0 && cap(sent) <= 64*1024 {
		t.a.mu.Lock()
		if t.a.out == nil {
			t.a.out = sent[:0]
		}
		t.a.mu.Unlock()
	}
	return nil
}

// fillIn reads ciphertext from the socket into the adapter, through the
// loop's TLS scratch buffer; the adapter copies it (the handshake goroutine
// reads it later).
func (t *tlsTransport) fillIn() (int, error) {
	scratch := t.bufs.tlsScratch()
	n, err := t.raw.read(scratch)
	if n > 0 {
		t.a.feed(scratch[:n])
	}
	return n, err
}

// fillInPlace is fillIn after the handshake, when crypto/tls reads on the
// loop: if the adapter holds no ciphertext, it reads the scratch buffer in
// place, and unborrow copies out what crypto/tls left before the loop
// reuses the buffer.
func (t *tlsTransport) fillInPlace() (int, error) {
	a := t.a
	a.mu.Lock()
	empty := len(a.in) == 0
	a.mu.Unlock()
	if !empty {
		return t.fillIn()
	}
	scratch := t.bufs.tlsScratch()
	n, err := t.raw.read(scratch)
	if n > 0 {
		a.mu.Lock()
		a.in, a.inBorrowed = scratch[:n], true
		a.mu.Unlock()
	}
	return n, err
}

// unborrow gives the scratch buffer back, copying unread ciphertext.
func (t *tlsTransport) unborrow() {
	a := t.a
	a.mu.Lock()
	if a.inBorrowed {
		a.inBorrowed = false
		if len(a.in) > 0 {
			a.in = append([]byte(nil), a.in...)
		} else {
			a.in = nil
		}
	}
	a.mu.Unlock()
}

func (t *tlsTransport) read(p []byte) (int, error) {
	defer t.unborrow()
	// Fetch ciphertext before asking crypto/tls when the adapter has none:
	// each would-block round through crypto/tls costs an allocation.
	blocked := false
	if t.a.inLen() == 0 {
		m, err := t.fillInPlace()
		switch {
		case err == errWouldBlock:
			blocked = true // crypto/tls may still hold plaintext
		case err != nil:
			return 0, err
		case m == 0:
			t.a.setEOF()
		}
	}
	for {
		n, err := t.conn.Read(p)
		if n > 0 {
			// Reading may have produced records to send (a KeyUpdate
			// answer); send them now if the socket takes them.
			_ = t.flushOut()
			return n, nil
		}
		switch {
		case err == nil:
			continue
		case err == error(errTLSWouldBlock):
			if blocked {
				return 0, errWouldBlock
			}
			m, rerr := t.fillInPlace()
			if rerr != nil {
				return 0, rerr
			}
			if m == 0 {
				t.a.setEOF()
			}
		case errors.Is(err, io.EOF):
			return 0, nil
		default:
			return 0, err
		}
	}
}

func (t *tlsTransport) write(bufs [][]byte) (int, error) {
	if err := t.flushOut(); err != nil {
		return 0, err
	}
	total := 0
	for _, b := range bufs {
		if total >= DefaultReadChunkSize {
			break // bound the ciphertext buffered per call
		}
		n, err := t.conn.Write(b)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, t.flushOut()
}

func (t *tlsTransport) pending() bool { return t.a.outLen() > 0 }

func (t *tlsTransport) close() error {
	t.a.Close()
	return t.raw.close()
}

// tlsState is an SSLIOStream's handshake.
type tlsState struct {
	// t is the transport, used once the handshake is done.
	t *tlsTransport
	// done is set on the loop when the handshake succeeded.
	done bool
	// blocked is true while handshake ciphertext waits for WRITE.
	blocked bool
	// fut resolves when the handshake finishes (WaitForHandshake).
	fut *concurrent.Future[struct{}]
}

// interest is the loop interest during the handshake.
func (ts *tlsState) interest() ioloop.Events {
	if ts.blocked {
		return ioloop.READ | ioloop.WRITE
	}
	return ioloop.READ
}

// failHandshake fails the handshake Future when the stream closes first.
func (ts *tlsState) failHandshake(err error) {
	if ts.fut != nil && !ts.fut.Done() {
		ts.fut.SetException(err)
	}
}

// NewSSL returns an SSLIOStream over fd, a connected socket, and starts the
// TLS handshake as a server (server true) or a client. The stream owns fd.
// A client config needs ServerName (or InsecureSkipVerify), as crypto/tls
// requires.
func NewSSL(loop *ioloop.IOLoop, fd int, cfg *tls.Config, server bool) (*IOStream, error) {
	if err := unix.SetNonblock(fd, true); err != nil {
		return nil, os.NewSyscallError("setnonblock", err)
	}
	s := &IOStream{}
	s.startTLS(loop, fd, cfg, server)
	return s, nil
}

// startTLS makes s a TLS stream over fd and starts its handshake.
func (s *IOStream) startTLS(loop *ioloop.IOLoop, fd int, cfg *tls.Config, server bool) {
	a := &tlsAdapter{blocking: true}
	a.cond.L = &a.mu
	a.local = sockaddrOf(unix.Getsockname(fd))
	a.remote = sockaddrOf(unix.Getpeername(fd))
	t := &tlsTransport{raw: fdTransport{fd: fd}, a: a}
	if server {
		t.conn = tls.Server(a, cfg)
	} else {
		t.conn = tls.Client(a, cfg)
	}
	s.init(loop, fd, t)
	t.bufs = s.bufs
	ts := &tlsState{t: t, fut: concurrent.NewFuture[struct{}]()}
	s.tls = ts
	// The adapter asks for a flush only when its output goes from empty
	// to not, so the requests are already coalesced.
	flush := s.handshakeFlush
	a.notify = func() { loop.AddCallback(flush) }
	go func() {
		err := t.conn.Handshake()
		loop.AddCallback(func() { s.handshakeDone(err) })
	}()
	s.updateState()
}

// handshakeEvents moves handshake ciphertext between the socket and the
// adapter while the handshake goroutine runs.
func (s *Stream) handshakeEvents(ev ioloop.Events) {
	t := s.tls.t
	if ev&(ioloop.READ|ioloop.ERROR) != 0 {
		for {
			n, err := t.fillIn()
			if err == errWouldBlock {
				break
			}
			if err != nil {
				s.close(err)
				return
			}
			if n == 0 {
				t.a.setEOF() // the handshake fails and reports it
				break
			}
		}
	}
	if ev&ioloop.WRITE != 0 {
		s.handshakeFlush()
		return
	}
	s.updateState()
}

// handshakeFlush sends handshake ciphertext, waiting for WRITE if the
// socket is full.
func (s *Stream) handshakeFlush() {
	if s.Closed() || s.tls == nil {
		return
	}
	err := s.tls.t.flushOut()
	switch {
	case err == errWouldBlock:
		s.tls.blocked = true
	case err != nil:
		s.close(err)
		return
	default:
		s.tls.blocked = false
	}
	s.updateState()
}

// handshakeDone runs on the loop when the handshake goroutine returns.
func (s *Stream) handshakeDone(err error) {
	if s.Closed() {
		return
	}
	ts := s.tls
	if err != nil {
		// Tornado logs SSL errors at warning and closes; the error is the
		// stream's Error and the handshake Future's cause.
		s.bufs.loop.Logger().Warn("iostream: TLS handshake failed", "fd", s.fd, "err", err)
		s.close(err)
		return
	}
	ts.t.a.mu.Lock()
	ts.t.a.blocking = false
	ts.t.a.mu.Unlock()
	ts.done = true
	ts.blocked = false
	s.handleWrite() // the handshake's last flight, then queued writes
	if s.Closed() {
		return
	}
	ts.fut.SetResult(struct{}{})
	if s.kind != readNone {
		s.tryRead()
	}
	s.updateState()
}

// WaitForHandshake returns a Future resolved when the TLS handshake has
// finished, or failed with the error that closed the stream (Tornado's
// wait_for_handshake).
func (s *IOStream) WaitForHandshake() *concurrent.Future[struct{}] {
	if s.tls == nil {
		return concurrent.Failed[struct{}](ErrNotTLS)
	}
	return s.tls.fut
}

// TLSConnectionState returns the TLS connection's state (negotiated
// protocol from ALPN, server name from SNI, peer certificates) once the
// handshake is done; ok is false before that and on plain streams.
func (s *IOStream) TLSConnectionState() (state tls.ConnectionState, ok bool) {
	if s.tls == nil || !s.tls.done {
		return tls.ConnectionState{}, false
	}
	return s.tls.t.conn.ConnectionState(), true
}

// StartTLS turns this idle, plain stream into an SSLIOStream over the same
// socket and starts the handshake (Tornado's start_tls, for protocols such
// as STARTTLS). This stream is detached and must not be used again; the
// Future resolves with the new stream once the handshake is done. The
// stream must have no pending read or write and no buffered bytes.
func (s *IOStream) StartTLS(server bool, cfg *tls.Config) *concurrent.Future[*IOStream] {
	ns, err := s.Upgrade(server, cfg)
	if err != nil {
		return concurrent.Failed[*IOStream](err)
	}
	return concurrent.Then(ns.WaitForHandshake(), func(struct{}) (*IOStream, error) { return ns, nil })
}

// Upgrade is StartTLS returning the new stream at once, its handshake under
// way (WaitForHandshake), so that the caller can close it early (a connect
// timeout, say).
func (s *IOStream) Upgrade(server bool, cfg *tls.Config) (*IOStream, error) {
	if s.Closed() || s.kind != readNone || s.Writing() || s.BufferedLen() > 0 || s.notReady() || s.tls != nil {
		return nil, errors.New("iostream: stream is not idle; cannot start TLS")
	}
	cb := s.closeCallback
	s.closeCallback = nil
	s.closeAs(nil, endHandedOver)
	ns := &IOStream{}
	ns.startTLS(s.bufs.loop, s.fd, cfg, server)
	ns.MaxBufferSize, ns.ReadChunkSize, ns.MaxWriteBufferSize = s.MaxBufferSize, s.ReadChunkSize, s.MaxWriteBufferSize
	ns.closeCallback = cb
	return ns, nil
}
