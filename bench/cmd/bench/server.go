package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gornado/gornado/bench/internal/payload"
	"github.com/gornado/gornado/bench/internal/procmem"
	"github.com/gornado/gornado/bench/internal/te"
)

// server is a running peer.
type server struct {
	peer Peer
	addr string // 127.0.0.1:PORT
	cmd  *exec.Cmd
	log  string // path of its captured stderr and stdout
	done chan struct{}
}

// placement says where a process runs: pinned to one core with GOMAXPROCS=1,
// or on all cores with GOMAXPROCS=2 (all-cores workload).
type placement struct {
	core     int // -1: not pinned
	allCores bool
}

// command wraps argv in taskset when pinned, and sets GOMAXPROCS.
func (pl placement) command(argv ...string) *exec.Cmd {
	if pl.core >= 0 {
		argv = append([]string{"taskset", "-c", strconv.Itoa(pl.core)}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	procs := "1"
	if pl.allCores {
		procs = strconv.Itoa(cores())
	}
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+procs)
	// A process group of its own, so that stopping it stops Tornado's
	// forked children and nginx's workers too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// freeAddr finds a free loopback port. Another process could take it before
// the server binds it; the server then fails to start and says so.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startServer starts p and waits until it is ready: until it prints a line
// holding its URL (Go peers, Tornado: "http://127.0.0.1:PORT/"; final:
// "helloworld listening on http://127.0.0.1:PORT") or accepts connections
// (nginx), then checks that GET / answers 200.
func (e *env) startServer(p Peer, pl placement) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	s := &server{peer: p, addr: addr, done: make(chan struct{})}
	s.log = filepath.Join(e.tmp, fmt.Sprintf("%s-%s.log", p.Name, strings.ReplaceAll(addr, ":", "_")))
	logf, err := os.Create(s.log)
	if err != nil {
		return nil, err
	}
	var cmd *exec.Cmd
	switch p.Kind {
	case goProgram:
		cmd = pl.command(append([]string{e.bin(p)}, append(p.Args, "-addr", addr)...)...)
	case python:
		script := p.Script
		if script == "" {
			script = "app.py"
		}
		argv := []string{e.python, filepath.Join(e.benchDir, "servers", "tornado", script), "-addr", addr}
		if pl.allCores {
			argv = append(argv, "-procs", strconv.Itoa(cores()))
		}
		cmd = pl.command(argv...)
	case nginxKind:
		dir, err := e.nginxConf(addr, pl.allCores)
		if err != nil {
			return nil, err
		}
		cmd = pl.command(e.nginx, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log"))
	}
	if e.dsn != "" {
		cmd.Env = append(cmd.Env, te.EnvDSN+"="+e.dsn) // the te servers' database
	}
	s.cmd = cmd
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", p.Name, err)
	}
	running.add(s)
	ready := make(chan struct{})
	go func() {
		// Copy stdout to the log, and signal at the first URL line.
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			fmt.Fprintln(logf, sc.Text())
			if !signalled && strings.Contains(sc.Text(), "http://") {
				signalled = true
				close(ready)
			}
		}
		cmd.Wait()
		logf.Close()
		close(s.done)
	}()

	deadline := time.After(30 * time.Second)
	if p.Kind == nginxKind {
		// nginx prints nothing: poll the port.
		go func() {
			for {
				if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
					c.Close()
					close(ready)
					return
				}
				select {
				case <-s.done:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}()
	}
	select {
	case <-ready:
	case <-s.done:
		return nil, fmt.Errorf("%s exited before it was ready: %s", p.Name, tail(s.log))
	case <-deadline:
		s.stop()
		return nil, fmt.Errorf("%s printed no line with http:// within 30s: %s", p.Name, tail(s.log))
	}
	if p.HTTP {
		if err := checkGet(addr, payload.PathHello, payload.Hello); err != nil {
			s.stop()
			return nil, fmt.Errorf("%s: %w", p.Name, err)
		}
	}
	return s, nil
}

// checkGet makes one request and compares the body, so that a peer that
// answers the wrong thing fails loudly rather than winning.
func checkGet(addr, path, want string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 || string(body) != want {
		return fmt.Errorf("GET %s: %s, body %q, want 200 and %d bytes", path, resp.Status, trunc(body), len(want))
	}
	return nil
}

// checkEndpoints checks every HTTP endpoint once, before a run.
func checkEndpoints(addr string) error {
	for path, want := range map[string]string{
		payload.PathHello: payload.Hello,
		payload.PathJSON:  payload.JSON,
		payload.Path64K:   string(payload.Body64K()),
	} {
		if err := checkGet(addr, path, want); err != nil {
			return err
		}
	}
	return nil
}

func trunc(b []byte) []byte {
	if len(b) > 40 {
		return append(b[:40:40], "..."...)
	}
	return b
}

// pids returns the processes whose memory and CPU are the server's: nginx's
// workers, Tornado's forked processes when it forks, or else the one process
// (taskset execs, so the pid is the server's).
func (s *server) pids() ([]int, error) {
	pid := s.cmd.Process.Pid
	if s.peer.Kind == goProgram {
		return []int{pid}, nil
	}
	kids, err := procmem.Children(pid)
	if err != nil {
		return nil, err
	}
	if len(kids) > 0 {
		return kids, nil
	}
	if s.peer.Kind == nginxKind {
		return nil, errors.New("nginx has no worker processes")
	}
	return []int{pid}, nil
}

// meter measures CPU use over one measured run: the server's, and that of
// everything else on the machine besides the server and the load generator
// (other people's builds and tests on a shared machine).
type meter struct {
	pids   []int
	t0     time.Time
	server int64 // the server's ticks at t0
	busy   int64 // the machine's busy ticks at t0
	ok     bool
}

func (s *server) startMeter() *meter {
	m := &meter{t0: time.Now()}
	var err1, err2, err3 error
	m.pids, err1 = s.pids()
	if err1 == nil {
		m.server, err2 = procmem.CPUTicks(m.pids)
	}
	m.busy, err3 = procmem.MachineBusy()
	m.ok = err1 == nil && err2 == nil && err3 == nil
	return m
}

// stop returns the server's CPU use and the others', in percent of one core,
// given the finished load generator's process state; zeros if /proc could
// not tell.
func (m *meter) stop(loadgen *os.ProcessState) (server, others float64) {
	if !m.ok {
		return 0, 0
	}
	c1, err1 := procmem.CPUTicks(m.pids)
	b1, err2 := procmem.MachineBusy()
	if err1 != nil || err2 != nil {
		return 0, 0
	}
	secs := time.Since(m.t0).Seconds()
	pct := func(ticks float64) float64 { return ticks / procmem.ClockTicks / secs * 100 }
	server = pct(float64(c1 - m.server))
	rest := float64(b1-m.busy) - float64(c1-m.server)
	if loadgen != nil {
		rest -= (loadgen.UserTime() + loadgen.SystemTime()).Seconds() * procmem.ClockTicks
	}
	return server, max(0, pct(rest))
}

// settleWindow and settleTicks define a settled server: one that used at
// most settleTicks clock ticks of CPU (2 of 100 per second: under 7% of a
// core) over settleWindow.
const (
	settleWindow = 300 * time.Millisecond
	settleTicks  = 2
)

// settle waits until the server has finished the work a load generator
// left behind, up to max, and returns how long it waited. When wrk stops
// it abandons a request on each connection, and a server that runs a
// handler per request (20 database queries each, at 512 connections) goes
// on working through them for a while: measured right away, the next
// level would pay for the last one's tail. TechEmpower's scripts sleep
// 2 s between levels; this waits only as long as the server is busy.
func (s *server) settle(max time.Duration) time.Duration {
	start := time.Now()
	pids, err := s.pids()
	if err != nil {
		return 0
	}
	for time.Since(start) < max {
		t0, err := procmem.CPUTicks(pids)
		if err != nil {
			return time.Since(start)
		}
		time.Sleep(settleWindow)
		t1, err := procmem.CPUTicks(pids)
		if err != nil || t1-t0 <= settleTicks {
			break
		}
	}
	return time.Since(start)
}

// running is every server started and not yet stopped, for Ctrl-C.
var running = &serverSet{m: map[*server]bool{}}

type serverSet struct {
	mu sync.Mutex
	m  map[*server]bool
}

func (ss *serverSet) add(s *server) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.m[s] = true
}

func (ss *serverSet) remove(s *server) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.m, s)
}

// stopAll stops every running server; the caller exits right after, so no
// new one starts.
func (ss *serverSet) stopAll() {
	ss.mu.Lock()
	all := make([]*server, 0, len(ss.m))
	for s := range ss.m {
		all = append(all, s)
	}
	ss.mu.Unlock()
	for _, s := range all {
		s.stop()
	}
}

// stop ends the server's process group: SIGTERM, then SIGKILL after 3s.
func (s *server) stop() {
	defer running.remove(s)
	pgid := s.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(3 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-s.done
	}
}

// tail returns the last lines of a log file, for error messages.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	b = bytes.TrimSpace(b)
	if len(b) > 600 {
		b = b[len(b)-600:]
	}
	if len(b) == 0 {
		return "(no output)"
	}
	return string(b)
}

// nginxConf writes a config for one nginx on addr into a fresh directory:
// one worker (two for all cores), no access log, keep-alive without a request
// limit (nginx closes a connection after 1000 requests by default, which the
// Go servers do not), the three endpoints, and enough connections and file
// descriptors for the 10k idle connections.
func (e *env) nginxConf(addr string, allCores bool) (string, error) {
	dir, err := os.MkdirTemp(e.tmp, "nginx-")
	if err != nil {
		return "", err
	}
	os.Chmod(dir, 0o755) // readable by the workers' user
	if err := os.WriteFile(filepath.Join(dir, "64k"), payload.Body64K(), 0o644); err != nil {
		return "", err
	}
	workers := 1
	if allCores {
		workers = cores()
	}
	conf := fmt.Sprintf(`daemon off;
master_process on;
worker_processes %d;
worker_rlimit_nofile 30000;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log warn;
events {
    worker_connections 20000;
}
http {
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    client_body_temp_path %[2]s/tmp;
    proxy_temp_path %[2]s/tmp;
    fastcgi_temp_path %[2]s/tmp;
    uwsgi_temp_path %[2]s/tmp;
    scgi_temp_path %[2]s/tmp;
    server {
        listen %[3]s;
        location = / {
            default_type text/plain;
            return 200 "%[4]s";
        }
        location = /json {
            default_type application/json;
            return 200 '%[5]s';
        }
        location = /64k {
            default_type application/octet-stream;
            alias %[2]s/64k;
        }
    }
}
`, workers, dir, addr, payload.Hello, payload.JSON)
	return dir, os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644)
}
