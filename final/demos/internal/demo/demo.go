// Package demo is what final/'s demo servers share: the -addr and -addrfile
// flags, announcing the URL, and a graceful stop on SIGINT or SIGTERM, so that
// each demo's Main holds only its own application.
package demo

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gornado/gornado/final/httpserver"
)

// Program is one demo's command line.
type Program struct {
	// Name prefixes every message ("chat listening on ...").
	Name string
	// Flags holds -addr and -addrfile; a demo adds its own before Run.
	Flags *flag.FlagSet
	// Check, if set, validates the demo's own flags after parsing; an error
	// is a usage error (exit 2).
	Check func() error

	addr, addrFile, logging *string
	stderr                  io.Writer
}

// New returns a program whose flag errors and messages go to stderr.
func New(name string, stderr io.Writer) *Program {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &Program{
		Name:     name,
		Flags:    fs,
		addr:     fs.String("addr", "127.0.0.1:8888", "address to listen on"),
		addrFile: fs.String("addrfile", "", "write the URL to this file once listening"),
		logging:  fs.String("logging", "info", "log level: debug, info, warning, error or none (the access log is at info)"),
		stderr:   stderr,
	}
}

// Addr is the -addr flag's value, valid once Run has parsed the flags.
func (p *Program) Addr() string { return *p.addr }

// Run parses args, starts the demo with start, prints "<name> listening on
// <url>" (and writes the URL to -addrfile), then waits for SIGINT or SIGTERM
// and stops it with stop. It returns the exit code: 2 for a usage error, 1
// when the demo cannot start or stop cleanly, 0 otherwise.
func (p *Program) Run(args []string, stdout io.Writer, start func() (url string, stop func() error, err error)) int {
	if err := p.Flags.Parse(args); err != nil {
		return 2
	}
	if p.Check != nil {
		if err := p.Check(); err != nil {
			fmt.Fprintf(p.stderr, "%s: %v\n", p.Name, err)
			return 2
		}
	}
	level, err := LogLevel(*p.logging)
	if err != nil {
		fmt.Fprintf(p.stderr, "%s: %v\n", p.Name, err)
		return 2
	}
	// The demos log through slog's default logger (the loops take it when
	// they are made, in start): its level is -logging's, its output the
	// demo's stderr, as Tornado's --logging configures the root logger.
	log.SetOutput(p.stderr)
	slog.SetLogLoggerLevel(level)
	// Catch the signals before starting, so one that arrives while the
	// server starts still stops it gracefully.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	url, stop, err := start()
	if err != nil {
		fmt.Fprintf(p.stderr, "%s: %v\n", p.Name, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s listening on %s\n", p.Name, url)
	if *p.addrFile != "" {
		if err := os.WriteFile(*p.addrFile, []byte(url+"\n"), 0o644); err != nil {
			fmt.Fprintf(p.stderr, "%s: %v\n", p.Name, err)
			_ = stop()
			return 1
		}
	}
	<-sigs
	if err := stop(); err != nil {
		fmt.Fprintf(p.stderr, "%s: shutdown: %v\n", p.Name, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s stopped\n", p.Name)
	return 0
}

// LogLevel parses a -logging value, Tornado's --logging names: debug,
// info, warning (or warn), error, or none, which is above every level.
func LogLevel(name string) (slog.Level, error) {
	switch strings.ToLower(name) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warning", "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	case "none":
		return slog.LevelError + 1, nil
	}
	return 0, fmt.Errorf("-logging %q: not debug, info, warning, error or none", name)
}

// SplitAddr splits "host:port" for HTTPServer.Bind, with an error that names
// a bad port plainly.
func SplitAddr(addr string) (host string, port int, err error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err = strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("invalid port %q", portStr)
	}
	return host, port, nil
}

// LoopsFlag adds -loops (event loops, 0: one per core) and refuses a negative
// value as a usage error.
func (p *Program) LoopsFlag() *int {
	loops := p.Flags.Int("loops", 0, "event loops (0: one per core)")
	p.Check = func() error {
		if *loops < 0 {
			return errors.New("-loops must not be negative")
		}
		return nil
	}
	return loops
}

// Listen binds s to addr ("host:port") and starts it, returning its URL; on
// failure nothing is left open.
func Listen(s *httpserver.HTTPServer, addr string) (url string, err error) {
	host, port, err := SplitAddr(addr)
	if err != nil {
		return "", err
	}
	if err := s.Bind(port, host); err != nil {
		return "", err
	}
	if err := s.Start(); err != nil {
		s.Close()
		return "", err
	}
	return "http://" + s.Addr(host), nil
}

// Stop returns Run's stop function for s: a graceful shutdown that gives open
// connections grace to finish and then cuts them (a long poll or a WebSocket
// never finishes by itself, so running out of time is not an error here).
func Stop(s *httpserver.HTTPServer, grace time.Duration) func() error {
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return nil
	}
}
