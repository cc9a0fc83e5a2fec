package process

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/ioloop"
)

func newLoop(t *testing.T) *ioloop.IOLoop {
	l, err := ioloop.New()
	require.NoError(t, err)
	t.Cleanup(func() { l.Close(false) })
	return l
}

func needs(t *testing.T, prog string) {
	if _, err := exec.LookPath(prog); err != nil {
		t.Skipf("%s not installed", prog)
	}
}

func TestStdinToStdout(t *testing.T) {
	testutil.CheckLeaks(t)
	needs(t, "cat")
	l := newLoop(t)
	_, err := gen.Run(l, 10*time.Second, func(c *gen.Co) (struct{}, error) {
		p, err := New(l, exec.Command("cat"), Options{Stdin: true, Stdout: true})
		require.NoError(t, err)
		assert.NotZero(t, p.Pid())
		p.Stdin.Write([]byte("line one\n"))
		line, err := gen.Await(c, p.Stdout.ReadUntil([]byte("\n"), 0))
		require.NoError(t, err)
		assert.Equal(t, "line one\n", string(line))
		big := strings.Repeat("x", 1<<20)
		p.Stdin.Write([]byte(big))
		got, err := gen.Await(c, p.Stdout.ReadBytes(len(big), false))
		require.NoError(t, err)
		assert.Equal(t, len(big), len(got))
		p.Stdin.Close()
		rest, err := gen.Await(c, p.Stdout.ReadUntilClose())
		require.NoError(t, err)
		assert.Empty(t, rest)
		code, err := gen.Await(c, p.WaitForExit(true))
		require.NoError(t, err)
		assert.Zero(t, code)
		return struct{}{}, nil
	})
	require.NoError(t, err)
}

func TestExitCodesAndStderr(t *testing.T) {
	needs(t, "sh")
	l := newLoop(t)
	_, err := gen.Run(l, 10*time.Second, func(c *gen.Co) (struct{}, error) {
		p, err := New(l, exec.Command("sh", "-c", "echo oops >&2; exit 3"), Options{Stderr: true})
		require.NoError(t, err)
		var called int
		p.SetExitCallback(func(code int) { called = code })
		msg, err := gen.Await(c, p.Stderr.ReadUntilClose())
		require.NoError(t, err)
		assert.Equal(t, "oops\n", string(msg))
		code, err := gen.Await(c, p.WaitForExit(false))
		require.NoError(t, err)
		assert.Equal(t, 3, code)
		assert.Equal(t, 3, called)
		_, err = gen.Await(c, p.WaitForExit(true))
		var cpe *CalledProcessError
		require.ErrorAs(t, err, &cpe)
		assert.Equal(t, 3, cpe.ReturnCode)
		assert.Contains(t, cpe.Error(), "exit 3")

		k, err := New(l, exec.Command("sh", "-c", "kill -TERM $$"), Options{})
		require.NoError(t, err)
		code, _ = gen.Await(c, k.WaitForExit(false))
		assert.Equal(t, -int(syscall.SIGTERM), code, "killed by a signal: minus the signal, as Tornado")
		return struct{}{}, nil
	})
	require.NoError(t, err)
}

func TestStartFailure(t *testing.T) {
	testutil.CheckLeaks(t)
	l := newLoop(t)
	_, err := New(l, exec.Command("/nonexistent/program"), Options{Stdin: true, Stdout: true})
	assert.Error(t, err)
}

func TestCPUCount(t *testing.T) {
	assert.GreaterOrEqual(t, CPUCount(), 1)
}
