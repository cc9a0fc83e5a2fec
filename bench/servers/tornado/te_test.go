//go:build linux

// Package tornado holds the Python Tornado peer (app.py, te.py); this test
// runs te.py under Debian's python3 and checks its answers.
package tornado

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/bench/internal/te"
	"github.com/gornado/gornado/bench/internal/te/tetest"
)

// TestTechEmpower starts te.py on a loaded database and runs TechEmpower's
// checks against it. It needs python3 with Tornado and asyncpg (Debian's
// python3-tornado and python3-asyncpg): skipped without them, failed
// under CI=true.
func TestTechEmpower(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import tornado, asyncpg").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 with tornado and asyncpg: %v (apt-get install python3-tornado python3-asyncpg)", err)
		}
		t.Skipf("python3 with tornado and asyncpg: %v", err)
	}
	dsn := tetest.Postgres(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command("/usr/bin/python3", "te.py", "-addr", addr, "-pool", "4")
	cmd.Env = append(os.Environ(), te.EnvDSN+"="+dsn)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "http://") {
				ready <- sc.Text()
			}
		}
		close(ready)
	}()
	select {
	case line, ok := <-ready:
		require.True(t, ok, "te.py exited before it was ready")
		require.Contains(t, line, addr)
	case <-time.After(30 * time.Second):
		t.Fatal("te.py printed no URL within 30s")
	}
	tetest.CheckAll(t, "http://"+addr, dsn)
}
