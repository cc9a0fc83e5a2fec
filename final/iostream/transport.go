// Transports: how a stream moves bytes to and from its descriptor. A plain
// socket or pipe reads and writes the descriptor; SSLIOStream's transport
// goes through crypto/tls. The buffering above (stream.go) is the same for
// all, like Tornado's BaseIOStream with read_from_fd and write_to_fd.

package iostream

import (
	"errors"

	"golang.org/x/sys/unix"
)

// transport is what a stream needs from its descriptor.
type transport interface {
	// read fills p and returns how much it read. (0, nil) is end of file;
	// errWouldBlock means no data now.
	read(p []byte) (int, error)
	// write writes from bufs in order and returns how much of them it
	// took; with errWouldBlock it could take no more now (and may still
	// have taken some). bufs may be empty, to flush pending().
	write(bufs [][]byte) (int, error)
	// pending reports whether the transport holds bytes it has taken but
	// not yet written (TLS records); plain descriptors never do.
	pending() bool
	// close closes the descriptor.
	close() error
}

// fdTransport is the transport of a non-blocking socket under TLS. A plain
// stream has no transport: it calls fdRead and fdWrite itself, which saves
// every stream a transport value.
type fdTransport struct {
	// fd is the descriptor.
	fd int
}

func (t *fdTransport) read(p []byte) (int, error)       { return fdRead(t.fd, p) }
func (t *fdTransport) write(bufs [][]byte) (int, error) { return fdWrite(t.fd, bufs) }
func (t *fdTransport) writeOne(b []byte) (int, error)   { return fdWriteOne(t.fd, b) }
func (t *fdTransport) pending() bool                    { return false }
func (t *fdTransport) close() error                     { return unix.Close(t.fd) }

// sysResult maps a read or write system call's result to transport's: EINTR
// asks for the call again, EAGAIN becomes errWouldBlock. Small enough to be
// inlined into the loops below, so the hot path pays no call for it.
func sysResult(n int, err error) (int, error, bool) {
	// The raw calls return a bare unix.Errno, so plain comparison suffices.
	switch err {
	case nil:
		return n, nil, false
	case unix.EINTR:
		return 0, nil, true
	case unix.EAGAIN:
		return 0, errWouldBlock, false
	}
	return 0, err, false
}

// fdRead reads from a non-blocking descriptor, with transport.read's
// results.
func fdRead(fd int, p []byte) (int, error) {
	for {
		if n, err, again := sysResult(sysRead(fd, p)); !again {
			return n, err
		}
	}
}

// fdWrite writes bufs to a non-blocking descriptor, gathered with writev,
// with transport.write's results.
func fdWrite(fd int, bufs [][]byte) (int, error) {
	switch len(bufs) {
	case 0:
		return 0, nil
	case 1:
		return fdWriteOne(fd, bufs[0])
	}
	for {
		if n, err, again := sysResult(writev(fd, bufs)); !again {
			return n, err
		}
	}
}

// fdWriteOne writes one buffer, as fdWrite.
func fdWriteOne(fd int, b []byte) (int, error) {
	for {
		if n, err, again := sysResult(sysWrite(fd, b)); !again {
			return n, err
		}
	}
}

// isConnReset reports the errors of a peer that went away, which close a
// stream quietly (Tornado's _is_connreset).
func isConnReset(err error) bool {
	return errors.Is(err, unix.ECONNRESET) || errors.Is(err, unix.EPIPE) ||
		errors.Is(err, unix.ECONNABORTED) || errors.Is(err, unix.ETIMEDOUT)
}
