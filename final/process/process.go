// Subprocess: a child process whose standard streams are PipeIOStreams on a
// loop, and whose exit resolves a Future (Tornado's process.Subprocess).

package process

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/iostream"
)

// CalledProcessError is WaitForExit's error for a child that exited with a
// non-zero code (Python's subprocess.CalledProcessError, which Tornado
// raises).
type CalledProcessError struct {
	// Args is the command line.
	Args []string
	// ReturnCode is the exit code, or minus the signal number that killed
	// the child.
	ReturnCode int
}

// Error implements error.
func (e *CalledProcessError) Error() string {
	return fmt.Sprintf("process: command %q returned non-zero exit status %d", strings.Join(e.Args, " "), e.ReturnCode)
}

// Options choose which standard streams become PipeIOStreams (Tornado's
// Subprocess.STREAM); the others are left as set on the exec.Cmd.
type Options struct {
	// Stdin, Stdout and Stderr make the matching stream a pipe.
	Stdin, Stdout, Stderr bool
}

// Subprocess is a running child process.
type Subprocess struct {
	// Stdin, Stdout and Stderr are the pipes asked for in Options, or nil.
	Stdin, Stdout, Stderr *iostream.PipeIOStream
	// Cmd is the command, started.
	Cmd *exec.Cmd
	// loop runs the streams and the exit callbacks.
	loop *ioloop.IOLoop
	// exited resolves with the return code when the child exits.
	exited *concurrent.Future[int]
}

// New starts cmd with the pipes asked for, on loop. Call it on the loop's
// goroutine (the streams are created there). A goroutine waits for the
// child and reports its exit to the loop: Go's os/exec reaps children
// itself, so Tornado's SIGCHLD handler has no counterpart.
func New(loop *ioloop.IOLoop, cmd *exec.Cmd, opts Options) (*Subprocess, error) {
	p := &Subprocess{Cmd: cmd, loop: loop, exited: concurrent.NewFuture[int]()}
	var parentEnds []*os.File
	var childEnds []*os.File
	cleanup := func() {
		for _, f := range append(parentEnds, childEnds...) {
			f.Close()
		}
	}
	pipe := func(childReads bool) (*os.File, error) {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		if childReads {
			childEnds = append(childEnds, r)
			parentEnds = append(parentEnds, w)
			return w, nil
		}
		childEnds = append(childEnds, w)
		parentEnds = append(parentEnds, r)
		return r, nil
	}
	var in, out, errf *os.File
	var err error
	if opts.Stdin {
		if in, err = pipe(true); err != nil {
			cleanup()
			return nil, err
		}
		cmd.Stdin = childEnds[len(childEnds)-1]
	}
	if opts.Stdout {
		if out, err = pipe(false); err != nil {
			cleanup()
			return nil, err
		}
		cmd.Stdout = childEnds[len(childEnds)-1]
	}
	if opts.Stderr {
		if errf, err = pipe(false); err != nil {
			cleanup()
			return nil, err
		}
		cmd.Stderr = childEnds[len(childEnds)-1]
	}
	if err := cmd.Start(); err != nil {
		cleanup()
		return nil, fmt.Errorf("process: %w", err)
	}
	for _, f := range childEnds {
		f.Close() // the child has its copies
	}
	for _, pair := range []struct {
		f   *os.File                // the parent's end
		dst **iostream.PipeIOStream // where its stream goes
	}{{in, &p.Stdin}, {out, &p.Stdout}, {errf, &p.Stderr}} {
		if pair.f == nil {
			continue
		}
		s, err := iostream.PipeFromFile(loop, pair.f)
		if err != nil {
			cmd.Process.Kill()
			return nil, err
		}
		*pair.dst = s
	}
	go func() {
		werr := cmd.Wait()
		code := returnCode(cmd, werr)
		loop.AddCallback(func() { p.exited.SetResult(code) })
	}()
	return p, nil
}

// returnCode is Tornado's returncode: the exit status, or minus the signal.
func returnCode(cmd *exec.Cmd, err error) int {
	st := cmd.ProcessState
	if st == nil {
		return -1
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return -int(ws.Signal())
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return st.ExitCode()
}

// CPUCount returns the number of processors (Tornado's cpu_count): the
// default number of loops in an ioloop.Group is GOMAXPROCS, which starts
// at this.
func CPUCount() int { return runtime.NumCPU() }

// Pid returns the child's process id.
func (p *Subprocess) Pid() int { return p.Cmd.Process.Pid }

// WaitForExit returns a Future of the child's return code (Tornado's
// wait_for_exit). With raiseError, a non-zero code is instead a
// *CalledProcessError.
func (p *Subprocess) WaitForExit(raiseError bool) *concurrent.Future[int] {
	return concurrent.Then(p.exited, func(code int) (int, error) {
		if raiseError && code != 0 {
			return code, &CalledProcessError{Args: p.Cmd.Args, ReturnCode: code}
		}
		return code, nil
	})
}

// SetExitCallback runs fn with the return code on the loop when the child
// exits (Tornado's set_exit_callback).
func (p *Subprocess) SetExitCallback(fn func(code int)) {
	p.exited.AddDoneCallback(func(f *concurrent.Future[int]) {
		code, _ := f.Result()
		fn(code)
	})
}
