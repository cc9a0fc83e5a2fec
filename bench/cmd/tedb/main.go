// Command tedb runs the te workloads' database by itself, for running a
// te server by hand (profiling, trying a change): a throw-away PostgreSQL
// loaded with TechEmpower's tables, as the runner starts it. It prints the
// TE_DSN line once the tables are loaded and removes everything on SIGTERM
// or Ctrl-C.
//
//	cd bench && go run ./cmd/tedb -core 1
//	TE_DSN=postgres://... taskset -c 0 go run ./servers/finalte -addr 127.0.0.1:8080
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/gornado/gornado/bench/internal/pgserver"
	"github.com/gornado/gornado/bench/internal/te"
)

func main() {
	core := flag.Int("core", -1, "pin PostgreSQL to this core with taskset (-1: unpinned)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("tedb: ")
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	s, err := pgserver.Start(pgserver.Options{Core: *core})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s=%s\n", te.EnvDSN, s.DSN())
	<-sigs
	if err := s.Stop(); err != nil {
		log.Fatal(err)
	}
}
