// Package pgtest runs a throw-away PostgreSQL server for the blog's
// tests (internal/pgcluster's, at the repository's root) and gives each
// test a database of its own.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver

	"github.com/gornado/gornado/internal/pgcluster"
)

// ErrNotInstalled is Start's error when PostgreSQL is not installed.
// Callers skip their tests on it, except in CI, where it is a failure.
var ErrNotInstalled = pgcluster.ErrNotInstalled

// superuser is the cluster's superuser, the name tests connect as.
const superuser = "blog"

// Server is a running throw-away PostgreSQL server.
type Server struct {
	*pgcluster.Cluster
	// databases counts NewDatabase's databases, to name them; mu guards
	// it, for tests that run in parallel.
	databases int
	mu        sync.Mutex
}

// Start makes a cluster and starts its server. The caller must Stop it.
func Start() (*Server, error) {
	c, err := pgcluster.Start(pgcluster.Options{Superuser: superuser})
	if err != nil {
		return nil, err
	}
	return &Server{Cluster: c}, nil
}

// NewDatabase creates an empty database and returns its URL: each test
// gets its own, so that tests share the server but not their rows. Safe
// for concurrent use.
func (s *Server) NewDatabase(ctx context.Context) (string, error) {
	s.mu.Lock()
	s.databases++
	name := fmt.Sprintf("test%d", s.databases)
	s.mu.Unlock()
	db, err := sql.Open("pgx", s.DSN("postgres"))
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	return s.DSN(name), nil
}
