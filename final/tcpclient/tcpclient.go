// TCPClient: connections to a host and port, with the addresses of both
// families raced (Happy Eyeballs, RFC 6555) as Tornado's tcpclient does.

package tcpclient

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/internal/sys"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/iostream"
	"github.com/gornado/gornado/final/netutil"
)

// InitialConnectTimeout is how long the first family's attempt runs alone
// before the other family's addresses are tried in parallel (Tornado's
// _INITIAL_CONNECT_TIMEOUT, 0.3 s, per RFC 6555's recommendation).
const InitialConnectTimeout = 300 * time.Millisecond

// Sentinel errors of package tcpclient.
var (
	// ErrConnectTimeout is the error of a Connect whose Timeout passed
	// (Tornado's TimeoutError from the connector).
	ErrConnectTimeout = errors.New("tcpclient: connect timeout")
	// ErrConnectFailed is the error when every address failed without an
	// error of its own to report.
	ErrConnectFailed = errors.New("tcpclient: connection failed")
)

// Options are Connect's optional arguments.
type Options struct {
	// Family restricts the addresses tried (netutil.Unspec: both).
	Family netutil.Family
	// TLS, if set, makes the connection TLS; ServerName defaults to the
	// host connected to (Tornado's ssl_options and server_hostname).
	TLS *tls.Config
	// Timeout, if positive, bounds the whole connect, handshake included.
	Timeout time.Duration
	// SourceIP and SourcePort, if set, bind the local end.
	SourceIP   string
	SourcePort int // see SourceIP
	// MaxBufferSize, if positive, sets the stream's MaxBufferSize.
	MaxBufferSize int
}

// TCPClient opens connections. The zero value uses netutil.DefaultResolver.
type TCPClient struct {
	// Resolver resolves host names (nil: a DefaultResolver).
	Resolver netutil.Resolver
}

// Connect connects to host:port on loop and resolves with the stream
// (Tornado's TCPClient.connect). Call it on the loop's goroutine.
func (c *TCPClient) Connect(loop *ioloop.IOLoop, host string, port int, opts Options) *concurrent.Future[*iostream.IOStream] {
	resolver := c.Resolver
	if resolver == nil {
		resolver = &netutil.DefaultResolver{}
	}
	// out is what the caller sees: the coroutine's result, or
	// ErrConnectTimeout once Timeout passes. A coroutine that finishes
	// after that closes what it made, since nobody will.
	out := concurrent.NewFuture[*iostream.IOStream]()
	var timeout ioloop.Timeout
	if opts.Timeout > 0 {
		timeout = loop.CallLater(opts.Timeout, func() {
			if !out.Done() {
				out.SetException(ErrConnectTimeout)
			}
		})
	}
	gen.Go(loop, func(co *gen.Co) (*iostream.IOStream, error) {
		return connect(co, resolver, host, port, opts, out)
	}).AddDoneCallback(func(f *concurrent.Future[*iostream.IOStream]) {
		loop.RemoveTimeout(timeout)
		s, err := f.Result()
		if out.Done() {
			if s != nil {
				s.Close() // too late: the caller gave up
			}
			return
		}
		out.Set(s, err)
	})
	return out
}

// connect is Connect's coroutine: resolve, race the addresses (connector),
// then the TLS handshake if asked. out is the caller's Future: once it is
// done (the timeout), what is in flight closes.
func connect(co *gen.Co, resolver netutil.Resolver, host string, port int, opts Options, out *concurrent.Future[*iostream.IOStream]) (*iostream.IOStream, error) {
	loop := co.Loop()
	addrs, err := gen.Await(co, resolver.Resolve(loop, host, port, opts.Family))
	if err != nil {
		return nil, err
	}
	if out.Done() {
		return nil, ErrConnectTimeout
	}
	conn := newConnector(loop, addrs, func(ap netip.AddrPort) (*iostream.IOStream, *concurrent.Future[struct{}]) {
		return dial(loop, ap, opts)
	})
	if opts.Timeout > 0 {
		// The connector gives up with the connect: its streams close.
		out.AddDoneCallback(func(*concurrent.Future[*iostream.IOStream]) { conn.abandon() })
	}
	s, err := gen.Await(co, conn.start())
	if err != nil || opts.TLS == nil {
		return s, err
	}
	cfg := opts.TLS
	if cfg.ServerName == "" && !cfg.InsecureSkipVerify {
		cfg = cfg.Clone()
		cfg.ServerName = host
	}
	ts, err := s.Upgrade(false, cfg)
	if err != nil {
		s.Close()
		return nil, err
	}
	// A timeout during the handshake closes the TLS stream.
	out.AddDoneCallback(func(*concurrent.Future[*iostream.IOStream]) {
		if _, err := out.Result(); err != nil {
			ts.Close()
		}
	})
	if _, err := gen.Await(co, ts.WaitForHandshake()); err != nil {
		return nil, err
	}
	return ts, nil
}

// dial starts a non-blocking connect to ap.
func dial(loop *ioloop.IOLoop, ap netip.AddrPort, opts Options) (*iostream.IOStream, *concurrent.Future[struct{}]) {
	domain, sa := netutil.Sockaddr(ap)
	fd, err := sys.Socket(domain, unix.SOCK_STREAM, 0)
	if err != nil {
		return nil, concurrent.Failed[struct{}](err)
	}
	if opts.SourceIP != "" || opts.SourcePort != 0 {
		src := netip.IPv4Unspecified()
		if domain == unix.AF_INET6 {
			src = netip.IPv6Unspecified()
		}
		if opts.SourceIP != "" {
			if ip, err := netip.ParseAddr(opts.SourceIP); err == nil {
				src = ip
			}
		}
		_, lsa := netutil.Sockaddr(netip.AddrPortFrom(src, uint16(opts.SourcePort)))
		if err := unix.Bind(fd, lsa); err != nil {
			unix.Close(fd)
			return nil, concurrent.Failed[struct{}](fmt.Errorf("tcpclient: bind source: %w", err))
		}
	}
	s, err := iostream.New(loop, fd)
	if err != nil {
		unix.Close(fd)
		return nil, concurrent.Failed[struct{}](err)
	}
	if opts.MaxBufferSize > 0 {
		s.MaxBufferSize = opts.MaxBufferSize
	}
	return s, s.Connect(sa)
}
