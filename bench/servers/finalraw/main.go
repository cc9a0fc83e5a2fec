// Command finalraw is the "final-raw" peer: gornado's HTTP layer without
// its framework, final/httpserver with one HandlerFunc that switches on the
// path and answers through req.Conn.Respond, on a loop per GOMAXPROCS. It is
// to "final" (final/demos/helloworld, web.Application and RequestHandler)
// what the gnet peer is to a framework: the floor under the framework's cost,
// built from the same tree (bench/go.mod replaces github.com/gornado/gornado
// with ../).
//
// Its answers carry what a real server's do and what final's framework sends
// (Server, Content-Type, Content-Length, Date), but none of the framework's
// extras: no Etag, no routing table, no handler object per request.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/gornado/gornado/final/httpserver"

	"github.com/gornado/gornado/bench/internal/payload"
)

// The bodies and header values, made once: the handler allocates nothing.
var (
	helloBody = []byte(payload.Hello)
	jsonBody  = []byte(payload.JSON)
	bigBody   = payload.Body64K()
	notFound  = []byte("404: Not Found")
)

// The Content-Types final's helloworld demo sends, so that the two differ
// only in the framework.
const (
	textPlain = "text/plain; charset=utf-8"
	appJSON   = "application/json"
	octets    = "application/octet-stream"
)

// handle answers one request. The connection adds Date and Content-Length
// (Respond); the Server field is the framework's ("gornado").
func handle(req *httpserver.Request) {
	h := req.Conn.ResponseHeaders()
	h.Add("Server", "gornado")
	switch string(req.Path()) { // no allocation: the compiler compares in place
	case payload.PathHello:
		_ = req.Conn.Respond(200, h, textPlain, helloBody)
	case payload.PathJSON:
		_ = req.Conn.Respond(200, h, appJSON, jsonBody)
	case payload.Path64K:
		// A constant body is queued as it is, not copied next to the head.
		_ = req.Conn.RespondNoCopy(200, h, octets, bigBody)
	default:
		_ = req.Conn.Respond(404, h, textPlain, notFound)
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	loops := flag.Int("loops", 0, "event loops (0: one per GOMAXPROCS)")
	flag.Parse()
	if err := run(*addr, *loops); err != nil {
		fmt.Fprintln(os.Stderr, "finalraw:", err)
		os.Exit(1)
	}
}

func run(addr string, loops int) error {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	s, bound, err := start(addr, loops)
	if err != nil {
		return err
	}
	payload.Ready(bound)

	<-sigs
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.Shutdown(ctx) // past the grace period it closes what is left
	return nil
}

// start listens on addr ("host:port"; port 0 picks one) with loops loops
// (0: one per GOMAXPROCS) and returns the server and the address it is
// bound to.
func start(addr string, loops int) (*httpserver.HTTPServer, string, error) {
	if loops < 0 {
		return nil, "", fmt.Errorf("-loops must not be negative")
	}
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, "", err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, "", fmt.Errorf("bad port %q", portStr)
	}
	s := httpserver.New(httpserver.HandlerFunc(handle))
	s.Loops = loops
	s.Backlog = 4096 // as the helloworld demo
	if err := s.Bind(port, host); err != nil {
		return nil, "", err
	}
	if err := s.Start(); err != nil {
		s.Close()
		return nil, "", err
	}
	return s, s.Addr(host), nil
}
