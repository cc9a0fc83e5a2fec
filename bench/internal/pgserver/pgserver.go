// Package pgserver runs the te workloads' database: a throw-away
// PostgreSQL cluster made by initdb in a temporary directory, served on a
// free port of 127.0.0.1 (optionally pinned to one core with taskset), and
// loaded with TechEmpower's World and Fortune tables (te.Schema). Stop
// removes it all. It needs Debian's postgresql package (bench/setup.sh and
// .ci/run install it); the approach is final/demos/blog/internal/pgtest's.
//
// PostgreSQL refuses to run as root: when bench runs as root the cluster
// belongs to the "postgres" user that Debian's package creates, and initdb
// and postgres run under its uid.
package pgserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gornado/gornado/bench/internal/te"
)

// Errors of Start.
var (
	// ErrNotInstalled: initdb or postgres was not found (or, as root, no
	// postgres user to run them as). Tests skip on it, except in CI.
	ErrNotInstalled = errors.New("pgserver: PostgreSQL is not installed (apt-get install postgresql, or bash bench/setup.sh)")
	// ErrNotReady: the server did not say it was ready in time.
	ErrNotReady = errors.New("pgserver: postgres did not become ready")
)

// startTimeout bounds initdb, the start and the load, generous for a
// loaded 2-core machine (they take about two seconds alone).
const startTimeout = 90 * time.Second

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

// Server is a running throw-away PostgreSQL server.
type Server struct {
	// dir holds the cluster (dir/data) and the server's Unix socket.
	dir string
	// port is the TCP port on 127.0.0.1.
	port int
	// cmd is the postgres process (or taskset, which execs it).
	cmd *exec.Cmd
	// exited is closed once cmd has been waited for; err is its result.
	exited chan struct{}
	err    error
	// mu guards log, the server's first 64 KiB of output, kept for the
	// error of a failed start.
	mu  sync.Mutex
	log strings.Builder
}

// binDir finds initdb and postgres: PATH first, then Debian's
// /usr/lib/postgresql/<version>/bin, the newest version.
func binDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if resolved, err := filepath.EvalSymlinks(p); err == nil {
			p = resolved // Debian links /usr/local/bin/initdb to its own
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), "postgres")); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(d string) int { v, _ := strconv.Atoi(filepath.Base(filepath.Dir(d))); return v }
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	return "", ErrNotInstalled
}

// Installed reports whether Start can find PostgreSQL, for -list.
func Installed() error {
	if _, err := binDir(); err != nil {
		return err
	}
	_, err := runAs()
	return err
}

// runAs returns the credential to run the server with: nil when not root,
// the postgres user's when root.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("%w: running as root and there is no postgres user to run the server as (%v)", ErrNotInstalled, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

// Start makes a cluster, starts its server and loads the tables. The
// caller must Stop it.
func Start(opt Options) (s *Server, err error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "gornado-te-pg-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	if cred != nil {
		// The server's user must own the cluster: MkdirTemp makes the
		// directory 0700 for root.
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()

	// Trust authentication (the server listens on 127.0.0.1 and a socket
	// in dir only); no fsync, the cluster is thrown away.
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"),
		"-D", filepath.Join(dir, "data"), "-U", User, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pgserver: initdb: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	maxConns := opt.MaxConnections
	if maxConns <= 0 {
		maxConns = 100
	}
	argv := []string{filepath.Join(bin, "postgres"),
		"-D", filepath.Join(dir, "data"),
		"-p", strconv.Itoa(port),
		"-k", dir, // the Unix socket goes here, not in /var/run/postgresql
		"-c", "listen_addresses=127.0.0.1",
		"-c", "max_connections=" + strconv.Itoa(maxConns),
		// Durability is not what is measured, and the machine's disk is
		// shared: TechEmpower's own Postgres config turns synchronous
		// commit off too.
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
	}
	if opt.Core >= 0 {
		argv = append([]string{"taskset", "-c", strconv.Itoa(opt.Core)}, argv...)
	}
	s = &Server{dir: dir, port: port, exited: make(chan struct{})}
	s.cmd = exec.Command(argv[0], argv[1:]...)
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	dieWithParent(s.cmd.SysProcAttr)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	s.cmd.Stdout = io.Discard
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("pgserver: starting postgres: %w", err)
	}
	ready := make(chan struct{})
	go s.watch(stderr, ready)
	go func() {
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	select {
	case <-ready:
		if err = s.load(ctx); err == nil {
			return s, nil
		}
	case <-s.exited:
		err = fmt.Errorf("pgserver: postgres exited at start (%v):\n%s", s.err, s.logged())
	case <-ctx.Done():
		err = fmt.Errorf("%w within %v:\n%s", ErrNotReady, startTimeout, s.logged())
	}
	s.Stop()
	return nil, err
}

// load creates the database and its tables.
func (s *Server) load(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, s.dsn("postgres"))
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

// watch copies the server's output into s.log and closes ready when the
// server says it accepts connections: an event to wait on, not a poll.
func (s *Server) watch(r io.Reader, ready chan<- struct{}) {
	sc := bufio.NewScanner(r)
	said := false
	for sc.Scan() {
		line := sc.Text()
		s.mu.Lock()
		if s.log.Len() < 64<<10 {
			s.log.WriteString(line + "\n")
		}
		s.mu.Unlock()
		if !said && strings.Contains(line, "database system is ready to accept connections") {
			said = true
			close(ready)
		}
	}
}

func (s *Server) logged() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago;
// another process taking it before postgres binds it makes Start fail,
// and say so.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) dsn(db string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", User, s.port, db)
}

// DSN is the URL of the loaded database, the servers' TE_DSN.
func (s *Server) DSN() string { return s.dsn(Database) }

// Stop shuts the server down (a fast shutdown, SIGINT; SIGKILL after
// 10 s) and removes its directory.
func (s *Server) Stop() error {
	if s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			<-s.exited
		}
	}
	return os.RemoveAll(s.dir)
}
