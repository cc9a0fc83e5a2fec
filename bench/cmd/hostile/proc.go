// A process under test (a demo server, or the client-side program): started
// in a process group of its own, its memory sampled from /proc every 50 ms,
// killed if its RSS passes the cap, stopped with SIGTERM then SIGKILL.

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gornado/gornado/bench/internal/procmem"
)

// sampleEvery is how often a process's memory is read.
const sampleEvery = 50 * time.Millisecond

// proc is a running process under test.
type proc struct {
	// name is the program's ("chat"); cmd the process.
	name string
	cmd  *exec.Cmd
	// out collects its standard output and error.
	out *syncBuffer
	// done closes when it has exited; state is then its exit, and
	// exitedAt when it was reaped.
	done     chan struct{}
	state    *os.ProcessState
	exitedAt time.Time
	// start is when it was started; addr its "127.0.0.1:PORT" once
	// listening (servers only).
	start time.Time
	addr  string
	// capBytes is the RSS past which it is killed.
	capBytes int64

	mu sync.Mutex
	// samples are its memory readings, oldest first; killedAt is when
	// the watcher killed it for passing the cap (zero: never), killedRSS
	// the RSS it had then.
	samples   []memSample
	killedAt  time.Time
	killedRSS int64
}

// memSample is one reading of a process's memory.
type memSample struct {
	at  time.Time
	mem procmem.Mem
}

// syncBuffer is a bytes.Buffer safe for the two copiers of stdout and
// stderr and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// running is every process started and not yet reaped, for Ctrl-C.
var running = struct {
	mu sync.Mutex
	m  map[*proc]bool
}{m: map[*proc]bool{}}

// killAll kills every running process's group; the caller exits.
func killAll() {
	running.mu.Lock()
	defer running.mu.Unlock()
	for p := range running.m {
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
}

// startProc starts argv with stdin from stdin (nil: none), watching its
// memory against capBytes.
func startProc(name string, argv []string, stdin io.Reader, capBytes int64) (*proc, error) {
	p := &proc{name: name, out: &syncBuffer{}, done: make(chan struct{}), capBytes: capBytes}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	p.cmd.Stdin = stdin
	// A group of its own, so that stopping it cannot reach this process.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p.start = time.Now()
	running.mu.Lock()
	running.m[p] = true
	running.mu.Unlock()
	go func() {
		p.cmd.Wait()
		p.state, p.exitedAt = p.cmd.ProcessState, time.Now()
		running.mu.Lock()
		delete(running.m, p)
		running.mu.Unlock()
		close(p.done)
	}()
	go p.watch()
	return p, nil
}

// watch samples the memory until the process exits; a sample past the cap
// kills it: the machine is shared, and a server that would eat all of it
// has already shown what the scenario measures.
func (p *proc) watch() {
	t := time.NewTicker(sampleEvery)
	defer t.Stop()
	for {
		p.sample()
		select {
		case <-p.done:
			return
		case <-t.C:
		}
	}
}

// sample reads the memory now and adds it to the samples, killing the
// process if its RSS is past the cap; it returns the last sample (the
// process may have gone) and whether there is one.
func (p *proc) sample() (procmem.Mem, bool) {
	m, err := procmem.ReadMem(p.cmd.Process.Pid)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err == nil {
		p.samples = append(p.samples, memSample{time.Now(), m})
		if m.RSS > p.capBytes && p.killedAt.IsZero() {
			p.killedAt, p.killedRSS = time.Now(), m.RSS
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		}
	}
	if len(p.samples) == 0 {
		return procmem.Mem{}, false
	}
	return p.samples[len(p.samples)-1].mem, true
}

// mem reads the memory now (the last sample if the process has gone).
func (p *proc) mem() procmem.Mem {
	m, _ := p.sample()
	return m
}

// rssAt returns the last RSS sampled at or before t, and false if the
// process was not sampled after t (it had exited: the figure would be
// stale).
func (p *proc) rssAt(t time.Time) (int64, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var rss int64
	for _, s := range p.samples {
		if s.at.After(t) {
			return rss, true
		}
		rss = s.mem.RSS
	}
	return rss, false
}

// firstAbove returns when the RSS was first sampled above rss.
func (p *proc) firstAbove(rss int64) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.samples {
		if s.mem.RSS > rss {
			return s.at, true
		}
	}
	return time.Time{}, false
}

// peak returns the largest RSS sampled and the last high-water mark read.
func (p *proc) peak() (rss, hwm int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.samples {
		rss = max(rss, s.mem.RSS)
		hwm = max(hwm, s.mem.HWM)
	}
	return rss, hwm
}

// killed reports when the watcher killed the process for its RSS.
func (p *proc) killed() (at time.Time, rss int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.killedAt, p.killedRSS
}

// goneAt is when the process was killed at the cap or exited, whichever
// came first; zero while it runs.
func (p *proc) goneAt() time.Time {
	if at, _ := p.killed(); !at.IsZero() {
		return at
	}
	if p.exited() {
		return p.exitedAt
	}
	return time.Time{}
}

// exited reports whether the process has exited.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the process group and SIGKILL after grace; it
// returns how the process ended.
func (p *proc) stop(grace time.Duration) string {
	if !p.exited() {
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(grace):
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
			return fmt.Sprintf("did not exit within %s of SIGTERM: SIGKILL", grace)
		}
	}
	return p.exit()
}

// exit describes how the exited process ended.
func (p *proc) exit() string {
	<-p.done
	if at, rss := p.killed(); !at.IsZero() {
		return fmt.Sprintf("killed by this tool at %s RSS (cap), %s after start", mib(rss), secs(at.Sub(p.start)))
	}
	ws, ok := p.state.Sys().(syscall.WaitStatus)
	if ok && ws.Signaled() {
		return "killed by " + ws.Signal().String()
	}
	return fmt.Sprintf("exit %d", p.state.ExitCode())
}

// fate says whether the process is still running and, if not, how it ended.
func (p *proc) fate() string {
	if at, _ := p.killed(); !at.IsZero() {
		<-p.done // killed: it is reaped at once
	}
	if !p.exited() {
		return "alive"
	}
	return p.exit()
}

// tail returns the last lines the process printed, for error messages.
func (p *proc) tail() string {
	s := strings.TrimSpace(p.out.String())
	if len(s) > 400 {
		s = "..." + s[len(s)-400:]
	}
	if s == "" {
		return "(no output)"
	}
	return s
}

// errNoURL is a server that exited or stayed silent instead of announcing
// its URL.
var errNoURL = errors.New("hostile: server did not announce its URL")

// startDemo starts final/demos/<name> from the tree on addr ("": a free
// loopback port) with extra flags, and waits up to 30 s for the URL it
// writes to -addrfile.
func (e *env) startDemo(name, addr string, args ...string) (*proc, error) {
	bin, err := e.tree.demo(name)
	if err != nil {
		return nil, err
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	f, err := os.CreateTemp(e.tmp, name+"-addr-")
	if err != nil {
		return nil, err
	}
	f.Close()
	argv := append([]string{bin, "-addr", addr, "-addrfile", f.Name()}, args...)
	p, err := startProc(name, argv, nil, e.capBytes)
	if err != nil {
		return nil, err
	}
	u, err := waitURL(p, f.Name(), 30*time.Second)
	if err != nil {
		p.stop(3 * time.Second)
		return p, fmt.Errorf("%s: %w: %s", name, err, p.tail())
	}
	p.addr = u.Host
	return p, nil
}

// waitURL waits until the server writes its URL to file, or exits.
func waitURL(p *proc, file string, limit time.Duration) (*url.URL, error) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(file)
		if s := strings.TrimSpace(string(b)); s != "" {
			u, err := url.Parse(s)
			if err != nil || u.Host == "" {
				return nil, fmt.Errorf("bad URL %q in -addrfile", s)
			}
			return u, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("%w (%s)", errNoURL, p.exit())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil, fmt.Errorf("%w within %s", errNoURL, limit)
}

// cpu reads the process's CPU time so far (user + system), from
// /proc/PID/stat.
func (p *proc) cpu() (time.Duration, error) {
	b, err := os.ReadFile(filepath.Join("/proc", fmt.Sprint(p.cmd.Process.Pid), "stat"))
	if err != nil {
		return 0, err
	}
	t, err := procmem.ParseStatCPU(string(b))
	if err != nil {
		return 0, err
	}
	return time.Duration(t) * time.Second / procmem.ClockTicks, nil
}
