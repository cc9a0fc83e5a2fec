// Package app is the helloworld demo's program, importable so that the
// testscripts and the benchmarks run it in-process: Tornado's
// demos/helloworld on final's HTTPServer, plus the routes of the bench
// harness's workloads.
package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/gornado/gornado/final/httpserver"
)

// The bodies, made once: a handler that answers from them allocates nothing.
var (
	helloBody = []byte("Hello, world")
	jsonBody  = []byte(`{"message":"Hello, world"}`)
	bigBody   = func() []byte {
		b := make([]byte, 64*1024)
		for i := range b {
			b[i] = 'a' + byte(i%26)
		}
		return b
	}()
)

const (
	textPlain = "text/plain; charset=utf-8"
	appJSON   = "application/json"
)

// Handle answers the demo's routes:
//
//	GET, HEAD /    200 "Hello, world" (other methods 405)
//	POST /echo     200 with the request body
//	GET /json      200 {"message":"Hello, world"}
//	GET /64k       200 with 64 KiB
//	anything else  404
func Handle(req *httpserver.Request) {
	c := req.Conn
	m := req.Method()
	switch string(req.Path()) {
	case "/":
		if m == "GET" || m == "HEAD" {
			c.Respond(200, nil, textPlain, helloBody)
			return
		}
		notAllowed(req, "GET, HEAD")
	case "/echo":
		if m != "POST" {
			notAllowed(req, "POST")
			return
		}
		ct := textPlain
		if v := req.Head.Headers.Peek("Content-Type"); v != nil {
			ct = ""
			c.ResponseHeaders().AddBytes(contentType, v)
		}
		c.Respond(200, nil, ct, req.Body)
	case "/json":
		if m != "GET" && m != "HEAD" {
			notAllowed(req, "GET, HEAD")
			return
		}
		c.Respond(200, nil, appJSON, jsonBody)
	case "/64k":
		if m != "GET" && m != "HEAD" {
			notAllowed(req, "GET, HEAD")
			return
		}
		c.Respond(200, nil, "application/octet-stream", bigBody)
	default:
		c.Respond(404, nil, textPlain, notFoundBody)
	}
}

var (
	contentType    = []byte("Content-Type")
	notFoundBody   = []byte("404: Not Found")
	notAllowedBody = []byte("405: Method Not Allowed")
)

func notAllowed(req *httpserver.Request, allow string) {
	h := req.Conn.ResponseHeaders()
	h.Set("Allow", allow)
	req.Conn.Respond(405, h, textPlain, notAllowedBody)
}

// Server is a running helloworld server.
type Server struct {
	// URL is where it listens, "http://host:port".
	URL string
	// HTTP is the server.
	HTTP *httpserver.HTTPServer
}

// Start starts the demo on addr with loops loops (0: one per core).
func Start(addr string, loops int) (*Server, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return nil, fmt.Errorf("invalid port %q", portStr)
	}
	s := httpserver.New(httpserver.HandlerFunc(Handle))
	s.Loops = loops
	s.Backlog = 4096
	if err := s.Bind(port, host); err != nil {
		return nil, err
	}
	if err := s.Start(); err != nil {
		s.Close()
		return nil, err
	}
	return &Server{URL: "http://" + s.Addr(host), HTTP: s}, nil
}

// Main runs the demo with args (without the program name) and returns the
// exit code:
//
//	helloworld [-addr 127.0.0.1:8888] [-loops N] [-addrfile FILE]
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("helloworld", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8888", "address to listen on")
	loops := fs.Int("loops", 0, "event loops (0: one per core)")
	addrfile := fs.String("addrfile", "", "write the URL to this file once listening")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *loops < 0 {
		fmt.Fprintln(stderr, "helloworld: -loops must not be negative")
		return 2
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	s, err := Start(*addr, *loops)
	if err != nil {
		fmt.Fprintf(stderr, "helloworld: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "helloworld listening on %s\n", s.URL)
	if *addrfile != "" {
		if err := os.WriteFile(*addrfile, []byte(s.URL+"\n"), 0o644); err != nil {
			fmt.Fprintf(stderr, "helloworld: %v\n", err)
			s.HTTP.Close()
			return 1
		}
	}
	<-sigs
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.HTTP.Shutdown(ctx); err != nil {
		fmt.Fprintf(stderr, "helloworld: shutdown: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, "helloworld stopped")
	return 0
}
