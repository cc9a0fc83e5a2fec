// Package peertest holds what the peer tests share: finding a peer (and
// failing under CI when it is missing), and running peers as subprocesses
// that the test always kills, waiting on what they print rather than on
// time.
package peertest

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Failsafe bounds every wait for a peer, so that a broken test fails
// instead of hanging; nothing waits for it to pass.
const Failsafe = 30 * time.Second

// Missing skips the test when a peer is not installed, saying how to
// install it, or fails it under CI=true, where .ci/run must have installed
// it.
func Missing(t testing.TB, what, install string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing, and CI=true: .ci/run must install it (%s)", what, install)
	}
	t.Skipf("%s is missing: %s, or run `bash .ci/run`, which installs it", what, install)
}

// LastLine returns the last non-empty line of s, for short error messages.
func LastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// lockedBuffer collects a subprocess's stderr for failure messages.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Proc is a long-running peer whose stdout lines the test waits on.
type Proc struct {
	name   string
	lines  chan string
	stderr *lockedBuffer
}

// Start starts a peer that runs until the test ends; t.Cleanup kills it
// and waits for it, and shows its stderr if the test failed.
func Start(t testing.TB, name string, args ...string) *Proc {
	t.Helper()
	cmd := exec.Command(name, args...)
	p := &Proc{name: name + " " + strings.Join(args, " "), lines: make(chan string, 1024), stderr: &lockedBuffer{}}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start(), "starting %s", p.name)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-scanned // the pipe reaches EOF once the process is gone
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s stderr:\n%s", p.name, p.stderr.String())
		}
	})
	return p
}

// Stderr returns what the peer has written on stderr so far.
func (p *Proc) Stderr() string { return p.stderr.String() }

// Next returns the next line the peer prints, failing the test if the
// peer exits or stays silent for Failsafe.
func (p *Proc) Next(t testing.TB) string {
	t.Helper()
	select {
	case line, ok := <-p.lines:
		if !ok {
			t.Fatalf("%s exited; stderr:\n%s", p.name, p.stderr.String())
		}
		return line
	case <-time.After(Failsafe):
		t.Fatalf("%s printed nothing for %v; stderr:\n%s", p.name, Failsafe, p.stderr.String())
	}
	return ""
}

// Port reads the "PORT <n>" line a server peer prints once it listens.
func (p *Proc) Port(t testing.TB) int {
	t.Helper()
	line := p.Next(t)
	n, err := strconv.Atoi(strings.TrimPrefix(line, "PORT "))
	require.NoError(t, err, "expected PORT <n>, got %q", line)
	return n
}

// Run runs a peer to completion within Failsafe and returns its output; a
// non-zero exit fails the test with both.
func Run(t testing.TB, name string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Failsafe)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	require.NoError(t, err, "%s %s\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), out.String(), errb.String())
	return out.String(), errb.String()
}
