package httpserver

import (
	"fmt"
	"log"
	"net"

	coroutines "github.com/gornado/gornado/stage4-coroutines"
	"github.com/gornado/gornado/stage5-iostream/ioloop"
	"github.com/gornado/gornado/stage5-iostream/iostream"
	"golang.org/x/sys/unix"
)

// A Delegate handles the requests an HTTPServer reads: Tornado's
// request_callback (an Application, usually). HandleRequest runs inside the
// connection's coroutine, so it may await; it answers through
// req.Connection (WriteHeaders, Write, Finish), now or later. The server reads
// the connection's next request once the response is finished.
type Delegate interface {
	HandleRequest(await coroutines.Await, req *Request)
}

// DelegateFunc lets a plain function be a Delegate.
type DelegateFunc func(await coroutines.Await, req *Request)

// HandleRequest calls f.
func (f DelegateFunc) HandleRequest(await coroutines.Await, req *Request) { f(await, req) }

// Options are an HTTPServer's limits. The zero value means Tornado's defaults.
type Options struct {
	// MaxHeaderSize caps a request line and headers; 0 means 64 KiB. A
	// request over it is answered 431.
	MaxHeaderSize int
	// MaxBodySize caps a request body; 0 means 100 MiB. A body over it is
	// answered 413.
	MaxBodySize int
	// ErrorLog receives malformed requests and handler failures; nil means
	// the log package's standard logger.
	ErrorLog *log.Logger
}

// An HTTPServer accepts connections on a loop and reads HTTP/1.x requests from
// them, each connection in a coroutine of its own (see conn.go). Like the
// loop, it belongs to the loop's goroutine: call Listen before the loop
// starts or on the loop, and Close on the loop or after it has stopped.
type HTTPServer struct {
	// Loop runs the server; Runner runs its coroutines. Handlers may use
	// both, to set timeouts or to start coroutines of their own.
	Loop   *ioloop.IOLoop
	Runner *coroutines.Runner

	delegate   Delegate
	opts       Options
	listenFD   int
	stopAccept func()
	conns      map[*HTTPConnection]struct{}
}

// NewHTTPServer makes a server that hands every request to delegate.
func NewHTTPServer(loop *ioloop.IOLoop, delegate Delegate, opts *Options) *HTTPServer {
	s := &HTTPServer{Loop: loop, delegate: delegate, listenFD: -1, conns: map[*HTTPConnection]struct{}{}}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.MaxHeaderSize <= 0 {
		s.opts.MaxHeaderSize = 64 << 10
	}
	if s.opts.MaxBodySize <= 0 {
		s.opts.MaxBodySize = 100 << 20
	}
	s.Runner = coroutines.NewRunner(loop)
	if s.opts.ErrorLog != nil {
		s.Runner.ErrorLog = s.opts.ErrorLog
	}
	return s
}

// Listen binds address ("127.0.0.1:8888", or port 0 for a free one) and
// accepts connections on the loop, Tornado's HTTPServer.listen.
func (s *HTTPServer) Listen(address string) error {
	fd, err := iostream.BindSocket(address, 1024)
	if err != nil {
		return err
	}
	stop, err := iostream.AddAcceptHandler(s.Loop, fd, s.handleConnection)
	if err != nil {
		unix.Close(fd)
		return fmt.Errorf("httpserver: listen: %w", err)
	}
	s.listenFD, s.stopAccept = fd, stop
	return nil
}

// Addr is the address the server listens on, such as "127.0.0.1:41234".
func (s *HTTPServer) Addr() string { return iostream.BoundAddr(s.listenFD) }

// handleConnection wraps an accepted socket in an IOStream and starts its
// coroutine. Go runs the coroutine at once, up to its first read.
func (s *HTTPServer) handleConnection(fd int, peer net.Addr) {
	// A stage 5 stream keeps a scratch buffer of ReadChunkSize for reads
	// as long as it lives. At the default 64 KiB, a thousand idle
	// keep-alive connections or waiting long polls would hold 64 MB; a
	// request head fits in 4 KiB, and a big body just takes more reads.
	stream := iostream.NewIOStream(fd, &iostream.Options{Loop: s.Loop, ReadChunkSize: 4 << 10})
	_ = stream.SetNodelay(true) // a response is written whole; send it now
	ip := ""
	if tcp, ok := peer.(*net.TCPAddr); ok {
		ip = tcp.IP.String()
	}
	c := newConnection(s, stream, ip)
	s.conns[c] = struct{}{}
	s.Runner.SpawnCallback(c.serve)
}

// Close stops accepting, closes the listening socket and every connection,
// and stops the coroutines still paused (handlers waiting on a long poll).
// Call it on the loop, from a callback or from inside a handler (whose own
// connection it closes too: finish the response first), or after the loop
// has stopped.
func (s *HTTPServer) Close() {
	if s.stopAccept != nil {
		s.stopAccept()
		unix.Close(s.listenFD)
		s.stopAccept = nil
	}
	for c := range s.conns {
		c.stream.Close(nil)
	}
	s.Runner.Close()
}

// Connections is how many connections are open, for tests and logs.
func (s *HTTPServer) Connections() int { return len(s.conns) }

func (s *HTTPServer) logf(format string, args ...any) {
	if s.opts.ErrorLog != nil {
		s.opts.ErrorLog.Printf(format, args...)
		return
	}
	log.Printf(format, args...)
}
