// Package echo is the tcpecho demo's program, importable so that the
// testscripts can run it as a command: Tornado's demos/tcpecho, a line echo
// server and its client, on final's TCPServer and TCPClient.
package echo

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/iostream"
	"github.com/gornado/gornado/final/netutil"
	"github.com/gornado/gornado/final/tcpclient"
	"github.com/gornado/gornado/final/tcpserver"
)

// MaxLine bounds a line, as the Tornado demo's read_until would be bounded
// in production.
const MaxLine = 64 * 1024

// Main runs the demo with args (without the program name) and returns the
// exit code:
//
//	tcpecho serve [-addr 127.0.0.1:8888] [-loops N] [-addrfile FILE]
//	tcpecho client [-addr 127.0.0.1:8888] message...
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: tcpecho serve|client [flags]")
		return 2
	}
	switch args[0] {
	case "serve":
		return serveMain(args[1:], stdout, stderr)
	case "client":
		return clientMain(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "tcpecho: unknown command %q (want serve or client)\n", args[0])
	return 2
}

// newline is the delimiter, made once: a []byte("\n") literal passed to a
// read would be a new allocation each time.
var newline = []byte("\n")

// Handle echoes every line of stream back until the peer closes: the
// demo's handle_stream. It reads with ReadUntilFunc and writes with
// WriteBuffered, the allocation-free forms, so an echo costs no allocation.
func Handle(stream *iostream.IOStream, _ net.Addr) {
	stream.SetNodelay(true)
	var onLine func([]byte, error)
	onLine = func(line []byte, err error) {
		if err != nil {
			stream.Close()
			return
		}
		if stream.WriteBuffered(line) != nil {
			return
		}
		stream.ReadUntilFunc(newline, MaxLine, onLine)
	}
	stream.ReadUntilFunc(newline, MaxLine, onLine)
}

// Server is a running echo server.
type Server struct {
	// Addr is where it listens.
	Addr string
	// group runs the loops; tcp accepts.
	group *ioloop.Group
	tcp   *tcpserver.TCPServer // see group
}

// Start starts an echo server on addr with loops loops (0: one per core).
func Start(addr string, loops int) (*Server, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("tcpecho: bad port %q", portStr)
	}
	g, err := ioloop.StartGroup(loops)
	if err != nil {
		return nil, err
	}
	s := tcpserver.New(Handle)
	// Without ReusePort the loops share one socket (and deal its
	// connections), and a second echo server on the port is refused
	// instead of taking a share of the connections.
	if err := s.Bind(port, host, netutil.BindOptions{Backlog: 1024}); err != nil {
		g.Stop()
		return nil, err
	}
	if err := s.Start(g.Loops()...); err != nil {
		g.Stop()
		return nil, err
	}
	return &Server{Addr: net.JoinHostPort(host, strconv.Itoa(s.Ports()[0])), group: g, tcp: s}, nil
}

// Loops returns how many loops serve.
func (s *Server) Loops() int { return s.group.Len() }

// Stop stops the server and its loops.
func (s *Server) Stop() error {
	s.tcp.Stop()
	return s.group.Stop()
}

func serveMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tcpecho serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8888", "address to listen on")
	loops := fs.Int("loops", 1, "event loops (0: one per core)")
	addrfile := fs.String("addrfile", "", "write the address to this file once listening")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *loops < 0 {
		fmt.Fprintln(stderr, "tcpecho: -loops must not be negative")
		return 2
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	s, err := Start(*addr, *loops)
	if err != nil {
		fmt.Fprintf(stderr, "tcpecho: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "tcpecho server on %s (%d loops); try: tcpecho client -addr %s hello\n", s.Addr, s.Loops(), s.Addr)
	if *addrfile != "" {
		if err := os.WriteFile(*addrfile, []byte(s.Addr+"\n"), 0o644); err != nil {
			fmt.Fprintf(stderr, "tcpecho: %v\n", err)
			s.Stop()
			return 1
		}
	}
	<-sigs
	if err := s.Stop(); err != nil {
		fmt.Fprintf(stderr, "tcpecho: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, "tcpecho server stopped")
	return 0
}

func clientMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tcpecho client", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8888", "server address")
	timeout := fs.Duration("timeout", 10*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "tcpecho: client needs at least one message")
		return 2
	}
	host, portStr, err := net.SplitHostPort(*addr)
	if err != nil {
		fmt.Fprintf(stderr, "tcpecho: %v\n", err)
		return 2
	}
	port, _ := strconv.Atoi(portStr)
	replies, err := Client(host, port, fs.Args(), *timeout)
	for _, r := range replies {
		fmt.Fprintf(stdout, "echo: %s\n", r)
	}
	if err != nil {
		fmt.Fprintf(stderr, "tcpecho: %v\n", err)
		return 1
	}
	return 0
}

// Client connects to host:port, sends each message as a line and returns
// the echoed lines: the demo's client, a coroutine on its own loop.
func Client(host string, port int, messages []string, timeout time.Duration) ([]string, error) {
	loop, err := ioloop.New()
	if err != nil {
		return nil, err
	}
	defer loop.Close(true)
	var replies []string
	_, err = gen.Run(loop, timeout, func(c *gen.Co) (struct{}, error) {
		stream, err := gen.Await(c, (&tcpclient.TCPClient{}).Connect(loop, host, port, tcpclient.Options{}))
		if err != nil {
			return struct{}{}, err
		}
		defer stream.Close()
		for _, m := range messages {
			if strings.ContainsRune(m, '\n') {
				return struct{}{}, errors.New("messages are lines: no newlines inside")
			}
			stream.Write([]byte(m + "\n"))
			line, err := gen.Await(c, stream.ReadUntil([]byte("\n"), MaxLine))
			if err != nil {
				return struct{}{}, err
			}
			replies = append(replies, strings.TrimSuffix(string(line), "\n"))
		}
		return struct{}{}, nil
	})
	return replies, err
}
