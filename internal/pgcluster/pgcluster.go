// Package pgcluster runs a throw-away PostgreSQL server: a cluster made by
// initdb in a temporary directory, served by postgres on a free port of
// 127.0.0.1 (optionally pinned to one core with taskset), and removed by
// Stop. The blog demo's tests (final/demos/blog/internal/pgtest) and
// bench's TechEmpower database (bench/internal/pgserver) both start theirs
// here, and add what they need on top: a database per test, or
// TechEmpower's tables. It needs Debian's postgresql package (or any
// initdb and postgres on PATH); .ci/run and bench/setup.sh install it.
//
// PostgreSQL refuses to run as root. When the caller runs as root (CI
// does) the cluster belongs to the "postgres" user that Debian's package
// creates, and initdb and postgres run under its uid.
package pgcluster

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
)

// Errors of Start.
var (
	// ErrNotInstalled: initdb or postgres was not found (or, as root, no
	// postgres user to run them as). Tests skip on it, except in CI,
	// where it is a failure.
	ErrNotInstalled = errors.New("pgcluster: PostgreSQL is not installed (apt-get install postgresql)")
	// ErrNotReady: the server did not say it was ready in time.
	ErrNotReady = errors.New("pgcluster: postgres did not become ready")
)

// startTimeout bounds initdb plus the server's start, generous for a
// loaded 2-core machine (both take about a second alone).
const startTimeout = 60 * time.Second

// Options say how to run the server.
type Options struct {
	// Superuser is the cluster's superuser, the name clients connect as
	// (trust authentication).
	Superuser string
	// Pinned runs the server (and so every backend it forks) on CPU Core
	// only, with taskset.
	Pinned bool
	Core   int
	// MaxConnections is postgres's max_connections (its default, 100,
	// when 0).
	MaxConnections int
}

// Cluster is a running throw-away PostgreSQL server.
type Cluster struct {
	// user is Options.Superuser.
	user string
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

// binDir finds the directory of initdb and postgres: PATH first, then
// Debian's /usr/lib/postgresql/<version>/bin, the newest version.
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

// Installed reports whether Start can find PostgreSQL and run it.
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

// Start makes a cluster and starts its server. The caller must Stop it.
func Start(opt Options) (c *Cluster, err error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "gornado-pg-")
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
		"-D", filepath.Join(dir, "data"), "-U", opt.Superuser, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pgcluster: initdb: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	argv := []string{filepath.Join(bin, "postgres"),
		"-D", filepath.Join(dir, "data"),
		"-p", strconv.Itoa(port),
		"-k", dir, // the Unix socket goes here, not in /var/run/postgresql
		"-c", "listen_addresses=127.0.0.1",
		// Durability is not what is tested or measured, and the
		// machine's disk is shared: TechEmpower's own Postgres config
		// turns synchronous commit off too.
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
	}
	if opt.MaxConnections > 0 {
		argv = append(argv, "-c", "max_connections="+strconv.Itoa(opt.MaxConnections))
	}
	if opt.Pinned {
		argv = append([]string{"taskset", "-c", strconv.Itoa(opt.Core)}, argv...)
	}
	c = &Cluster{user: opt.Superuser, dir: dir, port: port, exited: make(chan struct{})}
	c.cmd = exec.Command(argv[0], argv[1:]...)
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	dieWithParent(c.cmd.SysProcAttr)
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	c.cmd.Stdout = io.Discard
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("pgcluster: starting postgres: %w", err)
	}
	ready := make(chan struct{})
	go c.watch(stderr, ready)
	go func() {
		c.err = c.cmd.Wait()
		close(c.exited)
	}()
	select {
	case <-ready:
		return c, nil
	case <-c.exited:
		err = fmt.Errorf("pgcluster: postgres exited at start (%v):\n%s", c.err, c.Logged())
	case <-ctx.Done():
		err = fmt.Errorf("%w within %v:\n%s", ErrNotReady, startTimeout, c.Logged())
	}
	c.Stop()
	return nil, err
}

// watch copies the server's output into c.log and closes ready when the
// server says it accepts connections: an event to wait on, not a poll.
func (c *Cluster) watch(r io.Reader, ready chan<- struct{}) {
	sc := bufio.NewScanner(r)
	said := false
	for sc.Scan() {
		line := sc.Text()
		c.mu.Lock()
		if c.log.Len() < 64<<10 {
			c.log.WriteString(line + "\n")
		}
		c.mu.Unlock()
		if !said && strings.Contains(line, "database system is ready to accept connections") {
			said = true
			close(ready)
		}
	}
}

// Logged returns the server's output so far (its first 64 KiB).
func (c *Cluster) Logged() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.log.String()
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

// DSN returns the URL of database name on the server, as its superuser.
func (c *Cluster) DSN(name string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", c.user, c.port, name)
}

// Stop shuts the server down (a fast shutdown: SIGINT; SIGKILL if that
// takes more than 10 s) and removes its directory.
func (c *Cluster) Stop() error {
	if c.cmd != nil && c.cmd.Process != nil {
		c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.exited:
		case <-time.After(10 * time.Second):
			c.cmd.Process.Kill()
			<-c.exited
		}
	}
	return os.RemoveAll(c.dir)
}
