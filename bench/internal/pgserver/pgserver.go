// Package pgserver runs the te workloads' database: a throw-away
// PostgreSQL server (internal/pgcluster, at the repository's root,
// optionally pinned to one core with taskset), loaded with TechEmpower's
// World and Fortune tables (te.Schema). Stop removes it all. It needs
// Debian's postgresql package (bench/setup.sh and .ci/run install it).
package pgserver

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gornado/gornado/bench/internal/te"
	"github.com/gornado/gornado/internal/pgcluster"
)

// ErrNotInstalled is Start's error when PostgreSQL is not installed (or,
// as root, there is no postgres user to run it as). Tests skip on it,
// except in CI.
var ErrNotInstalled = pgcluster.ErrNotInstalled

// loadTimeout bounds creating the database and loading its tables.
const loadTimeout = 60 * time.Second

// The cluster's superuser and database, TechEmpower's names.
const (
	User     = "benchmarkdbuser"
	Database = "hello_world"
)

// Options say how to run the server.
type Options struct {
	// Core pins the server (and so every backend it forks) to one CPU with
	// taskset; -1 leaves it unpinned.
	Core int
	// MaxConnections is postgres's max_connections (default 100 when 0):
	// every pool of every server running at once must fit.
	MaxConnections int
}

// Server is a running throw-away PostgreSQL server with TechEmpower's
// tables.
type Server struct {
	*pgcluster.Cluster
}

// Installed reports whether Start can find PostgreSQL, for -list.
func Installed() error { return pgcluster.Installed() }

// Start makes a cluster, starts its server and loads the tables. The
// caller must Stop it.
func Start(opt Options) (*Server, error) {
	c, err := pgcluster.Start(pgcluster.Options{
		Superuser:      User,
		Pinned:         opt.Core >= 0,
		Core:           opt.Core,
		MaxConnections: opt.MaxConnections,
	})
	if err != nil {
		return nil, err
	}
	s := &Server{c}
	ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
	defer cancel()
	if err := s.load(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// load creates the database and its tables.
func (s *Server) load(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, s.Cluster.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("pgserver: %w", err)
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+Database)
	conn.Close(ctx)
	if err != nil {
		return fmt.Errorf("pgserver: %w", err)
	}
	if conn, err = pgx.Connect(ctx, s.DSN()); err != nil {
		return fmt.Errorf("pgserver: %w", err)
	}
	defer conn.Close(ctx)
	// One Exec of several statements: the simple protocol, one round trip.
	if _, err := conn.Exec(ctx, te.Schema()+"ANALYZE;"); err != nil {
		return fmt.Errorf("pgserver: loading the tables: %w", err)
	}
	return nil
}

// DSN is the URL of the loaded database, the servers' TE_DSN.
func (s *Server) DSN() string { return s.Cluster.DSN(Database) }
