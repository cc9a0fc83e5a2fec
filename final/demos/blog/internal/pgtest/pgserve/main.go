// Command pgserve runs a throw-away PostgreSQL server (package pgtest) with
// one empty database, for programs outside this module's tests:
// bench/cmd/blogbench builds and runs it. It prints the database's URL on
// a line of its own, then waits; on SIGINT, SIGTERM or the end of its
// standard input it stops the server and removes its files.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gornado/gornado/final/demos/blog/internal/pgtest"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("pgserve: ")
	s, err := pgtest.Start()
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	dsn, err := s.NewDatabase(ctx)
	cancel()
	if err != nil {
		s.Stop()
		log.Fatal(err)
	}
	fmt.Println(dsn)
	done := make(chan os.Signal, 1)
	signal.Notify(done, os.Interrupt, syscall.SIGTERM)
	go func() {
		io.Copy(io.Discard, os.Stdin)
		done <- syscall.SIGTERM
	}()
	<-done
	if err := s.Stop(); err != nil {
		log.Fatal(err)
	}
}
