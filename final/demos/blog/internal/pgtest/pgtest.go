// Package pgtest runs a throw-away PostgreSQL server for tests: a cluster
// made by initdb in a temporary directory, served by postgres on a free
// port of 127.0.0.1, and removed by Stop. It needs Debian's postgresql
// package (or any initdb and postgres on PATH); .ci/run installs it.
//
// PostgreSQL refuses to run as root. When the tests run as root (CI does)
// the cluster belongs to the "postgres" user that Debian's package creates,
// and initdb and postgres run under its uid.
package pgtest

import (
	"bufio"
	"context"
	"database/sql"
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

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// Errors of Start.
var (
	// ErrNotInstalled: initdb or postgres was not found. Callers skip
	// their tests on it, except in CI, where it is a failure.
	ErrNotInstalled = errors.New("pgtest: PostgreSQL is not installed (apt-get install postgresql)")
	// ErrNotReady: the server did not say it was ready in time.
	ErrNotReady = errors.New("pgtest: postgres did not become ready")
)

// startTimeout bounds initdb plus the server's start, generous for a
// loaded 2-core machine (both take about a second alone).
const startTimeout = 60 * time.Second

// superuser is the cluster's superuser, the name tests connect as.
const superuser = "blog"

// Server is a running throw-away PostgreSQL server.
type Server struct {
	// dir holds the cluster (dir/data) and the server's Unix socket.
	dir string
	// port is the TCP port on 127.0.0.1.
	port int
	// cmd is the postgres process.
	cmd *exec.Cmd
	// exited is closed once cmd has been waited for; err is its result.
	exited chan struct{}
	err    error
	// log keeps the server's output (its first 64 KiB), for the error
	// of a failed start; mu guards it between watch and the rest.
	log *strings.Builder
	mu  sync.Mutex
	// databases counts NewDatabase's databases, to name them; dbMu
	// guards it, for tests that run in parallel.
	databases int
	dbMu      sync.Mutex
}

// binDir finds the directory of initdb and postgres: PATH first, then
// Debian's /usr/lib/postgresql/<version>/bin, the newest version.
func binDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		dir := filepath.Dir(p)
		if resolved, err := filepath.EvalSymlinks(p); err == nil {
			dir = filepath.Dir(resolved) // Debian links /usr/local/bin/initdb
		}
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return versionOf(b) - versionOf(a) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	return "", ErrNotInstalled
}

// versionOf reads the major version from /usr/lib/postgresql/<v>/bin.
func versionOf(bin string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(bin)))
	return v
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

// Start makes a cluster and starts its server. The caller must Stop it.
func Start() (s *Server, err error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	if cred != nil {
		// The server's user must own the cluster, and reach it: MkdirTemp
		// makes the directory 0700 for root.
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()

	// initdb: trust authentication (the server listens on 127.0.0.1 and a
	// socket in dir only), no fsync (the cluster is thrown away).
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"),
		"-D", filepath.Join(dir, "data"), "-U", superuser, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pgtest: initdb: %v\n%s", err, out)
	}

	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s = &Server{dir: dir, port: port, exited: make(chan struct{}), log: &strings.Builder{}}
	s.cmd = exec.Command(filepath.Join(bin, "postgres"),
		"-D", filepath.Join(dir, "data"),
		"-p", strconv.Itoa(port),
		"-k", dir, // the Unix socket goes here, not in /var/run/postgresql
		"-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
	)
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	dieWithParent(s.cmd.SysProcAttr)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	s.cmd.Stdout = io.Discard
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("pgtest: starting postgres: %w", err)
	}
	ready := make(chan struct{})
	go s.watch(stderr, ready)
	go func() {
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	select {
	case <-ready:
		return s, nil
	case <-s.exited:
		err = fmt.Errorf("pgtest: postgres exited at start (%v):\n%s", s.err, s.logged())
	case <-ctx.Done():
		err = fmt.Errorf("%w within %v:\n%s", ErrNotReady, startTimeout, s.logged())
	}
	s.Stop()
	return nil, err
}

// watch copies the server's output into s.log and closes ready when the
// server says it accepts connections: an event to wait on, not a poll.
func (s *Server) watch(r io.Reader, ready chan<- struct{}) {
	sc := bufio.NewScanner(r)
	said := false
	for sc.Scan() {
		line := sc.Text()
		if s.logLen() < 64<<10 {
			s.appendLog(line)
		}
		if !said && strings.Contains(line, "database system is ready to accept connections") {
			said = true
			close(ready)
		}
	}
}

func (s *Server) appendLog(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.WriteString(line + "\n")
}

func (s *Server) logLen() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.Len()
}

func (s *Server) logged() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago. The
// server binds it itself, after initdb; another process taking it in
// between makes the start fail, which says so.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// DSN returns the URL of database name on s.
func (s *Server) DSN(name string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", superuser, s.port, name)
}

// NewDatabase creates an empty database and returns its URL: each test
// gets its own, so that tests share the server but not their rows. Safe
// for concurrent use.
func (s *Server) NewDatabase(ctx context.Context) (string, error) {
	s.dbMu.Lock()
	s.databases++
	name := fmt.Sprintf("test%d", s.databases)
	s.dbMu.Unlock()
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

// Stop shuts the server down (a fast shutdown: SIGINT; SIGKILL if that
// takes more than 10 s) and removes its directory.
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
