package iostream

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/gornado/gornado/stage5-iostream/ioloop"
	"golang.org/x/sys/unix"
)

// # The server side: listening and accepting on the loop
//
// Tornado keeps these in tornado.netutil (bind_sockets, add_accept_handler).
// The stage has them here, small, because a stream is no use without a way to
// get connected sockets, and stage6's HTTP server accepts with them.

// BindSocket makes a non-blocking listening TCP socket on address, such as
// "127.0.0.1:0" (port 0 picks a free port; ask BoundAddr which).
func BindSocket(address string, backlog int) (int, error) {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return -1, fmt.Errorf("iostream: bind: %w", err)
	}
	family := unix.AF_INET
	var sa unix.Sockaddr = &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	if !ap.Addr().Is4() {
		family = unix.AF_INET6
		sa = &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
	}
	fd, err := Socket(family)
	if err != nil {
		return -1, err
	}
	// SO_REUSEADDR lets a restarted server bind while old connections sit in
	// TIME_WAIT, as Tornado's bind_sockets does.
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("iostream: bind: %w", err)
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("iostream: bind %s: %w", address, err)
	}
	if err := unix.Listen(fd, backlog); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("iostream: listen %s: %w", address, err)
	}
	return fd, nil
}

// BoundAddr is the address a socket is bound to, such as "127.0.0.1:41234".
func BoundAddr(fd int) string {
	if a := sockAddr(unix.Getsockname(fd)); a != nil {
		return a.String()
	}
	return ""
}

// AddAcceptHandler calls callback with every connection accepted on the
// listening socket fd, on loop. The accepted fd is non-blocking and belongs
// to callback (wrap it with NewIOStream). It returns a function that stops
// accepting; the listening socket stays open.
func AddAcceptHandler(loop *ioloop.IOLoop, fd int, callback func(conn int, peer net.Addr)) (remove func(), err error) {
	err = loop.AddHandler(fd, func(fd int, _ ioloop.Events) {
		// Accept all that are waiting, not just one, so a burst of
		// connections costs one turn of the loop.
		for {
			conn, sa, err := unix.Accept(fd)
			if err == unix.EINTR || err == unix.ECONNABORTED {
				continue
			}
			if err != nil { // EAGAIN: none left; anything else: try next time
				return
			}
			unix.CloseOnExec(conn)
			_ = unix.SetNonblock(conn, true)
			callback(conn, sockAddr(sa, nil))
		}
	}, ioloop.READ)
	if err != nil {
		return nil, err
	}
	return func() { loop.RemoveHandler(fd) }, nil
}
