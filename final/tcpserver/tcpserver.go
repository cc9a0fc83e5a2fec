// TCPServer: listening sockets on one loop or many, handing each accepted
// connection to HandleStream as an IOStream (Tornado's tcpserver.TCPServer).

package tcpserver

import (
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/iostream"
	"github.com/gornado/gornado/final/netutil"
)

// Sentinel errors of package tcpserver.
var (
	// ErrStarted is returned by Bind or Start after Start.
	ErrStarted = errors.New("tcpserver: already started")
	// ErrNoLoop is returned by Start without loops, and Listen when there
	// is no loop to listen on.
	ErrNoLoop = errors.New("tcpserver: no loop to run on")
)

// StreamHandler receives each accepted connection, on the loop that
// accepted it. It may return at once and keep using the stream from
// callbacks or a coroutine, as Tornado's handle_stream may be a coroutine.
type StreamHandler func(stream *iostream.IOStream, addr net.Addr)

// TCPServer accepts connections and hands them to HandleStream.
//
// With one loop it behaves exactly as Tornado's TCPServer. With several
// (Start), each gets its own SO_REUSEPORT socket when Bind asked for
// ReusePort, and the kernel spreads the connections between the sockets by
// a hash of their addresses; each connection lives on the loop that
// accepted it. Otherwise the loops share the listening sockets: every loop
// watches them, and whichever accepts a connection deals it to the loops
// in turn (see deal), so that each serves an equal share.
type TCPServer struct {
	// HandleStream receives the connections. Required.
	HandleStream StreamHandler
	// TLSConfig, if set, makes every connection TLS: HandleStream gets an
	// SSLIOStream (an IOStream over TLS) whose handshake runs as the first
	// reads and writes proceed (Tornado's ssl_options).
	TLSConfig *tls.Config
	// MaxBufferSize and ReadChunkSize, if positive, set the streams'
	// limits (Tornado's max_buffer_size and read_chunk_size).
	MaxBufferSize int
	ReadChunkSize int // see MaxBufferSize

	// mu guards the fields below; Stop and Start may come from any
	// goroutine.
	mu sync.Mutex
	// pending are sockets from Bind waiting for Start.
	pending []bindRequest
	// listeners are the registered listening sockets, per loop.
	listeners []listener
	// started is set by Start or Listen.
	started bool
	// stopped is set by Stop.
	stopped bool
	// turn counts the connections dealt from shared sockets (deal).
	turn atomic.Uint32
	// handing counts what may still hand a connection to HandleStream:
	// connections dealt to a loop that has not taken them yet, and, once
	// stopped, the listeners whose loops have not let go of them (and
	// taken what was queued on them). done closes when it is zero after
	// Stop (see Done).
	handing atomic.Int64
	done    chan struct{}
}

// bindRequest is one Bind call remembered until Start.
type bindRequest struct {
	// port and address are Bind's arguments.
	port    int
	address string // see port
	// opts are the bind options.
	opts netutil.BindOptions
	// fds are the sockets already bound for the first loop.
	fds []int
}

// listener is a listening socket registered on a loop.
type listener struct {
	// loop accepts on fd.
	loop *ioloop.IOLoop
	// fd is the listening socket.
	fd int
	// state says whether the loop accepts on fd yet, or has stopped.
	state listenerState
	// remove stops accepting (set on the loop once installed).
	remove func()
}

// listenerState is where a listener is between Start and Stop.
type listenerState uint8

const (
	// listenerPending: registered; the loop has not yet run the callback
	// that installs its accept handler.
	listenerPending listenerState = iota
	// listenerAccepting: the accept handler is installed on the loop.
	listenerAccepting
	// listenerStopped: Stop came first, so the handler was never
	// installed; the loop has no part in the socket any more.
	listenerStopped
)

// New returns a server handing connections to handle.
func New(handle StreamHandler) *TCPServer { return &TCPServer{HandleStream: handle} }

// Listen binds port on address ("" for every interface) and starts
// accepting on loop (ioloop.Current() if nil): Tornado's listen, the
// one-loop shortcut for Bind and Start.
func (s *TCPServer) Listen(loop *ioloop.IOLoop, port int, address string) error {
	fds, err := netutil.BindSockets(port, address, netutil.BindOptions{})
	if err != nil {
		return err
	}
	if loop == nil {
		loop = ioloop.Current()
	}
	s.AddSockets(loop, fds)
	return nil
}

// AddSockets starts accepting on already listening sockets, on loop
// (Tornado's add_sockets). The server owns the sockets from now on.
func (s *TCPServer) AddSockets(loop *ioloop.IOLoop, fds []int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.started = true
	for _, fd := range fds {
		s.register(loop, fd, nil)
	}
}

// AddSocket is AddSockets for one socket (Tornado's add_socket).
func (s *TCPServer) AddSocket(loop *ioloop.IOLoop, fd int) { s.AddSockets(loop, []int{fd}) }

// Bind binds sockets to be accepted on once Start is called (Tornado's
// bind). The sockets exist when Bind returns, so a port of 0 is already
// chosen: see Ports.
func (s *TCPServer) Bind(port int, address string, opts netutil.BindOptions) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return ErrStarted
	}
	fds, err := netutil.BindSockets(port, address, opts)
	if err != nil {
		return err
	}
	if port == 0 && len(fds) > 0 {
		port = netutil.SocketPort(fds[0])
	}
	s.pending = append(s.pending, bindRequest{port: port, address: address, opts: opts, fds: fds})
	return nil
}

// Start accepts on the bound sockets on each of loops (Tornado's start,
// with loops where Tornado forks processes). With ReusePort, each loop after
// the first binds a socket of its own; otherwise the loops share the
// sockets and deal the connections between them in turn.
func (s *TCPServer) Start(loops ...*ioloop.IOLoop) error {
	if len(loops) == 0 {
		return ErrNoLoop
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return ErrStarted
	}
	s.started = true
	pending := s.pending
	s.pending = nil
	for _, req := range pending {
		for i, loop := range loops {
			switch {
			case req.opts.ReusePort && i > 0:
				fds, err := netutil.BindSockets(req.port, req.address, req.opts)
				if err != nil {
					return err
				}
				for _, fd := range fds {
					s.register(loop, fd, nil)
				}
			case req.opts.ReusePort || len(loops) == 1:
				for _, fd := range req.fds {
					s.register(loop, fd, nil)
				}
			default:
				for _, fd := range req.fds {
					s.register(loop, fd, loops)
				}
			}
		}
	}
	return nil
}

// register adds a listening socket to loop, shared with the loops in
// shared (nil: loop's alone); the accept handler itself is installed on
// the loop's goroutine. Called with s.mu held.
func (s *TCPServer) register(loop *ioloop.IOLoop, fd int, shared []*ioloop.IOLoop) {
	idx := len(s.listeners)
	s.listeners = append(s.listeners, listener{loop: loop, fd: fd})
	loop.AddCallback(func() {
		// Under the lock from the check to the install, so that Stop
		// sees the listener either pending (and closes its socket
		// itself) or accepting (and has the loop remove it), never in
		// between.
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.listeners[idx].state != listenerPending {
			return
		}
		remove, err := netutil.AddAcceptHandler(loop, fd, func(nfd int, addr net.Addr) {
			if shared != nil {
				s.deal(loop, shared, nfd, addr)
				return
			}
			s.handleConnection(loop, nfd, addr)
		})
		if err != nil {
			loop.Logger().Error("tcpserver: cannot accept", "fd", fd, "err", err)
			return
		}
		s.listeners[idx].state = listenerAccepting
		s.listeners[idx].remove = remove
	})
}

// Ports returns the ports the server's sockets listen on.
func (s *TCPServer) Ports() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[int]bool{}
	var ports []int
	add := func(fd int) {
		if p := netutil.SocketPort(fd); p != 0 && !seen[p] {
			seen[p] = true
			ports = append(ports, p)
		}
	}
	for _, req := range s.pending {
		for _, fd := range req.fds {
			add(fd)
		}
	}
	for _, l := range s.listeners {
		add(l.fd)
	}
	return ports
}

// deal serves a connection accepted on loop from a socket that the loops
// in shared all watch, on the next of them in turn: loop itself, or
// another through AddCallback. The kernel wakes every loop watching a
// socket when a connection arrives, and the first to call accept takes
// every connection queued by then: a burst of them (a client opening its
// pool, a load balancer reconnecting) would otherwise stay on one loop for
// as long as they are kept alive (64 connections opened at once went 58
// to 6 on two loops). Dealing costs a cross-loop callback for the
// connections that move. A loop that stops before it runs that callback
// leaves it pending: ioloop.Group.Stop runs it before closing the loops,
// so that the connection is closed with the rest rather than lost.
func (s *TCPServer) deal(loop *ioloop.IOLoop, shared []*ioloop.IOLoop, fd int, addr net.Addr) {
	to := shared[int(s.turn.Add(1)-1)%len(shared)]
	if to == loop {
		s.handleConnection(loop, fd, addr)
		return
	}
	s.handing.Add(1)
	to.AddCallback(func() {
		s.handleConnection(to, fd, addr)
		s.handed()
	})
}

// handed notes that something counted in handing is done, and closes done
// if it was the last after Stop.
func (s *TCPServer) handed() {
	if s.handing.Add(-1) != 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped && s.handing.Load() == 0 {
		s.closeDoneLocked()
	}
}

// closeDoneLocked closes done, once. Called with s.mu held.
func (s *TCPServer) closeDoneLocked() {
	if s.done == nil {
		s.done = make(chan struct{})
	}
	select {
	case <-s.done:
	default:
		close(s.done)
	}
}

// Done returns a channel closed once Stop has run its course: every
// listening socket is closed, the connections queued on them accepted, and
// every connection accepted handed to HandleStream. From then on no
// connection comes, so a server that counts its connections (httpserver's
// Shutdown) can wait for the count to reach zero and know it stays there.
func (s *TCPServer) Done() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done == nil {
		s.done = make(chan struct{})
	}
	return s.done
}

// handleConnection wraps an accepted socket in a stream and hands it over
// (Tornado's _handle_connection).
func (s *TCPServer) handleConnection(loop *ioloop.IOLoop, fd int, addr net.Addr) {
	var stream *iostream.IOStream
	var err error
	if s.TLSConfig != nil {
		stream, err = iostream.NewSSL(loop, fd, s.TLSConfig, true)
	} else {
		stream, err = iostream.New(loop, fd)
	}
	if err != nil {
		unix.Close(fd)
		loop.Logger().Error("tcpserver: cannot wrap connection", "err", err)
		return
	}
	if s.MaxBufferSize > 0 {
		stream.MaxBufferSize = s.MaxBufferSize
	}
	if s.ReadChunkSize > 0 {
		stream.ReadChunkSize = s.ReadChunkSize
	}
	defer func() {
		if r := recover(); r != nil {
			// The loop logs the panic; the connection must not outlive
			// the handler that failed to take it.
			stream.Close()
			panic(r)
		}
	}()
	s.HandleStream(stream, addr)
}

// Stop stops accepting and closes the listening sockets (Tornado's stop).
// Connections already accepted are not touched: they finish on their own.
// Safe from any goroutine; a socket a loop accepts on closes on that loop's
// next iteration, one no loop has begun accepting on closes now.
func (s *TCPServer) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.stopped = true
	for _, req := range s.pending {
		for _, fd := range req.fds {
			unix.Close(fd)
		}
	}
	s.pending = nil
	// A socket shared by several loops may close only once every loop
	// has stopped watching it: the last to let go closes it. A loop that
	// never installed its handler lets go now: its install callback,
	// and a removal posted to it, might never run if the loop stops
	// first, and the socket would stay open for the life of the process.
	byFD := map[int][]int{}
	for i, l := range s.listeners {
		byFD[l.fd] = append(byFD[l.fd], i)
	}
	for fd, idxs := range byFD {
		var remaining atomic.Int32
		remaining.Store(int32(len(idxs)))
		letGo := func() {
			if remaining.Add(-1) == 0 {
				unix.Close(fd)
			}
		}
		for _, idx := range idxs {
			l := &s.listeners[idx]
			if l.state == listenerPending {
				l.state = listenerStopped
				letGo()
				continue
			}
			loop := l.loop
			s.handing.Add(1)
			loop.AddCallback(func() {
				s.mu.Lock()
				remove := s.listeners[idx].remove
				s.mu.Unlock()
				if remove != nil {
					remove()
				}
				// What the kernel has queued is taken before the
				// close would reset it: those clients believe they
				// are connected.
				netutil.AcceptQueued(fd, netutil.DefaultBacklog, func(nfd int, addr net.Addr) {
					s.handleConnection(loop, nfd, addr)
				})
				letGo()
				s.handed()
			})
		}
	}
	if s.handing.Load() == 0 {
		s.closeDoneLocked()
	}
}
