// Command finalte is final's TechEmpower program: the six test types
// (/json, /plaintext, /db, /queries?queries=N, /fortunes,
// /updates?queries=N) through web.Application and RequestHandlers, as a
// user of final would write them. The database is PostgreSQL through pgx,
// named by the environment variable TE_DSN (a postgres:// URL); its
// blocking calls run on an executor (workers.go) and the handlers wait for
// them in coroutines (RequestHandler.Go, gen.Await), so a loop never
// blocks on a round trip. Fortunes are rendered by Render, html/template,
// in a continuation on the loop (app.go says why not in a coroutine).
//
//	TE_DSN=postgres://benchmarkdbuser@127.0.0.1:5432/hello_world finalte -addr 127.0.0.1:8080
//
// It follows the runner's contract (bench/README.md): -addr, the URL line
// once listening, exit on SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"

	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/web"

	"github.com/gornado/gornado/bench/internal/payload"
	"github.com/gornado/gornado/bench/internal/te"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	loops := flag.Int("loops", 0, "event loops (0: one per GOMAXPROCS)")
	pool := flag.Int("pool", te.DefaultPool, "database connections")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file (pprof), for explaining a figure")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "finalte:", err)
			os.Exit(1)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	if err := run(*addr, *loops, *pool); err != nil {
		fmt.Fprintln(os.Stderr, "finalte:", err)
		os.Exit(1)
	}
}

func run(addr string, loops, pool int) error {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	var store Store
	if dsn := os.Getenv(te.EnvDSN); dsn != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		db, err := te.Open(ctx, dsn, pool)
		cancel()
		if err != nil {
			return err
		}
		defer db.Pool.Close()
		store = db
	}
	s, bound, err := start(App(store, pool), addr, loops)
	if err != nil {
		return err
	}
	payload.Ready(bound)

	<-sigs
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.Shutdown(ctx)
	return nil
}

// start serves app on addr ("host:port"; port 0 picks one) with loops
// loops (0: one per GOMAXPROCS) and returns the server and its address.
func start(app *web.Application, addr string, loops int) (*httpserver.HTTPServer, string, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, "", err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, "", fmt.Errorf("bad port %q", portStr)
	}
	s := httpserver.NewWithDelegate(app)
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
