// Listening sockets and the accept handler, as tornado/netutil.py provides
// them: bind_sockets, bind_unix_socket, add_accept_handler.

package netutil

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gornado/gornado/final/internal/sys"
	"github.com/gornado/gornado/final/ioloop"
)

// DefaultBacklog is the listen backlog when none is given (Tornado's
// _DEFAULT_BACKLOG).
const DefaultBacklog = 128

// Sentinel errors of package netutil.
var (
	// ErrNoAddress is returned when an address resolves to nothing
	// usable for the family asked for.
	ErrNoAddress = errors.New("netutil: no address to bind")
)

// Family selects the address family of BindSockets and Resolve.
type Family int

// Families, as Tornado's socket.AF_UNSPEC, AF_INET and AF_INET6.
const (
	// Unspec binds (or resolves) every family the host offers.
	Unspec Family = iota
	// IPv4 only.
	IPv4
	// IPv6 only.
	IPv6
)

// BindOptions are BindSockets' optional arguments.
type BindOptions struct {
	// Family restricts the sockets to one family; Unspec binds both.
	Family Family
	// Backlog is listen's backlog (DefaultBacklog if zero).
	Backlog int
	// ReusePort sets SO_REUSEPORT, so that several sockets (one per loop,
	// or per process) can listen on one port and the kernel spreads
	// connections between them. Off, as in Tornado's bind_sockets
	// (reuse_port=False): a port that another socket listens on is then
	// refused with EADDRINUSE. On Linux a socket may join a port only if
	// every socket on it set SO_REUSEPORT (and belongs to the same user),
	// so a socket bound without it also keeps the others out.
	ReusePort bool
}

// BindSockets creates listening, non-blocking sockets for address and port
// (Tornado's bind_sockets): one per address the host resolves to, IPv6
// sockets with IPV6_V6ONLY so they do not clash with the IPv4 ones, all with
// SO_REUSEADDR. Address "" means every interface. With port 0, the first
// socket's ephemeral port is reused for the others, as Tornado does.
func BindSockets(port int, address string, opts BindOptions) ([]int, error) {
	addrs, err := bindAddrs(address, opts.Family)
	if err != nil {
		return nil, err
	}
	backlog := opts.Backlog
	if backlog <= 0 {
		backlog = DefaultBacklog
	}
	var fds []int
	fail := func(err error) ([]int, error) {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return nil, err
	}
	for _, ip := range addrs {
		domain, sa := sockaddr(ip, port)
		fd, err := sys.Socket(domain, unix.SOCK_STREAM, 0)
		if err != nil {
			if domain == unix.AF_INET6 && errors.Is(err, unix.EAFNOSUPPORT) && address == "" {
				continue // no IPv6 on this host: Tornado skips it too
			}
			return fail(err)
		}
		fds = append(fds, fd)
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return fail(os.NewSyscallError("setsockopt", err))
		}
		if opts.ReusePort {
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
				return fail(os.NewSyscallError("setsockopt", err))
			}
		}
		if domain == unix.AF_INET6 {
			if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1); err != nil {
				return fail(os.NewSyscallError("setsockopt", err))
			}
		}
		if err := unix.Bind(fd, sa); err != nil {
			return fail(fmt.Errorf("netutil: bind %s: %w", net.JoinHostPort(ip.String(), strconv.Itoa(port)), err))
		}
		if err := unix.Listen(fd, backlog); err != nil {
			return fail(os.NewSyscallError("listen", err))
		}
		if port == 0 {
			port = SocketPort(fd)
		}
	}
	if len(fds) == 0 {
		return nil, ErrNoAddress
	}
	return fds, nil
}

// bindAddrs lists the addresses to bind for address and family.
func bindAddrs(address string, family Family) ([]netip.Addr, error) {
	var addrs []netip.Addr
	if address == "" {
		if family != IPv6 {
			addrs = append(addrs, netip.IPv4Unspecified())
		}
		if family != IPv4 {
			addrs = append(addrs, netip.IPv6Unspecified())
		}
		return addrs, nil
	}
	if ip, err := netip.ParseAddr(address); err == nil {
		addrs = []netip.Addr{ip.Unmap()}
	} else {
		ips, err := net.DefaultResolver.LookupNetIP(backgroundCtx(), "ip", address)
		if err != nil {
			return nil, fmt.Errorf("netutil: resolve %q: %w", address, err)
		}
		seen := map[netip.Addr]bool{}
		for _, ip := range ips {
			ip = ip.Unmap()
			if !seen[ip] {
				seen[ip] = true
				addrs = append(addrs, ip)
			}
		}
	}
	out := addrs[:0]
	for _, ip := range addrs {
		if (family == IPv4 && !ip.Is4()) || (family == IPv6 && !ip.Is6()) {
			continue
		}
		out = append(out, ip)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %q", ErrNoAddress, address)
	}
	return out, nil
}

// sockaddr converts an address and port to a socket address.
func sockaddr(ip netip.Addr, port int) (int, unix.Sockaddr) {
	if ip.Is4() {
		return unix.AF_INET, &unix.SockaddrInet4{Port: port, Addr: ip.As4()}
	}
	return unix.AF_INET6, &unix.SockaddrInet6{Port: port, Addr: ip.As16()}
}

// Sockaddr converts an address and port to a socket address and its
// domain (AF_INET or AF_INET6), for connecting.
func Sockaddr(ap netip.AddrPort) (int, unix.Sockaddr) {
	return sockaddr(ap.Addr().Unmap(), int(ap.Port()))
}

// SocketPort returns the port a socket is bound to, or 0.
func SocketPort(fd int) int {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return 0
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return a.Port
	case *unix.SockaddrInet6:
		return a.Port
	}
	return 0
}

// BindUnixSocket creates a listening, non-blocking Unix socket at path
// with the given permissions (Tornado's bind_unix_socket). A stale socket
// file left at path is removed first; any other file there is an error.
func BindUnixSocket(path string, mode os.FileMode, backlog int) (int, error) {
	if backlog <= 0 {
		backlog = DefaultBacklog
	}
	if st, err := os.Lstat(path); err == nil {
		if st.Mode()&os.ModeSocket == 0 {
			return -1, fmt.Errorf("netutil: file %s exists and is not a socket", path)
		}
		os.Remove(path)
	}
	fd, err := sys.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		return -1, err
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("netutil: bind %s: %w", path, err)
	}
	if err := os.Chmod(path, mode); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if err := unix.Listen(fd, backlog); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("listen", err)
	}
	return fd, nil
}

// AcceptCallback receives an accepted connection: a non-blocking,
// close-on-exec socket the callback now owns, and the peer's address.
type AcceptCallback func(fd int, addr net.Addr)

// Accept backoff when the process runs out of descriptors.
const (
	minAcceptBackoff = 5 * time.Millisecond
	maxAcceptBackoff = time.Second
)

// defaultAccept is accept(2) as sockets are accepted here.
var defaultAccept = sys.Accept

// acceptFunc is the accept in use, replaceable by tests.
var acceptFunc = defaultAccept

// AddAcceptHandler calls callback for each connection accepted on the
// listening socket fd, on loop (Tornado's add_accept_handler); call it on
// the loop's goroutine. It returns a function that stops accepting (and
// does not close fd). Like Tornado, it accepts at most the backlog's worth
// of connections per readiness event, so that one busy listener cannot
// starve the loop. When the process runs out of descriptors (EMFILE,
// ENFILE), it stops accepting for a while, backing off up to a second,
// rather than spinning on a listener it cannot serve; the open connections
// keep being served meanwhile.
func AddAcceptHandler(loop *ioloop.IOLoop, fd int, callback AcceptCallback) (remove func(), err error) {
	a := &acceptor{loop: loop, fd: fd, cb: callback}
	if err := loop.AddHandler(fd, a.handle, ioloop.READ); err != nil {
		return nil, err
	}
	return a.remove, nil
}

// acceptor is one listening socket's accept handler.
type acceptor struct {
	// loop runs the handler.
	loop *ioloop.IOLoop
	// fd is the listening socket.
	fd int
	// cb receives connections.
	cb AcceptCallback
	// backoff is the current pause after running out of descriptors.
	backoff time.Duration
	// paused is the pending resume while backing off.
	paused ioloop.Timeout
	// removed is set by remove.
	removed bool
}

// handle accepts the pending connections.
func (a *acceptor) handle(fd int, _ ioloop.Events) {
	for i := 0; i < DefaultBacklog && !a.removed; i++ {
		nfd, sa, err := acceptFunc(fd)
		switch {
		case err == nil:
			a.backoff = 0
			a.cb(nfd, addrOf(sa))
			continue
		case errors.Is(err, unix.EAGAIN):
			return
		case errors.Is(err, unix.ECONNABORTED), errors.Is(err, unix.EINTR):
			// The peer gave up before we accepted (Tornado ignores
			// ECONNABORTED too).
			continue
		case errors.Is(err, unix.EMFILE), errors.Is(err, unix.ENFILE), errors.Is(err, unix.ENOBUFS), errors.Is(err, unix.ENOMEM):
			a.pause(err)
			return
		default:
			a.loop.Logger().Error("netutil: accept failed", "fd", fd, "err", err)
			return
		}
	}
}

// AcceptQueued accepts the connections already queued on the listening
// socket fd, up to max, handing each to callback, and returns how many it
// accepted; it stops at the first error (EAGAIN: the queue is empty). A
// server calls it on the loop just before it closes the socket: closing a
// listening socket resets the connections in its queue, which the kernel
// completed and their clients believe established (a client reconnecting
// after a Connection: close from a stopping server, say). Accepted, they
// are served, or closed cleanly, like every other connection.
func AcceptQueued(fd int, max int, callback AcceptCallback) int {
	n := 0
	for n < max {
		nfd, sa, err := acceptFunc(fd)
		if errors.Is(err, unix.EINTR) || errors.Is(err, unix.ECONNABORTED) {
			continue
		}
		if err != nil {
			break
		}
		callback(nfd, addrOf(sa))
		n++
	}
	return n
}

// pause stops watching the listener for a growing while.
func (a *acceptor) pause(err error) {
	if a.backoff == 0 {
		a.backoff = minAcceptBackoff
	} else {
		a.backoff = min(2*a.backoff, maxAcceptBackoff)
	}
	a.loop.Logger().Warn("netutil: out of resources accepting connections; pausing", "err", err, "pause", a.backoff)
	_ = a.loop.UpdateHandler(a.fd, 0)
	a.paused = a.loop.CallLater(a.backoff, func() {
		if !a.removed {
			_ = a.loop.UpdateHandler(a.fd, ioloop.READ)
		}
	})
}

// remove stops accepting.
func (a *acceptor) remove() {
	if a.removed {
		return
	}
	a.removed = true
	a.loop.RemoveTimeout(a.paused)
	a.loop.RemoveHandler(a.fd)
}

// addrOf converts an accepted peer's address to a net.Addr.
func addrOf(sa unix.Sockaddr) net.Addr {
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

// IsValidIP reports whether s is an IPv4 or IPv6 address (Tornado's
// is_valid_ip).
func IsValidIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil && s != ""
}
